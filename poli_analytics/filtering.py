"""The report selection: period and filters, checked against the viewer's scope.

The period is made of local calendar days in the account time zone, both
ends inclusive: ``[start 00:00, day after end 00:00)``. Department, channel
and ad campaign act on a message, opportunity or payment through its chat;
an opportunity without a chat passes only when none of those three filters
is set. The operator filter selects the writer of a message and the creator
of an opportunity (and so the seller of its payments), not the chat's
current holder.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._keys import distinct_text, is_in, positions
from .dataset import BLOCK_ROWS, CODE, Dataset
from .errors import ScopeError, SelectionError
from .scoping import Viewer

__all__ = ["FilteredView", "Selection", "filter_choices", "filter_dataset"]

FILTERS = {
    "departments": "department",
    "channels": "channel",
    "operators": "operator",
    "campaigns": "campaign",
}


#: Dates a selection may name; pandas timestamps cover this range comfortably.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)


def _as_tuple(values: Iterable[str] | str | None, name: str) -> tuple[str, ...]:
    """Filter values as a tuple of NFC text, in order, without repeats."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Iterable) or any(not isinstance(v, str) for v in values):
        msg = f"{name} must be text or a list of text, not {values!r}"
        raise SelectionError(msg)
    return tuple(dict.fromkeys(unicodedata.normalize("NFC", v.strip()) for v in values))


def _as_date(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            pass
    if not isinstance(value, dt.date) or value is pd.NaT:
        msg = f"{name} date {value!r} is not a date; expected YYYY-MM-DD"
        raise SelectionError(msg)
    if not EARLIEST <= value <= LATEST:
        msg = f"{name} date {value} is out of range; expected {EARLIEST} to {LATEST}"
        raise SelectionError(msg)
    return value


@dataclass(frozen=True)
class Selection:
    """Which period and which slices a report covers.

    Parameters
    ----------
    start, end : date or "YYYY-MM-DD" or None
        Local calendar days, both inclusive. ``None`` leaves that side open
        (the whole history of the data).
    departments, channels, operators, campaigns : iterable of str
        Keep only these values; empty means all. Operators are operator IDs.

    Examples
    --------
    >>> chosen = Selection(start="2025-03-01", end="2025-03-31", departments="Vendas")
    >>> chosen.start, chosen.departments
    (datetime.date(2025, 3, 1), ('Vendas',))
    """

    start: dt.date | None = None
    end: dt.date | None = None
    departments: tuple[str, ...] = field(default=())
    channels: tuple[str, ...] = field(default=())
    operators: tuple[str, ...] = field(default=())
    campaigns: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _as_date(self.start, "start"))
        object.__setattr__(self, "end", _as_date(self.end, "end"))
        for name in FILTERS:
            object.__setattr__(self, name, _as_tuple(getattr(self, name), name))
        if self.start and self.end and self.start > self.end:
            msg = f"start date {self.start} is after end date {self.end}"
            raise SelectionError(msg)

    def bounds(self, tz: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """The period as ``[lower, upper)`` instants in ``tz`` (None when open)."""

        def midnight(day: dt.date) -> pd.Timestamp:
            return pd.Timestamp(day).tz_localize(tz, nonexistent="shift_forward")

        lower = midnight(self.start) if self.start else None
        upper = midnight(self.end + dt.timedelta(days=1)) if self.end else None
        return lower, upper

    @property
    def filters_by_chat(self) -> bool:
        """True when a department, channel or campaign filter is set."""
        return bool(self.departments or self.channels or self.campaigns)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready description."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            **{name: list(getattr(self, name)) for name in FILTERS},
        }


def filter_choices(dataset: Dataset) -> dict[str, list[str]]:
    """The values each filter can take in ``dataset``, sorted.

    Call it on a scoped dataset to get the choices a viewer may pick from:
    nothing outside the scope appears. Operators are the writers of messages
    and creators of opportunities.
    """
    choices = dataset.derived("filter_choices", lambda: _choices(dataset))
    return {name: list(values) for name, values in choices.items()}


def _choices(dataset: Dataset) -> dict[str, tuple[str, ...]]:
    chats = dataset.chats
    people = distinct_text(
        dataset.messages["operator_id"], dataset.opportunities["operator_id"]
    )
    return {
        "departments": tuple(sorted(distinct_text(chats["department"]))),
        "channels": tuple(sorted(distinct_text(chats["channel"]))),
        "operators": tuple(sorted(people)),
        "campaigns": tuple(sorted(distinct_text(chats["campaign"]))),
    }


def check_selection(
    scoped: Dataset,
    selection: Selection,
    viewer: Viewer,
    *,
    whole: Dataset | None = None,
) -> None:
    """Refuse filter values the viewer cannot see (or that do not exist).

    ``whole`` is the dataset before scoping. When it is a partial dataset
    (an export read back), a value absent from it is let through, since it
    may exist outside the slice; a value present in it but outside the
    viewer's scope is still refused.

    Raises
    ------
    ScopeError
        For a supervisor or operator, a value outside their scope.
    SelectionError
        For a manager, a value that does not occur in the data.
    """
    if not any(getattr(selection, name) for name in FILTERS):
        return  # nothing to check, so no choices to work out
    choices = filter_choices(scoped)
    everything = filter_choices(whole) if whole is not None and whole.partial else None
    for name, label in FILTERS.items():
        outside = [v for v in getattr(selection, name) if v not in choices[name]]
        if everything is not None:
            outside = [v for v in outside if v in everything[name]]
        if not outside:
            continue
        values = ", ".join(repr(v) for v in outside)
        if viewer.role == "manager":
            msg = f"{label} {values} does not occur in the data"
            raise SelectionError(msg)
        msg = f"{label} {values} is outside the scope of {viewer.describe()}"
        raise ScopeError(msg)


#: The message columns a view keeps: what the metrics and the export count,
#: all integers but the instant. The text IDs and the rest of a message are
#: one look-up away in ``dataset.messages`` (``row``) or in the tables the
#: codes point into.
VIEW_MESSAGE_COLUMNS = [
    "row",
    "sent_at",
    "day",
    "ticket_code",
    "operator_code",
    "contact_code",
]


@dataclass(frozen=True)
class FilteredView:
    """The events a report counts, after scoping and the selection.

    Attributes
    ----------
    messages : DataFrame
        Operator messages sent within the period that pass the filters, in
        ``sent_at`` order, with the columns of ``VIEW_MESSAGE_COLUMNS``:
        ``row``, the message's row position in ``dataset.messages`` (so
        ``dataset.messages.iloc[view.messages["row"]]`` gives the whole
        messages), ``sent_at``, ``day`` and the integer codes.
    opportunities : DataFrame
        Opportunities created within the period that pass the filters.
    payments : DataFrame
        Payments (paid and refunded) within the period whose opportunity
        passes the filters, whenever that opportunity was created.
    dataset : Dataset
        The scoped dataset the view was cut from (for contacts and chats).
    lower, upper : Timestamp or None
        The period ``[lower, upper)``; None when that side is open.
    """

    messages: pd.DataFrame
    opportunities: pd.DataFrame
    payments: pd.DataFrame
    dataset: Dataset
    lower: pd.Timestamp | None
    upper: pd.Timestamp | None

    def in_period(self, stamps: pd.Series) -> pd.Series:
        """Mask of ``stamps`` within the period (missing stamps are outside)."""
        return _in_period(stamps, self.lower, self.upper)


def _in_period(
    stamps: pd.Series, lower: pd.Timestamp | None, upper: pd.Timestamp | None
) -> pd.Series:
    keep = stamps.notna()
    if lower is not None:
        keep &= stamps.ge(lower).fillna(False)
    if upper is not None:
        keep &= stamps.lt(upper).fillna(False)
    return keep


_FILTER_COLUMNS = {
    "departments": "department",
    "channels": "channel",
    "campaigns": "campaign",
    "operators": "operator_id",
}


def _passes(
    frame: pd.DataFrame, selection: Selection, names: Iterable[str] = _FILTER_COLUMNS
) -> pd.Series:
    """Rows of ``frame`` that pass the selection's filters ``names``."""
    keep = pd.Series(True, index=frame.index)
    for name in names:
        wanted = getattr(selection, name)
        if wanted:
            keep &= is_in(frame[_FILTER_COLUMNS[name]], wanted)
    return keep


_MICROSECONDS_PER_DAY = 86_400_000_000


def _local_days(stamps: pd.Series) -> np.ndarray:
    """The local calendar day of each time-zone-aware instant, in the
    instants' own zone, as whole days since 1970-01-01 (``CODE`` integers).

    The wall-clock time in integer microseconds, floored to its day: several
    times faster than numpy's calendar-aware ``datetime64[D]`` conversion,
    and right before 1970 too. ``stamps`` must have no missing values.
    """
    days = np.empty(len(stamps), dtype=CODE)
    for start in range(0, len(stamps), BLOCK_ROWS):
        block = stamps.iloc[start : start + BLOCK_ROWS]
        wall_clock = block.dt.tz_localize(None).dt.as_unit("us").to_numpy()
        days[start : start + len(block)] = (
            wall_clock.view(np.int64) // _MICROSECONDS_PER_DAY
        )
    return days


#: A view's code columns: each is the code of the row that a categorical ID
#: column of the messages names in another table (same column name there).
_VIEW_CODES = {
    "ticket_code": ("ticket_id", "chats"),
    "operator_code": ("operator_id", "operators"),
    "contact_code": ("contact_id", "contacts"),
}


def _code_of_each_category(
    categories: pd.Index, table: pd.DataFrame, column: str, code_name: str
) -> np.ndarray | None:
    """``table[code_name]`` of the row whose ``column`` is each of
    ``categories``, by category position; None when that is the position
    itself.

    In a dataset as loaded the messages' categories are the table's IDs in
    row order, and the codes are the row positions; a scoped dataset keeps
    fewer, looked up once each.
    """
    code = table[code_name].to_numpy()
    if categories.equals(pd.Index(table[column])):
        if len(code) == 0 or (code[0] == 0 and (np.diff(code) == 1).all()):
            return None
        return code
    at = positions(pd.Series(categories), table[column])
    if (at < 0).any():
        msg = f"messages name a {column} without a row in the dataset"
        raise AssertionError(msg)
    return code[at]


def _operator_messages(
    dataset: Dataset,
) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """Operator messages in ``sent_at`` order, and that order as an index.

    Built once per dataset, so that a period is two binary searches and a
    slice instead of a comparison over every message. Kept for as long as
    the dataset, so integers only (about a fifth of the memory of the
    messages' columns with their text), each column made once: ``row``
    holds the messages' labels, and the view is indexed by position.
    """
    messages = dataset.messages
    keep = messages["sender"].eq("operator") & messages["sent_at"].notna()
    rows = np.flatnonzero(keep.to_numpy(dtype=bool))
    instants = messages["sent_at"].to_numpy(dtype="datetime64[us]")[rows]
    # Exports are usually written in time order: one pass of comparisons
    # then spares the sort. Otherwise one stable sort of the instants.
    if (instants[1:] >= instants[:-1]).all():
        order = rows
    else:
        order = rows[np.argsort(instants, kind="stable")]
    del instants
    sent_at = pd.Series(messages["sent_at"].array.take(order), copy=False)
    columns = {
        "row": order.astype(CODE),
        "sent_at": sent_at,
        "day": _local_days(sent_at),
    }
    for name, (column, table_name) in _VIEW_CODES.items():
        values = messages[column]
        if not isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype("category")  # not a dataset as loaded
        of_category = _code_of_each_category(
            values.cat.categories, getattr(dataset, table_name), column, name
        )
        category = values.array.codes[order]  # no copy of every message's
        if (category < 0).any():  # every operator message names all three
            msg = f"operator messages without a {column}"
            raise AssertionError(msg)
        columns[name] = (
            category.astype(CODE) if of_category is None else of_category[category]
        )
    # Not copied into one block: each column is kept as made.
    written = pd.DataFrame(columns, copy=False)[VIEW_MESSAGE_COLUMNS]
    return written, pd.DatetimeIndex(written["sent_at"])


def operator_messages_in_time_order(
    dataset: Dataset,
) -> tuple[pd.DataFrame, pd.DatetimeIndex]:
    """The dataset's operator messages sorted by ``sent_at``, kept on it."""
    return dataset.derived("operator_messages", lambda: _operator_messages(dataset))


def filter_dataset(scoped: Dataset, selection: Selection) -> FilteredView:
    """Cut the events a report counts out of an already scoped dataset.

    Filtering never widens what scoping allowed: it only removes rows.
    """
    lower, upper = selection.bounds(scoped.tz)
    written, sent_at = operator_messages_in_time_order(scoped)
    first = 0 if lower is None else sent_at.searchsorted(lower, side="left")
    stop = len(sent_at) if upper is None else sent_at.searchsorted(upper, side="left")
    written = written.iloc[first:stop]
    if selection.filters_by_chat:
        # Decide once per chat, then look each message's chat up by its code;
        # a message whose chat is not in the scoped table does not pass.
        chats = scoped.chats
        chat_codes = chats["ticket_code"].to_numpy(dtype=np.int64)
        message_codes = written["ticket_code"].to_numpy(dtype=np.int64)
        size = 1 + max(chat_codes.max(initial=-1), message_codes.max(initial=-1))
        chat_passes = np.zeros(size, dtype=bool)
        chat_passes[chat_codes] = _passes(
            chats, selection, ("departments", "channels", "campaigns")
        ).to_numpy()
        written = written[chat_passes[message_codes]]
    if selection.operators:
        operators = scoped.operators
        wanted = operators.loc[
            _passes(operators, selection, ("operators",)), "operator_code"
        ]
        written = written[written["operator_code"].isin(wanted.to_numpy())]
    messages = written
    opportunities = scoped.opportunities
    opportunities = opportunities[
        _in_period(opportunities["created_at"], lower, upper)
        & _passes(opportunities, selection)
    ]
    payments = scoped.payments
    payments = payments[
        _in_period(payments["occurred_at"], lower, upper) & _passes(payments, selection)
    ]
    return FilteredView(messages, opportunities, payments, scoped, lower, upper)
