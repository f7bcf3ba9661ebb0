"""Filters: period bounds, chat attributes, the operator filter."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import chat, make_dataset, op_message
from poli_analytics import (
    Selection,
    SelectionError,
    Viewer,
    filtering,
    load_dataset,
    operator_report,
    sample_data_dir,
    scope_dataset,
)
from poli_analytics.filtering import filter_dataset


@pytest.fixture
def two_chats():
    """k-1 Vendas/whatsapp/verão with o-1 (Ana); k-2 Suporte/instagram with
    Bruno's message; o-2 by Ana without a chat. Both paid on 12/03."""
    return make_dataset(
        chats=[
            chat("k-1", "c-1", campaign="verão"),
            chat("k-2", "c-2", department="Suporte", channel="instagram"),
        ],
        messages=[
            op_message("m-1", "k-1", "ana", "2025-03-12T12:00:00Z"),
            op_message("m-2", "k-2", "bruno", "2025-03-12T12:00:00Z"),
            op_message("m-3", "k-2", "ana", "2025-03-12T13:00:00Z"),
        ],
        opportunities=[
            {
                "opportunity_id": "o-1",
                "kind": "cart",
                "ticket_id": "k-1",
                "contact_id": "c-1",
                "operator_id": "ana",
                "created_at": "2025-03-12T12:00:00Z",
                "amount": "10",
            },
            {
                "opportunity_id": "o-2",
                "kind": "cart",
                "contact_id": "c-2",
                "operator_id": "ana",
                "created_at": "2025-03-12T12:00:00Z",
                "amount": "20",
            },
        ],
        payments=[
            {
                "payment_id": "p-1",
                "opportunity_id": "o-1",
                "status": "paid",
                "occurred_at": "2025-03-12T14:00:00Z",
                "amount": "10",
            },
            {
                "payment_id": "p-2",
                "opportunity_id": "o-2",
                "status": "paid",
                "occurred_at": "2025-03-12T14:00:00Z",
                "amount": "20",
            },
        ],
    )


def totals(data, **selection):
    return operator_report(data, Selection(**selection)).totals


def test_opportunity_without_chat_passes_only_without_chat_filters(two_chats):
    assert totals(two_chats)["opportunities"] == 2
    assert totals(two_chats, operators=["ana"])["amount_sold_cents"] == 3000
    assert totals(two_chats, departments=["Vendas"])["opportunities"] == 1
    assert totals(two_chats, channels=["whatsapp"])["amount_sold_cents"] == 1000
    assert totals(two_chats, campaigns=["verão"])["sales"] == 1


def test_several_values_are_a_union(two_chats):
    both = totals(two_chats, departments=["Vendas", "Suporte"])
    assert (both["interactions"], both["opportunities"]) == (2, 1)


def test_operator_filter_selects_the_writer(two_chats):
    bruno = operator_report(two_chats, Selection(operators=["bruno"]))
    assert list(bruno.operators["operator_id"]) == ["bruno"]
    assert bruno.totals["messages_sent"] == 1
    assert bruno.totals["sales"] == 0


def test_filters_combine(two_chats):
    got = totals(two_chats, departments=["Suporte"], operators=["ana"])
    assert (got["interactions"], got["messages_sent"], got["sales"]) == (1, 1, 0)


def test_period_bounds_are_local_midnights():
    lower, upper = Selection(start="2025-03-10", end="2025-03-10").bounds(
        "America/Sao_Paulo"
    )
    assert lower == pd.Timestamp("2025-03-10T03:00:00Z")
    assert upper == pd.Timestamp("2025-03-11T03:00:00Z")
    assert Selection().bounds("UTC") == (None, None)


def test_selection_accepts_dates_and_text():
    chosen = Selection(
        start=dt.date(2025, 3, 1), end="2025-03-31", departments="Vendas"
    )
    assert chosen.end == dt.date(2025, 3, 31)
    assert chosen.departments == ("Vendas",)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": "2025-03-31", "end": "2025-03-01"}, "is after end date"),
        ({"start": "31/03/2025"}, "start date '31/03/2025' is not a date"),
        ({"end": "2025-02-30"}, "end date '2025-02-30' is not a date"),
    ],
)
def test_bad_selections_are_refused(kwargs, match):
    with pytest.raises(SelectionError, match=match):
        Selection(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": "20250301"}, "start date '20250301' is not a date"),
        ({"start": "2025-W10-1"}, "is not a date"),
        ({"end": pd.NaT}, "end date NaT is not a date"),
        ({"end": "9999-12-31"}, "out of range; expected 1900-01-01 to 2199-12-31"),
        ({"departments": 123}, "departments must be text or a list of text"),
        ({"operators": ["ana", 7]}, "operators must be text or a list of text"),
    ],
)
def test_malformed_selections_are_refused(kwargs, match):
    with pytest.raises(SelectionError, match=match):
        Selection(**kwargs)


def test_filter_values_are_trimmed_and_in_one_unicode_form():
    chosen = Selection(departments=[" Po\u0301s-venda ", "P\u00f3s-venda"])
    assert chosen.departments == ("P\u00f3s-venda",)


@pytest.mark.parametrize("block_rows", [3, 1 << 20])
@pytest.mark.parametrize("given_in_time_order", [True, False])
def test_view_holds_operator_messages_in_time_order_with_local_days(
    monkeypatch, given_in_time_order, block_rows
):
    # Local days are worked out a block of messages at a time.
    monkeypatch.setattr(filtering, "BLOCK_ROWS", block_rows)
    # Local days in America/Sao_Paulo, as days since 1970-01-01, by hand:
    # 1970-01-01T02:30Z is 23:30 on 1969-12-31 (-1); 2018-11-04T02:59Z is
    # 23:59 on 2018-11-03 (17838), the minute before clocks jumped from 00:00
    # to 01:00; 2018-11-04T03:30Z is 01:30 on 2018-11-04 (17839);
    # 2025-03-12T02:00Z is 23:00 on 2025-03-11 (20158).
    timed = [
        op_message("m-old", "k-1", "ana", "1970-01-01T02:30:00Z"),
        op_message("m-eve", "k-1", "ana", "2018-11-04T02:59:00Z"),
        op_message("m-dst", "k-1", "bia", "2018-11-04T03:30:00Z"),
        op_message("m-new", "k-1", "ana", "2025-03-12T02:00:00Z"),
    ]
    contact_message = {
        "message_id": "m-contact",
        "ticket_id": "k-1",
        "sent_at": "2000-01-01T12:00:00Z",
        "sender": "contact",
    }
    given = [*timed, contact_message] if given_in_time_order else [
        timed[3], contact_message, timed[2], timed[0], timed[1]
    ]  # fmt: skip
    dataset = make_dataset(chats=[chat("k-1", "c-1")], messages=given)

    view = filter_dataset(dataset, Selection())

    ids = dataset.messages["message_id"].iloc[view.messages["row"]].tolist()
    assert ids == ["m-old", "m-eve", "m-dst", "m-new"]
    assert view.messages["day"].tolist() == [-1, 17838, 17839, 20158]
    assert view.messages.index.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "viewer",
    [
        Viewer(),
        Viewer(role="supervisor", departments=("Vendas",)),
        Viewer(role="supervisor", departments=("Suporte", "Financeiro")),
        Viewer(role="operator", operator_id="op-003"),
    ],
    ids=["manager", "supervisor-one", "supervisor-two", "operator"],
)
def test_a_views_codes_name_the_rows_its_messages_name(viewer):
    # The message table keeps no codes; a view works them out from the
    # categoricals, in a scoped dataset from categories it has forgotten
    # some of. Each code must lead back to the same IDs as the message.
    scoped = scope_dataset(load_dataset(sample_data_dir()), viewer)
    view = filter_dataset(scoped, Selection())
    kept = scoped.messages.iloc[view.messages["row"].to_numpy()]
    assert len(kept) > 100

    for code, column, table in (
        ("ticket_code", "ticket_id", scoped.chats),
        ("operator_code", "operator_id", scoped.operators),
        ("contact_code", "contact_id", scoped.contacts),
    ):
        ids = table.set_index(code)[column]
        named = ids.reindex(view.messages[code].to_numpy()).tolist()
        assert named == kept[column].astype(str).tolist(), code


def test_a_scoped_views_codes_skip_the_chats_and_contacts_without_messages():
    # Vendas holds a chat without messages (k-1, contact c-1) before the one
    # with a message: the scoped messages know one ticket and one contact,
    # the scoped tables two of each.
    dataset = make_dataset(
        chats=[
            chat("k-1", "c-1"),
            chat("k-2", "c-2"),
            chat("k-3", "c-3", department="Suporte"),
        ],
        messages=[
            op_message("m-1", "k-2", "bruno", "2025-03-12T12:00:00Z"),
            op_message("m-2", "k-3", "ana", "2025-03-12T13:00:00Z"),
        ],
    )
    scoped = scope_dataset(dataset, Viewer(role="supervisor", departments=("Vendas",)))
    assert scoped.chats["ticket_id"].tolist() == ["k-1", "k-2"]

    view = filter_dataset(scoped, Selection())

    tickets = scoped.chats.set_index("ticket_code")["ticket_id"]
    contacts = scoped.contacts.set_index("contact_code")["contact_id"]
    operators = scoped.operators.set_index("operator_code")["operator_id"]
    assert tickets[view.messages["ticket_code"]].tolist() == ["k-2"]
    assert contacts[view.messages["contact_code"]].tolist() == ["c-2"]
    assert operators[view.messages["operator_code"]].tolist() == ["bruno"]
    report = operator_report(dataset, viewer=Viewer.supervisor("Vendas"))
    assert report.operators["operator_id"].tolist() == ["bruno"]
    assert report.operators["customers"].tolist() == [1]
    assert report.operators["new_customers"].tolist() == [1]
