"""The detailed export: rows, columns, profiles, neutralised cells, scope."""

from __future__ import annotations

import csv
import io
from functools import partial

import openpyxl
import pandas as pd
import pytest

from conftest import chat, make_dataset, op_message
from poli_analytics import (
    PoliAnalyticsError,
    ScopeError,
    Selection,
    SelectionError,
    Viewer,
    load_dataset,
    sample_data_dir,
)
from poli_analytics import export as export_module
from poli_analytics.export import (
    export_bytes,
    export_filename,
    export_frame,
    write_export,
)

MARCH = Selection(start="2025-03-01", end="2025-03-31")


def lines(data: bytes) -> list[str]:
    return data.decode("utf-8-sig").split("\r\n")


def test_rows_of_the_worked_example(example):
    rows = export_frame(example, MARCH)
    assert rows["record"].value_counts().to_dict() == {
        "interaction": 4,  # Ana k-1 12/03; Bruno k-1 12/03, k-2 13/03, k-2 14/03
        "sale": 4,  # p-1, p-2, p-4, p-5 (o-0 paid twice)
        "opportunity": 2,  # o-1, o-2 (o-0 was created in February)
        "refund": 1,  # p-3
    }
    interactions = rows[rows["record"].eq("interaction")]
    interactions = interactions.set_index(
        [
            "ticket_id",
            "operator_id",
            interactions["interaction_date"].dt.strftime("%d/%m"),
        ]
    )
    assert interactions.loc[("k-1", "ana", "12/03"), "messages"] == 2
    assert interactions.loc[("k-1", "ana", "12/03"), "response_time_s"] == 240
    assert interactions.loc[("k-1", "ana", "12/03"), "service_time_s"] == 7200
    assert interactions.loc[("k-2", "bruno", "13/03"), "response_time_s"] == 600
    assert pd.isna(interactions.loc[("k-2", "bruno", "13/03"), "service_time_s"])
    assert interactions["new_customer"].to_dict() == {
        ("k-1", "ana", "12/03"): 0,
        ("k-1", "bruno", "12/03"): 0,
        ("k-2", "bruno", "13/03"): 1,
        ("k-2", "bruno", "14/03"): 1,
    }
    sales = rows[rows["record"].eq("sale")]
    assert sales["amount_sold_cents"].sum() == 15030  # the report's Amount Sold
    assert sales["opportunity_id"].nunique() == 3  # the report's Sales
    o2 = rows[rows["opportunity_id"].eq("o-2")]
    assert set(o2["record"]) == {"opportunity", "sale", "refund"}
    assert o2["ticket_id"].isna().all()  # no chat, so no chat columns
    assert (o2["contact_id"] == "c-2").all()


def test_sheets_profile_bytes(example):
    data = export_bytes(example, MARCH, profile="sheets")
    assert not data.startswith(b"\xef\xbb\xbf")
    text = lines(data)
    assert text[0].startswith(
        "Record Type,Interaction Date,Contact ID,Service Ticket ID"
    )
    assert text[0].endswith("Refunded Amount,Time Zone")
    first = text[1].split(",")
    # 12/03 10:00 local, the first interaction; IDs protected as ="...".
    assert first[:4] == ["interaction", "2025-03-12", '"=""c-1"""', '"=""k-1"""']
    assert "2025-03-12 09:55:00" in text[1]  # opened 12:55Z, shown local
    assert text[-1] == ""  # a final line break
    sale = next(line for line in text if line.startswith("sale") and "p-1" in line)
    assert ",100.00," in sale


def test_excel_br_profile_bytes(example):
    data = export_bytes(example, MARCH, profile="excel-br", lang="pt-BR")
    assert data.startswith(b"\xef\xbb\xbf")
    text = lines(data)
    assert text[0].startswith("Tipo de Registro;Data da Interação;ID do Contato")
    assert text[1].startswith('interação;12/03/2025;"=""c-1""";')
    assert "12/03/2025 09:55:00" in text[1]
    sale = next(line for line in text if "p-4" in line)
    assert sale.startswith("venda;")
    assert ";0,10;" in sale and ";carrinho;" in sale


def test_excel_us_profile_bytes(example):
    data = export_bytes(example, MARCH, profile="excel-us")
    assert data.startswith(b"\xef\xbb\xbf")
    assert lines(data)[1].startswith('interaction,2025-03-12,"=""c-1""",')


def _hostile():
    return make_dataset(
        contacts=[
            {"contact_id": "007", "name": '=HYPERLINK("http://x","y")',
             "phone": "+5511987654321", "email": "@evil", "created_at": "2024-01-01"},
            {"contact_id": "008", "name": "-5", "phone": "011987654321",
             "created_at": "2024-01-01"},
            {"contact_id": "009", "name": "Semicolon; comma, \"quoted\"\nline",
             "created_at": "2024-01-01"},
        ],
        chats=[
            chat("k-1", "007", tags="+vip", campaign="-10%"),
            chat("k-2", "008"),
            chat("k-3", "009"),
        ],
        messages=[
            op_message("m-1", "k-1", "op-1", "2025-03-12T12:00:00Z"),
            op_message("m-2", "k-2", "op-1", "2025-03-12T12:00:00Z"),
            op_message("m-3", "k-3", "op-1", "2025-03-12T12:00:00Z"),
        ],
    )  # fmt: skip


@pytest.mark.parametrize("profile", ["sheets", "excel-br", "excel-us"])
def test_formula_like_cells_are_neutralised(profile):
    data = export_bytes(_hostile(), profile=profile).decode("utf-8-sig")
    assert "'=HYPERLINK" in data
    assert "'@evil" in data
    assert "'+vip" in data and "'-10%" in data
    assert '"Semicolon; comma, ""quoted""\nline"' in data
    # Legitimate values are not corrupted: a plain negative number, a phone.
    assert "'-5" not in data
    assert '"=""+5511987654321"""' in data
    assert '"=""007"""' in data
    # Every line starts with a record type, never with a formula.
    records = pd.read_csv(io.StringIO(data), sep=None, engine="python", dtype=str)
    assert set(records.iloc[:, 0]) == {"interaction"}
    assert len(records) == 3


def test_tab_and_carriage_return_are_neutralised_too():
    # The loader strips surrounding blanks, so these only reach the writer
    # from frames built by hand; the writer guards them anyway.
    text = pd.Series(["\tcmd", "\rcmd", "ok", "+1", "=1+1", None], dtype="str")
    assert export_module._neutralised(text).tolist()[:5] == [
        "'\tcmd", "'\rcmd", "ok", "+1", "'=1+1"
    ]  # fmt: skip


def test_xlsx_is_typed(example):
    workbook = openpyxl.load_workbook(
        io.BytesIO(export_bytes(example, MARCH, profile="xlsx"))
    )
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Record Type", "Interaction Date", "Contact ID"]
    first = dict(zip(header, sheet[2], strict=True))
    assert first["Contact ID"].value == "c-1" and first["Contact ID"].data_type == "s"
    assert first["Chat Opening Date"].is_date
    assert str(first["Chat Opening Date"].value) == "2025-03-12 09:55:00"
    amounts = [
        row[header.index("Amount Sold")]
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if row[header.index("Amount Sold")] is not None
    ]
    assert sorted(amounts) == [0.1, 0.2, 50.0, 100.0]


def test_xlsx_keeps_formula_like_text_as_text():
    sheet = openpyxl.load_workbook(
        io.BytesIO(export_bytes(_hostile(), profile="xlsx"))
    ).active
    header = [cell.value for cell in sheet[1]]
    names = {
        row[header.index("Contact ID")].value: row[header.index("Contact Name")]
        for row in sheet.iter_rows(min_row=2)
    }
    risky = names["007"]
    assert risky.data_type == "s"
    assert risky.value == '=HYPERLINK("http://x","y")'
    assert risky.quotePrefix
    assert names["008"].value == "-5"
    phones = [row[header.index("Phone")].value for row in sheet.iter_rows(min_row=2)]
    assert "+5511987654321" in phones and "011987654321" in phones


def test_xlsx_refuses_more_rows_than_a_sheet_holds(example, monkeypatch):
    monkeypatch.setattr(export_module, "XLSX_MAX_ROWS", 3)
    with pytest.raises(PoliAnalyticsError, match="11 rows do not fit in one .xlsx"):
        export_bytes(example, MARCH, profile="xlsx")


def test_unknown_profile_and_language(example):
    with pytest.raises(SelectionError, match="unknown export profile 'ods'"):
        export_bytes(example, profile="ods")
    with pytest.raises(SelectionError, match="unknown header language 'fr'"):
        export_bytes(example, lang="fr")


def test_file_names():
    assert export_filename(MARCH) == "operator-report_2025-03-01_2025-03-31.csv"
    assert export_filename(profile="xlsx") == "operator-report_beginning_end.xlsx"


@pytest.mark.parametrize(
    ("name", "profile", "words"),
    [
        ("marco.xlsx", "excel-br", "excel-br profile writes CSV text"),
        ("marco.XLS", "sheets", "under a .xls name"),
        ("marco.csv", "xlsx", "name the file *.xlsx"),
    ],
)
def test_a_file_name_that_contradicts_the_profile_is_refused(
    example, tmp_path, name, profile, words
):
    with pytest.raises(SelectionError, match=words.replace("*", r"\*")):
        write_export(example, tmp_path / name, profile=profile)
    assert not (tmp_path / name).exists()


# --- Scope, tested as an attacker would -------------------------------------


@pytest.fixture
def two_departments():
    """c-1 (Vendas, Ana) and c-2 (Suporte, Cláudia) with private e-mail and phone."""
    return make_dataset(
        contacts=[
            {"contact_id": "c-1", "email": "c1@example.com", "phone": "+5511900000001",
             "created_at": "2024-01-01"},
            {"contact_id": "c-2", "email": "c2@example.com", "phone": "+5511900000002",
             "created_at": "2024-01-01"},
        ],
        chats=[chat("k-1", "c-1"), chat("k-2", "c-2", department="Suporte")],
        messages=[
            op_message("m-1", "k-1", "ana", "2025-03-12T12:00:00Z"),
            op_message("m-2", "k-2", "claudia", "2025-03-12T12:00:00Z"),
            op_message("m-3", "k-1", "claudia", "2025-03-13T12:00:00Z"),
        ],
        opportunities=[
            {"opportunity_id": "o-2", "kind": "cart", "contact_id": "c-2",
             "operator_id": "claudia", "created_at": "2025-03-12T12:00:00Z",
             "amount": "10"},
        ],
    )  # fmt: skip


@pytest.mark.parametrize("profile", ["sheets", "excel-br", "excel-us", "xlsx"])
def test_supervisor_export_holds_nothing_from_other_departments(
    two_departments, profile
):
    data = export_bytes(
        two_departments, viewer=Viewer.supervisor("Vendas"), profile=profile
    )
    text = data.decode("latin-1") if profile == "xlsx" else data.decode("utf-8-sig")
    if profile == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        text = "\n".join(
            str(v) for row in sheet.iter_rows(values_only=True) for v in row
        )
    assert "c1@example.com" in text
    for secret in ("c2@example.com", "+5511900000002", "Suporte", "k-2", "o-2"):
        assert secret not in text


def test_operator_export_holds_only_their_own_customers(two_departments):
    text = export_bytes(two_departments, viewer=Viewer.operator("ana")).decode()
    assert "c1@example.com" in text
    assert "c2@example.com" not in text and "claudia" not in text
    claudia = export_bytes(two_departments, viewer=Viewer.operator("claudia")).decode()
    # Cláudia wrote to c-1 in Vendas on 13/03: that interaction is hers to see.
    assert "c1@example.com" in claudia and "c2@example.com" in claudia
    assert "ana" not in claudia.split("\r\n", 1)[1]


def test_export_refuses_filters_outside_the_scope(two_departments):
    with pytest.raises(ScopeError, match="'Suporte' is outside the scope"):
        export_bytes(
            two_departments,
            Selection(departments=["Suporte"]),
            viewer=Viewer.supervisor("Vendas"),
        )


def test_export_and_report_agree(example):
    from poli_analytics import operator_report

    rows = export_frame(example, MARCH, viewer=Viewer.supervisor("Suporte"))
    report = operator_report(example, MARCH, viewer=Viewer.supervisor("Suporte"))
    interactions = rows[rows["record"].eq("interaction")]
    assert (
        len(
            interactions.drop_duplicates(
                ["operator_id", "contact_id", "interaction_date"]
            )
        )
        == report.totals["interactions"]
    )
    assert rows["amount_sold_cents"].sum() == report.totals["amount_sold_cents"]


@pytest.mark.parametrize("profile", ["sheets", "excel-br"])
def test_csv_chunks_join_into_the_same_file(monkeypatch, profile):
    # The bundled sample's export cut into chunks of 500 rows, built on every
    # core and written in order, is byte for byte the file built in one piece.
    data = load_dataset(sample_data_dir())
    selection = Selection()
    whole = export_bytes(data, selection, profile=profile)
    rows = export_frame(data, selection)
    pieces = io.BytesIO()
    monkeypatch.setattr(export_module, "_write_csv", partial(_chunked, size=500))
    export_module.write_rows(rows, pieces, profile=profile)
    assert len(rows) > 1000
    assert pieces.getvalue() == whole
    assert whole.count(b"\r\n") == len(rows) + 1


_write_csv_whole = export_module._write_csv


def _chunked(*args, size, **kwargs):
    return _write_csv_whole(*args, chunk_rows=size, **kwargs)


def test_xlsx_chunks_make_the_same_sheet(monkeypatch):
    # Cells made Python values 500 rows at a time give the same sheet as one
    # piece: every value, in the same order.
    data = load_dataset(sample_data_dir())
    selection = Selection(start="2024-07-01", end="2025-06-30")
    whole = export_bytes(data, selection, profile="xlsx")
    rows = export_frame(data, selection)
    pieces = io.BytesIO()
    original = export_module._write_xlsx
    monkeypatch.setattr(export_module, "_write_xlsx", partial(original, chunk_rows=500))
    export_module.write_rows(rows, pieces, profile="xlsx")

    def cells(content: bytes) -> list[tuple]:
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        return list(sheet.iter_rows(values_only=True))

    assert len(rows) > 1000
    assert cells(pieces.getvalue()) == cells(whole)
    assert len(cells(whole)) == len(rows) + 1


def test_report_csv_and_table_defuse_hostile_operator_names():
    from poli_analytics import operator_report, report_to_csv, report_to_table

    data = make_dataset(
        operators=[
            {"operator_id": "@op", "name": '=HYPERLINK("http://x")'},
            {"operator_id": "007", "name": "Ana\x1b[31m\nRed"},
            {"operator_id": "cr", "name": "Car\rriage"},
        ],
        contacts=[{"contact_id": "c-1", "created_at": "2025-03-01T12:00:00Z"}],
        chats=[chat("k-1", "c-1")],
        messages=[
            op_message("m-1", "k-1", "@op", "2025-03-12T12:00:00Z"),
            op_message("m-2", "k-1", "007", "2025-03-12T13:00:00Z"),
            op_message("m-3", "k-1", "cr", "2025-03-12T14:00:00Z"),
        ],
    )
    report = operator_report(data)
    text = report_to_csv(report)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[:2] for row in rows[1:-1]] == [
        ["'@op", '\'=HYPERLINK("http://x")'],
        ["007", "Ana\x1b[31m\nRed"],
        ["cr", "Car\rriage"],
    ]  # one row per operator, each name whole
    assert '\n007,"Ana\x1b[31m\nRed",' in text  # programs get the name intact
    assert '\n\'@op,"\'=HYPERLINK(""http://x"")",1,' in text
    table = report_to_table(report)
    assert "\x1b" not in table
    assert "Ana\ufffd[31m\ufffdRed" in table
