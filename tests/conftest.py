"""Shared helpers: build tiny datasets from literal rows.

``make_tables`` fills every contract column, so a test names only the cells
it is about; ``make_dataset`` runs them through the same checks as a file.
Timestamps are written as text, the way a CSV holds them.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

from poli_analytics import Dataset, dataset_from_frames
from poli_analytics._schema import TABLES

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def make_tables(**rows: list[dict[str, object]]) -> dict[str, pd.DataFrame]:
    """Six contract tables as text frames; absent cells are empty.

    Operators referenced anywhere are added to ``operators`` (named after
    their ID) unless given; contacts referenced by chats or opportunities are
    added (created 2024-01-01) unless given.
    """
    given = {name: list(rows.get(name, [])) for name in TABLES}
    known_ops = {r["operator_id"] for r in given["operators"]}
    for table in ("chats", "messages", "opportunities"):
        for row in given[table]:
            op = row.get("operator_id")
            if op and op not in known_ops:
                given["operators"].append({"operator_id": op, "name": f"Name {op}"})
                known_ops.add(op)
    known_contacts = {r["contact_id"] for r in given["contacts"]}
    for table in ("chats", "opportunities"):
        for row in given[table]:
            contact = row.get("contact_id")
            if contact and contact not in known_contacts:
                given["contacts"].append(
                    {"contact_id": contact, "created_at": "2024-01-01T12:00:00Z"}
                )
                known_contacts.add(contact)

    frames = {}
    for name, spec in TABLES.items():
        frame = pd.DataFrame(given[name], columns=spec.column_names, dtype="str")
        frames[name] = frame
    return frames


def make_dataset(*, tz: str = "America/Sao_Paulo", **rows) -> Dataset:
    """``make_tables`` loaded through the contract checks."""
    return dataset_from_frames(make_tables(**rows), tz=tz)


def chat(ticket: str, contact: str, **cells: object) -> dict[str, object]:
    """A chat row with department Vendas, channel whatsapp unless given."""
    return {
        "ticket_id": ticket,
        "contact_id": contact,
        "department": "Vendas",
        "channel": "whatsapp",
        "opened_at": "2025-03-01T12:00:00Z",
        **cells,
    }


def op_message(message: str, ticket: str, operator: str, sent_at: str) -> dict:
    """A message written by ``operator``."""
    return {
        "message_id": message,
        "ticket_id": ticket,
        "sent_at": sent_at,
        "sender": "operator",
        "operator_id": operator,
    }


def write_tables(folder, frames: dict[str, pd.DataFrame]) -> None:
    """Write frames as contract CSV files (empty cells for missing values)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)


@pytest.fixture
def small_tables() -> dict[str, pd.DataFrame]:
    """Two operators, two departments, one transfer, one sale and one refund.

    - k-1 (c-1, Vendas, whatsapp, campaign verão): Ana writes 12/03 10:00
      local, Bruno writes 12/03 11:00 local (a transfer).
    - k-2 (c-2, Suporte, instagram): Bruno writes 13/03 21:30 local (00:30Z
      on 14/03).
    - o-1 (cart, k-1, Ana, 100.00) paid 12/03; o-2 (Bruno, no chat, 50.00)
      paid 14/03 and refunded 10.00 on 20/03.
    """
    return make_tables(
        contacts=[
            {
                "contact_id": "c-1",
                "name": "Márcia",
                "created_at": "2025-03-12T09:00:00-03:00",
            },
            {"contact_id": "c-2", "created_at": "2024-05-01T12:00:00Z"},
        ],
        chats=[
            chat(
                "k-1",
                "c-1",
                operator_id="op-bruno",
                campaign="verão",
                opened_at="2025-03-12T12:55:00Z",
                assigned_at="2025-03-12T12:56:00Z",
                first_response_at="2025-03-12T13:00:00Z",
                closed_at="2025-03-12T14:56:00Z",
                rating="4",
                tags="vip",
            ),
            chat(
                "k-2",
                "c-2",
                operator_id="op-bruno",
                department="Suporte",
                channel="instagram",
                opened_at="2025-03-14T00:20:00Z",
                first_response_at="2025-03-14T00:30:00Z",
                rating="2",
            ),
        ],
        messages=[
            {
                "message_id": "m-1",
                "ticket_id": "k-1",
                "sent_at": "2025-03-12T12:55:00Z",
                "sender": "contact",
            },
            op_message("m-2", "k-1", "op-ana", "2025-03-12T13:00:00Z"),
            op_message("m-3", "k-1", "op-bruno", "2025-03-12T14:00:00Z"),
            op_message("m-4", "k-2", "op-bruno", "2025-03-14T00:30:00Z"),
        ],
        opportunities=[
            {
                "opportunity_id": "o-1",
                "kind": "cart",
                "ticket_id": "k-1",
                "contact_id": "c-1",
                "operator_id": "op-ana",
                "created_at": "2025-03-12T13:05:00Z",
                "amount": "100.00",
            },
            {
                "opportunity_id": "o-2",
                "kind": "payment_request",
                "contact_id": "c-2",
                "operator_id": "op-bruno",
                "created_at": "2025-03-14T12:00:00Z",
                "amount": "50.00",
            },
        ],
        payments=[
            {
                "payment_id": "p-1",
                "opportunity_id": "o-1",
                "status": "paid",
                "occurred_at": "2025-03-12T15:00:00Z",
                "amount": "100.00",
            },
            {
                "payment_id": "p-2",
                "opportunity_id": "o-2",
                "status": "paid",
                "occurred_at": "2025-03-14T13:00:00Z",
                "amount": "50.00",
            },
            {
                "payment_id": "p-3",
                "opportunity_id": "o-2",
                "status": "refunded",
                "occurred_at": "2025-03-20T13:00:00Z",
                "amount": "10.00",
            },
        ],
    )


@pytest.fixture
def small(small_tables) -> Dataset:
    """``small_tables`` loaded."""
    return dataset_from_frames(small_tables)


@pytest.fixture
def example():
    """The worked example of docs/metrics.md (Ana, Bruno, March 2025)."""

    def pay(pid, oid, status, when, amount):
        return {"payment_id": pid, "opportunity_id": oid, "status": status,
                "occurred_at": when, "amount": amount}  # fmt: skip

    return make_dataset(
        contacts=[
            {"contact_id": "c-1", "created_at": "2024-06-01T12:00:00Z"},
            {"contact_id": "c-2", "created_at": "2025-03-12T09:00:00-03:00"},
        ],
        chats=[
            chat(
                "k-1",
                "c-1",
                operator_id="bruno",
                opened_at="2025-03-12T12:55:00Z",
                assigned_at="2025-03-12T12:56:00Z",
                first_response_at="2025-03-12T13:00:00Z",
                closed_at="2025-03-12T14:56:00Z",
                rating="4",
            ),
            chat(
                "k-2",
                "c-2",
                operator_id="bruno",
                department="Suporte",
                opened_at="2025-03-14T00:20:00Z",
                first_response_at="2025-03-14T00:30:00Z",
                rating="2",
            ),
        ],  # fmt: skip
        messages=[
            op_message("m-1", "k-1", "ana", "2025-03-12T13:00:00Z"),
            op_message("m-2", "k-1", "ana", "2025-03-12T13:30:00Z"),
            op_message("m-3", "k-1", "bruno", "2025-03-12T14:00:00Z"),
            op_message("m-4", "k-2", "bruno", "2025-03-14T00:30:00Z"),
            op_message("m-5", "k-2", "bruno", "2025-03-14T11:00:00Z"),
        ],
        opportunities=[
            {
                "opportunity_id": "o-0",
                "kind": "cart",
                "ticket_id": "k-1",
                "contact_id": "c-1",
                "operator_id": "ana",
                "created_at": "2025-02-20T12:00:00Z",
                "amount": "0.30",
            },
            {
                "opportunity_id": "o-1",
                "kind": "cart",
                "ticket_id": "k-1",
                "contact_id": "c-1",
                "operator_id": "ana",
                "created_at": "2025-03-12T13:05:00Z",
                "amount": "100.00",
            },
            {
                "opportunity_id": "o-2",
                "kind": "payment_request",
                "contact_id": "c-2",
                "operator_id": "bruno",
                "created_at": "2025-03-14T12:00:00Z",
                "amount": "50.00",
            },
        ],  # fmt: skip
        payments=[
            pay("p-1", "o-1", "paid", "2025-03-12T15:00:00Z", "100.00"),
            pay("p-2", "o-2", "paid", "2025-03-14T13:00:00Z", "50.00"),
            pay("p-3", "o-2", "refunded", "2025-03-20T13:00:00Z", "10.00"),
            pay("p-4", "o-0", "paid", "2025-03-13T13:00:00Z", "0.10"),
            pay("p-5", "o-0", "paid", "2025-03-13T14:00:00Z", "0.20"),
        ],
    )


@pytest.fixture
def spreadsheet_data() -> Dataset:
    """``spreadsheet_dataset()``."""
    return spreadsheet_dataset()


def spreadsheet_dataset() -> Dataset:
    """One interaction, one cart and its sale, with everything a spreadsheet
    likes to mangle: contact 007, operator 0042, phone +5511987654321,
    accents, a formula-like name, R$ 1234.56, an evening time (21:45Z is
    18:45 local)."""
    return make_dataset(
        contacts=[
            {"contact_id": "007", "name": '=HYPERLINK("http://x")',
             "phone": "+5511987654321", "email": "joão@example.com",
             "created_at": "2025-03-01T12:00:00Z"},
        ],
        operators=[{"operator_id": "0042", "name": "Conceição Araújo"}],
        chats=[
            chat("k-1", "007", operator_id="0042", department="Pós-venda",
                 tags="promoção|vip", opened_at="2025-03-12T21:40:00Z",
                 assigned_at="2025-03-12T21:41:00Z",
                 first_response_at="2025-03-12T21:45:30Z"),
        ],
        messages=[op_message("m-1", "k-1", "0042", "2025-03-12T21:45:30Z")],
        opportunities=[
            {"opportunity_id": "o-1", "kind": "cart", "ticket_id": "k-1",
             "contact_id": "007", "operator_id": "0042",
             "created_at": "2025-03-12T21:50:00Z", "amount": "1234.56"},
        ],
        payments=[
            {"payment_id": "p-1", "opportunity_id": "o-1", "status": "paid",
             "occurred_at": "2025-03-12T22:00:00Z", "amount": "1234.56"},
        ],
    )  # fmt: skip
