"""Deterministic generator of realistic sample datasets in the data contract.

:func:`generate_sample` writes the six contract tables (contacts, operators,
chats, messages, opportunities, payments) of a Brazilian chat-commerce account
into a folder, as CSV or Parquet, for any size from a handful of messages to
tens of millions. Everything is built with vectorised numpy from one seeded
generator and written with pyarrow, so the same arguments always give
byte-identical files and ten million messages take about a minute.

The data follows every rule the loader enforces (references exist, operator
messages name their writer, chat times run forward, keys are unique) and has
the features the report must get right: returning customers, transfers
between operators, evening activity that falls on the next UTC day, history
from before 2019 when Brazil still had daylight saving time, IDs with leading
zeros, accented names, opportunities without a chat, payments in instalments,
late payments and refunds.
"""

from __future__ import annotations

import itertools
import logging
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

__all__ = ["generate_sample"]

logger = logging.getLogger(__name__)

TIMEZONE = "America/Sao_Paulo"
FIRST_DAY = np.datetime64("2018-06-01", "D")
LAST_DAY = np.datetime64("2025-12-31", "D")

_CHUNK_ROWS = 1_000_000
_DAY = 86_400
_HOUR = 3_600

FIRST_NAMES = (
    "João", "José", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas",
    "Luís", "Marcos", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno",
    "Eduardo", "Felipe", "Rodrigo", "Sérgio", "Fábio", "Márcio", "Otávio",
    "Caio", "Vinícius", "Thiago", "André", "Rômulo", "Joaquim", "Maria", "Ana",
    "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda",
    "Patrícia", "Aline", "Cláudia", "Conceição", "Luísa", "Letícia", "Débora",
    "Sônia", "Irene", "Beatriz", "Lúcia", "Mônica", "Vitória", "Júlia", "Inês",
    "Tânia", "Glória", "Natália", "Flávia", "Priscila", "Camila", "Larissa",
    "Raíssa", "Valéria",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves",
    "Pereira", "Lima", "Gomes", "Ribeiro", "Carvalho", "Araújo", "Simões",
    "Gonçalves", "Magalhães", "Conceição", "Assunção", "Peçanha", "Estêvão",
    "Brandão", "Falcão", "Guimarães", "Damião", "Romão", "Antunes", "Nóbrega",
    "Teixeira", "Monteiro", "Moreira", "Barbosa", "Cardoso", "Rocha", "Dias",
    "Nascimento", "Andrade", "Mendes", "Freitas", "Vieira", "Castro",
    "Azevedo", "Sá", "Loureiro", "Prado", "Nunes", "Reis", "Macêdo", "Lopes",
)  # fmt: skip
# Reserved example domains (RFC 2606): no real mailbox is named.
EMAIL_DOMAINS = ("example.com", "example.com", "example.net", "example.org")
# Area codes (DDD) of large Brazilian cities.
AREA_CODES = (11, 11, 11, 21, 21, 31, 41, 47, 48, 51, 61, 62, 71, 81, 85, 19, 27)

DEPARTMENTS = ("Vendas", "Suporte", "Financeiro", "Pós-venda")
DEPARTMENT_SHARE = (0.45, 0.25, 0.12, 0.18)
# How likely a chat of each department leads to a cart or payment request.
DEPARTMENT_SALES_WEIGHT = (3.0, 0.4, 1.5, 1.2)
# Chance that an opportunity is a cart (the rest are payment requests).
DEPARTMENT_CART_SHARE = (0.65, 0.3, 0.2, 0.4)
CHANNELS = ("whatsapp", "instagram", "messenger", "webchat")
CHANNEL_SHARE = (0.6, 0.2, 0.08, 0.12)
CAMPAIGNS = (
    "instagram-ads",
    "google-ads",
    "frete-grátis",
    "black-friday",
    "dia-das-mães",
    "natal",
    "verão-2025",
)
TAGS = ("vip", "promoção", "troca", "urgente", "atacado")
TAG_WEIGHT = (1.0, 1.6, 1.2, 0.9, 0.5)
SENDERS = ("contact", "operator", "bot")
_CONTACT, _OPERATOR, _BOT = 0, 1, 2
KINDS = ("cart", "payment_request")
STATUSES = ("paid", "refunded")

# Share of chats opened in each local hour from 08:00 to 21:00.
_HOUR_WEIGHT = (
    0.5, 0.8, 1.0, 1.0, 0.8, 0.9, 1.0, 1.0, 0.95, 0.85, 0.8, 0.85, 0.8, 0.6,
)  # fmt: skip
_WEEKDAY_WEIGHT = (1.0, 1.0, 1.0, 1.0, 1.05, 0.75, 0.45)  # Monday first
_MONTH_WEIGHT = (0.95, 0.9, 1.0, 0.95, 1.1, 1.0, 1.0, 1.0, 0.95, 1.0, 1.35, 1.25)
_GROWTH = 1.8  # the last day is e**1.8 ~ 6 times as busy as the first

COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("contact_id", "name", "email", "phone", "created_at"),
    "operators": ("operator_id", "name"),
    "chats": (
        "ticket_id", "contact_id", "operator_id", "department", "channel",
        "campaign", "opened_at", "assigned_at", "first_response_at", "closed_at",
        "rating", "tags",
    ),
    "messages": ("message_id", "ticket_id", "sent_at", "sender", "operator_id"),
    "opportunities": (
        "opportunity_id", "kind", "ticket_id", "contact_id", "operator_id",
        "created_at", "amount",
    ),
    "payments": ("payment_id", "opportunity_id", "status", "occurred_at", "amount"),
}  # fmt: skip


def generate_sample(
    out_dir: str | Path,
    *,
    messages: int = 20_000,
    seed: int = 0,
    file_format: Literal["csv", "parquet"] = "csv",
) -> dict[str, int]:
    """Write the six contract tables into ``out_dir``; return their row counts.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into; created (with parents) when missing. The files
        are ``<table>.csv`` or ``<table>.parquet`` for contacts, operators,
        chats, messages, opportunities and payments. Existing files of those
        names are overwritten, and the same table in the *other* format is
        removed, so the folder holds exactly one file per table as the loader
        requires. Other files are left alone.
    messages : int, default 20_000
        Number of message rows wanted (a count of rows, must be >= 1). The
        messages table has exactly this many rows for any value >= 3; for 1
        or 2 the single chat may still get its opening message, a bot
        greeting and a first reply (at most 3 rows). The approximate
        proportions below hold within a few percent once there are a few
        thousand messages. The other tables scale with it: about
        ``messages / 8`` chats, ``0.6 x`` chats contacts, ``0.3 x`` chats
        opportunities, about half of those with payments, and 30 to 60
        operators (at least 5) growing with the logarithm of the size.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``. The same ``(messages, seed,
        file_format)`` gives byte-identical files (with the same numpy and
        pyarrow versions); another seed gives other data.
    file_format : {"csv", "parquet"}, default "csv"
        CSV: UTF-8, comma-separated, header row, no quoting, empty cells for
        missing values, timestamps as ISO 8601 UTC text
        (``2025-03-12T15:00:00Z``), amounts as reais with two decimals
        (``19.90``). Parquet: IDs and phones as strings, timestamps as
        ``timestamp[us, tz=UTC]``, amounts as ``decimal128(12, 2)`` (exact),
        rating as a nullable int64.

    Returns
    -------
    dict of str to int
        ``{table_name: row_count}`` for the six tables, in contract order.

    Raises
    ------
    ValueError
        ``messages`` is not a positive integer or ``file_format`` is unknown.

    Notes
    -----
    Activity spans 2018-06-01 to 2025-12-31 local time, growing toward recent
    years, so it crosses the end of Brazilian daylight saving time (last
    period 2018-11-04 to 2019-02-16). Chats open between 08:00 and 21:59
    local time in America/Sao_Paulo, converted to UTC with the historical
    offsets; conversations that run late, and everything after 21:00 local,
    fall on the next UTC day. Payments and refunds may land up to a few
    months after the last day. Rows are sorted by time, and IDs count up in
    that order, zero-padded: contacts ``0000001``, operators ``op-001``,
    chats ``k-000001``, messages ``m-00000001``, opportunities ``o-000001``,
    payments ``p-000001`` (wider when the count needs more digits).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     counts = generate_sample(folder, messages=2_000, seed=1)
    >>> counts["messages"]
    2000
    """
    if (
        isinstance(messages, bool)
        or not isinstance(messages, int | np.integer)
        or messages < 1
    ):
        msg = f"messages must be a positive integer, got {messages!r}"
        raise ValueError(msg)
    if file_format not in ("csv", "parquet"):
        msg = f"file_format must be 'csv' or 'parquet', got {file_format!r}"
        raise ValueError(msg)

    started = time.perf_counter()
    tables = _build(int(messages), np.random.default_rng(seed))
    logger.debug("built %d messages in %.2fs", messages, time.perf_counter() - started)

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    other = "parquet" if file_format == "csv" else "csv"
    counts: dict[str, int] = {}
    for name, order in COLUMNS.items():
        columns = {column: tables[name][column] for column in order}
        stale = folder / f"{name}.{other}"
        if stale.exists():
            logger.info("removing %s so the folder holds one file per table", stale)
            stale.unlink()
        path = folder / f"{name}.{file_format}"
        counts[name] = _write(path, columns, parquet=file_format == "parquet")
        logger.debug("wrote %s (%d rows)", path, counts[name])
    logger.info(
        "generated sample in %s (%s) in %.1fs",
        folder,
        ", ".join(f"{n} {name}" for name, n in counts.items()),
        time.perf_counter() - started,
    )
    return counts


# --------------------------------------------------------------------------
# Columns: numpy arrays that turn into pyarrow arrays one chunk at a time.
# --------------------------------------------------------------------------


def _validity(valid: np.ndarray | None) -> pa.Buffer | None:
    if valid is None or valid.all():
        return None
    return pa.py_buffer(np.packbits(valid, bitorder="little"))


def _put_digits(buf: np.ndarray, col: int, values: np.ndarray, width: int) -> None:
    """Write ``values`` as ``width`` zero-padded decimal digits at ``col``."""
    for k in range(width):
        digit = values // 10 ** (width - 1 - k) % 10
        buf[:, col + k] = digit + 48


def _fixed_strings(buf: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    """A string array whose values are the rows of a 2-D uint8 array."""
    n, width = buf.shape  # callers pass at most _CHUNK_ROWS rows: int32 offsets
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(),
        n,
        [_validity(valid), pa.py_buffer(offsets), pa.py_buffer(buf)],
    )


@dataclass(frozen=True)
class _IdColumn:
    """``prefix`` + ``numbers`` zero-padded to ``width`` digits; text."""

    prefix: str
    numbers: np.ndarray
    width: int
    valid: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.numbers)

    def arrow(self, start: int, stop: int, parquet: bool) -> pa.Array:
        numbers = self.numbers[start:stop]
        valid = None if self.valid is None else self.valid[start:stop]
        head = self.prefix.encode()
        buf = np.empty((len(numbers), len(head) + self.width), dtype=np.uint8)
        buf[:, : len(head)] = np.frombuffer(head, dtype=np.uint8)
        _put_digits(buf, len(head), numbers, self.width)
        return _fixed_strings(buf, valid)


@dataclass(frozen=True)
class _TimeColumn:
    """Instants in UTC epoch seconds; ``valid`` False means missing."""

    seconds: np.ndarray
    valid: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.seconds)

    def arrow(self, start: int, stop: int, parquet: bool) -> pa.Array:
        seconds = self.seconds[start:stop]
        valid = None if self.valid is None else self.valid[start:stop]
        if valid is not None:
            seconds = np.where(valid, seconds, 0)
        if parquet:
            return pa.array(
                seconds * 1_000_000,
                type=pa.timestamp("us", tz="UTC"),
                mask=None if valid is None else ~valid,
            )
        return _fixed_strings(_iso_utc(seconds), valid)


@dataclass(frozen=True)
class _CategoryColumn:
    """Text picked from ``values`` by ``codes``; code -1 means missing."""

    values: tuple[str, ...]
    codes: np.ndarray

    def __len__(self) -> int:
        return len(self.codes)

    def arrow(self, start: int, stop: int, parquet: bool) -> pa.Array:
        codes = self.codes[start:stop]
        missing = codes < 0
        indices = pa.array(np.where(missing, 0, codes).astype(np.int32), mask=missing)
        return pa.array(self.values, type=pa.string()).take(indices)


@dataclass(frozen=True)
class _MoneyColumn:
    """Amounts in integer centavos, written as exact ``decimal128(12, 2)``."""

    cents: np.ndarray

    def __len__(self) -> int:
        return len(self.cents)

    def arrow(self, start: int, stop: int, parquet: bool) -> pa.Array:
        cents = self.cents[start:stop].astype("<i8")
        # Decimal128 holds a 16-byte little-endian two's-complement integer.
        words = np.stack([cents, cents >> 63], axis=1)
        return pa.Array.from_buffers(
            pa.decimal128(12, 2), len(cents), [None, pa.py_buffer(words.tobytes())]
        )


@dataclass(frozen=True)
class _IntColumn:
    """Whole numbers, written as nullable int64; ``valid`` False means missing."""

    values: np.ndarray
    valid: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.values)

    def arrow(self, start: int, stop: int, parquet: bool) -> pa.Array:
        valid = None if self.valid is None else self.valid[start:stop]
        return pa.array(
            self.values[start:stop].astype(np.int64),
            type=pa.int64(),
            mask=None if valid is None else ~valid,
        )


@dataclass(frozen=True)
class _ArrowColumn:
    """A ready-made pyarrow array (names, e-mails)."""

    array: pa.Array

    def __len__(self) -> int:
        return len(self.array)

    def arrow(self, start: int, stop: int, parquet: bool) -> pa.Array:
        return self.array.slice(start, stop - start)


_Column = (
    _IdColumn | _TimeColumn | _CategoryColumn | _MoneyColumn | _IntColumn | _ArrowColumn
)
_Table = dict[str, _Column]


def _iso_utc(seconds: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SSZ`` for UTC epoch seconds, as rows of 20 bytes."""
    moment = seconds.astype("datetime64[s]")
    day = moment.astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    year = month.astype("datetime64[Y]")
    years = year.astype(np.int64)
    months = month.astype(np.int64)
    day_of_month = (day - month.astype("datetime64[D]")).astype(np.int64) + 1
    second_of_day = seconds - day.astype(np.int64) * _DAY
    buf = np.empty((len(seconds), 20), dtype=np.uint8)
    buf[:] = np.frombuffer(b"0000-00-00T00:00:00Z", dtype=np.uint8)
    _put_digits(buf, 0, years + 1970, 4)
    _put_digits(buf, 5, months - years * 12 + 1, 2)
    _put_digits(buf, 8, day_of_month, 2)
    _put_digits(buf, 11, second_of_day // _HOUR, 2)
    _put_digits(buf, 14, second_of_day // 60 % 60, 2)
    _put_digits(buf, 17, second_of_day % 60, 2)
    return buf


def _write(path: Path, columns: _Table, *, parquet: bool) -> int:
    """Write one table in chunks; return its row count."""
    names = list(columns)
    rows = len(next(iter(columns.values())))
    chunks = range(0, max(rows, 1), _CHUNK_ROWS)

    def batch(start: int) -> pa.Table:
        stop = min(start + _CHUNK_ROWS, rows)
        arrays = [columns[name].arrow(start, stop, parquet) for name in names]
        return pa.Table.from_arrays(arrays, names=names)

    first = batch(0)
    if parquet:
        with pq.ParquetWriter(path, first.schema) as writer:
            for start in chunks:
                writer.write_table(first if start == 0 else batch(start))
    else:
        options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
        with path.open("wb") as handle:
            handle.write((",".join(names) + "\n").encode("utf-8"))
            with pa_csv.CSVWriter(handle, first.schema, write_options=options) as w:
                for start in chunks:
                    w.write_table(first if start == 0 else batch(start))
    return rows


# --------------------------------------------------------------------------
# Building the tables.
# --------------------------------------------------------------------------


def _digits(count: int, minimum: int) -> int:
    return max(minimum, len(str(max(count, 1))))


def _local_to_utc(local_seconds: np.ndarray) -> np.ndarray:
    """UTC epoch seconds of wall-clock times in America/Sao_Paulo.

    ``local_seconds`` counts seconds since 1970-01-01 00:00 *local* time.
    Historical offsets apply (UTC-2 in the daylight saving periods until
    February 2019, UTC-3 otherwise). A time that happened twice is read as
    the first occurrence; one that never happened becomes the first instant
    after the gap (these are drawn times, so unlike the loader, which keeps
    the spacing of real events, the generator need not preserve them).
    """
    if len(local_seconds) == 0:
        return np.zeros(0, dtype=np.int64)
    naive = pd.DatetimeIndex(local_seconds.astype("datetime64[s]"))
    aware = naive.tz_localize(
        TIMEZONE,
        ambiguous=np.ones(len(naive), dtype=bool),
        nonexistent="shift_forward",
    )
    return aware.as_unit("s").asi8.astype(np.int64)


def _lognormal(
    rng: np.random.Generator, median: float, sigma: float, size: int, high: float
) -> np.ndarray:
    """Whole seconds, log-normal around ``median``, capped at ``high``."""
    return np.minimum(rng.lognormal(np.log(median), sigma, size), high).astype(np.int64)


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    weights = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def _ascii(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        unicodedata.normalize("NFKD", w).encode("ascii", "ignore").decode().lower()
        for w in words
    )


def _take(values: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.string()).take(pa.array(codes.astype(np.int32)))


def _person_names(
    rng: np.random.Generator, first: np.ndarray, last: np.ndarray, size: int
) -> pa.Array:
    """``First Last`` or, for a third of people, ``First Middle Last``."""
    middle = rng.integers(0, len(LAST_NAMES), size)
    two = pc.binary_join_element_wise(
        _take(FIRST_NAMES, first), _take(LAST_NAMES, last), " "
    )
    three = pc.binary_join_element_wise(
        _take(FIRST_NAMES, first),
        _take(LAST_NAMES, middle),
        _take(LAST_NAMES, last),
        " ",
    )
    return pc.if_else(pa.array(rng.random(size) < 0.33), three, two)


def _activity_days(rng: np.random.Generator, size: int) -> np.ndarray:
    """Local calendar days (days since 1970-01-01), busier in recent years."""
    days = np.arange(FIRST_DAY, LAST_DAY + 1)
    numbers = days.astype(np.int64)
    position = np.linspace(0.0, 1.0, len(days))
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    weight = (
        np.exp(_GROWTH * position)
        * np.asarray(_WEEKDAY_WEIGHT)[(numbers + 3) % 7]
        * np.asarray(_MONTH_WEIGHT)[month]
    )
    return numbers[_pick(rng, weight, size)]


def _business_seconds(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds after local midnight, between 08:00:00 and 21:59:59."""
    hour = 8 + _pick(rng, np.asarray(_HOUR_WEIGHT), size)
    return hour * _HOUR + rng.integers(0, _HOUR, size)


def _segment_starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts


def _build(n_messages: int, rng: np.random.Generator) -> dict[str, _Table]:
    n_chats = max(1, round(n_messages / 8))
    n_contacts = max(1, round(0.6 * n_chats))
    n_operators = int(np.clip(round(4 + 7 * np.log10(max(n_messages, 10))), 5, 60))

    # ---- operators: a department each, and an uneven workload -------------
    per_department = np.maximum(
        1, np.floor(n_operators * np.asarray(DEPARTMENT_SHARE)).astype(np.int64)
    )
    per_department[0] += n_operators - per_department.sum()
    operator_department = rng.permutation(np.repeat(np.arange(4), per_department))
    operator_weight = rng.gamma(4.0, 1.0, n_operators)
    combo = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), n_operators, replace=False)
    operators: _Table = {
        "operator_id": _IdColumn("op-", np.arange(1, n_operators + 1), 3),
        "name": _ArrowColumn(
            pc.binary_join_element_wise(
                _take(FIRST_NAMES, combo // len(LAST_NAMES)),
                _take(LAST_NAMES, combo % len(LAST_NAMES)),
                " ",
            )
        ),
    }

    # ---- chats: when, where, who -------------------------------------------
    local_open = _activity_days(rng, n_chats) * _DAY + _business_seconds(rng, n_chats)
    opened = np.sort(_local_to_utc(local_open))
    department = _pick(rng, np.asarray(DEPARTMENT_SHARE), n_chats)
    channel = _pick(rng, np.asarray(CHANNEL_SHARE), n_chats)

    first_writer = np.empty(n_chats, dtype=np.int64)
    for d in range(len(DEPARTMENTS)):
        in_department = np.flatnonzero(department == d)
        staff = np.flatnonzero(operator_department == d)
        first_writer[in_department] = staff[
            _pick(rng, operator_weight[staff], len(in_department))
        ]

    status = rng.random(n_chats)
    # 3% never assigned (bot only, or abandoned), 2% assigned but not answered
    # yet, the rest answered by an operator.
    unassigned = status < 0.03
    responded = status >= 0.05
    assigned = ~unassigned
    has_bot = rng.random(n_chats) < np.where(unassigned, 0.7, 0.35)
    bot_at = opened + rng.integers(2, 16, n_chats)
    assigned_at = opened + 20 + _lognormal(rng, 90, 1.2, n_chats, 4 * _HOUR)
    first_response_at = assigned_at + 5 + _lognormal(rng, 150, 1.3, n_chats, 8 * _HOUR)

    # ---- messages per chat: exactly n_messages in total when possible ------
    pre = 1 + has_bot.astype(np.int64)  # the contact's opening message, the bot
    fixed = int(pre.sum() + responded.sum())  # ... and the first operator reply
    weight = rng.gamma(1.5, 1.0, n_chats) * np.where(responded, 1.0, 0.12)
    spare = max(0, n_messages - fixed)
    extra = rng.multinomial(spare, weight / weight.sum())
    post = extra + responded
    count = pre + post
    total = int(count.sum())

    chat_of = np.repeat(np.arange(n_chats), count)
    position = np.arange(total) - np.repeat(_segment_starts(count), count)
    step = position - pre[chat_of]  # index in the conversation after the bot
    is_post = step >= 0
    chat_responded = responded[chat_of]

    sender = np.full(total, _CONTACT, dtype=np.int8)
    sender[(position == 1) & has_bot[chat_of]] = _BOT
    reply = is_post & chat_responded
    sender[reply & (step == 0)] = _OPERATOR
    later = reply & (step > 0)
    sender[later & (rng.random(total) < 0.55)] = _OPERATOR

    # Transfers: the first writer answers, then the chat moves to a colleague
    # who writes the rest of the operator messages (at least the last one).
    transfer = responded & (post >= 3) & (rng.random(n_chats) < 0.125)
    holder = first_writer.copy()
    colleague = (first_writer + 1 + rng.integers(0, n_operators - 1, n_chats)) % (
        n_operators
    )
    holder[transfer] = colleague[transfer]
    handover = 1 + np.floor(rng.random(n_chats) * (post - 1)).astype(np.int64)
    last_step = step == post[chat_of] - 1
    sender[later & transfer[chat_of] & last_step] = _OPERATOR
    by_colleague = transfer[chat_of] & (step >= handover[chat_of])
    writer = np.where(by_colleague, holder[chat_of], first_writer[chat_of])
    writer = np.where(sender == _OPERATOR, writer, -1)

    # Times: opening message at opened_at, bot a few seconds later, then the
    # conversation from the first reply (or, unanswered, from the last one).
    gap = np.maximum(2, _lognormal(rng, 45, 1.1, total, 2 * _HOUR))
    long_pause = rng.random(total) < 0.03
    gap[long_pause] = np.maximum(
        2, _lognormal(rng, _HOUR, 1.0, int(long_pause.sum()), 20 * _HOUR)
    )
    gap[~is_post | (reply & (step == 0))] = 0
    elapsed = np.cumsum(gap)
    elapsed -= np.repeat(elapsed[_segment_starts(count)], count)
    base = np.where(responded, first_response_at, np.where(has_bot, bot_at, opened))
    sent_at = np.where(is_post, base[chat_of] + elapsed, opened[chat_of])
    sent_at = np.where(sender == _BOT, bot_at[chat_of], sent_at)
    last_message_at = sent_at[np.cumsum(count) - 1]

    # Closing, rating, tags, campaign.
    recent = opened >= _local_to_utc(np.array([(LAST_DAY.astype(np.int64) - 2) * _DAY]))
    still_open = rng.random(n_chats) < np.where(recent, 0.6, 0.015)
    closed = np.where(responded, ~still_open, rng.random(n_chats) < 0.55)
    closed_at = np.maximum(last_message_at, np.where(assigned, assigned_at, opened))
    closed_at += 30 + _lognormal(rng, 300, 1.2, n_chats, 2 * _DAY)
    rated = closed & responded & (rng.random(n_chats) < 0.45)
    rating = 1 + _pick(rng, np.array([0.05, 0.05, 0.1, 0.25, 0.55]), n_chats)

    tag_sets = [
        (combo_tags, float(np.prod([TAG_WEIGHT[TAGS.index(t)] for t in combo_tags])))
        for size in (1, 2)
        for combo_tags in itertools.combinations(TAGS, size)
    ]
    tag_text = tuple("|".join(tags) for tags, _ in tag_sets)
    tag_weight = np.array([w * (1.0 if len(t) == 1 else 0.15) for t, w in tag_sets])
    tags = np.where(
        rng.random(n_chats) < 0.4, _pick(rng, tag_weight, n_chats), -1
    ).astype(np.int64)

    local_month = (opened - 3 * _HOUR).astype("datetime64[s]").astype("datetime64[M]")
    month = local_month.astype(np.int64) % 12 + 1
    year = local_month.astype(np.int64) // 12 + 1970
    campaign = rng.integers(0, 3, n_chats)  # evergreen ads
    chance = rng.random(n_chats)
    for code, season in (
        (3, month == 11),
        (4, month == 5),
        (5, month == 12),
        (6, ((year == 2025) & (month <= 3)) | ((year == 2024) & (month == 12))),
    ):
        campaign[season & (chance < 0.6)] = code
    campaign = np.where(rng.random(n_chats) < 0.18, campaign, -1)

    # ---- contacts: some return for several chats ----------------------------
    activity = rng.pareto(2.0, n_contacts) + 1.0
    repeat = _pick(rng, activity, n_chats - n_contacts)
    chat_contact = rng.permutation(np.concatenate([np.arange(n_contacts), repeat]))
    _, first_chat = np.unique(chat_contact, return_index=True)
    first_open = opened[first_chat]
    how = rng.random(n_contacts)
    lead = np.where(
        how < 0.70,
        rng.integers(0, 60, n_contacts),  # created by the first message
        np.where(
            how < 0.96,  # registered earlier (site sign-up, imported list)
            rng.geometric(1 / 90, n_contacts) * _DAY
            + rng.integers(0, _HOUR, n_contacts),
            -rng.integers(60, 3 * _HOUR, n_contacts),  # registered just after
        ),
    )
    contact_created = first_open - lead
    contact_order = np.argsort(contact_created, kind="stable")
    contact_rank = np.empty(n_contacts, dtype=np.int64)
    contact_rank[contact_order] = np.arange(n_contacts)
    contact_created = contact_created[contact_order]
    chat_contact = contact_rank[chat_contact]
    contact_width = _digits(n_contacts, 7)

    first = rng.integers(0, len(FIRST_NAMES), n_contacts)
    last = rng.integers(0, len(LAST_NAMES), n_contacts)
    named = rng.random(n_contacts) >= 0.08
    has_email = rng.random(n_contacts) < np.where(named, 0.6, 0.1)
    has_phone = (rng.random(n_contacts) < np.where(named, 0.88, 1.0)) | ~has_email
    suffix = pa.array(rng.integers(1, 1000, n_contacts)).cast(pa.string())
    suffix = pc.if_else(pa.array(rng.random(n_contacts) < 0.5), suffix, "")
    email = pc.binary_join_element_wise(
        _take(_ascii(FIRST_NAMES), first),
        _take((".", "", "_"), _pick(rng, np.array([0.6, 0.3, 0.1]), n_contacts)),
        _take(_ascii(LAST_NAMES), last),
        suffix,
        "@",
        _take(EMAIL_DOMAINS, rng.integers(0, len(EMAIL_DOMAINS), n_contacts)),
        "",
    )
    phone = (
        55 * 10**11
        + np.asarray(AREA_CODES)[rng.integers(0, len(AREA_CODES), n_contacts)] * 10**9
        + 9 * 10**8
        + rng.integers(0, 10**8, n_contacts)
    )
    null_text = pa.scalar(None, type=pa.string())
    contacts: _Table = {
        "contact_id": _IdColumn("", np.arange(1, n_contacts + 1), contact_width),
        "name": _ArrowColumn(
            pc.if_else(
                pa.array(named),
                _person_names(rng, first, last, n_contacts),
                null_text,
            )
        ),
        "email": _ArrowColumn(pc.if_else(pa.array(has_email), email, null_text)),
        "phone": _IdColumn("+", phone, 13, has_phone),
        "created_at": _TimeColumn(contact_created),
    }

    chat_width = _digits(n_chats, 6)
    chats: _Table = {
        "ticket_id": _IdColumn("k-", np.arange(1, n_chats + 1), chat_width),
        "contact_id": _IdColumn("", chat_contact + 1, contact_width),
        "operator_id": _IdColumn("op-", holder + 1, 3, assigned),
        "department": _CategoryColumn(DEPARTMENTS, department),
        "channel": _CategoryColumn(CHANNELS, channel),
        "campaign": _CategoryColumn(CAMPAIGNS, campaign),
        "opened_at": _TimeColumn(opened),
        "assigned_at": _TimeColumn(assigned_at, assigned),
        "first_response_at": _TimeColumn(first_response_at, responded),
        "closed_at": _TimeColumn(closed_at, closed),
        "rating": _IntColumn(rating, rated),
        "tags": _CategoryColumn(tag_text, tags),
    }

    # ---- opportunities: created at an operator message of the chat ----------
    n_opportunities = round(0.3 * n_chats)
    answered = np.flatnonzero(responded)
    n_without_chat = round(0.05 * n_opportunities) if len(answered) else n_opportunities
    n_with_chat = n_opportunities - n_without_chat

    opp_chat = np.zeros(0, dtype=np.int64)
    if n_with_chat:
        sales_weight = np.asarray(DEPARTMENT_SALES_WEIGHT)[department[answered]]
        opp_chat = answered[_pick(rng, sales_weight, n_with_chat)]
    operator_message = np.flatnonzero(sender == _OPERATOR)  # grouped by chat
    per_chat = np.bincount(chat_of[operator_message], minlength=n_chats)
    chosen = operator_message[
        _segment_starts(per_chat)[opp_chat]
        + np.floor(rng.random(n_with_chat) * per_chat[opp_chat]).astype(np.int64)
    ]
    # A few seconds after the message, and always before the chat closes
    # (closing comes at least 30 s after the last message).
    with_chat_created = sent_at[chosen] + rng.integers(0, 30, n_with_chat)

    loose_contact = rng.integers(0, n_contacts, n_without_chat)
    loose_day = np.minimum(
        (contact_created[loose_contact] - 3 * _HOUR) // _DAY
        + rng.geometric(1 / 30, n_without_chat),
        LAST_DAY.astype(np.int64),
    )
    loose_created = _local_to_utc(
        loose_day * _DAY + _business_seconds(rng, n_without_chat)
    )

    opp_ticket = np.concatenate([opp_chat, np.full(n_without_chat, -1)])
    opp_contact = np.concatenate([chat_contact[opp_chat], loose_contact])
    opp_operator = np.concatenate(
        [writer[chosen], _pick(rng, operator_weight, n_without_chat)]
    )
    opp_created = np.concatenate([with_chat_created, loose_created])
    cart_share = np.concatenate(
        [
            np.asarray(DEPARTMENT_CART_SHARE)[department[opp_chat]],
            np.full(n_without_chat, 0.4),
        ]
    )
    opp_kind = (rng.random(n_opportunities) >= cart_share).astype(np.int64)
    reais = np.clip(rng.lognormal(np.log(150), 0.9, n_opportunities), 19, 2499)
    centavos = np.array([90, 99, 0, 50])[
        _pick(rng, np.array([0.4, 0.25, 0.2, 0.15]), n_opportunities)
    ]
    opp_amount = np.clip(reais.astype(np.int64) * 100 + centavos, 1990, 250_000)

    order = np.argsort(opp_created, kind="stable")
    opp_ticket, opp_contact = opp_ticket[order], opp_contact[order]
    opp_operator, opp_created = opp_operator[order], opp_created[order]
    opp_kind, opp_amount = opp_kind[order], opp_amount[order]
    opp_width = _digits(n_opportunities, 6)
    opportunities: _Table = {
        "opportunity_id": _IdColumn("o-", np.arange(1, n_opportunities + 1), opp_width),
        "kind": _CategoryColumn(KINDS, opp_kind),
        "ticket_id": _IdColumn("k-", opp_ticket + 1, chat_width, opp_ticket >= 0),
        "contact_id": _IdColumn("", opp_contact + 1, contact_width),
        "operator_id": _IdColumn("op-", opp_operator + 1, 3),
        "created_at": _TimeColumn(opp_created),
        "amount": _MoneyColumn(opp_amount),
    }

    # ---- payments: once, in two instalments, sometimes refunded -------------
    outcome = rng.random(n_opportunities)
    twice = (outcome >= 0.45) & (outcome < 0.48)
    paid = outcome < 0.48
    speed = rng.random(n_opportunities)
    delay = np.where(
        speed < 0.70,
        30 + _lognormal(rng, 900, 1.2, n_opportunities, _DAY),
        np.where(
            speed < 0.92,
            rng.integers(1, 8, n_opportunities) * _DAY,
            rng.integers(8, 75, n_opportunities) * _DAY,  # a later month
        )
        + rng.integers(0, _DAY, n_opportunities),
    )
    first_paid_at = opp_created + delay
    first_amount = np.where(twice, opp_amount // 2, opp_amount)
    second_paid_at = first_paid_at + rng.integers(25, 36, n_opportunities) * _DAY
    second_amount = opp_amount - first_amount
    refunded = paid & (rng.random(n_opportunities) < 0.04)
    refunded_at = (
        np.where(twice, second_paid_at, first_paid_at)
        + rng.integers(1, 21, n_opportunities) * _DAY
        + rng.integers(0, _DAY, n_opportunities)
    )
    refund_amount = np.where(
        rng.random(n_opportunities) < 0.6,
        first_amount,
        np.maximum(1, (first_amount * rng.uniform(0.1, 0.9, n_opportunities))),
    ).astype(np.int64)

    groups = (
        (paid, 0, first_paid_at, first_amount),
        (twice, 0, second_paid_at, second_amount),
        (refunded, 1, refunded_at, refund_amount),
    )
    pay_opportunity = np.concatenate([np.flatnonzero(m) for m, _, _, _ in groups])
    pay_status = np.concatenate([np.full(m.sum(), s) for m, s, _, _ in groups])
    pay_at = np.concatenate([at[m] for m, _, at, _ in groups])
    pay_amount = np.concatenate([a[m] for m, _, _, a in groups])
    order = np.lexsort((pay_status, pay_opportunity, pay_at))
    n_payments = len(order)
    payments: _Table = {
        "payment_id": _IdColumn(
            "p-", np.arange(1, n_payments + 1), _digits(n_payments, 6)
        ),
        "opportunity_id": _IdColumn("o-", pay_opportunity[order] + 1, opp_width),
        "status": _CategoryColumn(STATUSES, pay_status[order]),
        "occurred_at": _TimeColumn(pay_at[order]),
        "amount": _MoneyColumn(pay_amount[order]),
    }

    # ---- messages in time order ---------------------------------------------
    order = np.argsort((sent_at - sent_at.min()) * n_chats + chat_of)
    message_rows: _Table = {
        "message_id": _IdColumn("m-", np.arange(1, total + 1), _digits(total, 8)),
        "ticket_id": _IdColumn("k-", chat_of[order] + 1, chat_width),
        "sent_at": _TimeColumn(sent_at[order]),
        "sender": _CategoryColumn(SENDERS, sender[order]),
        "operator_id": _IdColumn("op-", writer[order] + 1, 3, writer[order] >= 0),
    }

    return {
        "contacts": contacts,
        "operators": operators,
        "chats": chats,
        "messages": message_rows,
        "opportunities": opportunities,
        "payments": payments,
    }
