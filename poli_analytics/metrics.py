"""The Operator Performance and Sales Report.

:func:`operator_report` scopes the dataset to the viewer, checks the
selection against that scope, filters, and computes per operator:

- ``interactions``: distinct (contact, local day) pairs on which the operator
  wrote at least one message within the period;
- ``customers``: distinct contacts among those interactions;
- ``new_customers``: those customers created within the period whose first
  operator message ever (whole dataset) was written by this operator;
- ``opportunities``: carts and payment requests the operator created within
  the period;
- ``sales``: the operator's opportunities with a ``paid`` payment within the
  period, whenever created; paid twice is one sale;
- ``amount_sold_cents``: the sum of those paid payments, in centavos;
- ``refunds`` / ``refunded_amount_cents``: ``refunded`` payments within the
  period (by the refund's date) and their sum, beside, never subtracted;
- ``conversion``: sales / opportunities (empty without opportunities; can
  exceed 1 when older opportunities are paid in the period);
- ``average_ticket_cents``: amount sold / sales, rounded half up;
- ``messages_sent``: operator messages written within the period;
- ``median_response_time_s``, ``mean_response_time_s``,
  ``mean_service_time_s``, ``mean_rating``: over the distinct chats the
  operator wrote in within the period (see ``docs/metrics.md``).

The totals recompute each metric over the whole view, so distinct counts
are never summed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import BLOCK_ROWS, DataQuality, Dataset
from .filtering import (
    FilteredView,
    Selection,
    check_selection,
    filter_choices,
    filter_dataset,
    operator_messages_in_time_order,
)
from .scoping import Viewer, scope_dataset

__all__ = [
    "COUNT_METRICS",
    "METRICS",
    "OperatorReport",
    "operator_report",
    "prepare_reports",
]

COUNT_METRICS = [
    "interactions",
    "customers",
    "new_customers",
    "opportunities",
    "sales",
    "amount_sold_cents",
    "refunds",
    "refunded_amount_cents",
    "messages_sent",
]
DERIVED_METRICS = [
    "conversion",
    "average_ticket_cents",
    "median_response_time_s",
    "mean_response_time_s",
    "mean_service_time_s",
    "mean_rating",
]
METRICS = COUNT_METRICS + DERIVED_METRICS


@dataclass(frozen=True)
class OperatorReport:
    """The report for one viewer and one selection.

    Attributes
    ----------
    operators : DataFrame
        One row per operator with activity in the view, sorted by name:
        ``operator_id``, ``operator_name`` and the columns of ``METRICS``.
        Counts are integers, money is integer centavos (``*_cents``),
        durations are seconds, ratios and means are floats (missing when
        there is nothing to divide).
    totals : Series
        The same metrics over all operators together, recomputed (distinct
        counts are not sums of the rows).
    selection, viewer : Selection, Viewer
        What was asked, and for whom.
    tz : str
        Account time zone of the local days.
    quality : DataQuality
        What the loader dropped or noted.
    """

    operators: pd.DataFrame
    totals: pd.Series
    selection: Selection
    viewer: Viewer
    tz: str
    quality: DataQuality


def operator_report(
    dataset: Dataset,
    selection: Selection | None = None,
    *,
    viewer: Viewer | None = None,
) -> OperatorReport:
    """Compute the Operator Performance and Sales Report.

    Parameters
    ----------
    dataset : Dataset
        From :func:`~poli_analytics.load_dataset`.
    selection : Selection, optional
        Period and filters; default the whole history, no filters.
    viewer : Viewer, optional
        Whose report it is; default a manager. Scoping happens first, so
        nothing outside the viewer's scope reaches the metrics.

    Raises
    ------
    ScopeError
        A filter value outside the viewer's scope.
    SelectionError
        A filter value absent from the data (manager), or a viewer whose
        department or operator ID is not in the data.

    Examples
    --------
    >>> from poli_analytics import load_dataset, sample_data_dir
    >>> data = load_dataset(sample_data_dir())
    >>> report = operator_report(data, Selection(start="2025-01-01", end="2025-01-31"))
    >>> int(report.totals["customers"]) <= int(report.operators["customers"].sum())
    True
    """
    if not isinstance(dataset, Dataset):
        msg = (
            "dataset must be a Dataset (from load_dataset, read_export or "
            f"dataset_from_frames), not {type(dataset).__name__}; "
            "operator_report scopes and filters it itself"
        )
        raise TypeError(msg)
    selection = selection or Selection()
    viewer = viewer or Viewer()
    if not isinstance(selection, Selection):
        msg = f"selection must be a Selection, not {selection!r}"
        raise TypeError(msg)
    scoped = scope_dataset(dataset, viewer)
    check_selection(scoped, selection, viewer, whole=dataset)
    view = filter_dataset(scoped, selection)
    return report_from_view(view, selection=selection, viewer=viewer)


def report_from_view(
    view: FilteredView, *, selection: Selection, viewer: Viewer
) -> OperatorReport:
    """Compute the report from an already scoped and filtered view."""
    operators = view.dataset.operators
    sets = _message_sets(view.messages)
    per_operator = _metrics(view, sets, by_operator=True)
    # A row of mixed int and float columns would be upcast to float; as object
    # it keeps counts and centavos as exact integers.
    totals = _metrics(view, sets, by_operator=False)
    totals = totals.astype(object).iloc[0].rename("totals")
    by_code = operators.set_index("operator_code")
    for place, (column, source) in enumerate(
        (("operator_id", "operator_id"), ("operator_name", "name"))
    ):
        values = by_code[source].reindex(per_operator.index)
        per_operator.insert(place, column, values.to_numpy())
    per_operator = per_operator.sort_values(
        ["operator_name", "operator_id"], ignore_index=True
    )
    return OperatorReport(
        operators=per_operator,
        totals=totals,
        selection=selection,
        viewer=viewer,
        tz=view.dataset.tz,
        quality=view.dataset.quality,
    )


@dataclass(frozen=True)
class _MessageSets:
    """Distinct tuples of a view's messages, each a ``_distinct`` frame.

    ``visits``: (operator, contact, day); ``served``: (operator, contact);
    ``chats``: (operator, ticket). All integer codes.
    """

    visits: pd.DataFrame
    served: pd.DataFrame
    chats: pd.DataFrame


def _message_sets(messages: pd.DataFrame) -> _MessageSets:
    """The distinct (operator, contact, day), (operator, contact) and
    (operator, ticket) of ``messages``.

    The only passes over every message a report makes; both the operators'
    rows and the totals are counted from these much smaller sets (at ten
    million messages, about a quarter of the rows).
    """

    def codes(column: str) -> np.ndarray:
        return messages[column].to_numpy()  # 32-bit: _distinct widens once

    operator = codes("operator_code")
    visits = _distinct(operator, codes("contact_code"), codes("day"))
    served = _distinct(visits["group"].to_numpy(), visits["c0"].to_numpy())
    chats = _distinct(operator, codes("ticket_code"))
    return _MessageSets(visits, served, chats)


def _metrics(
    view: FilteredView,
    sets: _MessageSets,
    *,
    by_operator: bool,
) -> pd.DataFrame:
    """One row per group: each operator with activity, or one row for everyone.

    Groups are integer operator codes (or a single group 0 for the totals);
    every distinct count is a count of distinct integer tuples per group, so
    a total recounts the distinct (contact, day), contacts and chats instead
    of summing the rows. ``sets`` is :func:`_message_sets` of the view.
    """
    messages, opportunities = view.messages, view.opportunities
    paid = view.payments[view.payments["status"].eq("paid")]
    refunded = view.payments[view.payments["status"].eq("refunded")]

    def group(codes: np.ndarray) -> np.ndarray:
        # For everyone, one group 0 (one byte per row: it is only packed).
        return codes if by_operator else np.zeros(len(codes), dtype=np.int8)

    def operators_of(frame: pd.DataFrame) -> np.ndarray:
        return group(frame["operator_code"].to_numpy())

    def count_rows(frame: pd.DataFrame) -> np.ndarray:
        # Rows per operator (a count needs no array of zeros for everyone).
        if not by_operator:
            return np.array([len(frame)], dtype=np.int64)
        return np.bincount(frame["operator_code"].to_numpy(), minlength=size)

    frames = (messages, opportunities, paid, refunded)
    size = 1
    if by_operator:
        size += max(
            (int(f["operator_code"].max()) for f in frames if len(f)), default=0
        )

    def tally(operator: np.ndarray, *keys: np.ndarray) -> np.ndarray:
        # (operator, keys) rows are distinct already: per operator, a count of
        # rows; for everyone, the keys are recounted, never summed.
        if by_operator:
            return np.bincount(operator, minlength=size)
        return _count_distinct(size, group(operator), *keys)

    visits, served = sets.visits, sets.served
    served_operator = served["group"].to_numpy()
    served_contact = served["c0"].to_numpy()
    new = is_new_customer(view, served["group"], served["c0"])
    columns = {
        "interactions": tally(
            visits["group"].to_numpy(), visits["c0"].to_numpy(), visits["c1"].to_numpy()
        ),
        "customers": tally(served_operator, served_contact),
        "new_customers": tally(served_operator[new], served_contact[new]),
        "opportunities": count_rows(opportunities),
        "sales": _count_distinct(
            size, operators_of(paid), paid["opportunity_code"].to_numpy(dtype=np.int64)
        ),
        "amount_sold_cents": _sum(size, operators_of(paid), paid["amount_cents"]),
        "refunds": count_rows(refunded),
        "refunded_amount_cents": _sum(
            size, operators_of(refunded), refunded["amount_cents"]
        ),
        "messages_sent": count_rows(messages),
    }
    table = pd.DataFrame(columns).astype("int64")
    if by_operator:
        active = table[["interactions", "opportunities", "sales", "refunds"]].gt(0)
        table = table[active.any(axis=1)]
    table["conversion"] = (table["sales"] / table["opportunities"]).where(
        table["opportunities"] > 0
    )
    table["average_ticket_cents"] = _divide_half_up(
        table["amount_sold_cents"], table["sales"]
    )
    chats = sets.chats
    if not by_operator:
        chats = _distinct(group(chats["group"].to_numpy()), chats["c0"].to_numpy())
    stats = _chat_stats(chats, view.dataset)
    return table.join(stats)[METRICS]


def _distinct(group: np.ndarray, *keys: np.ndarray) -> pd.DataFrame:
    """The distinct (group, key...) rows, as columns ``group``, ``c0``, ``c1``...

    In order of first appearance, except where few tuples are possible
    (then sorted). The integer columns are packed into one int64 (mixed
    radix) and hashed once, or marked in a table of flags when there are at
    most ``_MARKED_SPAN`` possible tuples; past 2**62 combinations it falls
    back to ``drop_duplicates``. When the last key never decreases (the
    local day of messages in time order), rows are taken in blocks that
    start where that key changes: no tuple is in two blocks, and each
    block's hash table is small (faster, and a fraction of the memory).
    """
    n = len(group)
    if keys and n > BLOCK_ROWS:
        last = keys[-1]
        if (last[1:] >= last[:-1]).all():
            wanted = last[np.arange(BLOCK_ROWS, n, BLOCK_ROWS)]
            cuts = np.unique(np.searchsorted(last, wanted, side="left"))
            edges = [0, *cuts[cuts > 0].tolist(), n]
            pieces = [
                _distinct_rows(group[a:b], *(k[a:b] for k in keys))
                for a, b in itertools.pairwise(edges)
            ]
            return pd.concat(pieces, ignore_index=True)
    return _distinct_rows(group, *keys)


#: Up to this many possible tuples, distinct rows are marked in a table of
#: flags (one byte each) rather than hashed.
_MARKED_SPAN = 1 << 24


def _distinct_rows(group: np.ndarray, *keys: np.ndarray) -> pd.DataFrame:
    """:func:`_distinct` of rows taken all at once."""
    columns = [group, *keys]
    if not len(group):
        return pd.DataFrame(
            {"group": group, **{f"c{i}": k for i, k in enumerate(keys)}}
        )
    lows = [int(c.min()) for c in columns]
    spans = [int(c.max()) - low + 1 for c, low in zip(columns, lows, strict=True)]
    possible = np.prod(spans, dtype=float)  # tuples the spans allow
    if possible >= 2.0**62:
        frame = pd.DataFrame({f"k{i}": c for i, c in enumerate(columns)})
        unique = frame.drop_duplicates(ignore_index=True).to_numpy().T
    else:
        # In place, one 64-bit array in all: the columns may be 32-bit.
        packed = np.subtract(columns[0], lows[0], dtype=np.int64)
        for column, low, span in zip(columns[1:], lows[1:], spans[1:], strict=True):
            packed *= span
            packed += column
            packed -= low
        if possible <= _MARKED_SPAN:
            # Few possible tuples (one contact, ticket or sale each, for
            # everyone): mark them in a table of flags, no hashing.
            seen = np.zeros(int(possible), dtype=bool)
            seen[packed] = True
            packed = np.flatnonzero(seen)
        else:
            packed = pd.unique(packed)
        unique = []
        for low, span in zip(reversed(lows), reversed(spans), strict=True):
            packed, digit = np.divmod(packed, span)
            unique.append(digit + low)
        unique.reverse()
    # The arrays are fresh: taken as they are, not copied into one block.
    return pd.DataFrame(
        {"group": unique[0], **{f"c{i}": k for i, k in enumerate(unique[1:])}},
        copy=False,
    )


def _count_distinct(size: int, group: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """How many distinct key tuples each group holds (length ``size``)."""
    distinct = _distinct(group, *keys)["group"].to_numpy()
    return np.bincount(distinct, minlength=size)


def _sum(size: int, group: np.ndarray, cents: pd.Series) -> np.ndarray:
    """Exact integer sums of centavos per group."""
    total = np.zeros(size, dtype=np.int64)
    np.add.at(total, group, cents.to_numpy(dtype=np.int64))
    return total


def is_new_customer(
    view: FilteredView, writer: pd.Series, contact: pd.Series
) -> np.ndarray:
    """Whether each contact is a new customer of the operator beside it.

    New: created within the period, and its first operator message ever was
    written by this operator. ``writer`` and ``contact`` are aligned integer
    codes (``operator_code``, ``contact_code``); one answer per pair.
    """
    contacts = view.dataset.contacts
    codes = contacts["contact_code"].to_numpy(dtype=np.int64)
    size = 1 + max(
        int(codes.max(initial=-1)), int(contact.max()) if len(contact) else -1
    )
    first = np.full(size, -1, dtype=np.int64)
    first[codes] = contacts["first_operator_code"].to_numpy(dtype=np.int64)
    created = np.zeros(size, dtype=bool)
    created[codes] = view.in_period(contacts["created_at"]).to_numpy()
    chosen = contact.to_numpy(dtype=np.int64)
    return created[chosen] & (first[chosen] == writer.to_numpy(dtype=np.int64))


def _chat_values(dataset: Dataset) -> dict[str, np.ndarray]:
    """Response time, service time (seconds) and rating of every chat, as
    float arrays indexed by ticket code (NaN when missing); built once per
    dataset."""

    def build() -> dict[str, np.ndarray]:
        chats = dataset.chats
        codes = chats["ticket_code"].to_numpy(dtype=np.int64)
        size = 1 + int(codes.max(initial=-1))
        values = {}
        for column in ("response_s", "service_s", "rating"):
            array = np.full(size, np.nan)
            array[codes] = chats[column].astype("float64").to_numpy(na_value=np.nan)
            values[column] = array
        return values

    return dataset.derived("chat_values", build)


def prepare_reports(dataset: Dataset) -> Dataset:
    """Derive now what every report on ``dataset`` needs, and return it.

    The filter choices, the operator messages in time order and each chat's
    response time, service time and rating are derived on the first report
    and kept on the dataset; this does it up front, so that the first
    report (a notebook's first click) costs what the later ones do. Call it
    on the dataset the reports will use: a scoped dataset (supervisor,
    operator) is a new dataset with its own. Optional: results never depend
    on it.
    """
    filter_choices(dataset)
    operator_messages_in_time_order(dataset)
    _chat_values(dataset)
    return dataset


def _divide_half_up(amount: pd.Series, count: pd.Series) -> pd.Series:
    """``amount / count`` rounded half up to a whole number; missing when count is 0."""
    safe = count.where(count > 0, 1)
    quotient = (2 * amount + safe) // (2 * safe)
    return quotient.astype("Int64").where(count > 0)


def _chat_stats(chats: pd.DataFrame, view_dataset: Dataset) -> pd.DataFrame:
    """Response time, service time and rating over the distinct chats of each group.

    ``chats`` holds distinct (``group``, ``c0`` = ticket code) rows;
    ``view_dataset`` is the scoped dataset. A chat whose end is missing is
    left out of that mean, never counted as zero.
    """
    by_code = _chat_values(view_dataset)
    group = chats["group"].to_numpy(dtype=np.int64)
    ticket = chats["c0"].to_numpy(dtype=np.int64)
    chats_per_group = np.bincount(group)
    present = np.flatnonzero(chats_per_group)
    size = len(chats_per_group)
    response = by_code["response_s"][ticket]

    def mean(values: np.ndarray) -> np.ndarray:
        # Plain float sums: exact for whole seconds and ratings (the usual
        # case). A missing value weighs 0 and adds 0.
        known = ~np.isnan(values)
        count = np.bincount(group, weights=known, minlength=size)[present]
        total = np.bincount(group, weights=np.where(known, values, 0.0), minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total[present] / np.maximum(count, 1), np.nan)

    median = pd.Series(response).groupby(group).median()
    stats = pd.DataFrame(
        {
            "median_response_time_s": median.reindex(present).to_numpy(),
            "mean_response_time_s": mean(response),
            "mean_service_time_s": mean(by_code["service_s"][ticket]),
            "mean_rating": mean(by_code["rating"][ticket]),
        },
        index=present,
    )
    return stats.astype("Float64")
