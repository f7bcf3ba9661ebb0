"""The worked example of docs/metrics.md, computed."""

from __future__ import annotations

import pytest

from conftest import chat, make_dataset, op_message
from poli_analytics import Selection, Viewer, operator_report

MARCH = {"start": "2025-03-01", "end": "2025-03-31"}


@pytest.fixture
def example():
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


def table(report):
    rows = {r["operator_id"]: r for r in report.operators.to_dict("records")}
    rows["total"] = report.totals.to_dict()
    return rows


def test_march_table(example):
    got = table(operator_report(example, Selection(**MARCH)))
    expected = {
        "interactions": (1, 3, 3),
        "customers": (1, 2, 2),
        "new_customers": (0, 1, 1),
        "opportunities": (1, 1, 2),
        "sales": (2, 1, 3),
        "amount_sold_cents": (10030, 5000, 15030),
        "refunds": (0, 1, 1),
        "refunded_amount_cents": (0, 1000, 1000),
        "conversion": (2.0, 1.0, 1.5),
        "average_ticket_cents": (5015, 5000, 5010),
        "messages_sent": (2, 3, 5),
        "median_response_time_s": (240, 420, 420),
        "mean_service_time_s": (7200, 7200, 7200),
        "mean_rating": (4, 3, 3),
    }
    for metric, values in expected.items():
        assert (
            got["ana"][metric],
            got["bruno"][metric],
            got["total"][metric],
        ) == values


def test_vendas_filter(example):
    got = table(operator_report(example, Selection(**MARCH, departments=["Vendas"])))
    assert (got["ana"]["interactions"], got["ana"]["sales"]) == (1, 2)
    assert got["ana"]["amount_sold_cents"] == 10030
    assert (got["bruno"]["interactions"], got["bruno"]["sales"]) == (1, 0)


def test_suporte_supervisor_and_ana_as_operator(example):
    suporte = table(
        operator_report(
            example, Selection(**MARCH), viewer=Viewer.supervisor("Suporte")
        )
    )
    assert set(suporte) == {"bruno", "total"}
    assert (suporte["bruno"]["interactions"], suporte["bruno"]["sales"]) == (2, 0)
    ana = operator_report(example, Selection(**MARCH), viewer=Viewer.operator("ana"))
    assert list(ana.operators["operator_id"]) == ["ana"]
