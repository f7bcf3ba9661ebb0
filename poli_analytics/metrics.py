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

from dataclasses import dataclass

import pandas as pd

from ._keys import lookup
from .dataset import DataQuality, Dataset
from .filtering import FilteredView, Selection, check_selection, filter_dataset
from .scoping import Viewer, scope_dataset

__all__ = ["COUNT_METRICS", "METRICS", "OperatorReport", "operator_report"]

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

_GROUP = "_group"
_TOTAL = "__total__"


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
    per_operator = _metrics(view, by_operator=True)
    # A row of mixed int and float columns would be upcast to float; as object
    # it keeps counts and centavos as exact integers.
    totals = _metrics(view, by_operator=False).astype(object).iloc[0].rename("totals")
    names = view.dataset.operators.set_index("operator_id")["name"]
    per_operator.index.name = "operator_id"
    per_operator = per_operator.reset_index()
    per_operator.insert(1, "operator_name", per_operator["operator_id"].map(names))
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


def _metrics(view: FilteredView, *, by_operator: bool) -> pd.DataFrame:
    """One row per group: each operator, or one row for everyone together."""

    def grouped(frame: pd.DataFrame) -> pd.DataFrame:
        key = frame["operator_id"] if by_operator else _TOTAL
        return frame.assign(**{_GROUP: key})

    messages = grouped(view.messages)
    opportunities = grouped(view.opportunities)
    payments = grouped(view.payments)
    paid = payments[payments["status"].eq("paid")]
    refunded = payments[payments["status"].eq("refunded")]

    pairs = messages.drop_duplicates([_GROUP, "contact_id", "local_date"])
    served = _served_contacts(messages, view)
    columns = {
        "interactions": pairs.groupby(_GROUP).size(),
        "customers": pairs.groupby(_GROUP)["contact_id"].nunique(),
        "new_customers": served[served["is_new"]]
        .groupby(_GROUP)["contact_id"]
        .nunique(),
        "opportunities": opportunities.groupby(_GROUP).size(),
        "sales": paid.groupby(_GROUP)["opportunity_id"].nunique(),
        "amount_sold_cents": paid.groupby(_GROUP)["amount_cents"].sum(),
        "refunds": refunded.groupby(_GROUP).size(),
        "refunded_amount_cents": refunded.groupby(_GROUP)["amount_cents"].sum(),
        "messages_sent": messages.groupby(_GROUP).size(),
    }
    table = pd.DataFrame(columns)
    if not by_operator and table.empty:
        table = pd.DataFrame(columns, index=pd.Index([_TOTAL]))
    table[COUNT_METRICS] = table[COUNT_METRICS].fillna(0).astype("int64")

    table["conversion"] = (table["sales"] / table["opportunities"]).where(
        table["opportunities"] > 0
    )
    table["average_ticket_cents"] = _divide_half_up(
        table["amount_sold_cents"], table["sales"]
    )
    chat_stats = _chat_stats(messages, view.dataset.chats)
    return table.join(chat_stats)[METRICS]


def _served_contacts(messages: pd.DataFrame, view: FilteredView) -> pd.DataFrame:
    """Distinct (group, writer, contact) with whether the contact is new for the writer.

    New: the contact was created within the period and its first operator
    message ever was written by this writer.
    """
    served = messages.drop_duplicates([_GROUP, "operator_id", "contact_id"])
    is_new = is_new_customer(view, served["contact_id"], served["operator_id"])
    return served.assign(is_new=is_new)


def is_new_customer(
    view: FilteredView, contact_ids: pd.Series, operator_ids: pd.Series
) -> pd.Series:
    """Whether each contact is a new customer of the operator beside it.

    True when the contact was created within the view's period and its first
    operator message ever was written by that operator. The two Series are
    aligned; the result has their index.
    """
    contacts = view.dataset.contacts.set_index("contact_id")
    created = lookup(contact_ids, contacts["created_at"])
    first = lookup(contact_ids, contacts["first_operator_id"])
    return view.in_period(created) & first.eq(operator_ids).fillna(False)


def _divide_half_up(amount: pd.Series, count: pd.Series) -> pd.Series:
    """``amount / count`` rounded half up to a whole number; missing when count is 0."""
    safe = count.where(count > 0, 1)
    quotient = (2 * amount + safe) // (2 * safe)
    return quotient.astype("Int64").where(count > 0)


def _chat_stats(messages: pd.DataFrame, chats: pd.DataFrame) -> pd.DataFrame:
    """Response time, service time and rating over the distinct chats of each group."""
    by_ticket = chats.set_index("ticket_id")
    start = by_ticket["assigned_at"].fillna(by_ticket["opened_at"])
    durations = pd.DataFrame(
        {
            "response_s": (by_ticket["first_response_at"] - start).dt.total_seconds(),
            "service_s": (by_ticket["closed_at"] - start).dt.total_seconds(),
            "rating": by_ticket["rating"].astype("float64"),
        }
    )
    served = messages.drop_duplicates([_GROUP, "ticket_id"])[[_GROUP, "ticket_id"]]
    # A lookup rather than a join: joining on an empty pyarrow-string index
    # fails in pandas 3.1 ("cannot construct ChunkedArray from empty vector").
    served = served.assign(
        **{name: lookup(served["ticket_id"], durations[name]) for name in durations}
    )
    stats = served.groupby(_GROUP).agg(
        median_response_time_s=("response_s", "median"),
        mean_response_time_s=("response_s", "mean"),
        mean_service_time_s=("service_s", "mean"),
        mean_rating=("rating", "mean"),
    )
    return stats.astype("Float64")
