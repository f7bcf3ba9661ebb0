"""Fast membership and look-ups on text keys.

pandas' ``isin`` and ``reindex`` on pyarrow-backed strings hash in Python
objects; pyarrow's ``index_in`` does the same work in C++, about thirty
times faster on a million IDs. These helpers keep pandas' semantics (results
aligned to the input index; missing keys never match).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow(values: pd.Series | pd.Index | Iterable[str]) -> pa.Array | pa.ChunkedArray:
    if not isinstance(values, pd.Series | pd.Index):
        values = pd.Series(list(values), dtype="str")
    if len(values) == 0:
        return pa.array([], pa.large_string())
    return pa.array(values, from_pandas=True).cast(pa.large_string())


def positions(keys: pd.Series, universe: pd.Series | pd.Index) -> np.ndarray:
    """Position of each key in ``universe`` (first occurrence); -1 when absent.

    32-bit integers (as pyarrow gives them): half the memory of 64-bit ones
    on ten million keys, and no universe comes near 2**31 values.
    """
    if isinstance(keys.dtype, pd.CategoricalDtype):
        # Look each category up once, then spread by the integer codes.
        found = positions(pd.Series(keys.cat.categories), universe)
        codes = keys.cat.codes.to_numpy()
        if len(found) == 0:
            return np.full(len(codes), -1, dtype=np.int32)
        return np.where(codes >= 0, found.take(codes, mode="clip"), np.int32(-1))
    # skip_nulls: a missing key never matches, even a missing value in the
    # universe.
    found = pc.index_in(_arrow(keys), value_set=_arrow(universe), skip_nulls=True)
    return (
        found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    )


def is_in(keys: pd.Series, universe: pd.Series | pd.Index | Iterable[str]) -> pd.Series:
    """Like ``keys.isin(universe)``: a boolean Series; missing keys are False."""
    if isinstance(keys.dtype, pd.CategoricalDtype):
        # One answer per category, then one take by the small integer codes
        # (the last slot answers for code -1, a missing key).
        known = positions(pd.Series(keys.cat.categories), _as_index(universe)) >= 0
        answer = np.append(known, False)
        return pd.Series(answer[keys.cat.codes.to_numpy()], index=keys.index)
    return pd.Series(positions(keys, _as_index(universe)) >= 0, index=keys.index)


def _as_index(universe: pd.Series | pd.Index | Iterable[str]) -> pd.Series | pd.Index:
    if isinstance(universe, pd.Series | pd.Index):
        return universe
    return pd.Series(list(universe), dtype="str")


def lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """``values`` (indexed by a unique key) looked up for each of ``keys``.

    Like ``keys.map(values)``, but the result keeps the dtype of ``values``
    even when ``keys`` is empty, and unknown or missing keys give missing
    values.
    """
    return _aligned(values, positions(keys, values.index), keys)


def lookup_columns(
    keys: pd.Series, columns: Mapping[str, pd.Series]
) -> dict[str, pd.Series]:
    """:func:`lookup` of several columns of one table, the keys hashed once.

    Every column must have the same unique index (the table's key); looking
    them up one by one would hash the keys against it once per column.
    """
    if not columns:
        return {}
    index = next(iter(columns.values())).index
    if any(not values.index.equals(index) for values in columns.values()):
        msg = "lookup_columns: the columns must share one index"
        raise ValueError(msg)
    where = positions(keys, index)
    return {name: _aligned(values, where, keys) for name, values in columns.items()}


def _aligned(values: pd.Series, where: np.ndarray, keys: pd.Series) -> pd.Series:
    """``values`` at the positions ``where`` (-1: missing), indexed like ``keys``."""
    found = values.iloc[np.maximum(where, 0)] if len(values) else values.reindex(keys)
    found = found.set_axis(keys.index).rename(values.name)
    return found.where(pd.Series(where >= 0, index=keys.index))


def category_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``values`` as integer codes into its distinct values (-1 when missing).

    Like ``values.astype("category")`` split into codes and categories, but
    hashed in pyarrow; categories come in order of first appearance.
    """
    encoded = pc.dictionary_encode(_arrow(values))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.unify_dictionaries().combine_chunks()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    categories = pd.Index(encoded.dictionary.to_pandas(), dtype=values.dtype)
    return codes.astype(np.int64, copy=False), categories


def distinct_text(*columns: pd.Series) -> pd.Series:
    """The distinct present values of several text or categorical columns, as text.

    Each column is reduced to its distinct values first, so a categorical
    of millions of rows costs a pass over its integer codes, never a copy of
    millions of strings (concatenating a categorical with text gives Python
    objects).
    """
    parts = [pd.Series(_present_values(c)).astype("str") for c in columns]
    if not parts:
        return pd.Series([], dtype="str")
    return pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)


def _present_values(column: pd.Series) -> pd.Index | np.ndarray:
    """The distinct present values of one column (in no particular order)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.categories[used_categories(column)]
    return column.dropna().unique()


def used_categories(column: pd.Series) -> np.ndarray:
    """Which categories of a categorical at least one row holds (a mask),
    counted from the integer codes rather than by hashing values."""
    codes = column.cat.codes.to_numpy()
    return np.bincount(codes[codes >= 0], minlength=len(column.cat.categories)) > 0


def code_type(categories: int) -> type[np.signedinteger]:
    """The integer type pandas keeps the codes of ``categories`` categories in."""
    for kind in (np.int8, np.int16, np.int32):
        if categories < np.iinfo(kind).max:
            return kind
    return np.int64


def categorical_from_codes(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    """A categorical from codes that are valid by construction (positions in
    ``categories``, -1 for missing): narrowed once, not checked again.

    ``categories`` must be distinct and present (a table's keys, or the
    distinct values of a column): that is not checked again either. pandas'
    check hashes every category as a Python object, about a tenth of a
    second and 100 MB kept with the categories for a million ticket IDs.
    """
    codes = codes.astype(code_type(len(categories)), copy=False)
    if not codes.flags.writeable:
        # A view of pyarrow's memory: pandas would keep it as it is, and a
        # table holding it could not be edited like any other.
        codes = codes.copy()
    return pd.Categorical.from_codes(
        codes, dtype=_known_distinct_categories(categories), validate=False
    )


def _known_distinct_categories(categories: pd.Index) -> pd.CategoricalDtype:
    # pandas' own constructor for categories it already knows to be valid;
    # private, so any pandas without it gets the public, checking one.
    fastpath = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    if fastpath is None:  # pragma: no cover - depends on the pandas version
        return pd.CategoricalDtype(categories)
    return fastpath(pd.Index(categories), ordered=False)


def recoded(
    column: pd.Series, new_codes: np.ndarray, categories: pd.Index
) -> pd.Series:
    """A categorical whose category ``i`` becomes ``categories[new_codes[i]]``
    (missing where ``new_codes[i]`` is -1); missing values stay missing."""
    # One more slot for the code -1 of a missing value, so a single take
    # maps every row.
    table = np.append(new_codes, -1).astype(code_type(len(categories)))
    codes = table[column.cat.codes.to_numpy()]
    return pd.Series(
        categorical_from_codes(codes, categories),
        index=column.index,
        name=column.name,
    )
