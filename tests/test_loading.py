"""Loading the data contract: types, formats, and what the loader fixes."""

from __future__ import annotations

import decimal
import threading

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import chat, make_dataset, make_tables, op_message, write_tables
from poli_analytics import (
    DataContractError,
    InvalidValueError,
    SelectionError,
    Viewer,
    dataset_from_frames,
    export_frame,
    load_dataset,
    loading,
    operator_report,
    report_to_dict,
    sample_data_dir,
)
from poli_analytics._schema import TABLES
from poli_analytics.loading import read_table


def test_ids_and_phones_stay_text(tmp_path):
    tables = make_tables(
        contacts=[
            {
                "contact_id": "0012",
                "phone": "+5511987654321",
                "created_at": "2025-03-10T13:00:00Z",
            },
            {
                "contact_id": "012",
                "phone": "011987654321",
                "created_at": "2025-03-10T13:00:00Z",
            },
        ],
        chats=[chat("0001", "0012", operator_id="007"), chat("001", "012")],
    )
    write_tables(tmp_path, tables)
    data = load_dataset(tmp_path)
    assert list(data.contacts["contact_id"]) == ["0012", "012"]
    assert list(data.contacts["phone"]) == ["+5511987654321", "011987654321"]
    assert list(data.chats["operator_id"].fillna("")) == ["007", ""]


def test_money_is_integer_centavos():
    data = make_dataset(
        opportunities=[
            {
                "opportunity_id": f"o-{i}",
                "kind": "cart",
                "contact_id": "c-1",
                "operator_id": "ana",
                "created_at": "2025-03-01T12:00:00Z",
                "amount": amount,
            }
            for i, amount in enumerate(["0.1", "19.90", "1234.5", "7", "0.10", "3.500"])
        ]
    )
    assert list(data.opportunities["amount_cents"]) == [10, 1990, 123450, 700, 10, 350]
    assert "amount" not in data.opportunities.columns


def test_tags_are_clean_text():
    data = make_dataset(
        chats=[
            chat("k-1", "c-1", tags=" vip | promoção||atacado|"),
            chat("k-2", "c-2", tags="|"),
        ]
    )
    assert data.chats["tags"].iloc[0] == "vip|promoção|atacado"
    assert pd.isna(data.chats["tags"].iloc[1])


def test_timestamps_are_aware_in_the_account_zone():
    data = make_dataset(
        chats=[chat("k-1", "c-1", opened_at="2025-03-10T09:00:00-03:00")]
    )
    opened = data.chats["opened_at"]
    assert str(opened.dtype) == "datetime64[us, America/Sao_Paulo]"
    assert opened.iloc[0] == pd.Timestamp("2025-03-10T12:00:00Z")


def test_ambiguous_local_time_is_the_first_occurrence():
    # 2018-02-17 23:30 happened twice (clocks went back at midnight to 23:00);
    # the first, daylight-time occurrence is 01:30Z on 18/02.
    data = make_dataset(chats=[chat("k-1", "c-1", opened_at="2018-02-17 23:30:00")])
    assert data.chats["opened_at"].iloc[0] == pd.Timestamp("2018-02-18T01:30:00Z")


def test_exact_duplicate_rows_are_dropped_and_reported(tmp_path):
    tables = make_tables(
        chats=[chat("k-1", "c-1")],
        messages=[op_message("m-1", "k-1", "ana", "2025-03-10T12:00:00Z")] * 2,
    )
    write_tables(tmp_path, tables)
    data = load_dataset(tmp_path)
    assert len(data.messages) == 1
    assert data.quality.duplicate_rows_dropped["messages"] == 1
    assert data.quality.duplicate_rows_dropped["chats"] == 0
    assert operator_report(data).totals["messages_sent"] == 1


def test_same_event_in_two_spellings_is_one_duplicate():
    # 0.1 and 0.10, "Z" and "-03:00": the same payment delivered twice.
    row = {"payment_id": "p-1", "opportunity_id": "o-1", "status": "paid"}
    data = make_dataset(
        opportunities=[
            {
                "opportunity_id": "o-1",
                "kind": "cart",
                "contact_id": "c-1",
                "operator_id": "ana",
                "created_at": "2025-03-01T12:00:00Z",
                "amount": "0.10",
            }
        ],
        payments=[
            {**row, "occurred_at": "2025-03-01T15:00:00Z", "amount": "0.1"},
            {**row, "occurred_at": "2025-03-01T12:00:00-03:00", "amount": "0.10"},
        ],
    )
    assert len(data.payments) == 1
    assert data.quality.duplicate_rows_dropped["payments"] == 1


def test_extra_columns_are_kept(tmp_path):
    tables = make_tables(chats=[chat("k-1", "c-1")])
    tables["chats"]["origem"] = ["site"]
    write_tables(tmp_path, tables)
    assert load_dataset(tmp_path).chats["origem"].iloc[0] == "site"


def test_csv_with_a_bom_loads(tmp_path):
    write_tables(tmp_path, make_tables(chats=[chat("k-1", "c-1")]))
    path = tmp_path / "chats.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert list(load_dataset(tmp_path).chats["ticket_id"]) == ["k-1"]


def test_parquet_with_typed_columns(tmp_path):
    write_tables(tmp_path, make_tables(chats=[chat("k-1", "c-1")]))
    (tmp_path / "payments.csv").unlink()
    (tmp_path / "opportunities.csv").unlink()
    pq.write_table(
        pa.table(
            {
                "opportunity_id": ["o-1"],
                "kind": ["cart"],
                "ticket_id": ["k-1"],
                "contact_id": ["c-1"],
                "operator_id": ["ana"],
                "created_at": pa.array(
                    [pd.Timestamp("2025-03-01T12:00:00Z")], pa.timestamp("us", tz="UTC")
                ),
                "amount": pa.array([decimal.Decimal("19.99")], pa.decimal128(12, 2)),
            }
        ),
        tmp_path / "opportunities.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "payment_id": [1],
                "opportunity_id": ["o-1"],
                "status": ["paid"],
                "occurred_at": pa.array(
                    [pd.Timestamp("2025-03-01 10:00")], pa.timestamp("us")
                ),
                "amount": pa.array([0.1], pa.float64()),
            }
        ),
        tmp_path / "payments.parquet",
    )
    (tmp_path / "operators.csv").write_text("operator_id,name\nana,Ana\n")
    data = load_dataset(tmp_path)
    assert data.opportunities["amount_cents"].iloc[0] == 1999
    assert data.payments["amount_cents"].iloc[0] == 10
    # A naive Parquet timestamp is local time: 10:00 in São Paulo is 13:00Z.
    assert data.payments["occurred_at"].iloc[0] == pd.Timestamp("2025-03-01T13:00:00Z")
    assert data.payments["payment_id"].iloc[0] == "1"
    assert any("payment_id" in note for note in data.quality.notes)


@pytest.mark.parametrize("zone", ["Mars/Base", "", None])
def test_unknown_time_zone_is_refused(tmp_path, zone):
    with pytest.raises(SelectionError, match=f"unknown time zone {zone!r}"):
        load_dataset(tmp_path, tz=zone)


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(DataContractError, match="not a dataset folder"):
        load_dataset(tmp_path / "nope")


def test_a_bare_date_is_local_midnight():
    # "2025-03-12" must not read its "-12" as a UTC offset.
    data = make_dataset(contacts=[{"contact_id": "c-1", "created_at": "2025-03-12"}])
    assert data.contacts["created_at"].iloc[0] == pd.Timestamp("2025-03-12T03:00:00Z")


def test_names_are_compared_in_one_unicode_form():
    decomposed = "Po\u0301s-venda"  # "ó" as "o" + combining acute accent
    data = make_dataset(
        chats=[
            chat("k-1", "c-1", department=decomposed),
            chat("k-2", "c-2", department="P\u00f3s-venda"),
        ]
    )
    assert set(data.chats["department"]) == {"P\u00f3s-venda"}
    report = operator_report(data, viewer=Viewer.supervisor(decomposed))
    assert report.viewer.departments == ("P\u00f3s-venda",)


def test_quoted_line_breaks_in_a_large_file(tmp_path):
    # pyarrow reads large files in blocks; quoted line breaks must not split rows.
    write_tables(tmp_path, make_tables())
    rows = "".join(
        f'x-{i},"Nome\ncom quebra {i}",a@example.com,,2024-07-01T12:00:00Z\n'
        for i in range(40_000)
    )
    header = "contact_id,name,email,phone,created_at\n"
    (tmp_path / "contacts.csv").write_text(header + rows)
    data = load_dataset(tmp_path)
    assert len(data.contacts) == 40_000
    assert data.contacts["name"].iloc[-1] == "Nome\ncom quebra 39999"


@pytest.mark.parametrize(
    ("amounts", "precision", "expected"),
    [
        (["19.990", "0.100"], (12, 3), [1999, 10]),
        (["1000000000.00"], (14, 2), [100_000_000_000]),
        (["7"], (5, 0), [700]),
    ],
)
def test_parquet_decimal_amounts_become_exact_centavos(
    tmp_path, amounts, precision, expected
):
    _write_decimal_payments(tmp_path, amounts, precision)
    cents = load_dataset(tmp_path).payments["amount_cents"]
    assert [None if pd.isna(v) else int(v) for v in cents] == expected


@pytest.mark.parametrize(
    ("amounts", "precision", "problem"),
    [
        (["19.99", "0.105"], (12, 3), "not an amount in reais"),
        (["5.00", "-0.01"], (12, 2), "negative amount"),
        (["0.01", "1000000000.01"], (14, 2), "amount too large"),
    ],
)
def test_parquet_decimal_amounts_refused_with_their_row(
    tmp_path, amounts, precision, problem
):
    _write_decimal_payments(tmp_path, amounts, precision)
    with pytest.raises(InvalidValueError, match=problem) as caught:
        load_dataset(tmp_path)
    error = caught.value
    assert error.source == "payments.parquet"
    assert error.column == "amount"
    assert error.rows == [2]


def _write_decimal_payments(folder, amounts, precision):
    paid = [{"opportunity_id": "o-1", "status": "paid"}]
    write_tables(
        folder,
        make_tables(
            chats=[chat("k-1", "c-1")],
            opportunities=[
                {
                    "opportunity_id": "o-1",
                    "kind": "cart",
                    "ticket_id": "k-1",
                    "contact_id": "c-1",
                    "operator_id": "ana",
                    "created_at": "2025-03-01T11:00:00Z",
                    "amount": "1.00",
                }
            ],
            payments=paid,
        ),
    )
    (folder / "payments.csv").unlink()
    pq.write_table(
        pa.table(
            {
                "payment_id": [f"p-{i}" for i in range(len(amounts))],
                "opportunity_id": ["o-1"] * len(amounts),
                "status": ["paid"] * len(amounts),
                "occurred_at": pa.array(
                    [pd.Timestamp("2025-03-01T12:00:00Z")] * len(amounts),
                    pa.timestamp("us", tz="UTC"),
                ),
                "amount": pa.array(
                    [None if a is None else decimal.Decimal(a) for a in amounts],
                    pa.decimal128(*precision),
                ),
            }
        ),
        folder / "payments.parquet",
    )


def test_a_skipped_local_time_moves_forward_by_the_gap():
    # São Paulo clocks jumped from 00:00 to 01:00 on 2018-11-04: 00:10 and
    # 00:30 never happened there. Moved forward by the hour they are 01:10
    # and 01:30, so the 20 minutes between opening and first response remain.
    data = make_dataset(
        chats=[
            chat(
                "k-1",
                "c-1",
                opened_at="2018-11-04 00:10",
                first_response_at="2018-11-04 00:30",
            )
        ],
        messages=[op_message("m-1", "k-1", "ana", "2018-11-04 00:30")],
    )
    opened = data.chats["opened_at"].iloc[0]
    assert opened == pd.Timestamp("2018-11-04T03:10:00Z")
    assert str(opened) == "2018-11-04 01:10:00-02:00"
    assert data.messages["sent_at"].iloc[0] == pd.Timestamp("2018-11-04T03:30:00Z")
    report = operator_report(data)
    assert report.operators["median_response_time_s"].tolist() == [1200]


def _opportunity_with_parquet_amount(folder, amount: pa.Array) -> None:
    """A valid dataset whose one opportunity's amount is ``amount`` (Parquet)."""
    write_tables(folder, make_tables(chats=[chat("k-1", "c-1")]))
    (folder / "operators.csv").write_text("operator_id,name\nana,Ana\n")
    (folder / "opportunities.csv").unlink()
    pq.write_table(
        pa.table(
            {
                "opportunity_id": ["o-1"],
                "kind": ["cart"],
                "ticket_id": ["k-1"],
                "contact_id": ["c-1"],
                "operator_id": ["ana"],
                "created_at": ["2025-03-01T12:00:00Z"],
                "amount": amount,
            }
        ),
        folder / "opportunities.parquet",
    )


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (
            pa.array([1e19], pa.float64()),
            "row 1: not an amount in reais (found '1e+19')",
        ),
        (
            pa.array([float("inf")], pa.float64()),
            "not an amount in reais (found 'inf')",
        ),
        (pa.array([2**64 - 1], pa.uint64()), "amount too large"),
        (
            pa.array([decimal.Decimal("9" * 36)], pa.decimal128(38, 2)),
            "amount too large",
        ),
        (pa.array([decimal.Decimal("-5")], pa.decimal128(38, 2)), "negative amount"),
    ],
)
def test_hostile_parquet_amounts_are_refused_with_their_row(tmp_path, amount, words):
    _opportunity_with_parquet_amount(tmp_path, amount)
    with pytest.raises(InvalidValueError, match="opportunities") as refused:
        load_dataset(tmp_path)
    assert words in str(refused.value)
    assert "'amount'" in str(refused.value)


def test_a_38_digit_decimal_amount_column_loads_exactly(tmp_path):
    amount = pa.array([decimal.Decimal("1234.56")], pa.decimal128(38, 2))
    _opportunity_with_parquet_amount(tmp_path, amount)
    assert load_dataset(tmp_path).opportunities["amount_cents"].tolist() == [123456]


def _message(message, ticket, sender, sent_at, operator=None):
    return {
        "message_id": message,
        "ticket_id": ticket,
        "sent_at": sent_at,
        "sender": sender,
        "operator_id": operator,
    }


@pytest.mark.parametrize("block_rows", [2, 3, 1 << 20])
def test_first_operator_of_each_contact_is_derived_once_at_load(
    monkeypatch, block_rows
):
    # Messages are scanned a block at a time; tiny blocks put a contact's
    # candidates in different blocks.
    monkeypatch.setattr(loading, "BLOCK_ROWS", block_rows)
    noon = "2025-03-07T12:00:00Z"
    data = make_dataset(
        contacts=[
            {"contact_id": c, "created_at": "2025-03-01T12:00:00Z"}
            for c in ("c-1", "c-2", "c-3", "c-4")
        ],
        chats=[chat("k-1", "c-1"), chat("k-2", "c-2"), chat("k-2b", "c-2")]
        + [chat("k-3", "c-3"), chat("k-4", "c-4")],
        messages=[
            # c-1: the contact and a bot wrote first; only operators count.
            _message("m-1", "k-1", "contact", "2025-03-07T11:00:00Z"),
            _message("m-2", "k-1", "bot", "2025-03-07T11:30:00Z"),
            op_message("m-3", "k-1", "bruno", "2025-03-07T13:00:00Z"),
            op_message("m-4", "k-1", "ana", "2025-03-07T14:00:00Z"),
            # c-2: three operators at one instant, in two chats; "m-10" comes
            # before "m-9" as text, so Carla wins, not Bruno.
            op_message("m-9", "k-2", "bruno", noon),
            op_message("m-11", "k-2b", "ana", noon),
            op_message("m-10", "k-2b", "carla", noon),
            op_message("m-0", "k-2", "ana", "2025-03-08T12:00:00Z"),
            # c-3: only the contact wrote; c-4 no message at all.
            _message("m-5", "k-3", "contact", noon),
        ],
    )
    contacts = data.contacts.set_index("contact_id")
    first = contacts["first_operator_id"]
    assert first["c-1"] == "bruno"
    assert first["c-2"] == "carla"
    assert pd.isna(first["c-3"]) and pd.isna(first["c-4"])
    by_code = data.operators.set_index("operator_code")["operator_id"]
    codes = contacts["first_operator_code"]
    assert by_code[codes["c-1"]] == "bruno" and by_code[codes["c-2"]] == "carla"
    assert codes["c-3"] == -1 and codes["c-4"] == -1


def test_messages_carry_their_chats_contact_and_attributes():
    data = make_dataset(
        chats=[
            chat("k-1", "c-1", department="Pós-venda", channel="instagram"),
            chat("k-2", "c-2", campaign="black-friday"),
        ],
        messages=[
            op_message("m-1", "k-2", "ana", "2025-03-07T12:00:00Z"),
            op_message("m-2", "k-1", "ana", "2025-03-07T12:00:00Z"),
            _message("m-3", "k-2", "contact", "2025-03-07T12:05:00Z"),
        ],
    )
    messages = data.messages.set_index("message_id")
    assert messages["contact_id"].tolist() == ["c-2", "c-1", "c-2"]
    assert messages["department"].tolist() == ["Vendas", "Pós-venda", "Vendas"]
    assert messages["channel"].tolist() == ["whatsapp", "instagram", "whatsapp"]
    assert pd.isna(messages["campaign"].iloc[1])
    assert messages["campaign"].tolist()[::2] == ["black-friday", "black-friday"]
    assert messages["ticket_id"].tolist() == ["k-2", "k-1", "k-2"]
    assert messages["sender"].eq("operator").tolist() == [True, True, False]
    assert messages["operator_id"].tolist()[:2] == ["ana", "ana"]
    assert pd.isna(messages["operator_id"].iloc[2])
    # A supervisor of Pós-venda sees only the message of that chat.
    scoped = operator_report(data, viewer=Viewer.supervisor("Pós-venda"))
    assert scoped.totals["messages_sent"] == 1


@pytest.mark.parametrize(
    "ids",
    [["m-1", "m-2", "m-2", "m-3"], ["m-3", "m-2", "m-1", "m-2"]],
    ids=["keys in order", "keys out of order"],
)
def test_repeated_message_keys_are_found_in_any_order(ids):
    rows = [
        op_message(m, "k-1", "ana", f"2025-03-07T12:0{i}:00Z")
        for i, m in enumerate(ids)
    ]
    with pytest.raises(DataContractError, match="column 'message_id'.*m-2"):
        make_dataset(chats=[chat("k-1", "c-1")], messages=rows)
    # The same rows repeated exactly are dropped once, in either order.
    one_row_per_id = {row["message_id"]: row for row in reversed(rows)}
    exact = [one_row_per_id[m] for m in ids]
    data = make_dataset(chats=[chat("k-1", "c-1")], messages=exact)
    assert len(data.messages) == 3
    assert data.quality.duplicate_rows_dropped["messages"] == 1


def _messy_tables() -> dict[str, pd.DataFrame]:
    """Tables whose message operator IDs and senders have blanks around
    them, as typed by hand."""
    tables = make_tables(
        chats=[chat("k-1", "c-1", operator_id="ana"), chat("k-2", "c-2")],
        messages=[
            op_message("m-1", "k-1", "ana", "2025-03-12T15:00:00Z"),
            op_message("m-2", "k-1", "ana", "2025-03-12T15:05:00Z"),
            {
                "message_id": "m-3",
                "ticket_id": "k-1",
                "sent_at": "2025-03-12T15:06:00Z",
                "sender": "contact",
            },
            op_message("m-4", "k-2", "bruno", "2025-03-13T15:00:00Z"),
        ],
    )
    tables["messages"] = tables["messages"].assign(
        sender=["operator", "operator ", " contact", "operator"],
        operator_id=[" ana", "ana ", None, "bruno"],
    )
    return tables


def test_parquet_messages_load_like_the_same_csv(tmp_path):
    # A Parquet message table reads sender and operator_id as dictionaries
    # (categoricals); the dataset and the report must be those of the CSV.
    tables = _messy_tables()
    write_tables(tmp_path / "csv", tables)
    write_tables(tmp_path / "parquet", tables)
    (tmp_path / "parquet" / "messages.csv").unlink()
    pq.write_table(
        pa.Table.from_pandas(tables["messages"], preserve_index=False),
        tmp_path / "parquet" / "messages.parquet",
    )

    from_csv = load_dataset(tmp_path / "csv")
    from_parquet = load_dataset(tmp_path / "parquet")

    for column in ("sender", "operator_id"):
        assert list(from_parquet.messages[column].astype(object)) == list(
            from_csv.messages[column].astype(object)
        )
    writers = from_parquet.messages["operator_id"]
    assert writers.isna().tolist() == [False, False, True, False]
    assert writers.dropna().astype(object).tolist() == ["ana", "ana", "bruno"]
    as_read = read_table(tmp_path / "parquet" / "messages.parquet")
    assert isinstance(as_read["sender"].dtype, pd.CategoricalDtype)
    assert isinstance(as_read["operator_id"].dtype, pd.CategoricalDtype)
    assert report_to_dict(operator_report(from_parquet)) == report_to_dict(
        operator_report(from_csv)
    )


def test_a_bad_sender_in_a_parquet_dictionary_column_names_its_row(tmp_path):
    tables = _messy_tables()
    tables["messages"].loc[2, "sender"] = "Contact"
    write_tables(tmp_path, tables)
    (tmp_path / "messages.csv").unlink()
    pq.write_table(
        pa.Table.from_pandas(tables["messages"], preserve_index=False),
        tmp_path / "messages.parquet",
    )
    with pytest.raises(
        InvalidValueError,
        match=r"messages.parquet, column 'sender', row 3: unknown value "
        r"\(found 'Contact'\)",
    ) as refused:
        load_dataset(tmp_path)
    assert refused.value.rows == [3]


def test_categorical_frames_load_like_text_frames():
    # A caller's frames may hold categoricals, with blanks around values,
    # two spellings of one value and categories no row uses.
    tables = _messy_tables()
    typed = dict(tables)
    typed["messages"] = tables["messages"].assign(
        sender=pd.Categorical(
            tables["messages"]["sender"],
            categories=[" contact", "operator", "operator ", "bot"],
        ),
        operator_id=pd.Categorical(
            tables["messages"]["operator_id"],
            categories=["ghost", " ana", "ana ", "bruno"],
        ),
    )
    as_text = dataset_from_frames(tables)
    as_categories = dataset_from_frames(typed)

    assert list(as_categories.messages["sender"].astype(object)) == [
        "operator", "operator", "contact", "operator"
    ]  # fmt: skip
    assert list(as_categories.messages["operator_id"].astype(object)) == list(
        as_text.messages["operator_id"].astype(object)
    )
    assert report_to_dict(operator_report(as_categories)) == report_to_dict(
        operator_report(as_text)
    )


@pytest.mark.parametrize(
    ("ratings", "bad_row"),
    [([5.0, None, 2.5], 3), ([1, 6, 3], 2), ([0.0, 4.0, None], 1)],
)
def test_numeric_parquet_ratings_are_checked_as_numbers(tmp_path, ratings, bad_row):
    tables = make_tables(
        chats=[chat("k-1", "c-1"), chat("k-2", "c-2"), chat("k-3", "c-3")]
    )
    write_tables(tmp_path, tables)
    (tmp_path / "chats.csv").unlink()
    chats = pa.Table.from_pandas(tables["chats"], preserve_index=False)
    chats = chats.set_column(
        chats.schema.get_field_index("rating"), "rating", pa.array(ratings)
    )
    pq.write_table(chats, tmp_path / "chats.parquet")
    with pytest.raises(
        InvalidValueError, match=rf"chats.parquet, column 'rating', row {bad_row}:"
    ):
        load_dataset(tmp_path)


def test_whole_numeric_parquet_ratings_load(tmp_path):
    tables = make_tables(chats=[chat("k-1", "c-1"), chat("k-2", "c-2")])
    write_tables(tmp_path, tables)
    (tmp_path / "chats.csv").unlink()
    chats = pa.Table.from_pandas(tables["chats"], preserve_index=False)
    chats = chats.set_column(
        chats.schema.get_field_index("rating"), "rating", pa.array([5.0, None])
    )
    pq.write_table(chats, tmp_path / "chats.parquet")
    assert load_dataset(tmp_path).chats["rating"].tolist() == [5, pd.NA]


def test_dictionary_encoded_parquet_loads_like_the_csvs(tmp_path):
    # Every text column of every table dictionary-encoded, as some writers
    # do: the columns' categories differ from table to table, and nothing
    # downstream may depend on them (references, scoping, the export).
    for table in TABLES:
        frame = pd.read_csv(
            sample_data_dir() / f"{table}.csv", dtype=str, keep_default_na=False
        ).replace("", None)
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        encoded = pa.table(
            {name: pc.dictionary_encode(arrow[name]) for name in arrow.column_names}
        )
        pq.write_table(encoded, tmp_path / f"{table}.parquet")

    loaded = load_dataset(tmp_path)
    sample = load_dataset(sample_data_dir())

    for viewer in (Viewer.manager(), Viewer.supervisor("Vendas")):
        assert report_to_dict(operator_report(loaded, viewer=viewer)) == (
            report_to_dict(operator_report(sample, viewer=viewer))
        )
        pd.testing.assert_frame_equal(
            export_frame(loaded, viewer=viewer), export_frame(sample, viewer=viewer)
        )
    assert loaded.chats["department"].dtype == sample.chats["department"].dtype


def test_categorical_frames_in_any_table_load_like_text_frames(small_tables):
    typed = {name: frame.copy() for name, frame in small_tables.items()}
    for table, column in [
        ("chats", "contact_id"),
        ("chats", "department"),
        ("opportunities", "contact_id"),
        ("operators", "operator_id"),
        ("messages", "message_id"),
    ]:
        typed[table][column] = pd.Categorical(typed[table][column])
    as_text = dataset_from_frames(small_tables)
    as_categories = dataset_from_frames(typed)

    for table, column in [("chats", "department"), ("operators", "operator_id")]:
        assert getattr(as_categories, table)[column].dtype == "str"
    for viewer in (Viewer.manager(), Viewer.supervisor("Vendas")):
        assert report_to_dict(operator_report(as_categories, viewer=viewer)) == (
            report_to_dict(operator_report(as_text, viewer=viewer))
        )
        pd.testing.assert_frame_equal(
            export_frame(as_categories, viewer=viewer),
            export_frame(as_text, viewer=viewer),
        )


def test_progress_names_each_table_then_linking_in_order_from_the_callers_thread(
    tmp_path,
):
    write_tables(tmp_path, make_tables(chats=[chat("k-1", "c-1")]))
    calls = []

    def progress(what, done, total):
        calls.append((what, done, total, threading.get_ident()))

    load_dataset(tmp_path, progress=progress)

    # The next file is read in the background; the steps still come from
    # the caller's thread, in table order (TABLES is contacts, operators,
    # chats, messages, opportunities, payments).
    tables = [(f"reading and checking {t}.csv", i, 7) for i, t in enumerate(TABLES)]
    finish = [("linking the tables", 6, 7), ("loaded", 7, 7)]
    assert [call[:3] for call in calls] == tables + finish
    assert {call[3] for call in calls} == {threading.get_ident()}


def test_an_earlier_tables_error_wins_over_a_later_unreadable_file(tmp_path):
    # The next file is read while a table is checked; its failure must still
    # wait for its turn.
    tables = make_tables(chats=[chat("k-1", "c-1", opened_at="12/03/2025")])
    write_tables(tmp_path, tables)
    (tmp_path / "messages.csv").write_bytes(b"message_id,ticket_id\n\xff\xfe,k\n")

    with pytest.raises(InvalidValueError) as refused:
        load_dataset(tmp_path)

    assert refused.value.source == "chats.csv"
    assert refused.value.column == "opened_at"


def test_a_folder_in_place_of_a_table_file_is_refused_as_unreadable(tmp_path):
    write_tables(tmp_path, make_tables(chats=[chat("k-1", "c-1")]))
    (tmp_path / "messages.csv").unlink()
    (tmp_path / "messages.csv").mkdir()

    with pytest.raises(DataContractError, match="is a folder; expected a file") as e:
        load_dataset(tmp_path)

    assert e.value.source == "messages.csv"


def _jemalloc_or_skip() -> pa.MemoryPool:
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc pool")


def test_loading_allocates_from_jemalloc_and_restores_the_default_pool(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    jemalloc = _jemalloc_or_skip()
    tables = make_tables(
        chats=[chat("k-1", "c-1")],
        messages=[op_message("m-1", "k-1", "ana", "2025-03-12T13:00:00Z")],
    )
    write_tables(tmp_path, tables)
    before = pa.default_memory_pool().backend_name
    held_before = jemalloc.bytes_allocated()
    pools = []

    def progress(what, done, total):
        pools.append((what, pa.default_memory_pool().backend_name))

    data = load_dataset(tmp_path, progress=progress)

    # Every step up to linking runs with jemalloc as pyarrow's default pool;
    # the caller's default comes back at the end, and the loaded text columns
    # live in jemalloc's memory.
    assert [pool for what, pool in pools[:-1]] == ["jemalloc"] * 7
    assert pools[-1] == ("loaded", before)
    assert pa.default_memory_pool().backend_name == before
    assert jemalloc.bytes_allocated() > held_before
    assert data.messages["message_id"].tolist() == ["m-1"]


def test_a_refused_load_restores_the_default_pool(tmp_path, monkeypatch):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    _jemalloc_or_skip()
    tables = make_tables(chats=[chat("k-1", "c-1", opened_at="12/03/2025")])
    write_tables(tmp_path, tables)
    before = pa.default_memory_pool().backend_name

    with pytest.raises(InvalidValueError):
        load_dataset(tmp_path)

    assert pa.default_memory_pool().backend_name == before


def test_a_pool_chosen_in_the_environment_is_left_alone(tmp_path, monkeypatch):
    write_tables(tmp_path, make_tables(chats=[chat("k-1", "c-1")]))
    before = pa.default_memory_pool().backend_name
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", before)
    pools = []

    def progress(what, done, total):
        pools.append(pa.default_memory_pool().backend_name)

    load_dataset(tmp_path, progress=progress)

    assert pools == [before] * 8


def test_each_derived_message_column_holds_its_own_memory():
    # The categoricals are handed to the message table without a copy; a
    # write into one column must still leave every other column as it was.
    messages = load_dataset(sample_data_dir()).messages
    codes = {
        name: column.array.codes
        for name, column in messages.items()
        if isinstance(column.dtype, pd.CategoricalDtype)
    }
    assert sorted(codes) == [
        "campaign", "channel", "contact_id", "department",
        "operator_id", "sender", "ticket_id",
    ]  # fmt: skip
    names = list(codes)
    shared = [
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if np.shares_memory(codes[a], codes[b])
    ]
    assert shared == []

    ticket = messages.loc[0, "ticket_id"]
    contacts = messages["contact_id"]
    other_contact = contacts[contacts.ne(contacts.iloc[0])].iloc[0]
    messages.loc[0, "contact_id"] = other_contact
    assert messages.loc[0, "contact_id"] == other_contact
    assert messages.loc[0, "ticket_id"] == ticket


def test_the_message_table_keeps_no_code_columns():
    # Its codes are those of the rows its categoricals name; a view works
    # them out for the messages it keeps.
    messages = load_dataset(sample_data_dir()).messages
    assert [c for c in messages.columns if c.endswith("_code")] == []


def test_loads_overlapping_in_threads_restore_the_callers_pool(monkeypatch):
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    _jemalloc_or_skip()
    before = pa.default_memory_pool().backend_name
    started = threading.Barrier(2)
    results = []

    def load():
        # Both loads are under way before either ends.
        load_dataset(
            sample_data_dir(),
            progress=lambda what, done, total: done == 1 and started.wait(10),
        )
        results.append(pa.default_memory_pool().backend_name)

    for _ in range(3):
        threads = [threading.Thread(target=load) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert pa.default_memory_pool().backend_name == before
    assert len(results) == 6


@pytest.mark.parametrize(
    ("column", "values", "kind"),
    [
        ("tags", pa.array([["vip", "frete"]], pa.list_(pa.string())), "list<"),
        ("name", pa.array([{"first": "Ana"}]), "struct<"),
    ],
)
def test_a_parquet_contract_column_of_lists_or_structs_is_refused(
    tmp_path, column, values, kind
):
    # pandas would load each list as its text ("['vip', 'frete']").
    tables = make_tables(chats=[chat("k-1", "c-1")])
    write_tables(tmp_path, tables)
    table = "chats" if column == "tags" else "operators"
    frame = (
        tables[table] if table == "chats" else pd.DataFrame({"operator_id": ["ana"]})
    )
    arrow = pa.Table.from_pandas(frame.drop(columns=[column], errors="ignore"))
    arrow = arrow.append_column(column, values)
    (tmp_path / f"{table}.csv").unlink()
    pq.write_table(arrow, tmp_path / f"{table}.parquet")

    with pytest.raises(DataContractError, match="expected one text") as refused:
        load_dataset(tmp_path)

    assert refused.value.source == f"{table}.parquet"
    assert refused.value.column == column
    assert kind in str(refused.value)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("operator_id,name\nana,{long}\nbia,Bia\n", 2),
        ("operator_id,name\nana,Ana\nbia,{long},extra\n", 3),
    ],
)
def test_a_csv_value_too_long_to_read_names_its_line(tmp_path, text, line):
    path = tmp_path / "operators.csv"
    path.write_text(text.replace("{long}", "A" * 3_000_000), encoding="utf-8")

    with pytest.raises(DataContractError, match="values of ordinary length") as e:
        read_table(path)

    assert str(e.value).startswith(f"operators.csv, line {line}:")
    assert e.value.source == "operators.csv"
