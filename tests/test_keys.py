"""Look-ups on text keys: several columns at once give what one at a time does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from poli_analytics._keys import (
    categorical_from_codes,
    is_in,
    lookup,
    lookup_columns,
    positions,
)


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": pd.array(["Ana", "João", None], dtype="str"),
            "cents": pd.array([100, None, 300], dtype="Int64"),
            "at": pd.to_datetime(
                ["2025-03-01T12:00Z", "2025-03-02T12:00Z", None]
            ).tz_convert("America/Sao_Paulo"),
        },
        index=pd.Index(["k-1", "k-2", "k-3"], name="ticket_id"),
    )


def test_several_columns_are_looked_up_like_one_at_a_time():
    table = _table()
    keys = pd.Series(
        ["k-3", None, "k-9", "k-1", "k-1"], dtype="str", index=[5, 6, 7, 8, 9]
    )

    found = lookup_columns(keys, {f"x_{c}": table[c] for c in table.columns})

    assert list(found) == ["x_name", "x_cents", "x_at"]
    for column in table.columns:
        pd.testing.assert_series_equal(
            found[f"x_{column}"], lookup(keys, table[column])
        )
    assert found["x_cents"].tolist()[3:] == [100, 100]
    assert found["x_name"].isna().tolist() == [True, True, True, False, False]


def test_an_empty_table_gives_missing_values_of_each_dtype():
    table = _table().iloc[:0]
    keys = pd.Series(["k-1"], dtype="str")

    found = lookup_columns(keys, {c: table[c] for c in table.columns})

    assert found["cents"].dtype == "Int64"
    assert found["at"].dtype == table["at"].dtype
    assert found["name"].dtype == table["name"].dtype
    assert found["cents"].isna().all()


def test_columns_of_different_tables_are_refused():
    table = _table()
    other = table["cents"].set_axis(["a", "b", "c"])

    with pytest.raises(ValueError, match="share one index"):
        lookup_columns(pd.Series(["k-1"]), {"a": table["cents"], "b": other})


def test_a_categorical_from_read_only_codes_can_be_edited():
    # Reference look-ups come back as views of pyarrow's memory (read-only);
    # 32-bit codes (more than 32,766 categories) are not narrowed, so not
    # copied on the way.
    categories = pd.Index([f"k-{i}" for i in range(40_000)], dtype="str")
    codes = np.arange(40_000, dtype=np.int32)
    codes.flags.writeable = False

    column = pd.Series(categorical_from_codes(codes, categories), copy=False)
    column.iloc[0] = "k-5"

    assert column.iloc[:2].tolist() == ["k-5", "k-1"]
    assert codes[0] == 0


def test_a_missing_key_never_matches_even_a_missing_value_in_the_universe():
    keys = pd.Series(["a", None, "b"], dtype="str")

    assert is_in(keys, ["a", None]).tolist() == [True, False, False]
    assert is_in(keys.astype("category"), ["a", None]).tolist() == [True, False, False]
    assert positions(keys, pd.Series([None, "a"], dtype="str")).tolist() == [1, -1, -1]
