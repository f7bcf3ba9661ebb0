"""The data contract: tables, columns, what each column holds.

One place that the loader, the validator and the generator read, so the
column names are spelled once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal["id", "text", "timestamp", "money", "enum", "rating", "tags"]


@dataclass(frozen=True)
class Column:
    """One contract column.

    ``required`` means a value must be present in every row; ``choices`` lists
    the allowed values of an ``enum`` column.
    """

    name: str
    kind: ColumnKind
    required: bool = True
    choices: tuple[str, ...] = ()

    @property
    def typed_name(self) -> str:
        """The column's name once loaded: money becomes ``amount_cents``."""
        return f"{self.name}_cents" if self.kind == "money" else self.name


@dataclass(frozen=True)
class Table:
    """One contract table and its primary key."""

    name: str
    key: str
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        """The contract columns in contract order."""
        return [c.name for c in self.columns]


SENDERS = ("contact", "operator", "bot")
KINDS = ("cart", "payment_request")
STATUSES = ("paid", "refunded")

CONTACTS = Table(
    "contacts",
    "contact_id",
    (
        Column("contact_id", "id"),
        Column("name", "text", required=False),
        Column("email", "text", required=False),
        Column("phone", "text", required=False),
        Column("created_at", "timestamp"),
    ),
)
OPERATORS = Table(
    "operators",
    "operator_id",
    (Column("operator_id", "id"), Column("name", "text")),
)
CHATS = Table(
    "chats",
    "ticket_id",
    (
        Column("ticket_id", "id"),
        Column("contact_id", "id"),
        Column("operator_id", "id", required=False),
        Column("department", "text"),
        Column("channel", "text"),
        Column("campaign", "text", required=False),
        Column("opened_at", "timestamp"),
        Column("assigned_at", "timestamp", required=False),
        Column("first_response_at", "timestamp", required=False),
        Column("closed_at", "timestamp", required=False),
        Column("rating", "rating", required=False),
        Column("tags", "tags", required=False),
    ),
)
MESSAGES = Table(
    "messages",
    "message_id",
    (
        Column("message_id", "id"),
        Column("ticket_id", "id"),
        Column("sent_at", "timestamp"),
        Column("sender", "enum", choices=SENDERS),
        # Required exactly when sender is "operator"; checked by the validator.
        Column("operator_id", "id", required=False),
    ),
)
OPPORTUNITIES = Table(
    "opportunities",
    "opportunity_id",
    (
        Column("opportunity_id", "id"),
        Column("kind", "enum", choices=KINDS),
        Column("ticket_id", "id", required=False),
        Column("contact_id", "id"),
        Column("operator_id", "id"),
        Column("created_at", "timestamp"),
        Column("amount", "money"),
    ),
)
PAYMENTS = Table(
    "payments",
    "payment_id",
    (
        Column("payment_id", "id"),
        Column("opportunity_id", "id"),
        Column("status", "enum", choices=STATUSES),
        Column("occurred_at", "timestamp"),
        Column("amount", "money"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (CONTACTS, OPERATORS, CHATS, MESSAGES, OPPORTUNITIES, PAYMENTS)
}

DEFAULT_TZ = "America/Sao_Paulo"
