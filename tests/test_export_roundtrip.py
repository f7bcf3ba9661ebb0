"""Lossless: an export read back gives the report again, for every selection.

Checked on every reference case and, seeded, on generated datasets across
random selections, roles, profiles and header languages.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from poli_analytics import (
    PoliAnalyticsError,
    Selection,
    Viewer,
    filter_choices,
    load_dataset,
    operator_report,
    report_to_dict,
    scope_dataset,
)
from poli_analytics.export import PROFILES, export_bytes
from poli_analytics.export_reader import read_export
from poli_analytics.sample import generate_sample

CASES = Path(__file__).parent / "cases"
REPORT_QUERIES = [
    pytest.param(case, query, id=f"{case.name}/{query['name']}")
    for case in sorted(p.parent for p in CASES.glob("*/queries.json"))
    for query in json.loads((case / "queries.json").read_text(encoding="utf-8"))
    if "expect" in query
]


def _selection_and_viewer(args: list[str]) -> tuple[Selection, Viewer, str]:
    """The CLI arguments of a reference query as Python values."""
    values: dict[str, list[str]] = {}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        values.setdefault(flag.lstrip("-"), []).append(value)
    role = values.get("role", ["manager"])[0]
    viewer = Viewer(
        role=role,
        departments=tuple(values.get("scope-department", [])),
        operator_id=values.get("scope-operator", [None])[0],
    )
    selection = Selection(
        start=values.get("start", [None])[0],
        end=values.get("end", [None])[0],
        departments=values.get("department", []),
        channels=values.get("channel", []),
        operators=values.get("operator", []),
        campaigns=values.get("campaign", []),
    )
    return selection, viewer, values.get("tz", ["America/Sao_Paulo"])[0]


def _round_trip(dataset, selection, viewer, tmp_path, profile, lang):
    expected = report_to_dict(operator_report(dataset, selection, viewer=viewer))
    path = (
        tmp_path / f"export-{profile}-{lang}.{'xlsx' if profile == 'xlsx' else 'csv'}"
    )
    path.write_bytes(
        export_bytes(dataset, selection, viewer=viewer, profile=profile, lang=lang)
    )
    back = read_export(path)
    # The export is already scoped; the viewer is applied again, as anyone
    # reading the file back would, and must change nothing.
    got = report_to_dict(operator_report(back, selection, viewer=viewer))
    return expected, got


@pytest.mark.parametrize(("case", "query"), REPORT_QUERIES)
def test_reference_cases_survive_the_round_trip(case, query, tmp_path):
    selection, viewer, tz = _selection_and_viewer(query["args"])
    dataset = load_dataset(case / "data", tz=tz)
    profile = PROFILES[hash(query["name"]) % len(PROFILES)]
    for lang in ("en", "pt-BR"):
        expected, got = _round_trip(dataset, selection, viewer, tmp_path, profile, lang)
        assert got["operators"] == expected["operators"]
        assert got["totals"] == expected["totals"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    generate_sample(folder, messages=6_000, seed=11)
    return load_dataset(folder)


def _random_selection(rng: random.Random, dataset, viewer) -> Selection:
    choices = filter_choices(scope_dataset(dataset, viewer))
    start = rng.choice(["2019-01-01", "2023-06-01", "2024-11-01", "2025-03-01"])
    end = rng.choice(["2024-12-31", "2025-03-31", "2025-12-31", "2026-03-31"])
    start, end = min(start, end), max(start, end)

    def some(name: str) -> list[str]:
        if not choices[name] or rng.random() < 0.6:
            return []
        return rng.sample(choices[name], rng.randint(1, min(2, len(choices[name]))))

    return Selection(
        start=start,
        end=end,
        departments=some("departments"),
        channels=some("channels"),
        operators=some("operators"),
        campaigns=some("campaigns"),
    )


@pytest.mark.parametrize("seed", range(12))
def test_generated_data_survives_the_round_trip(generated, tmp_path, seed):
    rng = random.Random(seed)
    operators = sorted(generated.operators["operator_id"])
    departments = sorted(generated.chats["department"].unique())
    viewer = rng.choice(
        [
            Viewer.manager(),
            Viewer.supervisor(rng.choice(departments)),
            Viewer.supervisor(*rng.sample(departments, 2)),
            Viewer.operator(rng.choice(operators)),
        ]
    )
    selection = _random_selection(rng, generated, viewer)
    profile = PROFILES[seed % len(PROFILES)]
    lang = rng.choice(["en", "pt-BR"])
    try:
        expected, got = _round_trip(
            generated, selection, viewer, tmp_path, profile, lang
        )
    except PoliAnalyticsError as refused:
        pytest.fail(f"{viewer.describe()} / {selection}: {refused}")
    assert got["operators"] == expected["operators"]
    assert got["totals"] == expected["totals"]
    assert expected["totals"]["interactions"] + expected["totals"]["sales"] > 0 or (
        expected["operators"] == []
    )


@pytest.mark.parametrize("profile", PROFILES)
def test_a_chat_across_the_repeated_hour_survives_the_round_trip(tmp_path, profile):
    # São Paulo clocks went back from 2018-02-18 00:00 to 2018-02-17 23:00.
    # Opened 23:40 before the change (01:40Z), assigned 23:05 after it
    # (02:05Z), answered 23:20 (02:20Z): without offsets the file says
    # 23:40, 23:05, 23:20; the reader puts the last two in the second hour.
    from conftest import chat, make_dataset, op_message

    dataset = make_dataset(
        contacts=[{"contact_id": "c-1", "created_at": "2018-02-10T12:00:00Z"}],
        chats=[
            chat(
                "k-1",
                "c-1",
                operator_id="ana",
                opened_at="2018-02-18T01:40:00Z",
                assigned_at="2018-02-18T02:05:00Z",
                first_response_at="2018-02-18T02:20:00Z",
            )
        ],
        messages=[op_message("m-1", "k-1", "ana", "2018-02-18T02:20:00Z")],
    )
    selection = Selection(start="2018-02-17", end="2018-02-17")
    expected, got = _round_trip(dataset, selection, Viewer(), tmp_path, profile, "en")
    assert got["operators"] == expected["operators"]
    assert got["totals"] == expected["totals"]
    assert expected["operators"][0]["interactions"] == 1
    assert expected["operators"][0]["median_response_time_s"] == 900


def test_sales_of_older_opportunities_are_noted(tmp_path):
    dataset = load_dataset(CASES / "05_sales_by_payment_date" / "data")
    path = tmp_path / "march.csv"
    selection = Selection(start="2025-03-01", end="2025-03-31")
    path.write_bytes(export_bytes(dataset, selection))
    back = read_export(path)
    assert any(
        "march.csv: 2 opportunities appear only on sale or refund rows" in note
        for note in back.quality.notes
    )
