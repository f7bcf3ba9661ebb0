"""Bad input is refused with the file, the column, the line and what was expected."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import chat, make_dataset, make_tables, op_message, write_tables
from poli_analytics import (
    DanglingReferenceError,
    DataContractError,
    DuplicateKeyError,
    InvalidValueError,
    MissingColumnError,
    PoliAnalyticsError,
    dataset_from_frames,
    load_dataset,
)


def load_with(tmp_path, **rows):
    write_tables(tmp_path, make_tables(**rows))
    return load_dataset(tmp_path)


def opportunity(oid="o-1", **cells):
    return {
        "opportunity_id": oid,
        "kind": "cart",
        "contact_id": "c-1",
        "operator_id": "ana",
        "created_at": "2025-03-01T12:00:00Z",
        "amount": "10.00",
        **cells,
    }


def payment(pid="p-1", **cells):
    return {
        "payment_id": pid,
        "opportunity_id": "o-1",
        "status": "paid",
        "occurred_at": "2025-03-01T13:00:00Z",
        "amount": "10.00",
        **cells,
    }


def test_all_errors_share_one_base_class():
    assert issubclass(DataContractError, PoliAnalyticsError)
    assert issubclass(PoliAnalyticsError, ValueError)


def test_missing_column_names_file_column_and_what_is_there(tmp_path):
    write_tables(tmp_path, make_tables(chats=[chat("k-1", "c-1")]))
    frame = make_tables(chats=[chat("k-1", "c-1")])["chats"].drop(columns=["channel"])
    frame.to_csv(tmp_path / "chats.csv", index=False)
    with pytest.raises(
        MissingColumnError,
        match=r"chats\.csv: missing column 'channel'; "
        r"the file has ticket_id, contact_id",
    ):
        load_dataset(tmp_path)


def test_semicolon_file_gets_a_hint(tmp_path):
    write_tables(tmp_path, make_tables())
    (tmp_path / "operators.csv").write_text("operator_id;name\nana;Ana\n")
    with pytest.raises(MissingColumnError, match="comma-separated"):
        load_dataset(tmp_path)


def test_unparsable_timestamp_names_the_line(tmp_path):
    messages = [
        op_message("m-1", "k-1", "ana", "2025-03-01T12:00:00Z"),
        op_message("m-2", "k-1", "ana", "2025-02-30T12:05:00Z"),
    ]
    with pytest.raises(
        InvalidValueError,
        match=r"messages\.csv, column 'sent_at', line 3: unparsable timestamp "
        r"\(found '2025-02-30T12:05:00Z'\); expected an ISO 8601",
    ) as caught:
        load_with(tmp_path, chats=[chat("k-1", "c-1")], messages=messages)
    assert caught.value.rows == [2]
    assert caught.value.column == "sent_at"


@pytest.mark.parametrize("value", ["12/03/2025 10:00", "ontem", "2025-13-01"])
def test_non_iso_timestamps_are_refused(value):
    with pytest.raises(InvalidValueError, match="opened_at"):
        make_dataset(chats=[chat("k-1", "c-1", opened_at=value)])


@pytest.mark.parametrize(
    ("table", "rows", "column", "bad"),
    [
        (
            "messages",
            {
                "messages": [
                    {
                        "message_id": "m-1",
                        "ticket_id": "k-1",
                        "sent_at": "2025-03-01T12:00:00Z",
                        "sender": "atendente",
                    }
                ]
            },
            "sender",
            "atendente",
        ),
        (
            "opportunities",
            {"opportunities": [opportunity(kind="boleto")]},
            "kind",
            "boleto",
        ),
        (
            "payments",
            {"opportunities": [opportunity()], "payments": [payment(status="Paid")]},
            "status",
            "Paid",
        ),
    ],
)
def test_unknown_enum_values_are_refused(table, rows, column, bad):
    with pytest.raises(
        InvalidValueError,
        match=rf"{table}, column '{column}', row 1: unknown value \(found '{bad}'\)",
    ):
        make_dataset(chats=[chat("k-1", "c-1")], **rows)


def test_negative_amount_is_refused(tmp_path):
    with pytest.raises(
        InvalidValueError,
        match=r"payments\.csv, column 'amount', line 2: negative amount "
        r"\(found '-20\.00'\)",
    ):
        load_with(
            tmp_path, opportunities=[opportunity()], payments=[payment(amount="-20.00")]
        )


@pytest.mark.parametrize(
    "value", ["1.234,56", "12,50", "R$ 10", "1e3", "10.005", "abc"]
)
def test_malformed_amounts_are_refused(value):
    with pytest.raises(InvalidValueError, match="not an amount in reais"):
        make_dataset(opportunities=[opportunity(amount=value)])


@pytest.mark.parametrize("value", ["0", "6", "4.5", "bom"])
def test_invalid_rating_is_refused(value):
    with pytest.raises(InvalidValueError, match="column 'rating'.*invalid rating"):
        make_dataset(chats=[chat("k-1", "c-1", rating=value)])


def test_empty_required_value_is_refused():
    with pytest.raises(InvalidValueError, match="column 'department', row 2: empty"):
        make_dataset(chats=[chat("k-1", "c-1"), chat("k-2", "c-1", department=" ")])


def test_conflicting_duplicate_key_is_refused(tmp_path):
    with pytest.raises(
        DuplicateKeyError,
        match=r"payments\.csv, column 'payment_id', lines 2, 3: the same key on rows "
        r"that differ in amount \(found 'p-1'\)",
    ):
        load_with(
            tmp_path,
            opportunities=[opportunity()],
            payments=[payment(), payment(amount="11.00")],
        )


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        (
            {"messages": [op_message("m-1", "k-9", "ana", "2025-03-01T12:00:00Z")]},
            r"messages, column 'ticket_id', row 1: .*'k-9'.*"
            r"ticket_id values present in chats",
        ),
        (
            {
                "opportunities": [opportunity()],
                "payments": [payment(opportunity_id="o-9")],
            },
            r"payments, column 'opportunity_id', row 1: .*'o-9'",
        ),
        (
            {"opportunities": [opportunity(ticket_id="k-9")]},
            r"opportunities, column 'ticket_id', row 1: .*'k-9'",
        ),
    ],
)
def test_dangling_references_are_refused(rows, where):
    with pytest.raises(DanglingReferenceError, match=where):
        make_dataset(chats=[chat("k-1", "c-1")], **rows)


def test_unknown_contact_and_operator_are_refused():
    tables = make_tables(chats=[chat("k-1", "c-1", operator_id="ana")])
    tables["operators"] = tables["operators"].iloc[0:0]
    from poli_analytics import dataset_from_frames

    with pytest.raises(
        DanglingReferenceError, match="chats, column 'operator_id'.*'ana'"
    ):
        dataset_from_frames(tables)
    tables = make_tables(chats=[chat("k-1", "c-1")])
    tables["contacts"] = tables["contacts"].iloc[0:0]
    with pytest.raises(
        DanglingReferenceError, match="chats, column 'contact_id'.*'c-1'"
    ):
        dataset_from_frames(tables)


def test_operator_message_without_writer_is_refused():
    message = op_message("m-1", "k-1", "", "2025-03-01T12:00:00Z")
    with pytest.raises(InvalidValueError, match="operator message without its writer"):
        make_dataset(chats=[chat("k-1", "c-1")], messages=[message])


def test_writer_on_a_contact_message_is_refused():
    message = {
        **op_message("m-1", "k-1", "ana", "2025-03-01T12:00:00Z"),
        "sender": "contact",
    }
    with pytest.raises(
        InvalidValueError, match="operator_id set on a message not sent"
    ):
        make_dataset(chats=[chat("k-1", "c-1")], messages=[message])


def test_opportunity_contact_must_match_its_chat():
    with pytest.raises(InvalidValueError, match="contact differs"):
        make_dataset(
            chats=[chat("k-1", "c-1")],
            contacts=[{"contact_id": "c-2", "created_at": "2024-01-01"}],
            opportunities=[opportunity(ticket_id="k-1", contact_id="c-2")],
        )


def test_chat_times_running_backwards_are_refused():
    with pytest.raises(InvalidValueError, match="closed_at before assigned_at"):
        make_dataset(
            chats=[
                chat(
                    "k-1",
                    "c-1",
                    opened_at="2025-03-01T12:00:00Z",
                    closed_at="2025-03-01T11:00:00Z",
                )
            ]
        )


def test_missing_table_file(tmp_path):
    write_tables(tmp_path, make_tables())
    (tmp_path / "payments.csv").unlink()
    with pytest.raises(DataContractError, match="no payments.csv or payments.parquet"):
        load_dataset(tmp_path)


def test_two_files_for_one_table(tmp_path):
    write_tables(tmp_path, make_tables())
    (tmp_path / "payments.parquet").write_bytes(b"")
    with pytest.raises(
        DataContractError, match="both payments.csv and payments.parquet"
    ):
        load_dataset(tmp_path)


def test_non_utf8_file_is_refused(tmp_path):
    write_tables(tmp_path, make_tables())
    (tmp_path / "operators.csv").write_bytes(
        "operator_id,name\nana,Conceição\n".encode("cp1252")
    )
    with pytest.raises(
        DataContractError,
        match=r"operators\.csv, line 2: not UTF-8 text \(byte 0xe7\); expected a UTF-8",
    ):
        load_dataset(tmp_path)


def test_ragged_csv_is_refused(tmp_path):
    write_tables(tmp_path, make_tables())
    (tmp_path / "operators.csv").write_text(
        "operator_id,name\nana,Ana\nbia,Bia,extra\n"
    )
    with pytest.raises(
        DataContractError, match=r"operators\.csv, line 3: 3 fields; expected 2"
    ):
        load_dataset(tmp_path)


def test_extra_column_clashing_with_a_derived_one(tmp_path):
    tables = make_tables(chats=[chat("k-1", "c-1")])
    tables["messages"]["department"] = []
    write_tables(tmp_path, tables)
    with pytest.raises(DataContractError, match="extra column 'department' clashes"):
        load_dataset(tmp_path)


def test_blank_first_line_is_refused(tmp_path):
    write_tables(tmp_path, make_tables())
    (tmp_path / "operators.csv").write_text("\noperator_id,name\n007,Ana\n")
    with pytest.raises(DataContractError, match="the first line is empty"):
        load_dataset(tmp_path)


def test_repeated_column_is_refused(tmp_path):
    write_tables(tmp_path, make_tables())
    (tmp_path / "operators.csv").write_text("operator_id,name ,name\n007,Ana,Bia\n")
    with pytest.raises(DataContractError, match="column 'name' appears more than once"):
        load_dataset(tmp_path)


def test_extra_column_named_like_a_typed_one_is_refused(tmp_path):
    tables = make_tables(opportunities=[opportunity()])
    tables["opportunities"]["amount_cents"] = ["1000"]
    write_tables(tmp_path, tables)
    with pytest.raises(DataContractError, match="extra column 'amount_cents' clashes"):
        load_dataset(tmp_path)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1000000000.01", "amount too large"),
        ("99999999999999999999.99", "amount too large"),
        ("\u0661\u0662.\u0665\u0660", "not an amount in reais"),  # Arabic-Indic
        ("\uff11\uff12.\uff15\uff10", "not an amount in reais"),  # full-width
    ],
)
def test_amounts_out_of_bounds_or_in_other_digits(value, problem):
    with pytest.raises(InvalidValueError, match=problem):
        make_dataset(opportunities=[opportunity(amount=value)])


def test_rows_differing_only_in_extra_columns_are_duplicates(tmp_path):
    tables = make_tables(opportunities=[opportunity()], payments=[payment(), payment()])
    tables["payments"]["imported_at"] = ["monday", "tuesday"]
    write_tables(tmp_path, tables)
    data = load_dataset(tmp_path)
    assert len(data.payments) == 1
    assert data.quality.duplicate_rows_dropped["payments"] == 1


def test_operator_message_without_writer_names_the_message(tmp_path):
    message = op_message("m-7", "k-1", "", "2025-03-01T12:00:00Z")
    with pytest.raises(
        InvalidValueError,
        match=r"column 'operator_id', line 2: operator message without its writer "
        r"in operator_id \(found 'm-7'\)",
    ):
        load_with(tmp_path, chats=[chat("k-1", "c-1")], messages=[message])


def test_large_table_reports_its_first_bad_column_as_a_small_one_does():
    # 100,000 rows parse a column per core; the error must still be the first
    # bad column in contract order (sent_at before sender), as in one thread.
    from poli_analytics.loading import _PARALLEL_ROWS

    count = _PARALLEL_ROWS
    messages = pd.DataFrame(
        {
            "message_id": [f"m-{i:06d}" for i in range(count)],
            "ticket_id": "k-1",
            "sent_at": "2025-03-01T12:00:00Z",
            "sender": "contact",
            "operator_id": None,
        }
    )
    messages.loc[5, "sender"] = "robot"
    messages.loc[70_000, "sent_at"] = "01/03/2025"
    tables = make_tables(chats=[chat("k-1", "c-1")])
    tables["messages"] = messages
    with pytest.raises(
        InvalidValueError, match=r"messages, column 'sent_at', row 70001: unparsable"
    ):
        dataset_from_frames(tables)
    messages.loc[70_000, "sent_at"] = "2025-03-01T12:00:00Z"
    with pytest.raises(InvalidValueError, match=r"column 'sender', row 6: unknown"):
        dataset_from_frames(tables)


def test_first_broken_reference_in_check_order_is_reported():
    # Both the chat's contact and the message's ticket point nowhere; chats
    # are checked first, whichever look-up finishes first.
    tables = make_tables(
        chats=[chat("k-1", "c-9")],
        messages=[op_message("m-1", "k-9", "ana", "2025-03-01T12:00:00Z")],
    )
    contacts = tables["contacts"]
    tables["contacts"] = contacts[contacts["contact_id"].ne("c-9")]
    with pytest.raises(
        DanglingReferenceError, match=r"chats, column 'contact_id', row 1: .*'c-9'"
    ):
        dataset_from_frames(tables)
