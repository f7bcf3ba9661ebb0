"""The reference cases in ``tests/cases`` through the command line.

Each folder holds a dataset, the hand computation (README.md) and the
expected answers (queries.json). Every query runs ``poli-analytics report``
in-process; the listed operators must be exactly the expected ones, every
metric must match (amounts as exact decimals), and refusals must exit
non-zero with a one-line message naming what is wrong.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from poli_analytics.cli import main

CASES = Path(__file__).parent / "cases"
QUERIES = [
    pytest.param(case, query, id=f"{case.name}/{query['name']}")
    for case in sorted(p.parent for p in CASES.glob("*/queries.json"))
    for query in json.loads((case / "queries.json").read_text(encoding="utf-8"))
]


def _same(expected: object, got: object) -> bool:
    if isinstance(expected, str):
        return isinstance(got, str) and Decimal(got) == Decimal(expected)
    return got == expected


@pytest.mark.parametrize(("case", "query"), QUERIES)
def test_reference_case(case: Path, query: dict, capsys) -> None:
    args = ["report", "--data", str(case / "data"), *query["args"]]
    if query.get("expect_error"):
        status = main(args)
        err = capsys.readouterr().err
        assert status == 1
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
        for word in query["stderr_contains"]:
            assert word.lower() in err.lower()
        return

    assert main([*args, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    rows = {row["operator_id"]: row for row in payload["operators"]}
    expected = query["expect"]["operators"]
    assert set(rows) == set(expected)
    for operator, metrics in expected.items():
        for metric, value in metrics.items():
            assert _same(value, rows[operator][metric]), (operator, metric)
    for metric, value in query["expect"]["totals"].items():
        assert _same(value, payload["totals"][metric]), ("totals", metric)
