"""The loaded dataset: six typed tables, their account time zone, data quality.

A :class:`Dataset` is what :func:`~poli_analytics.loading.load_dataset`
returns and what scoping, filtering and the metrics take. Its tables follow
the data contract, typed, plus a few columns derived once at load time so
that every later step is a plain filter and group-by:

``contacts.first_operator_id``
    The operator who wrote the contact's first operator message in the whole
    dataset (ties on ``sent_at`` broken by the smaller ``message_id``); empty
    when no operator ever wrote to the contact. Scoping blanks it when that
    operator is outside the viewer's scope.
``messages.contact_id``, ``department``, ``channel``, ``campaign``
    Copied from the message's chat. No column holds a message's local
    calendar day: ``sent_at`` is expressed in the account zone, so it is
    ``messages["sent_at"].dt.tz_localize(None).dt.normalize()``.

Categorical columns: the messages' ``ticket_id``, ``operator_id``,
``contact_id``, ``department``, ``channel`` and ``campaign``, and every enum
column (``messages.sender``, ``opportunities.kind``, ``payments.status``) are
pandas categoricals, an integer per row into one copy of each text, so ten
million messages do not hold ten million copies of a few names. They
compare for equality and filter like text (``.eq``, ``.isin``, ``==``);
for anything else (ordering, ``<``, ``max``, adding text, ``fillna`` or
assigning a value that is not yet a category) take ``.astype(str)`` first.
Their categories are in order of first appearance, not sorted. In a scoped
dataset the non-enum categoricals know only the values the viewer may see.
``opportunities.department``, ``channel``, ``campaign``
    Copied from the opportunity's chat; empty for an opportunity without one.
``payments.operator_id``, ``ticket_id``, ``department``, ``channel``, ``campaign``
    Copied from the payment's opportunity: the operator credited with a sale
    is the opportunity's creator.

``chats.response_s``, ``service_s``
    First response and closing minus assignment (or opening), in seconds;
    missing when an end is missing.
``*_code`` (``contact_code``, ``operator_code``, ``ticket_code``,
``opportunity_code``, ``first_operator_code``)
    Integer stand-ins for the text IDs (the row position of the ID in its own
    table; -1 for none), so that reports count integers instead of hashing
    text. 32-bit integers. They identify rows of the loaded dataset only and
    are not meant to be saved. The message table has none (at ten million
    messages they would take 120 MB): a filtered view works out the
    ``ticket_code``, ``operator_code`` and ``contact_code`` of the messages
    it keeps from their categoricals, and adds ``day``, the local date as
    days since 1970-01-01.

Money columns are renamed ``amount_cents`` and hold exact integer centavos.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DataQuality", "Dataset"]

#: The integer type of the derived ``*_code`` columns and of a view's ``day``.
CODE = np.int32
#: Rows taken at a time by the passes over every message that work in
#: blocks, so that their temporary arrays stay a few megabytes.
BLOCK_ROWS = 1 << 20

CHAT_ATTRIBUTES = ["department", "channel", "campaign"]
DERIVED_COLUMNS = {
    "contacts": ["contact_code", "first_operator_id", "first_operator_code"],
    "operators": ["operator_code"],
    "chats": ["ticket_code", "contact_code", "response_s", "service_s"],
    "messages": ["contact_id", *CHAT_ATTRIBUTES],
    "opportunities": [*CHAT_ATTRIBUTES, "operator_code", "opportunity_code"],
    "payments": [
        "operator_id", "ticket_id", *CHAT_ATTRIBUTES,
        "operator_code", "opportunity_code",
    ],
}  # fmt: skip


@dataclass(frozen=True)
class DataQuality:
    """What the loader noticed and fixed, for the caller to read.

    Attributes
    ----------
    duplicate_rows_dropped : dict of str to int
        Per table, exact duplicate rows (the same event delivered twice) that
        were dropped, so they are counted once.
    notes : list of str
        Other things worth knowing, such as IDs stored as numbers in Parquet.
    """

    duplicate_rows_dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def is_clean(self) -> bool:
        """True when nothing was dropped and nothing noted."""
        return not any(self.duplicate_rows_dropped.values()) and not self.notes

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "duplicate_rows_dropped": dict(self.duplicate_rows_dropped),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Dataset:
    """The six tables of one account, typed and checked.

    Attributes
    ----------
    contacts, operators, chats, messages, opportunities, payments : DataFrame
        The contract tables (see the module docstring for derived columns).
    tz : str
        The account time zone (IANA name) in which timestamps are expressed
        and calendar days are counted.
    quality : DataQuality
        Duplicates dropped and other notes from loading.
    partial : bool
        True when the tables hold only a slice of the account (an export
        read back): a filter value or a viewer absent from the slice is then
        not an error, since it may exist outside it.
    """

    contacts: pd.DataFrame
    operators: pd.DataFrame
    chats: pd.DataFrame
    messages: pd.DataFrame
    opportunities: pd.DataFrame
    payments: pd.DataFrame
    tz: str
    quality: DataQuality = field(default_factory=DataQuality)
    partial: bool = False
    # Things derived from the tables once and reused by every report on this
    # dataset (filter choices, operator messages in time order). A copy made
    # by ``with_tables`` starts with an empty cache.
    _derived: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def with_tables(self, **tables: pd.DataFrame) -> Dataset:
        """A copy with some tables replaced (the frames are not copied),
        keeping nothing :meth:`derived` from the original."""
        return replace(self, **tables)

    def derived(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()``, computed once per dataset and kept under ``key``.

        The tables are treated as read-only after loading, which is what
        makes keeping the result safe. pandas does not stop an edit in
        place (``dataset.messages.loc[...] = ...``), and a result kept from
        before it would not see it: to change a table, make a new dataset
        with :meth:`with_tables`, which keeps nothing. Callers must not
        mutate what they get back.
        """
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    def date_range(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last local calendar day with any event, or None if empty.

        The days are naive (local wall-clock) midnights, so a day whose
        midnight never happened (the start of summer time) is still a day.
        """
        stamps = pd.concat(
            [
                self.contacts["created_at"],
                self.chats["opened_at"],
                self.messages["sent_at"],
                self.opportunities["created_at"],
                self.payments["occurred_at"],
            ],
            ignore_index=True,
        ).dropna()
        if stamps.empty:
            return None
        local = stamps.dt.tz_localize(None)
        return local.min().normalize(), local.max().normalize()
