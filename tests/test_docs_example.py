"""The worked example of docs/metrics.md, computed."""

from __future__ import annotations

from poli_analytics import Selection, Viewer, operator_report

MARCH = {"start": "2025-03-01", "end": "2025-03-31"}


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
