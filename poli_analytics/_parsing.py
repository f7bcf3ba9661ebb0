"""Turn raw table columns (text from CSV, or Parquet types) into typed columns.

Each parser takes a column as read and returns it typed, or raises
:class:`~poli_analytics.errors.InvalidValueError` naming the rows that do not
parse. Row numbers are 1-based positions in the table as read.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._keys import positions, recoded
from .errors import InvalidValueError

TEXT = "str"
TIMESTAMP_UNIT = "us"

# An ISO 8601 time that carries its own offset ("Z", "+00:00", "-0300"); the
# offset must follow a time, so the "-12" of a bare date "2025-03-12" is no
# offset. ASCII digits only ([0-9], not the Unicode-wide \d).
_HAS_OFFSET = (
    r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?"
    r"\s*(?:[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)$"
)
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
# Reais with a dot decimal: "1234", "1234.5", "1234.56", "1234.560".
_MONEY = r"^(?P<sign>-?)(?P<reais>[0-9]+)(?:\.(?P<cents>[0-9]{1,2})(?P<rest>[0-9]*))?$"
#: The largest amount accepted, in centavos: R$ 1,000,000,000.00. Far above any
#: chat sale, and low enough that sums of millions of them stay exact in int64.
MAX_AMOUNT_CENTS = 100_000_000_000


def rows_of(mask: pd.Series) -> list[int]:
    """1-based data row numbers where ``mask`` is true.

    Tables are read with a 0-based ``RangeIndex`` that later steps keep, so the
    index label plus one is the row number in the file.
    """
    return (mask.index[mask.to_numpy(dtype=bool)] + 1).tolist()


def _fail(
    column: pd.Series, bad: pd.Series, *, source: str, problem: str, expected: str
) -> InvalidValueError:
    return InvalidValueError.build(
        problem,
        source=source,
        column=str(column.name),
        rows=rows_of(bad),
        examples=column[bad].head(5).tolist(),
        expected=expected,
    )


def parse_text(column: pd.Series) -> pd.Series:
    """Text with surrounding blanks removed; empty cells become missing.

    Numbers stored in a Parquet file are turned into their decimal text, so an
    ID column written as integers still loads (its lost leading zeros cannot be
    recovered, which is why the contract keeps IDs as text).

    A categorical column (a Parquet column read as a dictionary, or a frame
    given typed) stays categorical: its categories are parsed, once each,
    and values that become the same text share one category.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return _parse_categories(column)
    if pd.api.types.is_float_dtype(column.dtype):
        # A float column of whole numbers (IDs that went through a spreadsheet).
        # Infinities and floats beyond 2**53 stay text ("inf", "1e+19"),
        # which no ID or amount rule accepts.
        whole = column.dropna()
        if (
            np.isfinite(whole) & (whole == np.floor(whole)) & (whole.abs() < 2**53)
        ).all():
            column = column.astype("Int64")
    text = column.astype(TEXT)
    if _has_surrounding_blanks(text):
        text = text.str.strip()
    # else keep the column as read: a typed table then shares its text with
    # the table as read instead of holding a second copy while both exist.
    text = nfc(text)
    empty = text.eq("")
    return text.mask(empty) if empty.any() else text


def _parse_categories(column: pd.Series) -> pd.Series:
    """:func:`parse_text` of a categorical, done on its categories."""
    categories = pd.Series(column.cat.categories)
    parsed = parse_text(categories)
    if categories.dtype == parsed.dtype and _same_text(parsed, categories):
        return column  # already clean text: nothing per row to redo
    new_codes, distinct = pd.factorize(parsed)
    return recoded(column, new_codes, pd.Index(distinct, dtype=TEXT))


def plain(column: pd.Series) -> pd.Series:
    """A categorical column as its values (text stays text, missing missing)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column
    try:
        return column.astype(column.cat.categories.dtype)
    except (TypeError, ValueError):  # integer categories and a missing value
        return column.astype(object)


def _has_surrounding_blanks(text: pd.Series) -> bool:
    """Whether ``text.str.strip()`` would change any value.

    Trimmed one Arrow chunk at a time with the function pandas' ``strip``
    uses, and compared by length (trimming only removes characters), so
    a clean column of ten million IDs never exists twice in full.
    """
    values = pa.array(text, type=pa.large_string(), from_pandas=True)
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    for chunk in chunks:
        for start in range(0, len(chunk), _TRIM_BLOCK):
            part = chunk.slice(start, _TRIM_BLOCK)
            trimmed = pc.utf8_trim_whitespace(part)
            if pc.sum(pc.binary_length(trimmed)) != pc.sum(pc.binary_length(part)):
                return True
    return False


#: Values trimmed at a time by :func:`_has_surrounding_blanks`.
_TRIM_BLOCK = 1 << 18


def _same_text(left: pd.Series, right: pd.Series) -> bool:
    """Whether two text columns hold the same values (missing where both are)."""
    same = pc.equal(
        pa.array(left, type=pa.large_string(), from_pandas=True),
        pa.array(right, type=pa.large_string(), from_pandas=True),
    )
    return (
        pc.all(same).as_py() is not False
        and (left.isna().to_numpy() == right.isna().to_numpy()).all()
    )


def nfc(text: pd.Series) -> pd.Series:
    """Text in Unicode normal form C, so one name has one spelling.

    "Pós-venda" typed with a combining accent and with a precomposed "ó" must
    be the same department. pyarrow does this in C++; pandas' ``normalize``
    calls Python once per cell.
    """
    values = pa.array(text, type=pa.large_string(), from_pandas=True)
    if pc.all(pc.string_is_ascii(values)).as_py() is not False:
        return text
    normal = pc.utf8_normalize(values, form="NFC")
    return pd.Series(normal, index=text.index, dtype=TEXT, name=text.name)


def parse_enum(
    column: pd.Series, *, choices: tuple[str, ...], source: str
) -> pd.Series:
    """Text restricted to ``choices`` (exact, lower-case spelling).

    Returned as a categorical whose categories are ``choices``, in that
    order: one byte per row instead of the text.
    """
    text = parse_text(column)
    categories = pd.Index(choices, dtype=TEXT)
    if isinstance(text.dtype, pd.CategoricalDtype):
        # Each category is looked up once; rows only when one is unknown.
        found = positions(pd.Series(text.cat.categories), categories)
        if (found >= 0).all():
            return recoded(text, found, categories)
    codes = positions(text, categories)
    bad = text.notna() & pd.Series(codes < 0, index=text.index)
    if bad.any():
        raise _fail(
            text,
            bad,
            source=source,
            problem="unknown value",
            expected="one of " + ", ".join(choices),
        )
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=categories),
        index=text.index,
        name=text.name,
    )


def parse_timestamp(column: pd.Series, *, tz: str, source: str) -> pd.Series:
    """Time-zone-aware instants, expressed in the account zone ``tz``.

    Accepts ISO 8601 text with an offset (``2025-03-12T15:00:00Z``,
    ``2025-03-12T12:00:00-03:00``) or without one, read as wall-clock time in
    ``tz``; a bare date is midnight local. Parquet timestamps keep their zone,
    naive ones are read in ``tz``.

    A naive local time that happens twice when clocks go back (Brazil until
    2019) is read as the first occurrence (daylight time); one that never
    happened because clocks went forward is moved forward by the gap.
    """
    column = plain(column)
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.dt.tz_convert(tz).dt.as_unit(TIMESTAMP_UNIT)
    if pd.api.types.is_datetime64_dtype(column.dtype):
        return _localize(column, tz).dt.as_unit(TIMESTAMP_UNIT)

    text = parse_text(column)
    present = text.notna()
    with_offset = present & text.str.contains(_HAS_OFFSET, regex=True).fillna(False)
    naive = present & ~with_offset

    aware_part = pd.to_datetime(
        text[with_offset], format="ISO8601", utc=True, errors="coerce"
    )
    naive_part = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
    # "2025-03-12 15:00" is fine; "12/03/2025" or "2025-02-30" is not.
    looks_iso = text.str.match(_ISO_DATE, na=False)

    parsed = pd.Series(
        pd.NaT, index=column.index, dtype=f"datetime64[{TIMESTAMP_UNIT}, {tz}]"
    )
    if with_offset.any():
        parsed[with_offset] = aware_part.dt.tz_convert(tz).dt.as_unit(TIMESTAMP_UNIT)
    if naive.any():
        parsed[naive] = _localize(naive_part, tz).dt.as_unit(TIMESTAMP_UNIT)

    bad = present & (parsed.isna() | ~looks_iso)
    if bad.any():
        raise _fail(
            text,
            bad,
            source=source,
            problem="unparsable timestamp",
            expected="an ISO 8601 date-time such as 2025-03-12T15:00:00Z",
        )
    return parsed


def _localize(naive: pd.Series, tz: str) -> pd.Series:
    """Wall-clock times in ``tz``: a repeated hour is its first occurrence, a
    skipped one is moved forward by the gap (00:10 on a day whose clocks jumped
    from 00:00 to 01:00 is 01:10), keeping the order and spacing of events."""
    first_occurrence = np.ones(len(naive), dtype=bool)
    aware = naive.dt.tz_localize(tz, ambiguous=first_occurrence, nonexistent="NaT")
    skipped = aware.isna() & naive.notna()
    if skipped.any():
        # The offset in force just before the gap turns the wall time into
        # the instant it would have been had the clocks not jumped yet.
        wall = naive[skipped]
        before_gap = wall.dt.tz_localize(
            tz,
            ambiguous=np.ones(len(wall), dtype=bool),
            nonexistent="shift_backward",
        )
        offset = before_gap.dt.tz_localize(None) - before_gap.dt.tz_convert(
            "UTC"
        ).dt.tz_localize(None)
        aware[skipped] = (wall - offset).dt.tz_localize("UTC").dt.tz_convert(tz)
    return aware


def parse_money(column: pd.Series, *, source: str) -> pd.Series:
    """Exact amounts in integer centavos (``Int64``).

    Accepts decimal text with a dot (``1234.56``, ``0.1``, ``19.9``, ``12``),
    Parquet decimals and integers (reais), and Parquet floats through their
    shortest decimal text (``0.1`` stays 10 centavos). Negative amounts, more
    than two significant decimals, thousands separators and decimal commas are
    refused.
    """
    column = plain(column)
    if pd.api.types.is_integer_dtype(column.dtype):
        # Compared before any cast: an unsigned 64-bit value may not fit Int64.
        _refuse_too_large(
            column.gt(MAX_AMOUNT_CENTS // 100).fillna(False).astype(bool),
            source=source,
            column=column,
        )
        as_int = column.astype("Int64")
        _refuse_negative(as_int.lt(0).fillna(False), source=source, column=column)
        return as_int * 100
    if isinstance(column.dtype, pd.ArrowDtype) and pa.types.is_decimal(
        column.dtype.pyarrow_dtype
    ):
        return _decimal_cents(column, source=source)
    text = parse_text(column)
    parts = text.str.extract(_MONEY)
    present = text.notna()
    malformed = present & (
        parts["reais"].isna() | parts["rest"].fillna("").str.strip("0").ne("")
    )
    if malformed.any():
        raise _fail(
            text,
            malformed,
            source=source,
            problem="not an amount in reais",
            expected="a non-negative decimal with a dot and at most two decimals, "
            "such as 1234.56",
        )
    negative = present & parts["sign"].eq("-") & text.str.strip("-0.").ne("")
    if negative.any():
        raise _fail(
            text,
            negative,
            source=source,
            problem="negative amount",
            expected="an amount of zero or more (a refund is a 'refunded' row "
            "with a positive amount)",
        )
    too_large = present & parts["reais"].str.len().gt(9).fillna(False)
    _refuse_too_large(too_large, source=source, column=text)
    reais = pd.to_numeric(parts["reais"]).astype("Int64")
    cents = pd.to_numeric(parts["cents"].fillna("0").str.ljust(2, "0")).astype("Int64")
    return (reais * 100 + cents).where(present)


def _decimal_cents(column: pd.Series, *, source: str) -> pd.Series:
    """Parquet decimals (reais) to integer centavos, in pyarrow, without text."""
    reais = pa.array(column, from_pandas=True)

    def where(condition: pa.Array) -> pd.Series:
        flags = pc.fill_null(condition, False).to_numpy(zero_copy_only=False)
        return pd.Series(flags, index=column.index)

    # Sign and size first, exactly and still in reais (a 38-digit decimal
    # times 100 would overflow its own type), against scalars of the column's
    # own type; a type without room for the limit cannot exceed it.
    kind = reais.type
    _refuse_negative(
        where(pc.less(reais, pa.scalar(Decimal(0), kind))), source=source, column=column
    )
    limit = Decimal(MAX_AMOUNT_CENTS // 100)
    if len(limit.as_tuple().digits) <= kind.precision - kind.scale:
        _refuse_too_large(
            where(pc.greater(reais, pa.scalar(limit, kind))),
            source=source,
            column=column,
        )
    fraction_expected = "a non-negative decimal with at most two decimals"
    if reais.type.precision > 34:
        # Room for the "* 100" below; every value here is at most 10 digits
        # before the point, and an amount has no use for 24 after it.
        try:
            reais = pc.cast(reais, pa.decimal128(34, min(reais.type.scale, 24)))
        except pa.ArrowInvalid:
            raise _fail(
                column,
                column.notna(),
                source=source,
                problem="not an amount in reais",
                expected=fraction_expected,
            ) from None
    cents = pc.multiply(reais, pa.scalar(Decimal(100)))
    fraction = where(pc.not_equal(cents, pc.round(cents, 0)))
    if fraction.any():
        raise _fail(
            column,
            fraction,
            source=source,
            problem="not an amount in reais",
            expected=fraction_expected,
        )
    return pd.Series(
        pc.cast(pc.round(cents, 0), pa.int64()), index=column.index, dtype="Int64"
    )


def _refuse_too_large(too_large: pd.Series, *, source: str, column: pd.Series) -> None:
    if too_large.any():
        raise _fail(
            column,
            too_large,
            source=source,
            problem="amount too large",
            expected=f"at most {MAX_AMOUNT_CENTS // 100:,} reais",
        )


def _refuse_negative(negative: pd.Series, *, source: str, column: pd.Series) -> None:
    if negative.any():
        raise _fail(
            column,
            negative,
            source=source,
            problem="negative amount",
            expected="an amount of zero or more",
        )


def parse_rating(column: pd.Series, *, source: str) -> pd.Series:
    """Service rating as a nullable small integer from 1 to 5."""
    column = plain(column)
    if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(
        column.dtype
    ):
        # Parquet numbers: checked as numbers, not through their text.
        text = column
        number = pd.Series(
            column.to_numpy(dtype=float, na_value=np.nan), index=column.index
        )
    else:
        text = parse_text(column)
        number = pd.to_numeric(text, errors="coerce")
    whole = number.notna() & (number == np.floor(number.fillna(0)))
    bad = text.notna() & ~(whole & number.between(1, 5))
    if bad.any():
        raise _fail(
            text,
            bad,
            source=source,
            problem="invalid rating",
            expected="a whole number from 1 to 5, or an empty cell",
        )
    return number.astype("Int8")


def parse_tags(column: pd.Series) -> pd.Series:
    """Tags as clean ``|``-separated text: no blanks around tags, no empty tags."""
    text = parse_text(plain(column))
    # Chats repeat a few tag lists: each distinct list is cleaned once.
    values = pa.array(text, pa.large_string(), from_pandas=True)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    distinct = pd.Series(encoded.dictionary, dtype=TEXT)
    clean = (
        distinct.str.replace(r"\s*\|\s*", "|", regex=True)
        .str.replace(r"\|{2,}", "|", regex=True)
        .str.strip("|")
    )
    clean = pa.array(clean.mask(clean.eq("")), pa.large_string(), from_pandas=True)
    return pd.Series(
        clean.take(encoded.indices), index=text.index, name=text.name, dtype=TEXT
    )
