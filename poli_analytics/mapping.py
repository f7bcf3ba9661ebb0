"""Map a raw export (any CSV or Parquet layout) onto one table of the data contract.

Analysts get files from other tools and spreadsheets: other column names,
semicolons and decimal commas, day-first dates without seconds, CRLF line
ends, Windows-1252 text, stray carriage returns inside free text, amounts
typed by people. :func:`read_mapped` reads such a file with a column mapping
and parse options, checks every contract column the way the contract loader
does, and names the file, the line and the column of anything it refuses.
Rows that break the contract are refused (``on_bad_rows="raise"``) or, when
the caller asks (``on_bad_rows="reject"``), set aside in
:attr:`MappedTable.rejected` with their line and the reason: never dropped
silently.

The result's ``frame`` holds the contract columns with IDs and text as text,
timestamps as time-zone-aware instants and amounts as exact decimal text
(``"1234.56"``), so :func:`~poli_analytics.dataset_from_frames` (or
:func:`dataset_from_mapped`, which also names the file lines in its errors)
checks and types it unchanged.

How a CSV file is read:

- Records end at a line feed (``LF`` or ``CRLF``). A bare carriage return
  (``CR`` not followed by ``LF``) is data: it stays inside its field, quoted
  or not, instead of splitting the record as strict CSV readers do. A file
  with no line feed at all is taken to use ``CR`` line ends.
- Lines are counted by line feeds, the header being line 1; a quoted field
  holding line breaks moves the lines after it, and the line numbers in
  errors follow.
- Every cell is text; an empty cell is missing. Nothing is guessed from the
  look of a value (``007`` stays ``007``; an ID such as
  ``401013266745e5661589292315434968`` never becomes a number).
- Blank lines, and rows whose every field is empty, are not data.
- A record whose number of fields differs from the header's is malformed.
  Broken quoting (a field opened by a quote that never closes, or text after
  a closing quote) is always refused, because where the record ends is then
  unknown.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import _parsing
from ._schema import DEFAULT_TZ, TABLES, Column, Table
from .dataset import Dataset
from .errors import (
    DataContractError,
    DuplicateKeyError,
    InvalidValueError,
    MissingColumnError,
    describe_rows,
)
from .loading import _check_tz, dataset_from_frames

__all__ = [
    "Constant",
    "MappedTable",
    "dataset_from_mapped",
    "read_mapped",
]

TEXT = "str"
BadRows = Literal["raise", "reject"]

#: Delimiters tried, in this order of preference, when none is given.
DELIMITERS = (",", ";", "\t", "|")
#: Metadata columns of :attr:`MappedTable.rejected`, before the source columns.
REJECTED_COLUMNS = ["line", "column", "reason", "value"]

# An offset after a time of day ("...12:00Z", "...12:00:00-03:00", "...12:00 +0000").
# A bare date such as "2025-03-12" has none, whatever its last digits look like.
# Digits are ASCII ([0-9]; \d would take any script's digits).
_OFFSET = (
    r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
    r"\s*(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)$"
)
_ISO_START = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
# "31/12/2025", "31-12-2025 14:30", "1.2.2025 9:05:30": day, month, 4-digit year.
_DAY_FIRST = (
    r"^(?P<day>[0-9]{1,2})[/.-](?P<month>[0-9]{1,2})[/.-](?P<year>[0-9]{4})"
    r"(?:[ T]+(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2}(?:\.[0-9]+)?))?)?$"
)
# Currency signs and blanks people type around or inside amounts.
_AMOUNT_NOISE = r"R\$|[\s\u00a0\u202f]"


@dataclass(frozen=True)
class Constant:
    """A mapping value that puts the same value in every row.

    Parameters
    ----------
    value : object
        The value, usually text (``Constant("web")``); ``None`` leaves the
        column empty.

    Examples
    --------
    >>> Constant("whatsapp")
    Constant(value='whatsapp')
    """

    value: object


#: What a mapping entry may be: a source column name, a :class:`Constant`, or a
#: function of the whole raw frame (source columns as text, indexed by data
#: row) returning one value per row, vectorised.
Derivation = Callable[[pd.DataFrame], pd.Series]
MappingValue = str | Constant | Derivation


@dataclass(frozen=True)
class MappedTable:
    """One contract table read from a raw file.

    Attributes
    ----------
    table : str
        The contract table (``"messages"``, ...).
    source : str
        The file name, as error messages give it.
    frame : DataFrame
        The contract columns in contract order, then the ``extras``: IDs and
        text as text (missing when empty), timestamps as instants in the
        ``tz`` given to :func:`read_mapped` (``datetime64[us, tz]``), amounts
        as exact decimal text with two decimals (``"1234.50"``), enum values
        and ratings as text. Exact duplicate rows are kept: the contract
        loader drops and counts them.
    lines : Series of int
        For each row of ``frame`` (same index), where it came from: the file
        line for a CSV file (the header is line 1), the 1-based row for a
        Parquet file.
    rejected : DataFrame
        The rows set aside, one per source row, sorted by line: ``line``,
        ``column`` (the contract column at fault, missing for a malformed
        record or a row the caller excluded), ``reason``, ``value`` (the
        offending value as found; a malformed record's fields joined by the
        delimiter), then the row's source columns (a source column whose name
        is one of those four is prefixed ``source:``). Empty unless
        ``on_bad_rows="reject"`` or ``exclude`` was used.
    """

    table: str
    source: str
    frame: pd.DataFrame
    lines: pd.Series
    rejected: pd.DataFrame

    def summary(self) -> str:
        """One line: rows mapped, rows set aside and why.

        >>> empty = pd.DataFrame(columns=REJECTED_COLUMNS)
        >>> MappedTable("operators", "agents.csv", pd.DataFrame({"operator_id": ["a"]}),
        ...             pd.Series([2]), empty).summary()
        'agents.csv -> operators: 1 row, none set aside'
        """
        rows = len(self.frame)
        text = f"{self.source} -> {self.table}: {rows} row{'s' * (rows != 1)}"
        if self.rejected.empty:
            return f"{text}, none set aside"
        reasons = self.rejected["reason"].value_counts(sort=True)
        listed = "; ".join(f"{reason} ({count})" for reason, count in reasons.items())
        return f"{text}, {len(self.rejected)} set aside: {listed}"


@dataclass(frozen=True)
class _Raw:
    """A file as read: source columns as text, and where each row came from."""

    frame: pd.DataFrame  # indexed by 0-based data row
    lines: pd.Series  # file line (CSV) or 1-based row (Parquet), same index
    rows: pd.Series  # 1-based data row, same index
    malformed: pd.DataFrame  # REJECTED_COLUMNS of the records of the wrong width
    is_csv: bool


@dataclass(frozen=True)
class _Problem:
    """Rows of one column that break one rule."""

    mask: pd.Series
    problem: str
    expected: str
    error: type[DataContractError] = InvalidValueError


@dataclass(frozen=True)
class _Sorter:
    """Refuses or sets aside the rows of each problem, as the caller chose."""

    raw: _Raw
    source: str
    on_bad_rows: BadRows
    names: Mapping[str, str]  # contract column -> source column it was read from
    set_aside: list[pd.DataFrame]

    def sort(
        self, problem: _Problem, keep: pd.Series, *, column: str, found: pd.Series
    ) -> pd.Series:
        """The rows still kept once ``problem``'s rows are dealt with.

        Raises
        ------
        DataContractError
            The problem's error class, when some kept row has the problem and
            bad rows are to be refused.
        """
        bad = keep & problem.mask.fillna(False).astype(bool)
        if not bad.any():
            return keep
        if self.on_bad_rows == "raise":
            label = _column_label(column, self.names)
            raise _refusal(
                problem, self.raw, bad, source=self.source, column=label, found=found
            )
        reason = f"{problem.problem}; expected {problem.expected}"
        self.set_aside.append(
            _rejected_rows(self.raw, bad, column=column, reason=reason, found=found)
        )
        return keep & ~bad


def read_mapped(
    path: str | Path,
    table: str,
    mapping: Mapping[str, MappingValue],
    *,
    extras: Mapping[str, MappingValue] | None = None,
    exclude: Mapping[str, Derivation] | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    decimal: Literal[".", ","] = ".",
    dayfirst: bool = False,
    date_format: str | None = None,
    tz: str = DEFAULT_TZ,
    on_bad_rows: BadRows = "raise",
) -> MappedTable:
    """Read a CSV or Parquet file into one contract table through a column mapping.

    Parameters
    ----------
    path : str or Path
        The file. ``.parquet`` and ``.pq`` files are read as Parquet (typed
        columns are kept: the parse options below then apply to text columns
        only); anything else as delimited text.
    table : str
        The contract table to produce: contacts, operators, chats, messages,
        opportunities or payments.
    mapping : mapping of str to str, Constant or callable
        Contract column -> where its values come from: a source column name,
        a :class:`Constant`, or a function taking the raw frame (every
        well-formed row; source columns as text with missing for empty cells;
        indexed by 0-based data row) and returning a Series on that index
        (vectorised; a derived timestamp may be returned as datetimes). Every
        required contract column must be mapped; an optional one left out is
        empty.
    extras : mapping of str to str, Constant or callable, optional
        Further columns to keep beside the contract ones (the contract loader
        keeps and ignores them), mapped the same way but not checked. Their
        names must not be contract columns of ``table``.
    exclude : mapping of str to callable, optional
        Reason -> function of the raw frame returning a boolean Series: rows
        where it is true are set aside in ``rejected`` with that reason (not
        an error, even with ``on_bad_rows="raise"``): for rows the caller
        knows do not belong in the table. The first matching reason wins.
    delimiter : str, optional
        Field delimiter; by default the one of ``,`` ``;`` tab ``|`` that the
        header line holds most often (``,`` when none).
    encoding : str, default "utf-8"
        Text encoding, any Python codec name (``"cp1252"`` for the
        Windows-1252 text Excel writes). A leading byte-order mark is removed.
    decimal : {".", ","}, default "."
        Decimal mark of the ``amount`` column. The other mark is accepted as
        a thousands separator in groups of three (``1.234,56`` with ``","``).
        A currency sign ``R$`` and blanks are ignored. Conversion is done on
        the text, never through a binary float.
    dayfirst : bool, default False
        Also accept day-first dates, ``31/12/2025``, ``31-12-2025 14:30`` or
        ``31.12.2025 14:30:05`` (4-digit year; ``/``, ``-`` or ``.``;
        seconds optional). ISO 8601 text is always accepted. Without it (and
        without ``date_format``) timestamps must be ISO 8601.
    date_format : str, optional
        An explicit :func:`~datetime.datetime.strptime` format for every
        timestamp column, such as ``"%a %b %d %H:%M:%S %z %Y"``; only that
        format is then accepted.
    tz : str, default "America/Sao_Paulo"
        IANA zone of timestamps written without an offset (wall-clock time
        there; a bare date is its midnight). Output instants are expressed
        in it. A local time repeated when clocks go back is read as its
        first occurrence; one skipped when they go forward is moved forward
        by the gap (the contract loader's rules).
    on_bad_rows : {"raise", "reject"}, default "raise"
        What to do with a row that breaks the contract (a malformed record,
        an unparsable timestamp or amount, a negative amount, an unknown
        sender, kind or status, an invalid rating, an empty required value,
        a primary key shared by rows with different content): refuse the
        file, naming the first problem's file, column and lines, or set the
        rows aside in ``rejected``. Encoding errors, broken quoting and a
        wrong mapping are always refused.

    Returns
    -------
    MappedTable
        ``frame`` ready for :func:`dataset_from_mapped` (or
        :func:`~poli_analytics.dataset_from_frames`), ``lines``, ``rejected``.

    Raises
    ------
    MissingColumnError
        The mapping names a source column the file does not have, or leaves
        a required contract column unmapped.
    InvalidValueError, DuplicateKeyError
        A row breaks the contract and ``on_bad_rows="raise"``.
    DataContractError
        The file cannot be read (encoding, quoting, wrong number of fields
        with ``on_bad_rows="raise"``), or the mapping names a column that
        is not in the contract.
    SelectionError
        ``tz`` is not a known time zone.
    ValueError
        ``on_bad_rows``, ``decimal`` or ``encoding`` is not one of the values
        listed.
    TypeError
        A mapping value is not a column name, a Constant or a callable, or a
        derivation returns something that is not one value per row.

    Examples
    --------
    A pt-BR spreadsheet export: semicolons, decimal commas, day-first dates
    without seconds, CRLF line ends.

    >>> import tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = Path(folder.name) / "pedidos.csv"
    >>> _ = path.write_bytes(
    ...     b"Pedido;Cliente;Vendedor;Criado em;Valor\\r\\n"
    ...     b"007;c-1;op-1;31/12/2024 22:15;1.234,5\\r\\n"
    ...     b"008;c-2;op-1;01/01/2025 09:00;R$ 19,90\\r\\n"
    ... )
    >>> columns = {
    ...     "opportunity_id": "Pedido",
    ...     "kind": Constant("cart"),
    ...     "contact_id": "Cliente",
    ...     "operator_id": "Vendedor",
    ...     "created_at": "Criado em",
    ...     "amount": "Valor",
    ... }
    >>> pt_br = {"delimiter": ";", "decimal": ",", "dayfirst": True}
    >>> mapped = read_mapped(path, "opportunities", columns, **pt_br)
    >>> mapped.frame[["opportunity_id", "created_at", "amount"]]
      opportunity_id                created_at   amount
    0            007 2024-12-31 22:15:00-03:00  1234.50
    1            008 2025-01-01 09:00:00-03:00    19.90
    >>> mapped.lines.tolist()
    [2, 3]

    A date that does not exist is refused with the file, column and line:

    >>> _ = path.write_bytes(
    ...     b"Pedido;Cliente;Vendedor;Criado em;Valor\\r\\n"
    ...     b"009;c-3;op-1;31/02/2025 10:00;5\\r\\n"
    ... )
    >>> try:
    ...     read_mapped(path, "opportunities", columns, **pt_br)
    ... except InvalidValueError as error:
    ...     print(error)
    pedidos.csv, column 'Criado em' (created_at), line 2: unparsable timestamp
    (found '31/02/2025 10:00'); expected a date such as 31/12/2025 or
    31/12/2025 14:30 (day first), or ISO 8601

    Or, with ``on_bad_rows="reject"``, set aside:

    >>> mapped = read_mapped(path, "opportunities", columns, **pt_br,
    ...                      on_bad_rows="reject")
    >>> len(mapped.frame)
    0
    >>> mapped.rejected[["line", "column", "value", "Pedido"]]
       line      column             value Pedido
    0     2  created_at  31/02/2025 10:00    009
    >>> folder.cleanup()
    """
    path = Path(path)
    source = path.name
    spec = _table_spec(table, source=source)
    _check_options(tz=tz, on_bad_rows=on_bad_rows, decimal=decimal, encoding=encoding)
    extras = dict(extras or {})
    _check_mapping(spec.name, mapping, extras, source=source)

    raw = (
        _read_parquet(path)
        if _is_parquet(path)
        else _read_csv(path, delimiter=delimiter, encoding=encoding)
    )
    frame = raw.frame
    sources = {**mapping, **extras}
    _check_source_columns(sources, frame, source=source)
    if on_bad_rows == "raise" and not raw.malformed.empty:
        first = raw.malformed.iloc[0]
        msg = f"{source}, line {first['line']}: {first['reason']}"
        raise DataContractError(msg, source=source, rows=[int(first["line"]) - 1])
    mapped = {name: _resolve(frame, name, sources[name]) for name in sources}

    sorter = _Sorter(
        raw=raw,
        source=source,
        on_bad_rows=on_bad_rows,
        names={
            name: value for name, value in sources.items() if isinstance(value, str)
        },
        set_aside=[raw.malformed],
    )
    keep = pd.Series(True, index=frame.index)
    for reason, predicate in (exclude or {}).items():
        chosen = keep & _as_mask(predicate(frame), frame.index, reason)
        sorter.set_aside.append(_rejected_rows(raw, chosen, column=None, reason=reason))
        keep &= ~chosen

    options = _DateOptions(dayfirst=dayfirst, date_format=date_format, tz=tz)
    output: dict[str, pd.Series] = {}
    for column in spec.columns:
        values = mapped.get(
            column.name, pd.Series(pd.NA, index=frame.index, dtype=TEXT)
        )
        converted, problems = _convert(values, column, options=options, decimal=decimal)
        for problem in problems:
            keep = sorter.sort(problem, keep, column=column.name, found=values)
        output[column.name] = converted
    result = pd.DataFrame(output, index=frame.index).assign(
        **{name: mapped[name] for name in extras}
    )

    clash = _key_clashes(result.loc[keep, spec.column_names], spec.key)
    clash = clash.reindex(frame.index, fill_value=False)
    duplicated = _Problem(
        clash,
        "the same key on rows with different content",
        f"one row per {spec.key} (exact repeats are kept once)",
        DuplicateKeyError,
    )
    keep = sorter.sort(duplicated, keep, column=spec.key, found=result[spec.key])

    return MappedTable(
        table=spec.name,
        source=source,
        frame=result[keep].reset_index(drop=True),
        lines=raw.lines[keep].reset_index(drop=True),
        rejected=_assemble_rejected(sorter.set_aside, raw.frame),
    )


def dataset_from_mapped(
    tables: Mapping[str, MappedTable | pd.DataFrame], *, tz: str = DEFAULT_TZ
) -> Dataset:
    """Check and type six tables, some of them mapped from files.

    The same as :func:`~poli_analytics.dataset_from_frames`, which names a
    table and its rows in errors; for a :class:`MappedTable` the message
    also names the file and its lines.

    Parameters
    ----------
    tables : mapping of str to MappedTable or DataFrame
        One entry per contract table.
    tz : str, default "America/Sao_Paulo"
        Account time zone of the dataset.

    Raises
    ------
    DataContractError
        Any refusal of the contract loader, such as a reference to a ticket
        that no file holds.
    """
    frames = {
        name: table.frame if isinstance(table, MappedTable) else table
        for name, table in tables.items()
    }
    try:
        return dataset_from_frames(frames, tz=tz)
    except DataContractError as exc:
        mapped = tables.get(exc.source)
        if not isinstance(mapped, MappedTable) or not exc.rows:
            raise
        lines = mapped.lines.iloc[[row - 1 for row in exc.rows]].tolist()
        if _is_parquet(Path(mapped.source)):
            where = describe_rows(lines)
        else:
            where = describe_rows([line - 1 for line in lines], csv=True)
        msg = f"{exc} [{mapped.source}, {where}]"
        raise type(exc)(
            msg, source=exc.source, column=exc.column, rows=exc.rows
        ) from None


# --- reading ---------------------------------------------------------------


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in {".parquet", ".pq"}


def _read_parquet(path: Path) -> _Raw:
    try:
        frame = pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        problem = str(exc).splitlines()[0]
        msg = f"{path.name}: cannot be read as a Parquet file ({problem})"
        raise DataContractError(msg, source=path.name) from None
    frame = frame.rename(columns=lambda name: str(name).strip())
    frame = frame.reset_index(drop=True)
    rows = pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
    return _Raw(
        frame=frame,
        lines=rows,
        rows=rows,
        malformed=pd.DataFrame(columns=REJECTED_COLUMNS),
        is_csv=False,
    )


def _read_csv(path: Path, *, delimiter: str | None, encoding: str) -> _Raw:
    source = path.name
    text = _read_text(path, encoding=encoding)
    # Records end at LF; a bare CR is data. The csv module would end a record
    # at it, so it travels as a character the text does not hold.
    stand_in = _unused_character(text)
    text = text.replace("\r", stand_in)
    delimiter = delimiter or _sniff_delimiter(text.split("\n", 1)[0])
    records = _parse_records(text, delimiter=delimiter, source=source)

    header = [name.replace(stand_in, "\r") for name in records[0]]
    columns = _column_names(header)
    body = pa.array(records[1:], type=pa.list_(pa.string()))
    fields = body.flatten()
    starts = np.asarray(body.offsets)[:-1]
    widths = np.asarray(pc.list_value_length(body).fill_null(0))

    def per_record(values: pa.Array) -> np.ndarray:
        """Sum a per-field integer over the fields of each record."""
        total = np.concatenate([[0], np.cumsum(np.asarray(values, dtype=np.int64))])
        return total[starts + widths] - total[starts]

    breaks = per_record(pc.count_substring(fields, "\n"))
    filled = per_record(pc.greater(pc.utf8_length(fields), 0))
    header_lines = 1 + sum(name.count("\n") for name in header)
    lines = header_lines + 1 + np.concatenate([[0], np.cumsum(1 + breaks)[:-1]])

    is_data = filled > 0  # blank lines and rows of empty fields hold nothing
    data_rows = np.cumsum(is_data)
    wrong_width = is_data & (widths != len(header))
    good = is_data & ~wrong_width

    table = {}
    for position, name in enumerate(columns):
        taken = pc.take(fields, pa.array(starts[good] + position))
        text_column = pd.Series(taken.to_pandas(), dtype=TEXT)
        table[name] = text_column.str.replace(stand_in, "\r", regex=False)
    index = pd.Index(data_rows[good] - 1)
    frame = pd.DataFrame(table).set_axis(index)
    frame = frame.mask(frame.eq(""))  # an empty cell is missing

    joined = pc.binary_join(body.filter(pa.array(wrong_width)), delimiter)
    malformed = pd.DataFrame(
        {
            "line": lines[wrong_width],
            "column": pd.Series(pd.NA, index=range(int(wrong_width.sum())), dtype=TEXT),
            "reason": [
                f"expected {len(header)} fields as in the header, found {width}"
                for width in widths[wrong_width]
            ],
            "value": pd.Series(joined.to_pandas(), dtype=TEXT).str.replace(
                stand_in, "\r", regex=False
            ),
        },
    ).set_axis(pd.Index(data_rows[wrong_width] - 1))
    return _Raw(
        frame=frame,
        lines=pd.Series(lines[good], index=index),
        rows=pd.Series(data_rows[good], index=index),
        malformed=malformed,
        is_csv=True,
    )


def _read_text(path: Path, *, encoding: str) -> str:
    """The file's text without BOM, with LF line ends and its bare CRs."""
    source = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"{source}: cannot be read ({exc.strerror})"
        raise DataContractError(msg, source=source) from None
    text = _decode(data, encoding=encoding, source=source).removeprefix("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        msg = (
            f"{source}, line {line}: holds NUL characters; expected text in "
            f"{encoding} (a UTF-16 file needs encoding='utf-16')"
        )
        raise DataContractError(msg, source=source, rows=[line - 1])
    if "\n" not in text:
        text = text.replace("\r", "\n")  # a file with classic Mac (CR) line ends
    return text.replace("\r\n", "\n")


def _parse_records(text: str, *, delimiter: str, source: str) -> list[list[str]]:
    """The records of ``text`` (LF line ends, no CR), the header first."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        msg = (
            f"{source}, line {reader.line_num}: broken quoting ({exc}); expected "
            "each quoted field to close with a quote followed by the delimiter "
            "or the end of the line"
        )
        raise DataContractError(
            msg, source=source, rows=[reader.line_num - 1]
        ) from None
    if not records or not records[0]:
        msg = f"{source}, line 1: no header; expected a header row of column names"
        raise DataContractError(msg, source=source)
    return records


def _decode(data: bytes, *, encoding: str, source: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.end].hex(" ")
        hint = ""
        if codecs.lookup(encoding).name == "utf-8":
            hint = " (a file saved by Excel is often Windows-1252: encoding='cp1252')"
        msg = (
            f"{source}, line {line}: not valid {encoding} text (byte {bad}); "
            f"expected {encoding}{hint}"
        )
        raise DataContractError(msg, source=source, rows=[line - 1]) from None


def _unused_character(text: str) -> str:
    """A private-use character absent from ``text``."""
    for code in range(0xE000, 0xF900):
        if chr(code) not in text:
            return chr(code)
    msg = "the text uses every private-use character"  # pragma: no cover
    raise DataContractError(msg, source="<text>")  # pragma: no cover


def _sniff_delimiter(header_line: str) -> str:
    counts = {candidate: header_line.count(candidate) for candidate in DELIMITERS}
    best = max(DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _column_names(header: list[str]) -> list[str]:
    """Header names stripped; empty ones ``Unnamed: i``; repeats ``name.1``."""
    names: list[str] = []
    for position, name in enumerate(header):
        name = name.strip() or f"Unnamed: {position}"
        base, copy = name, 0
        while name in names:
            copy += 1
            name = f"{base}.{copy}"
        names.append(name)
    return names


# --- mapping ---------------------------------------------------------------


def _table_spec(table: str, *, source: str) -> Table:
    if table not in TABLES:
        msg = f"{source}: unknown contract table {table!r}; expected one of " + (
            ", ".join(TABLES)
        )
        raise DataContractError(msg, source=source)
    return TABLES[table]


def _check_options(*, tz: str, on_bad_rows: str, decimal: str, encoding: str) -> None:
    _check_tz(tz)
    if on_bad_rows not in ("raise", "reject"):
        msg = f"on_bad_rows must be 'raise' or 'reject', not {on_bad_rows!r}"
        raise ValueError(msg)
    if decimal not in (".", ","):
        msg = f"decimal must be '.' or ',', not {decimal!r}"
        raise ValueError(msg)
    try:
        codecs.lookup(encoding)
    except LookupError:
        msg = f"unknown encoding {encoding!r}; expected a codec name such as 'cp1252'"
        raise ValueError(msg) from None


def _check_mapping(
    table: str,
    mapping: Mapping[str, MappingValue],
    extras: Mapping[str, MappingValue],
    *,
    source: str,
) -> None:
    spec = TABLES[table]
    contract = spec.column_names
    unknown = [name for name in mapping if name not in contract]
    if unknown:
        msg = (
            f"{source}: {', '.join(map(repr, unknown))} "
            f"{'is not a column' if len(unknown) == 1 else 'are not columns'} of the "
            f"{table} table; expected some of {', '.join(contract)} (keep other "
            "columns with extras=)"
        )
        raise DataContractError(msg, source=source, column=unknown[0])
    unmapped = [c.name for c in spec.columns if c.required and c.name not in mapping]
    if unmapped:
        msg = (
            f"{source}: no mapping for the required {table} "
            f"column{'s' * (len(unmapped) > 1)} {', '.join(map(repr, unmapped))}; "
            "expected a source column name, a Constant or a function"
        )
        raise MissingColumnError(msg, source=source, column=unmapped[0])
    clashing = [name for name in extras if name in contract]
    if clashing:
        msg = (
            f"{source}: extra column {clashing[0]!r} is a contract column of "
            f"{table}; map it in mapping, or give the extra another name"
        )
        raise DataContractError(msg, source=source, column=clashing[0])
    for name, value in {**mapping, **extras}.items():
        if not isinstance(value, str | Constant) and not callable(value):
            msg = (
                f"mapping for {name!r} must be a source column name, a Constant or "
                f"a callable, not {type(value).__name__}"
            )
            raise TypeError(msg)


def _check_source_columns(
    sources: Mapping[str, MappingValue], frame: pd.DataFrame, *, source: str
) -> None:
    missing = {
        name: value
        for name, value in sources.items()
        if isinstance(value, str) and value not in frame.columns
    }
    if not missing:
        return
    listed = ", ".join(f"{value!r} (for {name})" for name, value in missing.items())
    available = ", ".join(map(repr, frame.columns)) or "none"
    hint = ""
    if len(frame.columns) == 1 and any(d in frame.columns[0] for d in DELIMITERS[1:]):
        hint = "; the header is one column: pass the file's delimiter="
    msg = f"{source}: no column {listed}; the file has {available}{hint}"
    raise MissingColumnError(msg, source=source, column=next(iter(missing.values())))


def _resolve(frame: pd.DataFrame, name: str, value: MappingValue) -> pd.Series:
    if isinstance(value, str):
        return frame[value]
    if isinstance(value, Constant):
        if value.value is None:
            return pd.Series(pd.NA, index=frame.index, dtype=TEXT)
        return pd.Series(value.value, index=frame.index)
    result = value(frame)
    if isinstance(result, pd.Series):
        if not result.index.equals(frame.index):
            msg = (
                f"the function mapped to {name!r} returned a Series on another index; "
                "expected one value per row of the raw frame, on its index"
            )
            raise TypeError(msg)
        return result.rename(name)
    if np.ndim(result) != 1 or len(result) != len(frame):
        msg = (
            f"the function mapped to {name!r} must return one value per row "
            f"({len(frame)}), not {type(result).__name__}"
        )
        raise TypeError(msg)
    return pd.Series(result, index=frame.index, name=name)


def _as_mask(result: object, index: pd.Index, reason: str) -> pd.Series:
    mask = result if isinstance(result, pd.Series) else pd.Series(result, index=index)
    if not mask.index.equals(index):
        msg = (
            f"the exclude function for {reason!r} must return a Series on the raw index"
        )
        raise TypeError(msg)
    return mask.fillna(False).astype(bool)


def _column_label(column: str, names: Mapping[str, str]) -> tuple[str, str]:
    """How errors name a column: its text in messages, and the ``column`` attribute.

    A contract column mapped from a source column of another name is named by
    both, ``'Criado em' (created_at)``, and the attribute is the source name.
    """
    source_name = names.get(column)
    if source_name is None or source_name == column:
        return f"'{column}'", column
    return f"'{source_name}' ({column})", source_name


# --- converting and checking one column --------------------------------------


@dataclass(frozen=True)
class _DateOptions:
    dayfirst: bool
    date_format: str | None
    tz: str

    @property
    def expected(self) -> str:
        if self.date_format:
            return f"a date-time in the format {self.date_format!r}"
        if self.dayfirst:
            return (
                "a date such as 31/12/2025 or 31/12/2025 14:30 (day first), or ISO 8601"
            )
        return (
            "an ISO 8601 date-time such as 2025-03-12T15:00:00Z "
            "(for day-first dates pass dayfirst=True, for others date_format=)"
        )


def _convert(
    values: pd.Series, column: Column, *, options: _DateOptions, decimal: str
) -> tuple[pd.Series, list[_Problem]]:
    """One contract column as the contract loader will want it, and its problems.

    The problems come in the order they are looked for: the format first, then
    an empty required value (which includes a value that did not parse).
    """
    converted, problems = _convert_kind(
        values, column, options=options, decimal=decimal
    )
    if column.required:
        empty = _Problem(
            converted.isna(), "empty value in a required column", "a value in every row"
        )
        problems.append(empty)
    return converted, problems


def _convert_kind(
    values: pd.Series, column: Column, *, options: _DateOptions, decimal: str
) -> tuple[pd.Series, list[_Problem]]:
    if column.kind == "timestamp":
        return _instants(values, options)
    if column.kind == "money":
        return _amounts(values, decimal=decimal)
    text = _parsing.parse_text(values)
    if column.kind == "enum":
        bad = text.notna() & ~text.isin(column.choices)
        return text, [
            _Problem(bad, "unknown value", "one of " + ", ".join(column.choices))
        ]
    if column.kind == "rating":
        number = pd.to_numeric(text, errors="coerce")
        whole = number.notna() & number.eq(np.floor(number.fillna(0)))
        bad = text.notna() & ~(whole & number.between(1, 5))
        problem = _Problem(
            bad, "invalid rating", "a whole number from 1 to 5, or an empty cell"
        )
        return text, [problem]
    return text, []


def _instants(
    values: pd.Series, options: _DateOptions
) -> tuple[pd.Series, list[_Problem]]:
    """Timestamps as instants in ``options.tz``; unparsable ones missing."""
    tz = options.tz
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        values.dtype
    ):
        return _parsing.parse_timestamp(values, tz=tz, source=""), []

    text = _parsing.parse_text(values)
    present = text.notna()
    if options.date_format:
        has_zone = "%z" in options.date_format or "%Z" in options.date_format
        parsed = pd.to_datetime(
            text, format=options.date_format, errors="coerce", utc=has_zone
        )
        instants = _parsing.parse_timestamp(parsed, tz=tz, source="")
    else:
        iso = _day_first_to_iso(text) if options.dayfirst else text
        instants = _iso_instants(iso, tz=tz)
    bad = present & instants.isna()
    return instants, [_Problem(bad, "unparsable timestamp", options.expected)]


def _day_first_to_iso(text: pd.Series) -> pd.Series:
    """``31/12/2025 14:30`` -> ``2025-12-31T14:30:00``; other text unchanged."""
    parts = text.str.extract(_DAY_FIRST)
    matched = parts["year"].notna()
    time = (
        "T"
        + parts["hour"].str.zfill(2)
        + ":"
        + parts["minute"]
        + ":"
        + parts["second"].fillna("00")
    ).fillna("")
    iso = (
        parts["year"]
        + "-"
        + parts["month"].str.zfill(2)
        + "-"
        + parts["day"].str.zfill(2)
        + time
    )
    return iso.where(matched, text)


def _iso_instants(text: pd.Series, *, tz: str) -> pd.Series:
    """ISO 8601 text as instants in ``tz``: with an offset, that instant; without,
    wall-clock time in ``tz`` (a bare date is local midnight)."""
    looks_iso = text.str.match(_ISO_START, na=False)
    with_offset = looks_iso & text.str.contains(_OFFSET, regex=True).fillna(False)
    naive = looks_iso & ~with_offset

    instants = pd.Series(pd.NaT, index=text.index, dtype=f"datetime64[us, {tz}]")
    aware = pd.to_datetime(
        text[with_offset], format="ISO8601", utc=True, errors="coerce"
    )
    instants[with_offset] = aware.dt.tz_convert(tz).dt.as_unit("us")
    wall = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
    instants[naive] = _parsing.parse_timestamp(wall, tz=tz, source="")
    return instants


def _amounts(values: pd.Series, *, decimal: str) -> tuple[pd.Series, list[_Problem]]:
    """Amounts as exact decimal text with two decimals (``"1234.50"``)."""
    is_text = pd.api.types.is_string_dtype(values.dtype) or values.dtype == object
    mark = decimal if is_text else "."
    group = "." if mark == "," else ","
    text = _parsing.parse_text(values)
    cleaned = text.str.replace(_AMOUNT_NOISE, "", regex=True)
    pattern = (
        rf"^(?P<sign>-?)(?P<whole>[0-9]{{1,3}}(?:\{group}[0-9]{{3}})+|[0-9]+)"
        rf"(?:\{mark}(?P<fraction>[0-9]+))?$"
    )
    parts = cleaned.str.extract(pattern)
    present = text.notna()
    malformed = present & parts["whole"].isna()
    fraction = parts["fraction"].fillna("")
    too_precise = present & ~malformed & fraction.str[2:].str.strip("0").ne("")
    whole = parts["whole"].str.replace(group, "", regex=False).str.lstrip("0")
    whole = whole.mask(whole.eq(""), "0")
    cents = fraction.str[:2].str.ljust(2, "0")
    negative = (
        present & parts["sign"].eq("-") & (whole.ne("0") | cents.ne("00")).fillna(False)
    )
    amount = (whole + "." + cents).where(present & ~malformed)

    thousands = "." if mark == "," else ","
    example = "1.234,56" if mark == "," else "1234.56"
    problems = [
        _Problem(
            malformed,
            "not an amount",
            f"a number such as {example} (decimal mark {mark!r}, thousands "
            f"separator {thousands!r} in groups of three, optional R$)",
        ),
        _Problem(too_precise, "more than two decimals", "an amount to the centavo"),
        _Problem(
            negative,
            "negative amount",
            "an amount of zero or more (a refund is a 'refunded' payment with a "
            "positive amount)",
        ),
    ]
    return amount, problems


def _key_clashes(frame: pd.DataFrame, key: str) -> pd.Series:
    """Rows whose key is shared by a row with different content.

    ``frame`` holds the contract columns only: rows differing only in extra
    columns are exact repeats, as the contract loader sees them.
    """
    exact = frame.duplicated(keep="first")
    distinct = frame[~exact]
    clash = distinct[key].duplicated(keep=False) & distinct[key].notna()
    clashing_keys = distinct.loc[clash, key]
    return frame[key].isin(clashing_keys) & frame[key].notna()


# --- errors and rejected rows ----------------------------------------------


def _where(raw: _Raw, bad: pd.Series) -> str:
    lines = raw.lines[bad].tolist()
    if raw.is_csv:
        return describe_rows([line - 1 for line in lines], csv=True)
    return describe_rows(lines)


def _refusal(
    problem: _Problem,
    raw: _Raw,
    bad: pd.Series,
    *,
    source: str,
    column: tuple[str, str],
    found: pd.Series,
) -> DataContractError:
    label, name = column
    examples = found[bad].dropna().head(5).astype(str).tolist()
    shown = ", ".join(repr(value) for value in examples)
    message = f"{source}, column {label}, {_where(raw, bad)}: {problem.problem}"
    if examples:
        message += f" (found {shown})"
    message += f"; expected {problem.expected}"
    return problem.error(
        message,
        source=source,
        column=name,
        rows=raw.rows[bad].tolist(),
    )


def _rejected_rows(
    raw: _Raw,
    bad: pd.Series,
    *,
    column: str | None,
    reason: str,
    found: pd.Series | None = None,
) -> pd.DataFrame:
    index = bad.index[bad.to_numpy(dtype=bool)]
    values = (
        found.loc[index].astype(TEXT)
        if found is not None
        else pd.Series(pd.NA, index=index, dtype=TEXT)
    )
    return pd.DataFrame(
        {
            "line": raw.lines.loc[index],
            "column": pd.Series(column, index=index, dtype=TEXT),
            "reason": pd.Series(reason, index=index, dtype=TEXT),
            "value": values,
        },
        index=index,
    )


def _assemble_rejected(pieces: list[pd.DataFrame], raw: pd.DataFrame) -> pd.DataFrame:
    pieces = [piece for piece in pieces if not piece.empty]
    renamed = raw.rename(
        columns={name: f"source:{name}" for name in REJECTED_COLUMNS if name in raw}
    )
    if not pieces:
        empty = pd.DataFrame(
            {name: pd.Series(dtype=TEXT) for name in REJECTED_COLUMNS}
        ).astype({"line": "Int64"})
        return pd.concat([empty, renamed.iloc[:0]], axis=1)
    meta = pd.concat(pieces)
    meta["line"] = meta["line"].astype("Int64")
    rejected = meta.join(renamed, how="left")
    return rejected.sort_values("line", kind="stable").reset_index(drop=True)
