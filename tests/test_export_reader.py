"""Reading exports back: every profile, and what spreadsheets do to them."""

from __future__ import annotations

import pytest

from poli_analytics import (
    DataContractError,
    InvalidValueError,
    MissingColumnError,
    Selection,
    operator_report,
    report_to_dict,
)
from poli_analytics._export_columns import COLUMNS
from poli_analytics.export import PROFILES, export_bytes
from poli_analytics.export_reader import read_export

MARCH = Selection(start="2025-03-01", end="2025-03-31")
HEADER_EN = ",".join(c.en for c in COLUMNS)
HEADER_PT = ";".join(c.pt for c in COLUMNS)


def same_report(a, b, selection=MARCH) -> bool:
    left = report_to_dict(operator_report(a, selection))
    right = report_to_dict(operator_report(b, selection))
    return left["operators"] == right["operators"] and left["totals"] == right["totals"]


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_every_profile_reads_back_to_the_same_report(example, tmp_path, profile, lang):
    path = tmp_path / ("export.xlsx" if profile == "xlsx" else "export.csv")
    path.write_bytes(export_bytes(example, MARCH, profile=profile, lang=lang))
    back = read_export(path)
    assert back.tz == "America/Sao_Paulo"
    assert same_report(example, back)


def test_a_narrower_selection_of_an_export_matches_the_dataset(example, tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(export_bytes(example, MARCH))
    back = read_export(path)
    for selection in (
        Selection(start="2025-03-12", end="2025-03-12"),
        Selection(start="2025-03-13", end="2025-03-31", departments=["Suporte"]),
        Selection(start="2025-03-01", end="2025-03-31", operators=["ana"]),
    ):
        assert same_report(example, back, selection)


def row(cells: dict[str, str], sep: str = ",", lang: str = "en") -> str:
    """One export line with the named cells set (by English header)."""
    values = [cells.get(c.en, "") for c in COLUMNS]
    return sep.join(values)


def write(tmp_path, text: str, encoding: str = "utf-8", name: str = "resaved.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_pt_br_excel_resave(tmp_path):
    # Semicolons, no BOM, Windows-1252, CRLF, two-digit years, no seconds,
    # thousands dots and R$, IDs whose ="..." wrapper Excel already removed.
    cells = {
        "Record Type": "interação", "Interaction Date": "13/03/25",
        "Contact ID": "0012", "Service Ticket ID": "k-1",
        "Contact Name": "Conceição Araújo", "Phone": "+5511987654321",
        "Contact Creation Date": "01/03/2025 09:00",
        "Chat Opening Date": "13/03/25 10:00",
        "Operator ID": "007", "Operator Name": "Ana", "Chat Department": "Vendas",
        "Channel": "whatsapp", "Messages": "2", "New Customer": "1",
        "Time Zone": "America/Sao_Paulo",
    }  # fmt: skip
    sale = {
        **cells, "Record Type": "venda", "Interaction Date": "", "Messages": "",
        "New Customer": "", "Opportunity ID": "o-1", "Opportunity Type": "carrinho",
        "Opportunity Date": "13/03/2025 10:05", "Opportunity Amount": "R$ 1.234,56",
        "Payment ID": "p-1", "Sale Date": "13/03/2025 10:30", "Amount Sold": "1.234,56",
    }  # fmt: skip
    text = "\r\n".join([HEADER_PT, row(cells, ";"), row(sale, ";")]) + "\r\n"
    back = read_export(write(tmp_path, text, "cp1252"))
    assert "not UTF-8; read as Windows-1252" in back.quality.notes[0]
    assert back.contacts["name"].iloc[0] == "Conceição Araújo"
    assert back.contacts["contact_id"].iloc[0] == "0012"
    assert back.payments["amount_cents"].iloc[0] == 123456
    report = operator_report(back, MARCH)
    assert report.totals["amount_sold_cents"] == 123456
    assert report.totals["new_customers"] == 1
    assert report.totals["messages_sent"] == 2
    assert list(report.operators["operator_id"]) == ["007"]


def test_us_dates_with_am_pm(tmp_path):
    cells = {
        "Record Type": "interaction", "Interaction Date": "3/13/2025",
        "Contact ID": "c-1", "Service Ticket ID": "k-1",
        "Contact Creation Date": "3/1/2025 9:00 AM",
        "Chat Opening Date": "3/13/2025 12:30 PM", "Operator ID": "ana",
        "Operator Name": "Ana", "Chat Department": "Vendas", "Channel": "whatsapp",
        "Messages": "1", "Time Zone": "America/Sao_Paulo",
    }  # fmt: skip
    back = read_export(write(tmp_path, HEADER_EN + "\n" + row(cells) + "\n"))
    assert str(back.chats["opened_at"].iloc[0]) == "2025-03-13 12:30:00-03:00"
    assert str(back.contacts["created_at"].iloc[0]) == "2025-03-01 09:00:00-03:00"


def _ambiguous(tmp_path, date="03/04/2025"):
    cells = {
        "Record Type": "interaction", "Interaction Date": date, "Contact ID": "c-1",
        "Service Ticket ID": "k-1", "Contact Creation Date": date,
        "Chat Opening Date": date, "Operator ID": "ana", "Operator Name": "Ana",
        "Chat Department": "Vendas", "Channel": "whatsapp", "Messages": "1",
        "Time Zone": "America/Sao_Paulo",
    }  # fmt: skip
    return write(tmp_path, HEADER_EN + "\n" + row(cells) + "\n")


def test_ambiguous_dates_need_a_decision(tmp_path):
    path = _ambiguous(tmp_path)
    with pytest.raises(InvalidValueError, match="could be day-first or month-first"):
        read_export(path)
    day_first = read_export(path, dayfirst=True)
    assert str(day_first.chats["opened_at"].iloc[0].date()) == "2025-04-03"
    month_first = read_export(path, dayfirst=False)
    assert str(month_first.chats["opened_at"].iloc[0].date()) == "2025-03-04"


def test_an_unambiguous_date_decides_for_the_whole_file(tmp_path):
    path = _ambiguous(tmp_path, "13/04/2025")
    assert str(read_export(path).chats["opened_at"].iloc[0].date()) == "2025-04-13"
    with pytest.raises(InvalidValueError, match="dates are day-first, contrary"):
        read_export(path, dayfirst=False)


def test_mixed_date_orders_are_refused(tmp_path):
    cells = {
        "Record Type": "interaction", "Interaction Date": "13/04/2025",
        "Contact ID": "c-1", "Service Ticket ID": "k-1",
        "Contact Creation Date": "04/13/2025", "Chat Opening Date": "13/04/2025",
        "Operator ID": "ana", "Operator Name": "Ana", "Chat Department": "Vendas",
        "Channel": "whatsapp", "Messages": "1", "Time Zone": "America/Sao_Paulo",
    }  # fmt: skip
    path = write(tmp_path, HEADER_EN + "\n" + row(cells) + "\n")
    with pytest.raises(InvalidValueError, match="some dates are day-first"):
        read_export(path)


def _sale_file(tmp_path, amounts: list[str], sep: str = ";"):
    header = HEADER_PT if sep == ";" else HEADER_EN
    lines = [header]
    for i, amount in enumerate(amounts):
        cells = {
            "Record Type": "sale", "Contact ID": "c-1", "Operator ID": "ana",
            "Operator Name": "Ana", "Contact Creation Date": "2025-03-01 09:00:00",
            "Opportunity ID": f"o-{i}", "Opportunity Type": "cart",
            "Opportunity Date": "2025-03-01 10:00:00", "Opportunity Amount": amount,
            "Payment ID": f"p-{i}", "Sale Date": "2025-03-01 11:00:00",
            "Amount Sold": amount, "Time Zone": "America/Sao_Paulo",
        }  # fmt: skip
        lines.append(row(cells, sep))
    return write(tmp_path, "\n".join(lines) + "\n")


def test_decimal_mark_is_decided_by_the_amounts(tmp_path):
    # A semicolon file that an en-US spreadsheet re-saved with decimal dots.
    back = read_export(_sale_file(tmp_path, ["350.9", "1,234.56", "12"]))
    assert sorted(back.payments["amount_cents"]) == [1200, 35090, 123456]
    # Whole amounts only: the semicolon profile's comma stands ("1.234" = 1234).
    back = read_export(_sale_file(tmp_path, ["1.234", "12"]))
    assert sorted(back.payments["amount_cents"]) == [1200, 123400]


def test_mixed_decimal_marks_are_refused(tmp_path):
    with pytest.raises(
        InvalidValueError, match="decimal comma .* and with a decimal dot"
    ):
        read_export(_sale_file(tmp_path, ["350,90", "350.90"]))


def test_bad_amount_names_line_and_column(tmp_path):
    with pytest.raises(
        InvalidValueError,
        match=r"resaved\.csv, column 'Valor da Oportunidade', line 3: not an amount",
    ):
        read_export(_sale_file(tmp_path, ["10,00", "dez reais"]))


def test_ids_differing_only_by_zeros_are_kept_apart_and_noted(tmp_path):
    # 0042 and 42 are two IDs (IDs are text), unless a spreadsheet stripped
    # zeros: the reader counts them apart and says so.
    path = _sale_file(tmp_path, ["1,00", "2,00"])
    text = path.read_text().replace("o-0", "0042").replace("o-1", "42")
    path.write_text(text)
    back = read_export(path)
    assert sorted(back.opportunities["opportunity_id"]) == ["0042", "42"]
    notes = back.quality.notes
    assert any("differ only by leading zeros (0042, 42)" in note for note in notes)


def test_ids_that_may_have_lost_zeros_are_noted(tmp_path):
    path = _sale_file(tmp_path, ["1,00", "2,00"])
    path.write_text(path.read_text().replace("o-0", "0042").replace("o-1", "43"))
    notes = read_export(path).quality.notes
    assert any("opportunity_id values are shorter" in note for note in notes)


def test_ids_turned_into_scientific_numbers_are_refused(tmp_path):
    path = _sale_file(tmp_path, ["1,00"])
    path.write_text(path.read_text().replace(";c-1;", ";5,51199E+12;"))
    with pytest.raises(
        InvalidValueError, match="turned the value into a rounded number"
    ):
        read_export(path)


def test_not_an_export(tmp_path):
    path = write(tmp_path, "contact_id,name\nc-1,Ana\n")
    with pytest.raises(
        MissingColumnError, match="not a poli-analytics export: missing"
    ):
        read_export(path)


def test_unknown_record_type(tmp_path):
    path = _sale_file(tmp_path, ["1,00"])
    path.write_text(path.read_text().replace("\nsale;", "\ncompra;"))
    with pytest.raises(
        InvalidValueError, match="'Tipo de Registro', line 2: unknown value"
    ):
        read_export(path)


def test_time_zone_cannot_be_overridden(tmp_path):
    path = _sale_file(tmp_path, ["1,00"])
    with pytest.raises(InvalidValueError, match="local to America/Sao_Paulo, not UTC"):
        read_export(path, tz="UTC")


def test_a_contact_with_two_names_is_refused(tmp_path):
    path = _sale_file(tmp_path, ["1,00", "2,00"])
    lines = path.read_text().split("\n")
    lines[2] = lines[2].replace(";Ana;", ";Ana Maria;")
    path.write_text("\n".join(lines))
    with pytest.raises(
        InvalidValueError,
        match=r"column 'Operator ID', lines 2, 3: the same ID with different details",
    ):
        read_export(path)


def test_unreadable_file(tmp_path):
    path = write(tmp_path, "not,a,zip", name="broken.xlsx")
    with pytest.raises(
        DataContractError, match=r"broken\.xlsx: cannot be read as an \.xlsx"
    ):
        read_export(path)
