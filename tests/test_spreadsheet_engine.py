"""The export opened in a real spreadsheet engine, and golden files.

LibreOffice Calc (headless) imports each CSV profile the way a person's
spreadsheet would, under pt-BR and en-US settings, and saves it as a typed
workbook that openpyxl then inspects cell by cell. Missing LibreOffice skips
these tests, except where POLI_REQUIRE_SYSTEM_TOOLS=1 (CI) makes it a failure.

What Calc shows, by profile and locale (asserted below):

- ``excel-br`` in pt-BR, ``excel-us`` and ``sheets`` in en-US, and ``xlsx``
  anywhere: IDs and phones are text (``007``, ``+5511987654321``), accents
  intact, dates are dates, ``1234.56`` is that number, and a formula-like
  name is text.
- Opened under the other locale, IDs, phones, accents and the neutralised
  name still survive, but amounts stay text (a pt-BR sheet does not read
  ``1234.56``, an en-US one does not read ``1234,56``), and ``excel-br``'s
  day-first dates are misread by an en-US sheet. Pick the profile that
  matches the spreadsheet's language.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import spreadsheet_dataset
from poli_analytics._export_columns import COLUMNS
from poli_analytics.export import export_bytes

GOLDEN = Path(__file__).parent / "golden"
LOCALES = {"pt-BR": ("1046", "pt_BR.UTF-8"), "en-US": ("1033", "en_US.UTF-8")}
DELIMITER = {"sheets": "44", "excel-br": "59", "excel-us": "44"}
LANG = {"sheets": "en", "excel-br": "pt-BR", "excel-us": "en", "xlsx": "en"}


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        reason = "LibreOffice (soffice) is not installed"
        if os.environ.get("POLI_REQUIRE_SYSTEM_TOOLS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _convert(source: Path, out_dir: Path, *, infilter: str | None, locale: str) -> Path:
    """Open ``source`` in Calc as a person would and save it as .xlsx."""
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [
        _soffice(),
        f"-env:UserInstallation=file://{out_dir / 'profile'}",
        "--headless",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out_dir),
    ]
    if infilter:
        command[3:3] = ["--infilter=" + infilter]
    command.append(str(source))
    env = {**os.environ, "LC_ALL": locale, "LANG": locale}
    subprocess.run(command, check=True, capture_output=True, timeout=120, env=env)
    converted = out_dir / (source.stem + ".xlsx")
    assert converted.exists(), f"Calc did not convert {source.name}"
    return converted


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    """{(profile, locale): {record type: {English header: cell}}} after Calc."""
    data = spreadsheet_dataset()
    base = tmp_path_factory.mktemp("calc")
    sheets = {}
    for profile in ("sheets", "excel-br", "excel-us", "xlsx"):
        suffix = "xlsx" if profile == "xlsx" else "csv"
        source = base / f"{profile}.{suffix}"
        source.write_bytes(export_bytes(data, profile=profile, lang=LANG[profile]))
        for locale, (language, env_locale) in LOCALES.items():
            infilter = (
                None
                if profile == "xlsx"
                else f"CSV:{DELIMITER[profile]},34,76,1,,{language},false,true"
            )
            out = _convert(
                source,
                base / f"{profile}-{locale}",
                infilter=infilter,
                locale=env_locale,
            )
            sheets[profile, locale] = _cells(out)
    return sheets


def _cells(path: Path) -> dict[str, dict[str, openpyxl.cell.Cell]]:
    sheet = openpyxl.load_workbook(path, data_only=True).active
    header = [cell.value for cell in sheet[1]]
    english = {c.pt: c.en for c in COLUMNS} | {c.en: c.en for c in COLUMNS}
    records = {
        "interação": "interaction",
        "venda": "sale",
        "oportunidade": "opportunity",
    }
    rows = {}
    for row in sheet.iter_rows(min_row=2):
        record = records.get(row[0].value, row[0].value)
        rows.setdefault(
            record, {english[h]: cell for h, cell in zip(header, row, strict=True)}
        )
    return rows


MATCHING = [("sheets", "en-US"), ("excel-br", "pt-BR"), ("excel-us", "en-US"),
            ("xlsx", "pt-BR"), ("xlsx", "en-US")]  # fmt: skip
EVERY = [
    (p, loc) for p in ("sheets", "excel-br", "excel-us", "xlsx") for loc in LOCALES
]


@pytest.mark.parametrize(("profile", "locale"), EVERY)
def test_text_survives_everywhere(opened, profile, locale):
    interaction = opened[profile, locale]["interaction"]
    for header, value in (
        ("Contact ID", "007"),
        ("Operator ID", "0042"),
        ("Phone", "+5511987654321"),
        ("Operator Name", "Conceição Araújo"),
        ("Chat Department", "Pós-venda"),
        ("Email", "joão@example.com"),
        ("Tags", "promoção|vip"),
    ):
        cell = interaction[header]
        assert (cell.value, cell.data_type) == (value, "s"), header
    name = interaction["Contact Name"]
    assert name.data_type == "s"  # shown as text, never run as a formula
    assert name.value.lstrip("'") == '=HYPERLINK("http://x")'


@pytest.mark.parametrize(("profile", "locale"), MATCHING)
def test_dates_and_money_are_typed_in_the_matching_locale(opened, profile, locale):
    rows = opened[profile, locale]
    response = rows["interaction"]["Operator Response Date"]
    assert response.is_date
    assert response.value == dt.datetime(2025, 3, 12, 18, 45, 30)  # local time
    day = rows["interaction"]["Interaction Date"]
    assert day.is_date and day.value == dt.datetime(2025, 3, 12)
    amount = rows["sale"]["Amount Sold"]
    assert amount.data_type == "n" and amount.value == 1234.56
    assert rows["interaction"]["Response Time (s)"].value == 270


@pytest.mark.parametrize(
    ("profile", "locale", "amount"),
    [("excel-br", "en-US", "1234,56"), ("excel-us", "pt-BR", "1234.56"),
     ("sheets", "pt-BR", "1234.56")],
)  # fmt: skip
def test_other_locale_keeps_amounts_as_text(opened, profile, locale, amount):
    cell = opened[profile, locale]["sale"]["Amount Sold"]
    assert (cell.value, cell.data_type) == (amount, "s")


@pytest.mark.parametrize(
    ("profile", "lang", "name"),
    [
        ("sheets", "en", "export-sheets-en.csv"),
        ("excel-br", "pt-BR", "export-excel-br-pt-BR.csv"),
        ("excel-us", "en", "export-excel-us-en.csv"),
    ],
)
def test_golden_files(spreadsheet_data, profile, lang, name):
    """The exact bytes of each CSV profile; reviewed by eye when first written."""
    data = export_bytes(spreadsheet_data, profile=profile, lang=lang)
    golden = GOLDEN / name
    if not golden.exists():
        golden.write_bytes(data)
        pytest.fail(f"wrote {golden}; review it and run again")
    assert data == golden.read_bytes()
