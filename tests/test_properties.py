"""Properties over random small datasets (Hypothesis).

- scoping never adds rows or operators, and is idempotent;
- operators' New Customers add up to the total;
- totals of distinct counts never exceed the sum of the rows (nor fall
  below the largest row), and additive metrics are exact sums;
- the report agrees with a plain-Python count written straight from the
  metric definitions.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from conftest import make_tables
from poli_analytics import (
    Selection,
    Viewer,
    dataset_from_frames,
    operator_report,
    scope_dataset,
)

TZ = "America/Sao_Paulo"
BASE = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
OPERATORS = ["op-1", "op-2", "op-3"]
CONTACTS = ["c-1", "c-2", "c-3", "c-4"]
DEPARTMENTS = ["Vendas", "Suporte"]


def stamp(minutes: int) -> str:
    return (BASE + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


# Minutes from 2025-03-01 00:00Z over ten days, so that local midnight
# (03:00Z) is crossed often.
minutes = st.integers(min_value=0, max_value=10 * 24 * 60)


@st.composite
def datasets(draw):
    n_chats = draw(st.integers(1, 5))
    chats = []
    for i in range(n_chats):
        chats.append(
            {
                "ticket_id": f"k-{i}",
                "contact_id": draw(st.sampled_from(CONTACTS)),
                "department": draw(st.sampled_from(DEPARTMENTS)),
                "channel": draw(st.sampled_from(["whatsapp", "instagram"])),
                "opened_at": stamp(0),
            }
        )
    messages = []
    for i in range(draw(st.integers(0, 14))):
        operator = draw(st.sampled_from([*OPERATORS, None]))
        messages.append(
            {
                "message_id": f"m-{i:02d}",
                "ticket_id": draw(st.sampled_from(chats))["ticket_id"],
                "sent_at": stamp(draw(minutes)),
                "sender": "operator" if operator else "contact",
                "operator_id": operator,
            }
        )
    opportunities = []
    for i in range(draw(st.integers(0, 6))):
        home = draw(st.sampled_from([*chats, None]))
        opportunities.append(
            {
                "opportunity_id": f"o-{i}",
                "kind": draw(st.sampled_from(["cart", "payment_request"])),
                "ticket_id": home["ticket_id"] if home else None,
                "contact_id": home["contact_id"]
                if home
                else draw(st.sampled_from(CONTACTS)),
                "operator_id": draw(st.sampled_from(OPERATORS)),
                "created_at": stamp(draw(minutes)),
                "amount": "1.00",
            }
        )
    payments = []
    if opportunities:
        for i in range(draw(st.integers(0, 8))):
            cents = draw(st.integers(0, 99_999))
            payments.append(
                {
                    "payment_id": f"p-{i}",
                    "opportunity_id": draw(st.sampled_from(opportunities))[
                        "opportunity_id"
                    ],
                    "status": draw(st.sampled_from(["paid", "paid", "refunded"])),
                    "occurred_at": stamp(draw(minutes)),
                    "amount": f"{cents // 100}.{cents % 100:02d}",
                }
            )
    contacts = [{"contact_id": c, "created_at": stamp(draw(minutes))} for c in CONTACTS]
    tables = make_tables(
        contacts=contacts,
        operators=[{"operator_id": o, "name": o.upper()} for o in OPERATORS],
        chats=chats,
        messages=messages,
        opportunities=opportunities,
        payments=payments,
    )
    return tables


periods = st.tuples(st.integers(0, 10), st.integers(0, 10)).map(
    lambda days: Selection(
        start=dt.date(2025, 3, 1) + dt.timedelta(days=min(days)),
        end=dt.date(2025, 3, 1) + dt.timedelta(days=max(days)),
    )
)
viewers = st.sampled_from(
    [
        Viewer.supervisor("Vendas"),
        Viewer.supervisor("Suporte"),
        Viewer.supervisor("Vendas", "Suporte"),
        *(Viewer.operator(o) for o in OPERATORS),
    ]
)


def _tables(dataset):
    return {
        name: getattr(dataset, name)
        for name in (
            "contacts",
            "operators",
            "chats",
            "messages",
            "opportunities",
            "payments",
        )
    }


@given(datasets(), viewers)
def test_scoping_never_adds_rows_and_is_idempotent(tables, viewer):
    data = dataset_from_frames(tables, tz=TZ)
    if viewer.role == "supervisor" and not set(viewer.departments) <= set(
        data.chats["department"]
    ):
        return  # refused up front; covered in test_scoping
    scoped = scope_dataset(data, viewer)
    for name, frame in _tables(scoped).items():
        whole = _tables(data)[name]
        assert len(frame) <= len(whole)
        key = frame.columns[0]
        assert set(frame[key]) <= set(whole[key])
    again = scope_dataset(scoped, viewer)
    for name, frame in _tables(again).items():
        pd.testing.assert_frame_equal(frame, _tables(scoped)[name])

    everyone = set(operator_report(data).operators["operator_id"])
    seen = set(operator_report(data, viewer=viewer).operators["operator_id"])
    assert seen <= everyone
    if viewer.role == "operator":
        assert seen <= {viewer.operator_id}


@given(datasets(), periods)
def test_totals_against_the_rows(tables, selection):
    report = operator_report(dataset_from_frames(tables, tz=TZ), selection)
    rows, totals = report.operators, report.totals
    assert totals["new_customers"] == rows["new_customers"].sum()
    for metric in ("interactions", "customers"):
        assert totals[metric] <= rows[metric].sum()
        assert totals[metric] >= (rows[metric].max() if len(rows) else 0)
    for metric in (
        "opportunities",
        "sales",
        "amount_sold_cents",
        "refunds",
        "refunded_amount_cents",
        "messages_sent",
    ):
        assert totals[metric] == rows[metric].sum()


def lookup(frame: pd.DataFrame, key: str, value: str) -> dict:
    """``{key: value}`` from two columns of a frame."""
    return dict(zip(frame[key], frame[value], strict=True))


@given(datasets(), periods)
def test_report_matches_the_definitions(tables, selection):
    """Recount with sets and loops straight from SPEC's wording."""
    report = operator_report(dataset_from_frames(tables, tz=TZ), selection)
    zone = ZoneInfo(TZ)

    def local_day(text):
        return dt.datetime.fromisoformat(text).astimezone(zone).date()

    def in_period(text):
        return selection.start <= local_day(text) <= selection.end

    contact_of = lookup(tables["chats"], "ticket_id", "contact_id")
    created = lookup(tables["contacts"], "contact_id", "created_at")
    creator = lookup(tables["opportunities"], "opportunity_id", "operator_id")
    first_writer = {}
    for msg in sorted(
        tables["messages"].to_dict("records"),
        key=lambda m: (m["sent_at"], m["message_id"]),
    ):
        if msg["sender"] == "operator":
            first_writer.setdefault(contact_of[msg["ticket_id"]], msg["operator_id"])

    expected = {}
    for op in OPERATORS:
        pairs = {
            (contact_of[m["ticket_id"]], local_day(m["sent_at"]))
            for m in tables["messages"].to_dict("records")
            if m["operator_id"] == op and in_period(m["sent_at"])
        }
        customers = {c for c, _ in pairs}
        paid = [
            p
            for p in tables["payments"].to_dict("records")
            if p["status"] == "paid"
            and creator[p["opportunity_id"]] == op
            and in_period(p["occurred_at"])
        ]
        expected[op] = {
            "interactions": len(pairs),
            "customers": len(customers),
            "new_customers": sum(
                1
                for c in customers
                if in_period(created[c]) and first_writer.get(c) == op
            ),
            "opportunities": sum(
                1
                for o in tables["opportunities"].to_dict("records")
                if o["operator_id"] == op and in_period(o["created_at"])
            ),
            "sales": len({p["opportunity_id"] for p in paid}),
            "amount_sold_cents": sum(int(p["amount"].replace(".", "")) for p in paid),
        }
    got = {r["operator_id"]: r for r in report.operators.to_dict("records")}
    for op, metrics in expected.items():
        if op not in got:
            assert not any(metrics.values()), (op, metrics)
            continue
        assert {m: got[op][m] for m in metrics} == metrics
