"""The exceptions poli-analytics raises.

Every error the library raises on purpose derives from
:class:`PoliAnalyticsError` (itself a :class:`ValueError`), so a caller can
catch them all with one ``except``. The command line prints their message as
one line and exits non-zero.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DataContractError",
    "DanglingReferenceError",
    "DuplicateKeyError",
    "InvalidValueError",
    "MissingColumnError",
    "PoliAnalyticsError",
    "ScopeError",
    "SelectionError",
]

#: How many offending rows an error message lists before it says "and N more".
ROWS_SHOWN = 5


class PoliAnalyticsError(ValueError):
    """Base class of every error raised by poli-analytics."""


class SelectionError(PoliAnalyticsError):
    """A report selection (dates, filter values, viewer) is malformed."""


class ScopeError(PoliAnalyticsError):
    """A filter asks for data outside what the viewer may see."""


class DataContractError(PoliAnalyticsError):
    """A dataset breaks the data contract.

    Attributes
    ----------
    source : str
        The file (or table name when the data came from memory).
    column : str or None
        The offending column, when one column is to blame.
    rows : list of int
        1-based data row numbers (the first row after the header is row 1).
        Messages about a CSV file give them as file lines, ``n + 1``.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str,
        column: str | None = None,
        rows: Sequence[int] = (),
    ) -> None:
        self.source = source
        self.column = column
        self.rows = list(rows)
        super().__init__(message)

    @classmethod
    def build(
        cls,
        problem: str,
        *,
        source: str,
        column: str | None = None,
        rows: Sequence[int] = (),
        examples: Sequence[object] = (),
        expected: str | None = None,
    ) -> DataContractError:
        """Build the error with a message naming file, column, rows and values."""
        where = source
        if column is not None:
            where += f", column '{column}'"
        if rows:
            where += ", " + describe_rows(rows, csv=source.lower().endswith(".csv"))
        message = f"{where}: {problem}"
        if examples:
            shown = ", ".join(repr(v) for v in list(examples)[:ROWS_SHOWN])
            message += f" (found {shown})"
        if expected:
            message += f"; expected {expected}"
        return cls(message, source=source, column=column, rows=rows)


class MissingColumnError(DataContractError):
    """A required column of the contract is absent from a table."""


class InvalidValueError(DataContractError):
    """A cell holds a value the contract does not allow."""


class DuplicateKeyError(DataContractError):
    """Two different rows share a primary key."""


class DanglingReferenceError(DataContractError):
    """A row points at a ticket, contact, operator or opportunity that is absent."""


def describe_rows(rows: Sequence[int], *, csv: bool = False) -> str:
    """Say where rows are: ``"row 3"``, or ``"line 4"`` in a CSV file.

    ``rows`` are 1-based data rows. In a CSV file they are given as file
    lines (the header is line 1), as a text editor or spreadsheet numbers
    them; a field holding a line break shifts the lines after it.

    >>> describe_rows([3])
    'row 3'
    >>> describe_rows([3, 4, 5, 6, 7, 8, 9], csv=True)
    'lines 4, 5, 6, 7, 8 and 2 more'
    """
    numbers = [r + 1 for r in rows] if csv else list(rows)
    word = "line" if csv else "row"
    if len(numbers) == 1:
        return f"{word} {numbers[0]}"
    shown = ", ".join(str(n) for n in numbers[:ROWS_SHOWN])
    more = len(numbers) - ROWS_SHOWN
    return f"{word}s {shown}" + (f" and {more} more" if more > 0 else "")
