"""Checks of the data contract that go beyond parsing one column.

Within a table: required values present, exact duplicates dropped once,
primary keys unique. Across tables: every reference points at a row that
exists, an operator message names its writer, an opportunity's contact is
its chat's contact, and a chat's times run forward. Every refusal names the
file, the column, the rows and what was expected.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._keys import positions
from ._parsing import rows_of
from ._schema import TABLES
from .errors import (
    DanglingReferenceError,
    DuplicateKeyError,
    InvalidValueError,
)

__all__ = ["check_references", "check_table"]


def check_table(
    frame: pd.DataFrame, table: str, *, source: str
) -> tuple[pd.DataFrame, int]:
    """Check one typed table; return it without exact duplicates, and their count.

    Parameters
    ----------
    frame : DataFrame
        The typed table, indexed by 0-based row position in the file.
    table : str
        Contract table name.
    source : str
        File name used in error messages.

    Raises
    ------
    InvalidValueError
        A required value is empty.
    DuplicateKeyError
        Two rows that differ share a primary key.
    """
    spec = TABLES[table]
    for column in spec.columns:
        if column.required:
            empty = frame[column.typed_name].isna()
            if empty.any():
                raise InvalidValueError.build(
                    "empty value in a required column",
                    source=source,
                    column=column.name,
                    rows=rows_of(empty),
                    expected="a value in every row",
                )

    # Exact duplicates share their key, so only rows with a repeated key need
    # the (costly) whole-row comparison. Extra columns are ignored, as the
    # contract says, so rows differing only there are duplicates too.
    contract = [c.typed_name for c in spec.columns]
    keys = pa.array(frame[spec.key], type=pa.large_string(), from_pandas=True)
    if _all_distinct(keys):
        return frame, 0  # every key once: no duplicate of any kind
    repeated_key = frame[spec.key].duplicated(keep=False)
    exact_duplicate = pd.Series(False, index=frame.index)
    if repeated_key.any():
        exact_duplicate[repeated_key] = frame.loc[repeated_key, contract].duplicated(
            keep="first"
        )
    deduplicated = frame[~exact_duplicate]
    clash = deduplicated[spec.key].duplicated(keep=False)
    if clash.any():
        keys = deduplicated.loc[clash, spec.key]
        first = deduplicated.loc[keys.index[keys.eq(keys.iloc[0])], contract]
        differing = [
            c.name
            for c in spec.columns
            if len(first[c.typed_name].drop_duplicates()) > 1
        ]
        problem = f"the same key on rows that differ in {', '.join(differing)}"
        raise DuplicateKeyError.build(
            problem,
            source=source,
            column=spec.key,
            rows=rows_of(clash),
            examples=keys.drop_duplicates().tolist(),
            expected=f"one row per {spec.key} (exact repeats are dropped)",
        )
    return deduplicated, int(exact_duplicate.sum())


#: A reference checked by :func:`check_references`, as (table, column).
Link = tuple[str, str]


def _all_distinct(keys: pa.Array | pa.ChunkedArray) -> bool:
    """Whether no key (all present) occurs twice.

    Exports are usually written in key order, and keys in strictly
    increasing order are distinct: one pass of comparisons proves it, where
    hashing ten million keys takes seconds. Any other order is hashed.
    """
    if len(keys) < 2:
        return True
    if pc.all(pc.greater(keys[1:], keys[:-1])).as_py():
        return True
    return pc.count_distinct(keys).as_py() == len(keys)


def check_references(
    tables: dict[str, pd.DataFrame], sources: dict[str, str]
) -> dict[Link, np.ndarray]:
    """Refuse rows that point nowhere or contradict the row they point at.

    Returns, for each checked reference ``(table, column)``, the row position
    of every value in the table it points at (-1 for an empty value), so the
    loader derives its integer codes without looking the keys up again.

    Raises
    ------
    DanglingReferenceError
        A ticket, contact, operator or opportunity that does not exist.
    InvalidValueError
        An operator message without its writer, a writer on a contact or bot
        message, an opportunity whose contact differs from its chat's, or chat
        times that run backwards.
    """
    chats = tables["chats"]
    messages = tables["messages"]
    opportunities = tables["opportunities"]

    references = [
        ("chats", "contact_id", "contacts", "contact_id"),
        ("chats", "operator_id", "operators", "operator_id"),
        ("messages", "ticket_id", "chats", "ticket_id"),
        ("messages", "operator_id", "operators", "operator_id"),
        ("opportunities", "ticket_id", "chats", "ticket_id"),
        ("opportunities", "contact_id", "contacts", "contact_id"),
        ("opportunities", "operator_id", "operators", "operator_id"),
        ("payments", "opportunity_id", "opportunities", "opportunity_id"),
    ]

    def look_up(reference: tuple[str, str, str, str]) -> np.ndarray:
        table, column, target, key = reference
        return positions(tables[table][column], tables[target][key])

    # The look-ups are pyarrow hash joins that release the GIL: one per core.
    # They are checked afterwards in the order listed, so the first broken
    # reference is the one reported, as in a sequential check.
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        found = list(pool.map(look_up, references))
    links: dict[Link, np.ndarray] = {}
    for (table, column, target, key), where in zip(references, found, strict=True):
        links[table, column] = where
        values = tables[table][column]
        dangling = values.notna() & pd.Series(where < 0, index=values.index)
        if dangling.any():
            raise DanglingReferenceError.build(
                "reference to a row that does not exist",
                source=sources[table],
                column=column,
                rows=rows_of(dangling),
                examples=values[dangling].drop_duplicates().tolist(),
                expected=f"{key} values present in {sources[target]}",
            )

    by_operator = messages["sender"].eq("operator")
    writer = messages["operator_id"].notna()
    _refuse(
        by_operator & ~writer,
        messages["message_id"],
        sources["messages"],
        "operator message without its writer in operator_id",
        "the operator_id of the operator who wrote it",
        column="operator_id",
    )
    _refuse(
        ~by_operator & writer,
        messages["sender"],
        sources["messages"],
        "operator_id set on a message not sent by an operator",
        "an empty operator_id unless sender is 'operator'",
        column="operator_id",
    )

    chat_contact = pd.Series(
        chats["contact_id"].array.take(
            links["opportunities", "ticket_id"], allow_fill=True
        ),
        index=opportunities.index,
    )
    _refuse(
        chat_contact.notna() & chat_contact.ne(opportunities["contact_id"]),
        opportunities["contact_id"],
        sources["opportunities"],
        "contact differs from the contact of the opportunity's chat",
        "the contact_id of the chat named in ticket_id",
    )

    start = chats["assigned_at"].fillna(chats["opened_at"])
    for column, earliest, after in (
        ("assigned_at", chats["opened_at"], "opened_at"),
        ("first_response_at", start, "assigned_at (or opened_at)"),
        ("closed_at", start, "assigned_at (or opened_at)"),
    ):
        _refuse(
            chats[column].lt(earliest).fillna(False),
            chats[column],
            sources["chats"],
            f"{column} before {after}",
            f"{column} at or after {after}",
        )
    return links


def _refuse(
    bad: pd.Series,
    shown: pd.Series,
    source: str,
    problem: str,
    expected: str,
    *,
    column: str | None = None,
) -> None:
    """Refuse the rows of ``bad``; ``shown`` gives the values to quote."""
    if bad.any():
        raise InvalidValueError.build(
            problem,
            source=source,
            column=column or str(shown.name),
            rows=rows_of(bad),
            examples=shown[bad].head(5).astype(str).tolist(),
            expected=expected,
        )
