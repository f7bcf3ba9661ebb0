"""The detailed export: one row per interaction, plus the sales behind the numbers.

:func:`export_frame` builds the export from the same scoped and filtered view
as the report, so the file and the on-screen numbers cannot disagree.
:func:`write_export` and :func:`export_bytes` write it for a spreadsheet:

``sheets``
    UTF-8, comma, dot decimal, ISO local date-times (Google Sheets).
``excel-br``
    UTF-8 with BOM, semicolon, decimal comma, ``dd/mm/yyyy hh:mm:ss`` dates
    (Excel in Portuguese, Brazil).
``excel-us``
    UTF-8 with BOM, comma, dot decimal, ISO local date-times (Excel in
    English, United States).
``xlsx``
    A typed workbook: text IDs and phones, real dates, numeric money with two
    decimals, a frozen header row.

The rows (``Record Type``):

``interaction``
    One per chat, operator and local day on which the operator wrote in the
    chat within the period, with the chat's and the contact's columns,
    ``Messages`` (operator messages that day) and ``New Customer`` (1 when the
    contact counts as a new customer of this operator in the period).
``opportunity``
    One per opportunity created within the period.
``sale``
    One per ``paid`` payment within the period, with ``Amount Sold`` and
    ``Sale Date``, whenever its opportunity was created.
``refund``
    One per ``refunded`` payment within the period.

Every row carries its contact, chat and operator columns, so a spreadsheet
filter or pivot by department, channel, campaign or operator works on all of
them. Summing ``Amount Sold`` gives the report's Amount Sold; counting
distinct ``Opportunity ID`` on sale rows gives Sales; distinct (``Operator
ID``, ``Contact ID``, ``Interaction Date``) on interaction rows gives
Interactions. :func:`~poli_analytics.export_reader.read_export` reads any
profile back and recomputes the report exactly.

Dates are local wall-clock times in the account zone, without offsets (a
spreadsheet turns offsets into text); the ``Time Zone`` column names the
zone. In the CSV profiles, IDs and phones are written as ``="007"`` so no
spreadsheet turns them into numbers, and a text cell that would run as a
formula (leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) is
prefixed with an apostrophe.
"""

from __future__ import annotations

import io
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ._export_columns import (
    COLUMNS,
    KEYS,
    LANGS,
    OPPORTUNITY_KINDS,
    RECORDS,
    Lang,
    translate,
)
from ._keys import lookup, lookup_columns
from .dataset import Dataset
from .errors import PoliAnalyticsError, SelectionError
from .filtering import FilteredView, Selection, check_selection, filter_dataset
from .metrics import is_new_customer
from .scoping import Viewer, scope_dataset

__all__ = [
    "PROFILES",
    "Profile",
    "export_bytes",
    "export_filename",
    "export_frame",
    "export_view",
    "write_export",
]

logger = logging.getLogger(__name__)

Profile = Literal["sheets", "excel-br", "excel-us", "xlsx"]
PROFILES: tuple[Profile, ...] = ("sheets", "excel-br", "excel-us", "xlsx")
MEDIA_TYPES = {
    "sheets": "text/csv",
    "excel-br": "text/csv",
    "excel-us": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Rows an .xlsx sheet can hold below its header.
XLSX_MAX_ROWS = 1_048_575

_RECORD_ORDER = {"interaction": 0, "opportunity": 1, "sale": 2, "refund": 3}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CSV = {
    "sheets": {"delimiter": ",", "decimal": ".", "bom": False, "dayfirst": False},
    "excel-br": {"delimiter": ";", "decimal": ",", "bom": True, "dayfirst": True},
    "excel-us": {"delimiter": ",", "decimal": ".", "bom": True, "dayfirst": False},
}


# --- Building the table -----------------------------------------------------


def export_view(view: FilteredView) -> pd.DataFrame:
    """The export rows of an already scoped and filtered view.

    Returns a typed frame with the columns of ``_export_columns.KEYS``:
    timestamps tz-aware in the account zone, ``interaction_date`` naive local
    midnight, money in integer centavos (``*_cents``), durations in whole
    seconds, IDs as text.
    """
    data = view.dataset
    interactions = _interaction_rows(view)
    opportunities = data.opportunities.set_index("opportunity_id")
    facts = [interactions]

    created = view.opportunities
    facts.append(
        pd.DataFrame(
            {
                "record": "opportunity",
                "opportunity_id": created["opportunity_id"],
                "ticket_id": created["ticket_id"],
                "contact_id": created["contact_id"],
                "operator_id": created["operator_id"],
            }
        )
    )
    for record, status, at, amount in (
        ("sale", "paid", "sale_at", "amount_sold_cents"),
        ("refund", "refunded", "refund_at", "refunded_amount_cents"),
    ):
        payments = view.payments[view.payments["status"].eq(status)]
        owner = lookup(payments["opportunity_id"], opportunities["contact_id"])
        facts.append(
            pd.DataFrame(
                {
                    "record": record,
                    "opportunity_id": payments["opportunity_id"],
                    "ticket_id": payments["ticket_id"],
                    "contact_id": owner,
                    "operator_id": payments["operator_id"],
                    "payment_id": payments["payment_id"],
                    at: payments["occurred_at"],
                    amount: payments["amount_cents"],
                }
            )
        )
    rows = pd.concat([_template(data.tz), *facts], ignore_index=True)

    rows = _add_opportunity_columns(rows, opportunities)
    rows = _add_chat_columns(rows, data.chats)
    rows = _add_contact_columns(rows, data.contacts)
    names = data.operators.set_index("operator_id")["name"]
    rows["operator_name"] = lookup(rows["operator_id"], names)
    rows["time_zone"] = data.tz
    return _sorted(rows)[KEYS]


def export_frame(
    dataset: Dataset,
    selection: Selection | None = None,
    *,
    viewer: Viewer | None = None,
) -> pd.DataFrame:
    """Scope, check and filter exactly like the report, then build the export rows.

    Parameters
    ----------
    dataset : Dataset
    selection : Selection, optional
        Period and filters; default everything.
    viewer : Viewer, optional
        Default a manager. Nothing outside the viewer's scope (no contact,
        e-mail, phone, operator or chat) reaches the rows.

    Raises
    ------
    ScopeError, SelectionError
        As :func:`~poli_analytics.operator_report` does.
    """
    selection = selection or Selection()
    viewer = viewer or Viewer()
    scoped = scope_dataset(dataset, viewer)
    check_selection(scoped, selection, viewer, whole=dataset)
    return export_view(filter_dataset(scoped, selection))


def _template(tz: str) -> pd.DataFrame:
    """No rows, but every fact column with its dtype, so concatenation keeps them."""
    stamp = f"datetime64[us, {tz}]"
    return pd.DataFrame(
        {
            "record": pd.Series(dtype="str"),
            "interaction_date": pd.Series(dtype="datetime64[us]"),
            "ticket_id": pd.Series(dtype="str"),
            "operator_id": pd.Series(dtype="str"),
            "contact_id": pd.Series(dtype="str"),
            "messages": pd.Series(dtype="Int64"),
            "new_customer": pd.Series(dtype="Int8"),
            "opportunity_id": pd.Series(dtype="str"),
            "payment_id": pd.Series(dtype="str"),
            "sale_at": pd.Series(dtype=stamp),
            "amount_sold_cents": pd.Series(dtype="Int64"),
            "refund_at": pd.Series(dtype=stamp),
            "refunded_amount_cents": pd.Series(dtype="Int64"),
        }
    )


def _interaction_rows(view: FilteredView) -> pd.DataFrame:
    # Counted on integer codes, then the few distinct codes turned into IDs.
    keys = ["ticket_code", "operator_code", "day"]
    counted = view.messages.groupby(keys, sort=False).size().rename("messages")
    codes = counted.reset_index()
    data = view.dataset
    day = codes["day"].to_numpy(dtype="int64").astype("datetime64[D]")
    chat = _rows_by_code(codes["ticket_code"], data.chats, "ticket")
    operator = _rows_by_code(codes["operator_code"], data.operators, "operator")

    def taken(table: pd.DataFrame, column: str, at: np.ndarray) -> pd.Series:
        return table[column].iloc[at].reset_index(drop=True)

    rows = pd.DataFrame(
        {
            "ticket_id": taken(data.chats, "ticket_id", chat),
            "operator_id": taken(data.operators, "operator_id", operator),
            "interaction_date": pd.Series(day, dtype="datetime64[us]"),
            "messages": codes["messages"],
        }
    )
    rows["contact_id"] = taken(data.chats, "contact_id", chat)
    contact = pd.Series(data.chats["contact_code"].to_numpy()[chat])
    new = is_new_customer(view, codes["operator_code"], contact)
    rows["new_customer"] = pd.array(new, dtype="Int8")
    rows.insert(0, "record", "interaction")
    return rows


def _rows_by_code(codes: pd.Series, table: pd.DataFrame, name: str) -> np.ndarray:
    """The row positions in ``table`` whose ``name + "_code"`` is each code.

    Every code of a view's message has its row in the view's (scoped)
    tables; a code without one would be a bug, and fails loudly.
    """
    own = table[f"{name}_code"].to_numpy(dtype=np.int64)
    wanted = codes.to_numpy(dtype=np.int64)
    where = np.full(1 + max(own.max(initial=-1), wanted.max(initial=-1)), -1)
    where[own] = np.arange(len(own))
    found = where[wanted]
    if (found < 0).any():
        msg = f"message {name} codes without a {name} row in the scoped dataset"
        raise AssertionError(msg)
    return found


def _add_opportunity_columns(
    rows: pd.DataFrame, opportunities: pd.DataFrame
) -> pd.DataFrame:
    found = lookup_columns(
        rows["opportunity_id"],
        {
            "opportunity_kind": opportunities["kind"],
            "opportunity_created_at": opportunities["created_at"],
            "opportunity_amount_cents": opportunities["amount_cents"],
        },
    )
    return rows.assign(**found)


#: The chat's columns each export row carries as they are.
_CHAT_COLUMNS = (
    "opened_at", "assigned_at", "first_response_at", "closed_at",
    "department", "channel", "campaign", "tags", "rating",
)  # fmt: skip


def _add_chat_columns(rows: pd.DataFrame, chats: pd.DataFrame) -> pd.DataFrame:
    by_ticket = chats.set_index("ticket_id")
    copied = {column: by_ticket[column] for column in _CHAT_COLUMNS}
    # Whole seconds of the durations the loader derived (``chats.response_s``
    # and ``service_s``, exact in microseconds), rounded down.
    columns = lookup_columns(
        rows["ticket_id"],
        {
            **copied,
            "response_time_s": np.floor(by_ticket["response_s"]),
            "service_time_s": np.floor(by_ticket["service_s"]),
        },
    )
    for column in ("response_time_s", "service_time_s"):
        columns[column] = columns[column].astype("Int64")
    return rows.assign(**columns)


def _add_contact_columns(rows: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    by_contact = contacts.set_index("contact_id")
    found = lookup_columns(
        rows["contact_id"],
        {
            "contact_name": by_contact["name"],
            "email": by_contact["email"],
            "phone": by_contact["phone"],
            "contact_created_at": by_contact["created_at"],
        },
    )
    return rows.assign(**found)


def _sorted(rows: pd.DataFrame) -> pd.DataFrame:
    """Chronological by local day; an interaction first, then what happened in it."""
    event = rows["opportunity_created_at"].where(rows["record"].eq("opportunity"))
    event = event.fillna(rows["sale_at"]).fillna(rows["refund_at"])
    day = rows["interaction_date"].fillna(event.dt.tz_localize(None).dt.normalize())
    order = rows.assign(
        _day=day,
        _rank=rows["record"].map(_RECORD_ORDER),
        _at=event,
    ).sort_values(
        ["_day", "ticket_id", "operator_id", "_rank", "_at", "opportunity_id"],
        na_position="last",
        kind="stable",
    )
    return order.drop(columns=["_day", "_rank", "_at"]).reset_index(drop=True)


# --- Writing ----------------------------------------------------------------


def export_filename(
    selection: Selection | None = None, *, profile: Profile = "sheets"
) -> str:
    """A file name such as ``operator-report_2025-03-01_2025-03-31.csv``."""
    selection = selection or Selection()
    start = selection.start.isoformat() if selection.start else "beginning"
    end = selection.end.isoformat() if selection.end else "end"
    suffix = "xlsx" if profile == "xlsx" else "csv"
    return f"operator-report_{start}_{end}.{suffix}"


def write_export(
    dataset: Dataset,
    path: str | Path,
    selection: Selection | None = None,
    *,
    viewer: Viewer | None = None,
    profile: Profile = "sheets",
    lang: Lang = "en",
) -> int:
    """Write the export of ``dataset`` for ``viewer`` and ``selection`` to ``path``.

    Parameters
    ----------
    profile : {"sheets", "excel-br", "excel-us", "xlsx"}, default "sheets"
    lang : {"en", "pt-BR"}, default "en"
        Header and label language (record and opportunity types).

    Returns
    -------
    int
        Number of data rows written (the header not counted).

    Raises
    ------
    SelectionError
        A workbook name (``.xlsx``, ``.xls``, ``.xlsm``, ``.ods``) with a CSV
        profile, or the ``xlsx`` profile with any name but ``.xlsx``: Excel
        refuses a file whose content does not match its extension.
    """
    _check_file_name(Path(path), profile)
    rows = export_frame(dataset, selection, viewer=viewer)
    with open(path, "wb") as handle:
        write_rows(rows, handle, profile=profile, lang=lang)
    logger.info("wrote %d export rows to %s", len(rows), path)
    return len(rows)


_WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods")


def _check_file_name(path: Path, profile: str) -> None:
    if profile not in PROFILES:
        return  # refused with the list of profiles by write_rows
    suffix = path.suffix.lower()
    if profile == "xlsx" and suffix != ".xlsx":
        msg = f"{path}: the xlsx profile writes a workbook; name the file *.xlsx"
        raise SelectionError(msg)
    if profile != "xlsx" and suffix in _WORKBOOK_SUFFIXES:
        msg = (
            f"{path}: the {profile} profile writes CSV text, which a spreadsheet "
            f"refuses under a {suffix} name; use the xlsx profile or a .csv name"
        )
        raise SelectionError(msg)


def export_bytes(
    dataset: Dataset,
    selection: Selection | None = None,
    *,
    viewer: Viewer | None = None,
    profile: Profile = "sheets",
    lang: Lang = "en",
) -> bytes:
    """The export file's bytes (for a download link); see :func:`write_export`."""
    rows = export_frame(dataset, selection, viewer=viewer)
    buffer = io.BytesIO()
    write_rows(rows, buffer, profile=profile, lang=lang)
    return buffer.getvalue()


def write_rows(
    rows: pd.DataFrame,
    handle: BinaryIO,
    *,
    profile: Profile = "sheets",
    lang: Lang = "en",
) -> None:
    """Write export rows (from :func:`export_frame`) to a binary stream."""
    if profile not in PROFILES:
        msg = (
            f"unknown export profile {profile!r}; expected one of {', '.join(PROFILES)}"
        )
        raise SelectionError(msg)
    if lang not in LANGS:
        msg = f"unknown header language {lang!r}; expected one of {', '.join(LANGS)}"
        raise SelectionError(msg)
    if profile == "xlsx":
        _write_xlsx(rows, handle, lang=lang)
    else:
        _write_csv(rows, handle, lang=lang, **_CSV[profile])


def _labels(rows: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    return rows.assign(
        record=rows["record"].map(translate(RECORDS, lang)),
        opportunity_kind=rows["opportunity_kind"].map(
            translate(OPPORTUNITY_KINDS, lang)
        ),
    )


# CSV text is built with pyarrow kernels, column by column: no Python string
# per cell, so a million rows take seconds.
_TEXT = pa.large_string()
_TWO_DIGITS = pa.array([f"{i:02d}" for i in range(100)], _TEXT)
_FORMULA = r"^[=+\-@\t\r]"
_PLAIN_NUMBER_RE2 = r"^[+-]?[0-9]+(?:[.,][0-9]+)?$"


def _neutralised(text: pd.Series | pa.Array) -> pa.Array:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    A plain signed number (``-5``, ``+12.5``) runs nothing and is left alone.
    """
    values = pa.array(text, _TEXT, from_pandas=True)
    risky = pc.and_(
        pc.match_substring_regex(values, _FORMULA),
        pc.invert(pc.match_substring_regex(values, _PLAIN_NUMBER_RE2)),
    )
    prefixed = pc.binary_join_element_wise(
        pa.scalar("'", _TEXT), values, pa.scalar("", _TEXT)
    )
    return pc.if_else(risky, prefixed, values)


def _join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate text arrays (and literal strings) element by element."""
    arrays = [pa.scalar(p, _TEXT) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*arrays, pa.scalar("", _TEXT))


def _timestamps_text(values: pd.Series, *, dayfirst: bool, with_time: bool) -> pa.Array:
    """Local wall-clock times as ``2025-03-12 18:45:30`` (or day-first) text."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    unit = "datetime64[s]" if with_time else "datetime64[D]"
    stamps = pa.array(values.to_numpy(dtype=unit), from_pandas=True)
    text = pc.cast(stamps if with_time else pc.cast(stamps, pa.date32()), _TEXT)
    if dayfirst:
        text = pc.replace_substring_regex(
            text, r"^([0-9]{4})-([0-9]{2})-([0-9]{2})", r"\3/\2/\1"
        )
    return pc.fill_null(text, "")


def _integers_text(values: pd.Series) -> pa.Array:
    return pc.fill_null(
        pc.cast(pa.array(values.astype("Int64"), from_pandas=True), _TEXT), ""
    )


def _money_text(cents: pd.Series, decimal: str) -> pa.Array:
    whole = cents.astype("Int64")
    missing = pa.array(whole.isna().to_numpy())
    filled = whole.fillna(0).to_numpy(dtype=np.int64)
    text = _join(
        pc.cast(pa.array(filled // 100), _TEXT),
        decimal,
        _TWO_DIGITS.take(pa.array(filled % 100)),
    )
    return pc.if_else(missing, pa.scalar("", _TEXT), text)


def _quoted(values: pa.Array) -> pa.Array:
    return _join('"', pc.replace_substring(values, '"', '""'), '"')


def _csv_column(
    values: pd.Series, kind: str, *, delimiter: str, decimal: str, dayfirst: bool
) -> pa.Array:
    """One export column as CSV cells: typed text, neutralised and quoted (RFC 4180)."""
    if kind in ("date", "datetime"):
        return _timestamps_text(values, dayfirst=dayfirst, with_time=kind == "datetime")
    if kind == "money":
        return _money_text(values, decimal)
    if kind in ("seconds", "count", "flag", "rating"):
        return _integers_text(values)
    text = pa.array(values, _TEXT, from_pandas=True)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    # Text columns repeat their values (operators, departments, record types,
    # a contact on each of its rows): each distinct value's cell is built
    # once and repeated, which is never slower than building every cell.
    encoded = pc.dictionary_encode(text)
    cells = _text_cells(encoded.dictionary, kind, delimiter=delimiter)
    return pc.fill_null(cells.take(encoded.indices), "")


def _text_cells(text: pa.Array, kind: str, *, delimiter: str) -> pa.Array:
    """Text values as CSV cells; missing values become empty cells."""
    if kind in ("id", "phone"):
        # ="007" keeps the zeros and the "+": no spreadsheet makes it a number.
        cells = _quoted(_join('="', pc.replace_substring(text, '"', '""'), '"'))
        return pc.fill_null(
            pc.if_else(pc.is_null(text), pa.scalar(None, _TEXT), cells), ""
        )
    if kind == "text":
        text = _neutralised(text)
    text = pc.fill_null(text, "")
    special = pc.match_substring_regex(text, f'[{re.escape(delimiter)}"\r\n]')
    return pc.if_else(special, _quoted(text), text)


def _write_csv(
    rows: pd.DataFrame,
    handle: BinaryIO,
    *,
    lang: Lang,
    delimiter: str,
    decimal: str,
    bom: bool,
    dayfirst: bool,
    chunk_rows: int = 100_000,
) -> None:
    if bom:
        handle.write("\ufeff".encode())
    header = pa.array([c.header(lang) for c in COLUMNS], _TEXT)
    handle.write((delimiter.join(header.to_pylist()) + "\r\n").encode())
    labelled = _labels(rows, lang)

    def chunk_text(start: int) -> memoryview:
        part = labelled.iloc[start : start + chunk_rows]
        cells = [
            _csv_column(part[c.key], c.kind, delimiter=delimiter, decimal=decimal,
                        dayfirst=dayfirst)
            for c in COLUMNS
        ]  # fmt: skip
        cells[-1] = _join(cells[-1], "\r\n")
        lines = pc.binary_join_element_wise(*cells, pa.scalar(delimiter, _TEXT))
        if isinstance(lines, pa.ChunkedArray):
            lines = lines.combine_chunks()
        # The text of all lines, end to end, is the array's data buffer.
        validity, offsets, data = lines.buffers()
        ends = np.frombuffer(offsets, dtype=np.int64)[lines.offset :][: len(lines) + 1]
        return memoryview(data)[int(ends[0]) : int(ends[-1])]

    # pyarrow's kernels release the GIL, so chunks are built on every core;
    # at most one chunk per worker is held at a time, written in order.
    starts = range(0, len(labelled), chunk_rows)
    workers = max(1, min(os.cpu_count() or 1, len(starts)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for first in range(0, len(starts), workers):
            for text in pool.map(chunk_text, starts[first : first + workers]):
                handle.write(text)


def _write_xlsx(
    rows: pd.DataFrame, handle: BinaryIO, *, lang: Lang, chunk_rows: int = 50_000
) -> None:
    if len(rows) > XLSX_MAX_ROWS:
        msg = (
            f"{len(rows):,} rows do not fit in one .xlsx sheet "
            f"({XLSX_MAX_ROWS:,} at most); narrow the selection or use a CSV profile"
        )
        raise PoliAnalyticsError(msg)
    # Constant-memory mode flushes each finished row to a temporary file, so
    # a million-row sheet is never held whole in memory.
    options = {
        "constant_memory": True,
        "in_memory": False,
        # Text stays text: no formulas, links or numbers made of strings.
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    workbook = xlsxwriter.Workbook(handle, options)
    sheet = workbook.add_worksheet("Export" if lang == "en" else "Exportação")
    date_pattern = "dd/mm/yyyy" if lang == "pt-BR" else "yyyy-mm-dd"
    formats = {
        "header": workbook.add_format({"bold": True}),
        "date": workbook.add_format({"num_format": date_pattern}),
        "datetime": workbook.add_format({"num_format": date_pattern + " hh:mm:ss"}),
        "money": workbook.add_format({"num_format": "#,##0.00"}),
        "text": workbook.add_format({"num_format": "@"}),
        "risky": workbook.add_format({"num_format": "@", "quote_prefix": True}),
    }
    labelled = _labels(rows, lang)
    kinds = [c.kind for c in COLUMNS]
    for index, column in enumerate(COLUMNS):
        sheet.set_column(index, index, max(12, len(column.header(lang)) + 2))
        sheet.write_string(0, index, column.header(lang), formats["header"])
    sheet.freeze_panes(1, 0)
    for start in range(0, len(labelled), chunk_rows):
        part = labelled.iloc[start : start + chunk_rows]
        columns = [_xlsx_values(part[c.key], c.kind) for c in COLUMNS]
        _write_xlsx_rows(sheet, columns, kinds, formats, first_row=start + 1)
    workbook.close()


def _write_xlsx_rows(
    sheet: Worksheet,
    columns: list[list[object]],
    kinds: list[str],
    formats: dict[str, Format],
    *,
    first_row: int,
) -> None:
    # XlsxWriter writes cell by cell and, in constant-memory mode, row by row:
    # there is no columnar API, so this is the one loop over rows in the
    # project. It costs about two minutes per million rows; the cells are
    # made Python values one chunk at a time, so memory stays bounded.
    for row_number, cells in enumerate(zip(*columns, strict=True), start=first_row):
        for index, value in enumerate(cells):
            if value is None:
                continue
            kind = kinds[index]
            if kind in ("date", "datetime"):
                sheet.write_datetime(row_number, index, value, formats[kind])
            elif kind == "money":
                sheet.write_number(row_number, index, value, formats["money"])
            elif isinstance(value, str):
                risky = value.startswith(_FORMULA_START)
                fmt = formats["risky" if risky else "text"]
                sheet.write_string(row_number, index, value, fmt)
            else:
                sheet.write_number(row_number, index, value)


def _xlsx_values(values: pd.Series, kind: str) -> list[object]:
    """A column as Python values for XlsxWriter; None for missing cells."""
    if kind in ("date", "datetime"):
        naive = values.dt.tz_localize(None) if kind == "datetime" else values
        # numpy turns datetime64 into datetime.datetime, and NaT into None.
        return naive.astype("datetime64[s]").to_numpy().astype(object).tolist()
    if kind == "money":
        # Excel numbers are binary floats; 1234.56 is stored as the nearest
        # one and shown exactly with two decimals.
        values = values.astype("Float64") / 100
    elif kind in ("seconds", "count", "flag", "rating"):
        values = values.astype("Int64")
    return values.astype(object).where(values.notna(), None).tolist()
