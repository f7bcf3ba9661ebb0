"""Every metric rule of the report, each with a hand-computed value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import chat, make_dataset, op_message
from poli_analytics import Selection, Viewer, filter_dataset, metrics, operator_report


def rows(report) -> dict[str, dict]:
    """Operator rows by ID."""
    return {r["operator_id"]: r for r in report.operators.to_dict("records")}


def report_for(data, start=None, end=None, **filters):
    return operator_report(data, Selection(start=start, end=end, **filters))


# --- Interactions and customers -------------------------------------------


def test_interactions_are_distinct_contact_local_day_pairs():
    # Ana writes c-1 twice on 10/03 (two chats), c-1 on 11/03, c-2 on 10/03.
    data = make_dataset(
        chats=[chat("k-1", "c-1"), chat("k-2", "c-1"), chat("k-3", "c-2")],
        messages=[
            op_message("m-1", "k-1", "ana", "2025-03-10T12:00:00Z"),
            op_message("m-2", "k-1", "ana", "2025-03-10T13:00:00Z"),
            op_message("m-3", "k-2", "ana", "2025-03-10T20:00:00Z"),
            op_message("m-4", "k-1", "ana", "2025-03-11T12:00:00Z"),
            op_message("m-5", "k-3", "ana", "2025-03-10T12:00:00Z"),
        ],
    )
    ana = rows(report_for(data))["ana"]
    assert (ana["interactions"], ana["customers"], ana["messages_sent"]) == (3, 2, 5)


@pytest.mark.parametrize("block_rows", [1, 2, 3, 1 << 20])
def test_interactions_counted_in_day_blocks_match_the_definition(
    monkeypatch, block_rows
):
    # Distinct (contact, day) tuples are found a block of days at a time.
    # Ana and Bia write c-1 and c-2 over three local days, and a day may
    # hold more messages than a block: Ana 3 interactions (c-1 on 10/03 and
    # 11/03, c-2 on 12/03), Bia 2 (c-1 and c-2 on 11/03); for everyone 4
    # (contact, day) pairs (c-1 on 11/03 counted once), not 3 + 2.
    monkeypatch.setattr(metrics, "BLOCK_ROWS", block_rows)
    data = make_dataset(
        chats=[chat("k-1", "c-1"), chat("k-2", "c-2")],
        messages=[
            op_message("m-1", "k-1", "ana", "2025-03-10T12:00:00Z"),
            op_message("m-2", "k-1", "ana", "2025-03-10T13:00:00Z"),
            op_message("m-3", "k-1", "ana", "2025-03-11T12:00:00Z"),
            op_message("m-4", "k-1", "bia", "2025-03-11T13:00:00Z"),
            op_message("m-5", "k-2", "bia", "2025-03-11T14:00:00Z"),
            op_message("m-6", "k-2", "ana", "2025-03-12T12:00:00Z"),
            op_message("m-7", "k-2", "ana", "2025-03-12T13:00:00Z"),
        ],
    )
    report = report_for(data)
    by_operator = rows(report)
    assert by_operator["ana"]["interactions"] == 3
    assert by_operator["bia"]["interactions"] == 2
    assert report.totals["interactions"] == 4
    assert report.totals["customers"] == 2


def test_local_day_not_utc_day_decides_the_interaction():
    # 22:30 local on 10/03 is 01:30Z on 11/03; 08:00 local 11/03 is 11:00Z.
    # Local days: one message on 10/03 and one on 11/03 -> 2 interactions.
    # (By UTC day both are on 11/03: 1 interaction.)
    data = make_dataset(
        chats=[chat("k-1", "c-1")],
        messages=[
            op_message("m-1", "k-1", "ana", "2025-03-11T01:30:00Z"),
            op_message("m-2", "k-1", "ana", "2025-03-11T11:00:00Z"),
        ],
    )
    assert rows(report_for(data))["ana"]["interactions"] == 2
    only_10th = report_for(data, "2025-03-10", "2025-03-10")
    assert rows(only_10th)["ana"]["interactions"] == 1
    utc = make_dataset(
        tz="UTC",
        chats=[chat("k-1", "c-1")],
        messages=[
            op_message("m-1", "k-1", "ana", "2025-03-11T01:30:00Z"),
            op_message("m-2", "k-1", "ana", "2025-03-11T11:00:00Z"),
        ],
    )
    assert rows(report_for(utc))["ana"]["interactions"] == 1


def test_days_before_2019_follow_brazilian_summer_time():
    # Summer time 2017/18: São Paulo was UTC-2 until 2018-02-18 00:00 local,
    # so 2018-02-16T02:30Z is 00:30 on 16/02 (UTC-3 would say 23:30 on 15/02).
    # Summer time 2018/19 began 2018-11-04 00:00 local: 2018-11-05T02:30Z is
    # 00:30 on 05/11 (UTC-3 would say 23:30 on 04/11).
    data = make_dataset(
        chats=[chat("k-1", "c-1"), chat("k-2", "c-2")],
        messages=[
            op_message("m-1", "k-1", "ana", "2018-02-16T02:30:00Z"),
            op_message("m-2", "k-2", "ana", "2018-11-05T02:30:00Z"),
        ],
    )
    assert report_for(data, "2018-02-15", "2018-02-15").operators.empty
    assert rows(report_for(data, "2018-02-16", "2018-02-16"))["ana"]["customers"] == 1
    assert report_for(data, "2018-11-04", "2018-11-04").operators.empty
    assert rows(report_for(data, "2018-11-05", "2018-11-05"))["ana"]["customers"] == 1


def test_a_period_starting_on_a_day_without_midnight():
    # 2018-11-04 00:00 did not exist in São Paulo (clocks went to 01:00);
    # the day starts at 01:00 local = 03:00Z. A message at 03:10Z is on it.
    data = make_dataset(
        chats=[chat("k-1", "c-1")],
        messages=[op_message("m-1", "k-1", "ana", "2018-11-04T03:10:00Z")],
    )
    assert rows(report_for(data, "2018-11-04", "2018-11-04"))["ana"]["customers"] == 1


def test_naive_timestamps_are_read_in_the_account_zone():
    # "2025-03-10T23:30:00" without offset is local: day 10/03.
    data = make_dataset(
        chats=[chat("k-1", "c-1")],
        messages=[op_message("m-1", "k-1", "ana", "2025-03-10T23:30:00")],
    )
    assert data.messages["sent_at"].iloc[0] == pd.Timestamp("2025-03-11T02:30:00Z")
    assert rows(report_for(data, "2025-03-10", "2025-03-10"))["ana"]["customers"] == 1


def test_transfer_credits_each_writer_not_the_holder(small):
    # k-1 is now Bruno's; Ana and Bruno both wrote to c-1 on 12/03.
    report = report_for(small, "2025-03-12", "2025-03-12")
    got = rows(report)
    assert got["op-ana"]["interactions"] == 1
    assert got["op-bruno"]["interactions"] == 1
    assert report.totals["interactions"] == 1  # one (contact, day) pair in total


def test_contact_and_bot_messages_count_for_nobody():
    data = make_dataset(
        chats=[chat("k-1", "c-1", operator_id="ana")],
        messages=[
            {
                "message_id": "m-1",
                "ticket_id": "k-1",
                "sender": "contact",
                "sent_at": "2025-03-10T12:00:00Z",
            },
            {
                "message_id": "m-2",
                "ticket_id": "k-1",
                "sender": "bot",
                "sent_at": "2025-03-10T12:01:00Z",
            },
        ],
    )
    report = report_for(data)
    assert report.operators.empty
    assert report.totals["interactions"] == 0


# --- Totals -----------------------------------------------------------------


def test_totals_recompute_distinct_counts(small):
    # Ana: (c-1,12/03); Bruno: (c-1,12/03), (c-2,13/03).
    report = report_for(small, "2025-03-01", "2025-03-31")
    got = rows(report)
    assert got["op-ana"]["customers"] + got["op-bruno"]["customers"] == 3
    assert report.totals["customers"] == 2
    assert got["op-ana"]["interactions"] + got["op-bruno"]["interactions"] == 3
    assert report.totals["interactions"] == 2
    assert report.totals["messages_sent"] == 3


# --- New customers ----------------------------------------------------------


def _new_customer_data():
    # c-1 created 05/03; Bruno wrote first (04/03, before it was created),
    # Ana later. c-2 created 06/03; Ana and Bruno wrote at the same instant:
    # the smaller message_id (m-2, Ana's) wins. c-3 created 2024: old.
    return make_dataset(
        contacts=[
            {"contact_id": "c-1", "created_at": "2025-03-05T12:00:00Z"},
            {"contact_id": "c-2", "created_at": "2025-03-06T12:00:00Z"},
            {"contact_id": "c-3", "created_at": "2024-03-06T12:00:00Z"},
        ],
        chats=[chat("k-1", "c-1"), chat("k-2", "c-2"), chat("k-3", "c-3")],
        messages=[
            op_message("m-1", "k-1", "bruno", "2025-03-04T12:00:00Z"),
            op_message("m-9", "k-1", "ana", "2025-03-10T12:00:00Z"),
            op_message("m-3", "k-2", "bruno", "2025-03-07T12:00:00Z"),
            op_message("m-2", "k-2", "ana", "2025-03-07T12:00:00Z"),
            op_message("m-4", "k-3", "ana", "2025-03-07T12:00:00Z"),
        ],
    )


def test_new_customer_goes_to_the_first_operator_ever():
    report = report_for(_new_customer_data(), "2025-03-01", "2025-03-31")
    got = rows(report)
    # Ana: c-2 (tie won by m-2); c-1 is Bruno's; c-3 is old.
    assert got["ana"]["new_customers"] == 1
    # Bruno: c-1 (first message ever, even though sent before creation).
    assert got["bruno"]["new_customers"] == 1
    assert report.totals["new_customers"] == 2


def test_new_customer_needs_creation_in_the_period_and_service_in_it():
    data = _new_customer_data()
    # From 06/03: c-1 (created 05/03) is no longer new; c-2 still is, Ana's.
    report = report_for(data, "2025-03-06", "2025-03-31")
    assert rows(report)["ana"]["new_customers"] == 1
    assert rows(report)["bruno"]["new_customers"] == 0
    # From 08/03 Bruno did not serve anyone; Ana serves c-1 (not hers).
    later = report_for(data, "2025-03-08", "2025-03-31")
    assert rows(later)["ana"]["new_customers"] == 0
    assert later.totals["new_customers"] == 0


def test_first_operator_ignores_filters():
    # Filtering to Ana does not make c-1 hers: Bruno wrote first.
    report = report_for(
        _new_customer_data(), "2025-03-01", "2025-03-31", operators=["ana"]
    )
    assert rows(report)["ana"]["new_customers"] == 1  # c-2 only


# --- Opportunities, sales, amounts, refunds ---------------------------------


def _sales_data():
    # o-1 created Feb, paid 03/03 (10.00) and again 04/03 (5.50);
    # o-2 created 05/03 never paid; o-3 created 06/03 paid 02/04 (20.00);
    # o-4 created and paid 07/03 (0.10), refunded 0.05 on 02/04.
    return make_dataset(
        chats=[chat("k-1", "c-1")],
        opportunities=[
            {
                "opportunity_id": oid,
                "kind": "cart",
                "ticket_id": "k-1",
                "contact_id": "c-1",
                "operator_id": "ana",
                "created_at": created,
                "amount": "20.00",
            }
            for oid, created in [
                ("o-1", "2025-02-20T12:00:00Z"),
                ("o-2", "2025-03-05T12:00:00Z"),
                ("o-3", "2025-03-06T12:00:00Z"),
                ("o-4", "2025-03-07T12:00:00Z"),
            ]
        ],
        payments=[
            {
                "payment_id": pid,
                "opportunity_id": oid,
                "status": status,
                "occurred_at": when,
                "amount": amount,
            }
            for pid, oid, status, when, amount in [
                ("p-1", "o-1", "paid", "2025-03-03T12:00:00Z", "10.00"),
                ("p-2", "o-1", "paid", "2025-03-04T12:00:00Z", "5.5"),
                ("p-3", "o-3", "paid", "2025-04-02T12:00:00Z", "20"),
                ("p-4", "o-4", "paid", "2025-03-07T13:00:00Z", "0.10"),
                ("p-5", "o-4", "refunded", "2025-04-02T13:00:00Z", "0.05"),
            ]
        ],
    )


def test_sales_by_payment_date_one_per_opportunity():
    march = rows(report_for(_sales_data(), "2025-03-01", "2025-03-31"))["ana"]
    assert march["opportunities"] == 3  # o-2, o-3, o-4
    assert march["sales"] == 2  # o-1 (paid twice), o-4
    assert march["amount_sold_cents"] == 1000 + 550 + 10
    assert (march["refunds"], march["refunded_amount_cents"]) == (0, 0)
    april = rows(report_for(_sales_data(), "2025-04-01", "2025-04-30"))["ana"]
    assert (april["opportunities"], april["sales"], april["amount_sold_cents"]) == (
        0,
        1,
        2000,
    )
    assert (april["refunds"], april["refunded_amount_cents"]) == (1, 5)


def test_conversion_and_average_ticket():
    march = rows(report_for(_sales_data(), "2025-03-01", "2025-03-31"))["ana"]
    assert march["conversion"] == pytest.approx(2 / 3)
    # 15.60 / 2 = 7.80
    assert march["average_ticket_cents"] == 780
    april = rows(report_for(_sales_data(), "2025-04-01", "2025-04-30"))["ana"]
    assert pd.isna(april["conversion"])  # no opportunity created in April


def test_average_ticket_rounds_half_up():
    # 0.01 + 0.02 = 3 centavos over 2 sales = 1.5 -> 2 centavos.
    data = make_dataset(
        opportunities=[
            {
                "opportunity_id": o,
                "kind": "cart",
                "contact_id": "c-1",
                "operator_id": "ana",
                "created_at": "2025-03-01T12:00:00Z",
                "amount": "1",
            }
            for o in ("o-1", "o-2")
        ],
        payments=[
            {
                "payment_id": "p-1",
                "opportunity_id": "o-1",
                "status": "paid",
                "occurred_at": "2025-03-01T13:00:00Z",
                "amount": "0.01",
            },
            {
                "payment_id": "p-2",
                "opportunity_id": "o-2",
                "status": "paid",
                "occurred_at": "2025-03-01T13:00:00Z",
                "amount": "0.02",
            },
        ],
    )
    assert rows(report_for(data))["ana"]["average_ticket_cents"] == 2


def test_money_is_exact_to_the_centavo():
    # Ten payments of 0.1 (as Excel writes 0.10): exactly 1.00, where
    # float addition gives 0.9999999999999999.
    data = make_dataset(
        opportunities=[
            {
                "opportunity_id": f"o-{i}",
                "kind": "payment_request",
                "contact_id": "c-1",
                "operator_id": "ana",
                "created_at": "2025-03-01T12:00:00Z",
                "amount": "0.1",
            }
            for i in range(10)
        ],
        payments=[
            {
                "payment_id": f"p-{i}",
                "opportunity_id": f"o-{i}",
                "status": "paid",
                "occurred_at": "2025-03-01T13:00:00Z",
                "amount": "0.1",
            }
            for i in range(10)
        ],
    )
    report = report_for(data)
    assert rows(report)["ana"]["amount_sold_cents"] == 100
    assert report.operators["amount_sold_cents"].dtype == "int64"


def test_amounts_are_not_multiplied_by_joined_rows(small):
    # o-1 (100.00) sits in a chat with three messages and two writers.
    report = report_for(small, "2025-03-01", "2025-03-31")
    assert rows(report)["op-ana"]["amount_sold_cents"] == 10000
    assert report.totals["amount_sold_cents"] == 15000


# --- Chat times and rating --------------------------------------------------


def test_response_and_service_times_over_the_chats_written_in(small):
    # k-1: assigned 12:56, first response 13:00 (240 s), closed 14:56 (7200 s),
    # rating 4. k-2: never assigned, opened 00:20, response 00:30 (600 s),
    # open (no service time), rating 2.
    report = report_for(small, "2025-03-01", "2025-03-31")
    got = rows(report)
    assert got["op-ana"]["median_response_time_s"] == 240
    assert got["op-ana"]["mean_service_time_s"] == 7200
    assert got["op-bruno"]["mean_response_time_s"] == 420  # (240 + 600) / 2
    assert got["op-bruno"]["median_response_time_s"] == 420
    assert got["op-bruno"]["mean_service_time_s"] == 7200  # k-2 still open
    assert got["op-bruno"]["mean_rating"] == 3
    # Totals: distinct chats k-1, k-2 (k-1 once, though two wrote in it).
    assert report.totals["mean_response_time_s"] == 420
    assert report.totals["mean_rating"] == 3


# --- Who is listed ----------------------------------------------------------


def test_only_operators_with_activity_are_listed(small):
    # Operator "op-zoe" exists but did nothing.
    tables = small.operators
    assert "op-bruno" in set(tables["operator_id"])
    report = report_for(small, "2025-03-20", "2025-03-20")
    # Only the refund falls on 20/03: Bruno is listed for it, Ana is not.
    assert list(report.operators["operator_id"]) == ["op-bruno"]
    assert rows(report)["op-bruno"]["refunds"] == 1


def test_an_empty_period_has_zero_totals(small):
    report = report_for(small, "2030-01-01", "2030-01-31")
    assert report.operators.empty
    assert report.totals["interactions"] == 0
    assert report.totals["amount_sold_cents"] == 0
    assert pd.isna(report.totals["mean_rating"])


def test_rows_carry_the_operator_name(small):
    report = report_for(small)
    assert list(report.operators["operator_name"]) == ["Name op-ana", "Name op-bruno"]


def test_viewer_default_is_manager(small):
    everything = operator_report(small)
    assert everything.viewer == Viewer.manager()
    assert everything.totals["customers"] == 2


def test_totals_keep_money_and_counts_as_integers(small):
    totals = operator_report(small).totals
    for metric in ("amount_sold_cents", "interactions", "refunded_amount_cents"):
        assert isinstance(totals[metric], int | np.integer), metric
    assert totals["amount_sold_cents"] == 15000


def test_wrong_argument_types_are_refused(small):
    with pytest.raises(TypeError, match="viewer must be a Viewer"):
        operator_report(small, viewer="manager")
    with pytest.raises(TypeError, match="selection must be a Selection"):
        operator_report(small, {"start": "2025-03-01"})


def test_a_filtered_view_is_not_a_dataset(small):
    view = filter_dataset(small, Selection())
    with pytest.raises(
        TypeError, match="dataset must be a Dataset .* not FilteredView"
    ):
        operator_report(view)


def test_prepared_and_unprepared_datasets_report_the_same(small_tables):
    from poli_analytics import dataset_from_frames, prepare_reports

    selection = Selection(start="2025-03-01", end="2025-03-31")
    plain = dataset_from_frames(small_tables)
    prepared = prepare_reports(dataset_from_frames(small_tables))
    assert set(prepared._derived) == {
        "filter_choices",
        "operator_messages",
        "chat_values",
    }
    assert plain._derived == {}
    first = operator_report(plain, selection)
    second = operator_report(prepared, selection)
    pd.testing.assert_frame_equal(first.operators, second.operators)
    pd.testing.assert_series_equal(first.totals, second.totals)
    assert first.totals["interactions"] > 0
