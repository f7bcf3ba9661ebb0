"""Turn a report into text: JSON-ready dicts, CSV, and a terminal table.

Money leaves the library as exact decimal text: ``"1234.56"`` in JSON and
CSV, ``R$ 1.234,56`` (pt-BR) in the terminal table.
"""

from __future__ import annotations

import io
import json
import math

import pandas as pd
from tabulate import tabulate

from .export import _neutralised
from .metrics import COUNT_METRICS, METRICS, OperatorReport

__all__ = [
    "format_brl",
    "report_to_csv",
    "report_to_dict",
    "report_to_json",
    "report_to_table",
]


def public_name(metric: str) -> str:
    """``amount_sold_cents`` → ``amount_sold``; other names unchanged."""
    return metric.removesuffix("_cents")


def cents_to_text(cents: object) -> str | None:
    """Integer centavos as decimal text: ``123456`` → ``"1234.56"``; None if missing."""
    if (
        cents is None
        or cents is pd.NA
        or (isinstance(cents, float) and math.isnan(cents))
    ):
        return None
    value = int(cents)
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def format_brl(cents: object) -> str:
    """Centavos as Brazilian reais: ``123456`` → ``"R$ 1.234,56"``; "" if missing.

    >>> format_brl(123456)
    'R$ 1.234,56'
    >>> format_brl(5)
    'R$ 0,05'
    """
    text = cents_to_text(cents)
    if text is None:
        return ""
    whole, fraction = text.split(".")
    sign = "-" if whole.startswith("-") else ""
    grouped = f"{int(whole.lstrip('-')):,}".replace(",", ".")
    return f"{sign}R$ {grouped},{fraction}"


def _plain(metric: str, value: object) -> object:
    """A JSON-ready value: int counts, decimal text money, rounded floats."""
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and math.isnan(value))
    ):
        return None
    if metric.endswith("_cents"):
        return cents_to_text(value)
    if metric == "conversion":
        return round(float(value), 4)
    if metric.endswith("_s") or metric == "mean_rating":
        return round(float(value), 2)
    return int(value)


def _row_dict(row: pd.Series) -> dict[str, object]:
    return {public_name(m): _plain(m, row[m]) for m in METRICS}


def report_to_dict(report: OperatorReport) -> dict[str, object]:
    """The report as plain Python data, ready for ``json.dumps``.

    ``{"operators": [...], "totals": {...}, "period": ..., "time_zone": ...,
    "selection": ..., "viewer": ..., "data_quality": ...}``; amounts are
    decimal strings such as ``"250.00"``.
    """
    operators = [
        {
            "operator_id": row["operator_id"],
            "operator_name": row["operator_name"],
            **_row_dict(row),
        }
        for row in report.operators.to_dict("records")
    ]
    return {
        "operators": operators,
        "totals": _row_dict(report.totals),
        "time_zone": report.tz,
        "selection": report.selection.to_dict(),
        "viewer": report.viewer.to_dict(),
        # What loading dropped concerns the whole dataset, so only a manager,
        # who sees all of it, is told.
        **(
            {"data_quality": report.quality.to_dict()}
            if report.viewer.role == "manager"
            else {}
        ),
    }


def report_to_json(report: OperatorReport) -> str:
    """The report as indented JSON text (UTF-8 names kept readable)."""
    return json.dumps(report_to_dict(report), ensure_ascii=False, indent=2)


def _public_frame(report: OperatorReport) -> pd.DataFrame:
    rows = report_to_dict(report)
    totals = {"operator_id": "", "operator_name": "TOTAL", **rows["totals"]}
    return pd.DataFrame([*rows["operators"], totals])


def report_to_csv(report: OperatorReport) -> str:
    """The report as CSV text: one row per operator and a final TOTAL row.

    Comma-separated, dot decimals, money as decimal text, lines ending in
    CRLF (RFC 4180, which also makes a line break or carriage return inside
    a name a quoted value); meant for other programs (the spreadsheet export
    is a separate, detailed file). Still, an
    operator ID or name that a spreadsheet would run as a formula (leading
    ``=``, ``+``, ``-``, ``@``, tab, carriage return) gets an apostrophe in
    front, as in the export; IDs are written as they are (``007``), so a
    spreadsheet opening this file may read them as numbers.
    """
    frame = _public_frame(report)
    for column in ("operator_id", "operator_name"):
        frame[column] = pd.Series(
            _neutralised(frame[column]).to_pandas(), index=frame.index
        )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue()


def format_duration(seconds: float) -> str:
    """A duration in seconds, rounded to the second, as ``"4m05s"`` or ``"1h02m"``.

    Under an hour: minutes and seconds; from an hour: hours and minutes
    (seconds dropped). Missing values are the caller's to handle.

    >>> format_duration(245.4), format_duration(3725)
    ('4m05s', '1h02m')
    """
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def report_to_table(report: OperatorReport) -> str:
    """A readable terminal table with R$ amounts and a TOTAL row."""
    totals = report.totals.to_frame().T.assign(operator_name="TOTAL")
    frame = pd.concat([report.operators, totals], ignore_index=True)
    counts = [m for m in COUNT_METRICS if not m.endswith("_cents")]
    frame[counts] = frame[counts].astype("int64")
    shown = pd.DataFrame(
        {
            # A control character (an escape sequence, a line break) in a
            # name must not reach the terminal.
            "Operator": frame["operator_name"].str.replace(
                r"[\x00-\x1f\x7f]", "\ufffd", regex=True
            ),
            "Interactions": frame["interactions"],
            "Customers": frame["customers"],
            "New": frame["new_customers"],
            "Opportunities": frame["opportunities"],
            "Sales": frame["sales"],
            "Amount sold": frame["amount_sold_cents"].map(format_brl),
            "Refunds": frame["refunds"],
            "Refunded": frame["refunded_amount_cents"].map(format_brl),
            "Conv.": frame["conversion"].map(
                lambda value: "" if pd.isna(value) else f"{value:.0%}"
            ),
            "Median resp.": frame["median_response_time_s"].map(
                lambda value: "" if pd.isna(value) else format_duration(value)
            ),
        }
    ).astype(str)
    table = tabulate(
        shown,
        headers="keys",
        showindex=False,
        colalign=("left",) + ("right",) * (shown.shape[1] - 1),
        disable_numparse=True,
    )
    selection = report.selection
    period = f"{selection.start or 'beginning'} to {selection.end or 'end'}"
    header = (
        f"Operator Performance and Sales Report: {period} "
        f"({report.tz}), viewer {report.viewer.describe()}"
    )
    return f"{header}\n{table}\n"
