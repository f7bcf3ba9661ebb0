"""Read a dataset folder (or in-memory frames) into a checked :class:`Dataset`.

Every table is parsed with the same rules whether it came from CSV, Parquet or
a DataFrame: IDs and phones as text, timestamps in the account time zone,
money as integer centavos. Bad input raises a
:class:`~poli_analytics.errors.DataContractError` subclass naming the file,
the column, the rows and what was expected.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import threading
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from . import _parsing
from ._keys import categorical_from_codes, category_codes, code_type
from ._schema import DEFAULT_TZ, TABLES, Column, Table
from .dataset import (
    BLOCK_ROWS,
    CHAT_ATTRIBUTES,
    CODE,
    DERIVED_COLUMNS,
    DataQuality,
    Dataset,
)
from .errors import DataContractError, MissingColumnError, SelectionError
from .validation import Link, check_references, check_table

__all__ = ["dataset_from_frames", "load_dataset", "read_table"]

logger = logging.getLogger(__name__)

#: Tables with at least this many rows parse their columns in parallel.
_PARALLEL_ROWS = 100_000


def load_dataset(
    folder: str | Path,
    *,
    tz: str = DEFAULT_TZ,
    progress: Callable[[str, int, int], None] | None = None,
) -> Dataset:
    """Load the six contract tables from a folder.

    Parameters
    ----------
    folder : str or Path
        A folder holding ``NAME.csv`` or ``NAME.parquet`` for each of
        contacts, operators, chats, messages, opportunities and payments.
        CSV files are UTF-8 (a BOM is accepted), comma-separated, with a
        header row.
    tz : str, default "America/Sao_Paulo"
        Account time zone: timestamps without an offset are read in it, and
        calendar days are counted in it.
    progress : callable, optional
        ``progress(what, done, total)`` is called before each step (reading
        and checking each of the six tables, messages the longest on a large
        dataset, then linking the tables) and once with ``done == total`` at
        the end. For progress bars; it must not raise.

    Returns
    -------
    Dataset
        Typed, checked tables; exact duplicate rows dropped and counted in
        ``dataset.quality``.

    Raises
    ------
    DataContractError
        A file is missing or unreadable, or a table breaks the contract.
    SelectionError
        ``tz`` is not a known time zone.

    Examples
    --------
    >>> from poli_analytics import load_dataset, sample_data_dir
    >>> data = load_dataset(sample_data_dir())
    >>> data.tz
    'America/Sao_Paulo'
    """
    _check_tz(tz)
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"{folder}: not a dataset folder (expected a folder of contract tables)"
        raise DataContractError(msg, source=str(folder))
    step = progress or (lambda what, done, total: None)
    total = len(TABLES) + 1
    # Every file is found before any is read, so a missing table is
    # reported at once; each is then read while the one before it is parsed.
    paths = {name: _table_file(folder, name) for name in TABLES}
    notes: list[str] = []

    def reader(name: str) -> Callable[[], pd.DataFrame]:
        def read() -> pd.DataFrame:
            frame = read_table(paths[name], notes=notes)
            logger.info("read %d rows from %s", len(frame), paths[name].name)
            return frame

        return read

    readers = {name: reader(name) for name in TABLES}
    sources = {name: path.name for name, path in paths.items()}
    dataset = _build(readers, sources, tz=tz, notes=notes, progress=step)
    step("loaded", total, total)
    return dataset


def dataset_from_frames(
    tables: Mapping[str, pd.DataFrame], *, tz: str = DEFAULT_TZ
) -> Dataset:
    """Check and type six in-memory tables exactly as :func:`load_dataset` does.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        One frame per contract table name; cells may be text (as read from a
        CSV) or already typed. Error messages name the table instead of a file.
    tz : str, default "America/Sao_Paulo"
        Account time zone.
    """
    _check_tz(tz)
    missing = [name for name in TABLES if name not in tables]
    if missing:
        msg = f"missing tables: {', '.join(missing)}; expected all of {list(TABLES)}"
        raise DataContractError(msg, source="<frames>")
    readers = {
        name: (lambda frame=tables[name]: frame.reset_index(drop=True))
        for name in TABLES
    }
    return _build(readers, {name: name for name in TABLES}, tz=tz, notes=[])


def read_table(path: str | Path, *, notes: list[str] | None = None) -> pd.DataFrame:
    """Read one CSV or Parquet file with every CSV column as text.

    No contract checks happen here; see :func:`load_dataset`. ``notes``
    collects remarks for the data-quality summary.
    """
    path = Path(path)
    if path.suffix == ".parquet":
        return _read_parquet(path, notes)
    header = _csv_header(path)
    if not any(name.strip() for name in header):
        msg = f"{path.name}: the first line is empty; expected the header row"
        raise DataContractError(msg, source=path.name)
    convert = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    # Fields may hold line breaks (quoted); without this option pyarrow
    # splits the file into blocks at arbitrary newlines.
    parse = pa_csv.ParseOptions(newlines_in_values=True)
    try:
        table = pa_csv.read_csv(path, parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, OSError) as exc:
        raise _csv_error(path, exc) from None
    return table.to_pandas()


#: The text columns that may stay categorical while loading (the loader
#: turns them into categoricals over their tables anyway).
_CATEGORICAL_TEXT = {("messages", "ticket_id"), ("messages", "operator_id")}

#: Parquet text columns read as dictionaries, so pandas categoricals: a few
#: distinct values over millions of rows, never held as text per row.
_DICTIONARY_COLUMNS = {"messages": ("sender", "operator_id")}


def _read_parquet(path: Path, notes: list[str] | None) -> pd.DataFrame:
    try:
        schema = pq.read_schema(path)
        _refuse_nested_columns(path, schema)
        as_dictionary = [
            name
            for name in _DICTIONARY_COLUMNS.get(path.stem, ())
            if schema.get_field_index(name) >= 0
            and schema.field(name).type in (pa.string(), pa.large_string())
        ]
        # Decimals stay Arrow decimals (not one Python Decimal per cell), so
        # amounts become centavos in pyarrow. Each column is freed from the
        # Arrow table as soon as it is converted, so the file is not held
        # twice.
        frame = pq.read_table(path, read_dictionary=as_dictionary).to_pandas(
            types_mapper=_arrow_decimals, split_blocks=True, self_destruct=True
        )
    except (pa.ArrowInvalid, OSError) as exc:
        problem = str(exc).splitlines()[0]
        msg = f"{path.name}: not a readable Parquet file ({problem})"
        raise DataContractError(msg, source=path.name) from None
    numeric = [c for c in frame.columns if _looks_like_numeric_id(frame, c)]
    if numeric and notes is not None:
        notes.append(
            f"{path.name}: {', '.join(numeric)} stored as numbers; read as "
            "text (leading zeros lost before loading cannot be restored)"
        )
    return frame


def _refuse_nested_columns(path: Path, schema: pa.Schema) -> None:
    """Refuse a contract column that holds lists, structs or maps: pandas
    would turn each into its text (``"['a', 'b']"``) without a word."""
    contract = TABLES[path.stem].column_names if path.stem in TABLES else []
    for field in schema:
        if field.name.strip() in contract and pa.types.is_nested(field.type):
            msg = (
                f"{path.name}: column {field.name.strip()!r} holds {field.type} "
                "values; expected one text, number or timestamp per row (join a "
                "list of tags with '|')"
            )
            raise DataContractError(msg, source=path.name, column=field.name.strip())


def _arrow_decimals(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
    return pd.ArrowDtype(arrow_type) if pa.types.is_decimal(arrow_type) else None


def _csv_error(path: Path, exc: Exception) -> DataContractError:
    """Say which line of a CSV file pyarrow could not read, and why.

    Only runs once reading has failed, so it may read the file again.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data[: bad.start].count(b"\n") + 1
        msg = (
            f"{path.name}, line {line}: not UTF-8 text (byte {data[bad.start]:#04x}); "
            "expected a UTF-8 file (in Excel: Save As, CSV UTF-8)"
        )
        return DataContractError(msg, source=path.name, rows=[line - 1])
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        width = len(next(reader, []))
        for fields in reader:
            if fields and len(fields) != width:
                msg = (
                    f"{path.name}, line {reader.line_num}: {len(fields)} fields; "
                    f"expected {width}, as in the header (a comma inside a value "
                    "needs quotes)"
                )
                return DataContractError(
                    msg, source=path.name, rows=[reader.line_num - 1]
                )
    except csv.Error as bad:
        # Python's reader stops at a field over its limit (131,072
        # characters); pyarrow, at one longer than its block.
        line = reader.line_num
        msg = (
            f"{path.name}, line {line}: {bad}; expected values of ordinary "
            "length (a quote left open makes the rest of the file one value)"
        )
        return DataContractError(msg, source=path.name, rows=[line - 1])
    problem = str(exc).splitlines()[0]
    msg = f"{path.name}: not a readable comma-separated file ({problem})"
    return DataContractError(msg, source=path.name)


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except UnicodeDecodeError as exc:
        raise _csv_error(path, exc) from None


def _looks_like_numeric_id(frame: pd.DataFrame, column: str) -> bool:
    return (column.endswith("_id") or column == "phone") and (
        pd.api.types.is_numeric_dtype(frame[column].dtype)
    )


def _table_file(folder: Path, name: str) -> Path:
    found = [folder / f"{name}.{ext}" for ext in ("csv", "parquet")]
    found = [p for p in found if p.exists()]
    if len(found) == 1:
        if found[0].is_dir():
            msg = f"{found[0]}: is a folder; expected a file"
            raise DataContractError(msg, source=found[0].name)
        return found[0]
    if not found:
        msg = f"{folder}: no {name}.csv or {name}.parquet (all six tables are needed)"
    else:
        msg = f"{folder}: both {name}.csv and {name}.parquet exist; keep only one"
    raise DataContractError(msg, source=f"{name}")


def _check_tz(tz: str) -> None:
    """Refuse anything but a known IANA zone name (``None`` and ``""`` too)."""
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        msg = (
            f"unknown time zone {tz!r}; expected an IANA name such as America/Sao_Paulo"
        )
        raise SelectionError(msg) from None


def _build(
    readers: dict[str, Callable[[], pd.DataFrame]],
    sources: dict[str, str],
    *,
    tz: str,
    notes: list[str],
    progress: Callable[[str, int, int], None] | None = None,
) -> Dataset:
    """Read, parse and check each table in turn, then link them.

    ``readers[name]()`` gives a table as read. The next table is read in the
    background while one is parsed and checked (reading is mostly pyarrow
    work that releases the GIL), so at most two tables are held as read at
    any moment, and each is let go once parsed. ``progress`` is called, as
    in :func:`load_dataset`, before each table and before linking.
    """
    step = progress or (lambda what, done, total: None)
    names = list(TABLES)
    total = len(names) + 1
    typed: dict[str, pd.DataFrame] = {}
    dropped: dict[str, int] = {}
    with _loading_memory_pool():
        with ThreadPoolExecutor(max_workers=1) as reading:
            upcoming = reading.submit(readers[names[0]])
            for done, name in enumerate(names):
                step(f"reading and checking {sources[name]}", done, total)
                # A read that failed raises here, on its table's turn, so
                # errors come in table order whatever was read ahead.
                raw = upcoming.result()
                if done + 1 < len(names):
                    upcoming = reading.submit(readers[names[done + 1]])
                frame = _parse_table(raw, TABLES[name], source=sources[name], tz=tz)
                del raw
                typed[name], dropped[name] = check_table(
                    frame, name, source=sources[name]
                )
                del frame
                if dropped[name]:
                    logger.info(
                        "%s: dropped %d exact duplicate rows",
                        sources[name],
                        dropped[name],
                    )
        step("linking the tables", total - 1, total)
        _release_freed_memory()
        links = check_references(typed, sources)
        quality = DataQuality(duplicate_rows_dropped=dropped, notes=notes)
        return _derive(typed, links, tz=tz, quality=quality)


#: Loads running now (in any thread) and the default pool to restore when
#: the last of them ends: pyarrow's default pool is one per process.
_pool_lock = threading.Lock()
_pool_users = 0
_pool_before: pa.MemoryPool | None = None


@contextmanager
def _loading_memory_pool() -> Iterator[None]:
    """Make pyarrow allocate from jemalloc while a dataset loads, where
    pyarrow has it and ``ARROW_DEFAULT_MEMORY_POOL`` does not choose a pool.

    Loading allocates about a gigabyte at ten million messages, most of it
    fresh memory. With jemalloc the peak resident memory of a load and a
    report was about 100 MB lower than with pyarrow's default pool
    (mimalloc) on the benchmark machine, the time the same within the
    runs' spread (docs/performance.md). Buffers keep the pool they came
    from, so the caller's default pool is simply restored after; loads
    that overlap in threads share the switch, and the last one to end
    restores it.
    """
    global _pool_users, _pool_before
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        yield
        return
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # pragma: no cover - pyarrow built without it
        yield
        return
    with _pool_lock:
        if _pool_users == 0:
            _pool_before = pa.default_memory_pool()
            pa.set_memory_pool(pool)
        _pool_users += 1
    try:
        yield
    finally:
        with _pool_lock:
            _pool_users -= 1
            if _pool_users == 0 and _pool_before is not None:
                pa.set_memory_pool(_pool_before)
                _pool_before = None


def _parse_table(
    frame: pd.DataFrame, spec: Table, *, source: str, tz: str
) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: str(c).strip())
    missing = [c for c in spec.column_names if c not in frame.columns]
    if missing:
        available = ", ".join(map(str, frame.columns)) or "none"
        hint = ""
        if len(frame.columns) == 1 and ";" in str(frame.columns[0]):
            hint = " (the header holds ';': contract files are comma-separated)"
        msg = (
            f"{source}: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)}; the file has {available}{hint}"
        )
        raise MissingColumnError(msg, source=source, column=missing[0])
    repeated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if repeated:
        msg = (
            f"{source}: column {repeated[0]!r} appears more than once; "
            "expected each column once"
        )
        raise DataContractError(msg, source=source, column=repeated[0])
    reserved = DERIVED_COLUMNS.get(spec.name, []) + [
        c.typed_name for c in spec.columns if c.typed_name != c.name
    ]
    clashing = [c for c in reserved if c in frame.columns]
    if clashing:
        msg = (
            f"{source}: extra column {clashing[0]!r} clashes with a column the "
            "loader derives; rename or remove it"
        )
        raise DataContractError(msg, source=source, column=clashing[0])

    def parse(column: Column, values: pd.Series) -> pd.Series:
        if column.kind == "timestamp":
            return _parsing.parse_timestamp(values, tz=tz, source=source)
        if column.kind == "money":
            return _parsing.parse_money(values, source=source)
        if column.kind == "enum":
            return _parsing.parse_enum(values, choices=column.choices, source=source)
        if column.kind == "rating":
            return _parsing.parse_rating(values, source=source)
        if column.kind == "tags":
            return _parsing.parse_tags(values)
        text = _parsing.parse_text(values)
        if (spec.name, column.name) in _CATEGORICAL_TEXT:
            return text
        # Anything else given as categories (a dictionary-encoded Parquet
        # column, a caller's categorical) is plain text once loaded, as the
        # data contract says: categories of two columns never need to agree.
        return _parsing.plain(text)

    # Columns parse independently, and the pyarrow kernels doing the work
    # release the GIL, so large tables parse a column per core. Results are
    # taken in column order: with several bad columns, the first one's
    # error is raised, as in a sequential parse.
    columns = [(column, frame[column.name]) for column in spec.columns]
    if len(frame) >= _PARALLEL_ROWS:
        with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
            futures = [pool.submit(parse, *pair) for pair in columns]
            results = [future.result() for future in futures]
    else:
        results = [parse(*pair) for pair in columns]
    parsed = {
        column.typed_name: result
        for column, result in zip(spec.columns, results, strict=True)
    }
    extras = frame.drop(columns=spec.column_names)
    return pd.concat([pd.DataFrame(parsed, index=frame.index), extras], axis=1)


def _derive(
    tables: dict[str, pd.DataFrame],
    links: dict[Link, np.ndarray],
    *,
    tz: str,
    quality: DataQuality,
) -> Dataset:
    # Taken out of the caller's dict, so that a text column replaced below
    # is freed at once instead of living on in the frame checked earlier.
    tables = {name: tables.pop(name).reset_index(drop=True) for name in list(tables)}
    contacts, operators = tables["contacts"], tables["operators"]
    chats, messages = tables["chats"], tables["messages"]
    opportunities, payments = tables["opportunities"], tables["payments"]

    # Integer codes: the row position of each ID in its own table, so that
    # every count is a count of integers and no text is hashed per report.
    # References were looked up once, when checked (``links``, already
    # 32-bit: half the memory of 64-bit codes, and no table comes near 2**31
    # rows).
    links = {link: links.pop(link).astype(CODE, copy=False) for link in list(links)}
    contacts["contact_code"] = np.arange(len(contacts), dtype=CODE)
    operators["operator_code"] = np.arange(len(operators), dtype=CODE)
    chats["ticket_code"] = np.arange(len(chats), dtype=CODE)
    chats["contact_code"] = links["chats", "contact_id"]
    start = chats["assigned_at"].fillna(chats["opened_at"])
    chats["response_s"] = (chats["first_response_at"] - start).dt.total_seconds()
    chats["service_s"] = (chats["closed_at"] - start).dt.total_seconds()

    # The message's IDs become categoricals over their own tables first,
    # which frees their text before the codes are added (the sender already
    # is one, as every enum column).
    ticket = links["messages", "ticket_id"]
    operator = links["messages", "operator_id"]
    # Each categorical below becomes exactly one column and is not used
    # elsewhere, so it is handed over as it is rather than copied, as pandas
    # does: 10 to 40 MB a column at ten million messages.
    _hand_over(
        messages,
        "ticket_id",
        categorical_from_codes(ticket, pd.Index(chats["ticket_id"])),
    )
    _hand_over(
        messages,
        "operator_id",
        categorical_from_codes(operator, pd.Index(operators["operator_id"])),
    )
    _release_freed_memory()
    # No code columns: a message's codes are those of the rows its
    # categoricals name (a view works them out for the messages it keeps),
    # 120 MB less at ten million messages.
    contact = chats["contact_code"].to_numpy()[ticket]
    # The chat's text copied to each message as categories (one small integer
    # per message pointing into one copy of each text), not text per message:
    # on ten million messages that is about 50 MB instead of 570 MB.
    _hand_over(
        messages,
        "contact_id",
        categorical_from_codes(contact, pd.Index(contacts["contact_id"])),
    )
    for column in CHAT_ATTRIBUTES:
        per_chat, categories = category_codes(chats[column])
        # Narrowed per chat, before it is spread to every message.
        per_chat = per_chat.astype(code_type(len(categories)))
        _hand_over(
            messages, column, categorical_from_codes(per_chat[ticket], categories)
        )

    chat_of_opportunity = links["opportunities", "ticket_id"]
    for column in CHAT_ATTRIBUTES:
        opportunities[column] = pd.Series(
            chats[column].array.take(chat_of_opportunity, allow_fill=True),
            index=opportunities.index,
        )
    opportunities["operator_code"] = links["opportunities", "operator_id"]
    opportunities["opportunity_code"] = np.arange(len(opportunities), dtype=CODE)

    chosen = links["payments", "opportunity_id"]
    payments["opportunity_code"] = chosen
    for column in [
        "operator_id", "ticket_id", "department", "channel", "campaign", "operator_code"
    ]:  # fmt: skip
        payments[column] = opportunities[column].take(chosen).set_axis(payments.index)

    writer = first_operator_codes(messages, contact, operator, len(contacts))
    del contact, operator
    writer = writer.astype(CODE)
    contacts["first_operator_code"] = writer
    contacts["first_operator_id"] = pd.Series(
        operators["operator_id"].array.take(writer, allow_fill=True),
        index=contacts.index,
    )
    return Dataset(
        contacts=contacts,
        operators=operators,
        chats=chats,
        messages=messages,
        opportunities=opportunities,
        payments=payments,
        tz=tz,
        quality=quality,
    )


def _hand_over(frame: pd.DataFrame, name: str, values: pd.Categorical) -> None:
    """Set ``frame[name]`` to a categorical that nothing else holds, without
    the copy pandas makes of a bare categorical (it cannot know whether the
    caller keeps writing to it); wrapped in a Series it is taken as is."""
    frame[name] = pd.Series(values, index=frame.index, copy=False)


def _release_freed_memory() -> None:
    """Hand the memory of freed Arrow buffers (text as read, replaced
    columns) back to the system, so the next step can use it.

    pyarrow's allocator otherwise keeps freed blocks for reuse by pyarrow
    alone, while numpy and pandas allocate elsewhere.
    """
    pa.default_memory_pool().release_unused()


def first_operator_codes(
    messages: pd.DataFrame,
    contacts: np.ndarray,
    writers: np.ndarray,
    contact_count: int,
) -> np.ndarray:
    """The ``operator_code`` of each contact's first operator message ever.

    Indexed by ``contact_code`` (``contact_count`` entries); -1 for a contact
    no operator ever wrote to. The earliest ``sent_at`` wins; on a tie the
    smaller ``message_id`` (text order) wins. ``messages`` needs ``sender``,
    ``sent_at`` and ``message_id``; ``contacts`` and ``writers`` are each
    message's ``contact_code`` and ``operator_code``.
    """
    by_operator = messages["sender"].eq("operator").to_numpy(dtype=bool)
    sent = messages["sent_at"].to_numpy(dtype="datetime64[us]").view(np.int64)
    # Each contact's earliest operator message time (a scatter minimum, no
    # sort), then the operator messages sent at it: nearly always one per
    # contact. Done a block of messages at a time, so the temporaries stay a
    # few megabytes however many messages there are.
    never = np.iinfo(np.int64).max
    earliest = np.full(contact_count, never, dtype=np.int64)
    blocks = [slice(b, b + BLOCK_ROWS) for b in range(0, len(sent), BLOCK_ROWS)]
    for block in blocks:
        operator_sent = np.where(by_operator[block], sent[block], never)
        np.minimum.at(earliest, contacts[block], operator_sent)
    hits = [np.empty(0, dtype=np.intp)]
    for block in blocks:
        hit = by_operator[block] & (sent[block] == earliest[contacts[block]])
        hits.append(block.start + np.flatnonzero(hit))
    at_earliest = np.concatenate(hits)
    contact = contacts[at_earliest].astype(np.int64)
    writer = writers[at_earliest].astype(np.int64)
    first = np.full(contact_count, -1, dtype=np.int64)
    tied = np.bincount(contact, minlength=contact_count)[contact] > 1
    first[contact[~tied]] = writer[~tied]
    if tied.any():
        # Only the tied few are sorted, by message_id as text.
        ids = messages["message_id"].take(at_earliest[tied])
        ties = pd.DataFrame(
            {
                "contact": contact[tied],
                "message_id": ids.to_numpy(),
                "writer": writer[tied],
            }
        ).sort_values(["contact", "message_id"])
        winners = ties.drop_duplicates("contact")
        first[winners["contact"].to_numpy()] = winners["writer"].to_numpy()
    return first
