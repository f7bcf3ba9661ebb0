"""Read a detailed export back, as written or as a spreadsheet re-saved it.

:func:`read_export` accepts every profile and header language that
:mod:`poli_analytics.export` writes, and what Excel (pt-BR or en-US), Google
Sheets or LibreOffice make of them when the file is opened and saved again:
semicolons or commas, decimal commas and thousands dots (``1.234,56``),
``R$`` signs, day-first or month-first dates with or without seconds
(``03/12/2026 18:45``), a BOM or none, Windows-1252 text, CRLF line ends,
``="007"`` wrappers and apostrophe prefixes. It rebuilds the six contract
tables from the rows and returns a :class:`~poli_analytics.Dataset`, so the
report computed from an export goes through exactly the same code as the
report computed from the original data.

Whether ``03/12/2026`` is day-first is decided once per file, never row by
row: by any date in the file that can only be read one way (a day above 12),
else by the ``dayfirst`` argument, else by the profile (a semicolon-separated
file is the pt-BR profile, day-first); failing all that the file is refused.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from ._export_columns import (
    COLUMNS,
    OPPORTUNITY_KINDS,
    RECORDS,
    ExportColumn,
    untranslate,
)
from ._keys import lookup, positions
from ._parsing import rows_of
from ._schema import DEFAULT_TZ, TABLES
from .dataset import DataQuality, Dataset
from .errors import DataContractError, InvalidValueError, MissingColumnError
from .loading import _check_tz, dataset_from_frames

__all__ = ["read_export"]

logger = logging.getLogger(__name__)

_ID_WRAPPER = r'^="(.*)"$'
_NEUTRALISED = r"^'(?=[=+\-@\t\r])"
_ISO = (
    r"^(?P<y>[0-9]{4})-(?P<a>[0-9]{1,2})-(?P<b>[0-9]{1,2})"
    r"(?:[ T](?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?)?$"
)
_SLASHED = (
    r"^(?P<a>[0-9]{1,2})/(?P<b>[0-9]{1,2})/(?P<y>[0-9]{2}|[0-9]{4})"
    r"(?:,? (?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?"
    r"(?: ?(?P<p>[AaPp][Mm]))?)?$"
)
_PAYMENT_STATUS = {"sale": "paid", "refund": "refunded"}
_SCIENTIFIC = r"^[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+$"


def read_export(
    path: str | Path,
    *,
    tz: str | None = None,
    dayfirst: bool | None = None,
) -> Dataset:
    """Load an export file (any profile, either header language) as a dataset.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.xlsx`` export, possibly re-saved by a spreadsheet.
    tz : str, optional
        The account time zone. Default: the file's ``Time Zone`` column; a
        different value here is refused, since the file's local times belong
        to its own zone.
    dayfirst : bool, optional
        How to read slashed dates that fit both orders (``03/04/2025``). When
        omitted, a date with a day above 12 decides, else the profile
        (semicolons mean day-first); a file that stays ambiguous is refused.

    Returns
    -------
    Dataset
        The contract tables rebuilt from the rows. ``quality.notes`` says
        what was repaired (encoding, IDs that look like they lost zeros).

    Raises
    ------
    DataContractError
        Missing columns, unreadable values, ambiguous dates, IDs a
        spreadsheet damaged beyond repair, or rows that contradict each other
        (one contact with two names), naming the file, column and line.
    """
    path = Path(path)
    notes: list[str] = []
    if path.suffix.lower() == ".xlsx":
        raw, delimiter = _read_xlsx(path), None
    else:
        raw, delimiter = _read_csv(path, notes)
    source = path.name
    columns = _map_headers(raw, source)
    zone = _zone(raw, columns, source=source, tz=tz)
    parse = _Parser(raw, columns, source=source, delimiter=delimiter, dayfirst=dayfirst)
    rows = parse.all(zone)
    _check_ids(rows, source=source, notes=notes)
    logger.info("read %d export rows from %s", len(rows), source)
    return _rebuild(rows, source=source, tz=zone, notes=notes)


# --- Reading the file -------------------------------------------------------


def _read_csv(path: Path, notes: list[str]) -> tuple[pd.DataFrame, str]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
        notes.append(f"{path.name}: not UTF-8; read as Windows-1252")
    first_line = text.split("\n", 1)[0]
    delimiter = max([";", ",", "\t"], key=first_line.count)
    header = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode()),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        problem = str(exc).splitlines()[0]
        msg = f"{path.name}: cannot be read as a CSV export ({problem})"
        raise DataContractError(msg, source=path.name) from None
    return table.to_pandas(), delimiter


def _read_xlsx(path: Path) -> pd.DataFrame:
    try:
        # As text: dates come as "2025-03-01 13:44:44", numbers as "1234.56",
        # so one set of text parsers serves every profile.
        return pd.read_excel(path, sheet_name=0, dtype="str", engine="openpyxl")
    except (ValueError, OSError, KeyError, zipfile.BadZipFile) as exc:
        msg = f"{path.name}: cannot be read as an .xlsx export ({exc})"
        raise DataContractError(msg, source=path.name) from None


def _map_headers(raw: pd.DataFrame, source: str) -> dict[str, str]:
    """Internal key → the file's header, whichever language it uses."""
    known = {}
    for column in COLUMNS:
        known[column.en.lower()] = column.key
        known[column.pt.lower()] = column.key
    found: dict[str, str] = {}
    for header in raw.columns:
        key = known.get(str(header).strip().lstrip("\ufeff").lower())
        if key is not None and key not in found:
            found[key] = header
    missing = [c for c in COLUMNS if c.key not in found]
    if missing:
        names = ", ".join(repr(c.en) for c in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        msg = (
            f"{source}: not a poli-analytics export: missing column {names}{more} "
            "(English or Portuguese headers)"
        )
        raise MissingColumnError(msg, source=source, column=missing[0].en)
    return found


def _zone(
    raw: pd.DataFrame, columns: dict[str, str], *, source: str, tz: str | None
) -> str:
    if tz is not None:
        _check_tz(tz)
    values = raw[columns["time_zone"]].dropna().astype("str").str.strip()
    zones = sorted(set(values) - {""})
    if len(zones) > 1:
        msg = (
            f"{source}: rows from several time zones ({', '.join(zones)}); expected one"
        )
        raise InvalidValueError(msg, source=source, column=columns["time_zone"])
    zone = zones[0] if zones else (tz or DEFAULT_TZ)
    _check_tz(zone)
    if tz is not None and tz != zone:
        msg = (
            f"{source}: its times are local to {zone}, not {tz}; "
            "read it without a time zone or with its own"
        )
        raise InvalidValueError(msg, source=source, column=columns["time_zone"])
    return zone


# --- Parsing the cells ------------------------------------------------------


class _Parser:
    """Typed columns from the file's cells, with errors naming file, column, line."""

    def __init__(
        self,
        raw: pd.DataFrame,
        columns: dict[str, str],
        *,
        source: str,
        delimiter: str | None,
        dayfirst: bool | None,
    ) -> None:
        self.raw = raw
        self.columns = columns
        self.source = source
        self.delimiter = delimiter
        self.decimal = "," if delimiter == ";" else "."
        self.dayfirst = dayfirst

    def all(self, tz: str) -> pd.DataFrame:
        self.dayfirst = self._date_order()
        self.decimal = self._decimal_mark()
        parsed = {c.key: self._column(c, tz) for c in COLUMNS}
        return pd.DataFrame(parsed, index=self.raw.index)

    def _fail(self, column: ExportColumn, bad: pd.Series, problem: str, expected: str):
        values = self.raw[self.columns[column.key]]
        return InvalidValueError.build(
            problem,
            source=self.source,
            column=self.columns[column.key],
            rows=rows_of(bad),
            examples=values[bad].head(5).tolist(),
            expected=expected,
        )

    def _text(self, column: ExportColumn) -> pd.Series:
        values = self.raw[self.columns[column.key]]
        text = values.astype("str").str.strip()
        return text.mask(text.eq("") | values.isna())

    def _column(self, column: ExportColumn, tz: str) -> pd.Series:
        kind = column.kind
        if kind in ("date", "datetime"):
            return self._timestamps(column, tz)
        text = self._text(column)
        if kind in ("id", "phone"):
            return self._ids(column, text)
        if kind == "text":
            return text.str.replace(_NEUTRALISED, "", regex=True)
        if kind == "money":
            return self._money(column, text)
        if kind in ("seconds", "count", "flag", "rating"):
            return self._integers(column, text)
        if kind == "record":
            return self._labels(column, text, untranslate(RECORDS))
        if kind == "opportunity_kind":
            return self._labels(column, text, untranslate(OPPORTUNITY_KINDS))
        return text

    def _ids(self, column: ExportColumn, text: pd.Series) -> pd.Series:
        unwrapped = text.str.replace(_ID_WRAPPER, r"\1", regex=True).str.replace(
            '""', '"'
        )
        damaged = unwrapped.str.fullmatch(_SCIENTIFIC).fillna(False)
        if damaged.any():
            raise self._fail(
                column,
                damaged,
                "a spreadsheet turned the value into a rounded number",
                "the digits as text; open the original export with this column as text",
            )
        return unwrapped

    def _labels(
        self, column: ExportColumn, text: pd.Series, labels: dict[str, str]
    ) -> pd.Series:
        mapped = text.str.lower().map(labels)
        bad = text.notna() & mapped.isna()
        if bad.any():
            raise self._fail(
                column, bad, "unknown value", "one of " + ", ".join(sorted(labels))
            )
        return mapped.astype("str")

    def _integers(self, column: ExportColumn, text: pd.Series) -> pd.Series:
        number = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
        bad = text.notna() & ~(number.notna() & number.eq(np.floor(number)))
        if bad.any():
            raise self._fail(column, bad, "not a whole number", "a whole number")
        return number.astype("Int64")

    def _money(self, column: ExportColumn, text: pd.Series) -> pd.Series:
        clean = text.str.replace(r"^R\$\s*|\s|\u00a0", "", regex=True)
        if self.decimal == ",":
            clean = clean.str.replace(".", "", regex=False).str.replace(",", ".")
        else:
            clean = clean.str.replace(",", "", regex=False)
        parts = clean.str.extract(
            r"^(?P<reais>[0-9]{1,9})(?:\.(?P<cents>[0-9]{1,2}))?$"
        )
        cents = pd.to_numeric(parts["reais"]).astype("Int64") * 100 + pd.to_numeric(
            parts["cents"].fillna("0").str.ljust(2, "0")
        ).astype("Int64")
        bad = text.notna() & cents.isna()
        if bad.any():
            raise self._fail(
                column,
                bad,
                "not an amount in reais",
                f"a non-negative amount such as 1234{self.decimal}56",
            )
        return cents

    def _decimal_mark(self) -> str:
        """The decimal mark of the money columns, once for the whole file.

        ``350,90`` or ``1.234,5`` mean a comma, ``350.90`` or ``1,234.5`` a
        dot; a file holding both is refused. Whole amounts (``350``,
        ``1.234``) decide nothing, and the profile's mark stands.
        """
        money = [self._text(c) for c in COLUMNS if c.kind == "money"]
        cells = pd.concat(money) if money else pd.Series(dtype="str")
        comma = bool(
            cells.str.contains(r"[0-9],[0-9]{1,2}$", regex=True).fillna(False).any()
        )
        dot = bool(
            cells.str.contains(r"[0-9]\.[0-9]{1,2}$", regex=True).fillna(False).any()
        )
        if comma and dot:
            msg = (
                f"{self.source}: amounts with a decimal comma (350,90) and with a "
                "decimal dot (350.90) in one file; expected one convention"
            )
            raise InvalidValueError(msg, source=self.source)
        if comma or dot:
            return "," if comma else "."
        return self.decimal

    def _date_texts(self) -> dict[str, pd.Series]:
        return {c.key: self._text(c) for c in COLUMNS if c.kind in ("date", "datetime")}

    def _date_order(self) -> bool | None:
        """Day-first or not, once for the whole file."""
        firsts, seconds = [], []
        for text in self._date_texts().values():
            parts = text.str.extract(_SLASHED)[["a", "b"]].dropna()
            firsts.append(pd.to_numeric(parts["a"]))
            seconds.append(pd.to_numeric(parts["b"]))
        first = pd.concat(firsts) if firsts else pd.Series(dtype=float)
        second = pd.concat(seconds) if seconds else pd.Series(dtype=float)
        if first.empty:
            return self.dayfirst
        day_first_only = bool((first > 12).any())
        month_first_only = bool((second > 12).any())
        if day_first_only and month_first_only:
            msg = (
                f"{self.source}: some dates are day-first (e.g. 13/01) and others "
                "month-first (01/13); expected one order for the whole file"
            )
            raise InvalidValueError(msg, source=self.source)
        if day_first_only or month_first_only:
            found = day_first_only
            if self.dayfirst is not None and self.dayfirst != found:
                order = "day-first" if found else "month-first"
                msg = f"{self.source}: its dates are {order}, contrary to the argument"
                raise InvalidValueError(msg, source=self.source)
            return found
        if self.dayfirst is not None:
            return self.dayfirst
        if self.delimiter == ";":
            return True
        msg = (
            f"{self.source}: dates such as 03/04/2025 could be day-first or "
            "month-first throughout the file; say which (dayfirst=True/False, "
            "--dayfirst or --monthfirst)"
        )
        raise InvalidValueError(msg, source=self.source)

    def _timestamps(self, column: ExportColumn, tz: str) -> pd.Series:
        naive = self._parse_date_text(column, self._text(column))
        if column.kind == "date":
            return naive.dt.normalize().astype("datetime64[us]")
        localized = naive.dt.tz_localize(
            tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
        )
        return localized.dt.as_unit("us")

    def _parse_date_text(self, column: ExportColumn, text: pd.Series) -> pd.Series:
        iso = text.str.extract(_ISO)
        slashed = text.str.extract(_SLASHED)
        day, month = (
            (slashed["a"], slashed["b"])
            if self.dayfirst
            else (slashed["b"], slashed["a"])
        )
        year = slashed["y"].where(slashed["y"].str.len().ne(2), "20" + slashed["y"])
        hour = pd.to_numeric(slashed["H"]).fillna(0)
        pm = slashed["p"].str.lower().eq("pm").fillna(False)
        am = slashed["p"].str.lower().eq("am").fillna(False)
        hour = hour.where(~(pm & hour.lt(12)), hour + 12).where(~(am & hour.eq(12)), 0)
        parts = pd.DataFrame(
            {
                "year": pd.to_numeric(iso["y"].fillna(year)),
                "month": pd.to_numeric(iso["a"].fillna(month)),
                "day": pd.to_numeric(iso["b"].fillna(day)),
                "hour": pd.to_numeric(iso["H"]).fillna(hour),
                "minute": pd.to_numeric(iso["M"].fillna(slashed["M"])).fillna(0),
                "second": pd.to_numeric(iso["S"].fillna(slashed["S"])).fillna(0),
            }
        )
        parsed = pd.to_datetime(parts, errors="coerce")
        bad = text.notna() & parsed.isna()
        if bad.any():
            raise self._fail(
                column,
                bad,
                "unparsable date",
                "a date such as 2025-03-12 15:00:00 or 12/03/2025 15:00",
            )
        return parsed.astype("datetime64[us]")


# --- Checks across rows -----------------------------------------------------


def _check_ids(rows: pd.DataFrame, *, source: str, notes: list[str]) -> None:
    """Note IDs that look like a spreadsheet stripped their leading zeros."""
    for column in (
        "contact_id",
        "ticket_id",
        "operator_id",
        "opportunity_id",
        "payment_id",
    ):
        ids = rows[column].dropna().drop_duplicates()
        digits = ids[ids.str.fullmatch(r"[0-9]+")]
        if digits.empty:
            continue
        padded = digits[digits.str.startswith("0")]
        stripped = digits.str.lstrip("0")
        clash = stripped.duplicated(keep=False)
        if clash.any():
            # 007 and 7 may be two people (IDs are text), or one whose zeros
            # a spreadsheet dropped on some rows: say so, count them apart.
            examples = ", ".join(sorted(digits[clash].head(4)))
            notes.append(
                f"{source}: {column} values that differ only by leading zeros "
                f"({examples}) are counted as different IDs; if a spreadsheet "
                "dropped the zeros, re-export or open the file with IDs as text"
            )
        elif len(padded) and (digits.str.len() < padded.str.len().max()).any():
            notes.append(
                f"{source}: some {column} values are shorter than the zero-padded "
                "ones; they may have lost leading zeros in a spreadsheet"
            )


# --- Rebuilding the contract tables -----------------------------------------


def _rebuild(rows: pd.DataFrame, *, source: str, tz: str, notes: list[str]) -> Dataset:
    rows = _exact_durations(rows)
    record = rows["record"]
    interactions = rows[record.eq("interaction")]
    with_ticket = rows[rows["ticket_id"].notna()]
    with_opportunity = rows[rows["opportunity_id"].notna()]
    payments = rows[record.isin(["sale", "refund"])]

    tables = {
        "contacts": _unique(
            rows[rows["contact_id"].notna()],
            {"contact_id": "contact_id", "name": "contact_name", "email": "email",
             "phone": "phone", "created_at": "contact_created_at"},
            source=source,
        ),
        "operators": _unique(
            rows[rows["operator_id"].notna()],
            {"operator_id": "operator_id", "name": "operator_name"},
            source=source,
        ),
        "chats": _unique(
            with_ticket,
            {"ticket_id": "ticket_id", "contact_id": "contact_id",
             "department": "department", "channel": "channel", "campaign": "campaign",
             "opened_at": "opened_at", "assigned_at": "assigned_at",
             "first_response_at": "first_response_at", "closed_at": "closed_at",
             "rating": "rating", "tags": "tags"},
            source=source,
        ).assign(operator_id=pd.Series(dtype="str")),
        "messages": _messages(interactions, tz),
        "opportunities": _unique(
            with_opportunity,
            {"opportunity_id": "opportunity_id", "kind": "opportunity_kind",
             "ticket_id": "ticket_id", "contact_id": "contact_id",
             "operator_id": "operator_id", "created_at": "opportunity_created_at",
             "amount": "opportunity_amount_cents"},
            source=source,
        ),
        "payments": pd.DataFrame(
            {
                "payment_id": payments["payment_id"],
                "opportunity_id": payments["opportunity_id"],
                "status": payments["record"].map(_PAYMENT_STATUS),
                "occurred_at": payments["sale_at"].fillna(payments["refund_at"]),
                "amount": payments["amount_sold_cents"].fillna(
                    payments["refunded_amount_cents"]
                ),
            }
        ),
    }  # fmt: skip
    tables["chats"] = _repeated_hour_in_order(tables["chats"])
    _note_opportunities_created_outside(rows, source=source, notes=notes)
    for name in ("opportunities", "payments"):
        tables[name]["amount"] = _cents_text(tables[name]["amount"])
    tables = {
        name: frame.reindex(columns=TABLES[name].column_names).reset_index(drop=True)
        for name, frame in tables.items()
    }
    dataset = dataset_from_frames(tables, tz=tz)

    # The export states who each contact is new for; the first operator
    # message itself is not in the file.
    flagged = interactions[interactions["new_customer"].eq(1)]
    first = flagged.drop_duplicates("contact_id").set_index("contact_id")["operator_id"]
    first_ids = lookup(dataset.contacts["contact_id"], first)
    contacts = dataset.contacts.assign(
        first_operator_id=first_ids,
        first_operator_code=positions(first_ids, dataset.operators["operator_id"]),
    )
    quality = DataQuality(duplicate_rows_dropped={}, notes=notes)
    return Dataset(
        contacts=contacts,
        operators=dataset.operators,
        chats=dataset.chats,
        messages=dataset.messages,
        opportunities=dataset.opportunities,
        payments=dataset.payments,
        tz=tz,
        quality=quality,
        partial=True,
    )


def _repeated_hour_in_order(chats: pd.DataFrame) -> pd.DataFrame:
    """Place a chat time in the hour repeated when summer time ended.

    The export's local times carry no offset, so a time in the repeated hour
    (until 2019) is read as its first occurrence. When that puts a chat's
    later time before the earlier one (opened 23:40 before the clocks went
    back, assigned 23:05 after), the later time is the second occurrence.
    """
    hour = pd.Timedelta(hours=1)

    def in_order(stamps: pd.Series, floor: pd.Series) -> pd.Series:
        second = stamps + hour
        repeated = second.dt.tz_localize(None).eq(stamps.dt.tz_localize(None))
        return stamps.mask((stamps.lt(floor) & repeated).fillna(False), second)

    assigned = in_order(chats["assigned_at"], chats["opened_at"])
    start = assigned.fillna(chats["opened_at"])
    return chats.assign(
        assigned_at=assigned,
        first_response_at=in_order(chats["first_response_at"], start),
        closed_at=in_order(chats["closed_at"], start),
    )


def _note_opportunities_created_outside(
    rows: pd.DataFrame, *, source: str, notes: list[str]
) -> None:
    """Say when sales or refunds belong to opportunities created outside the
    exported period: only the export's own period counts them as it did."""
    with_record = rows.loc[rows["record"].eq("opportunity"), "opportunity_id"]
    paid = rows.loc[rows["record"].isin(["sale", "refund"]), "opportunity_id"]
    outside = paid[~paid.isin(with_record)].nunique()
    if outside:
        notes.append(
            f"{source}: {outside} opportunit{'y' if outside == 1 else 'ies'} "
            "appear only on sale or refund rows (created outside the exported "
            "period); give the export's own period (--start/--end) to count "
            "opportunities as its report did"
        )


def _exact_durations(rows: pd.DataFrame) -> pd.DataFrame:
    """Rebuild response and closing times from the whole-second durations.

    A spreadsheet that re-saves the file may drop the seconds from the dates;
    the ``Response Time (s)`` and ``Service Time (s)`` columns keep them, so
    the report's response and service times come out exactly as exported.
    """
    start = rows["assigned_at"].fillna(rows["opened_at"])
    second = pd.Timedelta(seconds=1)
    response = start + rows["response_time_s"].astype("float64") * second
    service = start + rows["service_time_s"].astype("float64") * second
    return rows.assign(
        first_response_at=response.where(
            rows["response_time_s"].notna(), rows["first_response_at"]
        ),
        closed_at=service.where(rows["service_time_s"].notna(), rows["closed_at"]),
    )


def _unique(
    rows: pd.DataFrame, columns: dict[str, str], *, source: str
) -> pd.DataFrame:
    """One row per key (the first column); refuse a key with two versions."""
    frame = rows[list(columns.values())].drop_duplicates()
    key = next(iter(columns.values()))
    clash = frame[key].duplicated(keep=False)
    if clash.any():
        header = next(c.en for c in COLUMNS if c.key == key)
        lines = rows_of(rows[key].isin(frame.loc[clash, key]))
        raise InvalidValueError.build(
            "the same ID with different details on different rows",
            source=source,
            column=header,
            rows=lines,
            examples=frame.loc[clash, key].drop_duplicates().tolist(),
            expected="identical details wherever an ID appears",
        )
    return frame.rename(columns={v: k for k, v in columns.items()})


def _messages(interactions: pd.DataFrame, tz: str) -> pd.DataFrame:
    """One operator message per exported message, at noon of its local day."""
    counts = interactions["messages"].fillna(1).clip(lower=1).astype("int64").to_numpy()
    repeated = interactions.loc[interactions.index.repeat(counts)]
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    within = np.arange(counts.sum()) - starts
    noon = (repeated["interaction_date"] + pd.Timedelta(hours=12)).dt.tz_localize(
        tz, ambiguous=np.ones(len(repeated), dtype=bool), nonexistent="shift_forward"
    )
    return pd.DataFrame(
        {
            "message_id": "x"
            + repeated.index.astype("str")
            + "-"
            + pd.Series(within, index=repeated.index, dtype="int64").astype("str"),
            "ticket_id": repeated["ticket_id"],
            "sent_at": noon,
            "sender": "operator",
            "operator_id": repeated["operator_id"],
        }
    )


def _cents_text(cents: pd.Series) -> pd.Series:
    whole = cents.astype("Int64")
    return (whole // 100).astype("str") + "." + (whole % 100).astype("str").str.zfill(2)
