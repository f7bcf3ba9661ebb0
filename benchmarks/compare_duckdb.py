"""Time poli-analytics against DuckDB on the same data, same machine, same run.

Usage (from the repository root, with the ``bench`` extra installed)::

    python benchmarks/compare_duckdb.py [--sizes 1000000 10000000] [--repeat 3]
        [--out docs/performance.md] [--profile] [--cache-dir DIR]

It generates Parquet datasets of each size with the project's own generator
(fixed seed, cached and reused), checks that the SQL in
``benchmarks/duckdb_report.sql`` gives exactly the library's report on the
one-million-message dataset (refusing to go on if it does not, and printing
the differences), then runs every measurement in a fresh subprocess,
poli-analytics and DuckDB interleaved, ``--repeat`` times:

``cold_whole``, ``cold_month``
    Load the Parquet files and compute the whole-range report, or the report
    for March 2025 and the Vendas department. DuckDB: the same SQL over
    ``read_parquet`` views in a new in-memory database.
``warm``
    One load (with ``prepare_reports``, as the notebook does when it opens),
    then ten filter combinations one after another, as a notebook user
    clicks. DuckDB: the tables already in its memory (``CREATE TABLE ...
    AS SELECT * FROM read_parquet(...)``), then the same ten queries.
``export_csv_write``
    The same export rows (about a million at ten million messages) already in
    memory, written as the ``sheets`` CSV: the library's ``write_rows`` against
    DuckDB's ``COPY ... TO`` with the same cell formatting. The two files are
    compared byte for byte.
``export_csv``, ``export_xlsx``
    ``write_export`` from a loaded dataset (rows built and written), CSV and
    xlsx; DuckDB has no counterpart (its Excel writer is an extension it
    would download).

Each child reports its wall-clock seconds (imports excluded) and its peak
resident memory (``ru_maxrss``). Medians with min and max, the ratios to
DuckDB and the issue's targets are printed, and with ``--out`` written
between the result markers of a Markdown file. ``--profile`` adds a
pyinstrument profile of the library's side at the largest size.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SQL_FILE = HERE / "duckdb_report.sql"

TZ = "America/Sao_Paulo"
SEED = 2025
VERIFY_SIZE = 1_000_000
TABLES = ("contacts", "operators", "chats", "messages", "opportunities", "payments")
BEGIN_MARK = "<!-- compare_duckdb: results begin -->"
END_MARK = "<!-- compare_duckdb: results end -->"

#: ``Selection`` keyword arguments, JSON-ready.
Spec = dict[str, Any]

WHOLE: Spec = {}
MONTH_DEPARTMENT: Spec = {
    "start": "2025-03-01",
    "end": "2025-03-31",
    "departments": ["Vendas"],
}
#: Starts on a midnight that never happened (summer time began 2018-11-04).
SUMMER_TIME: Spec = {
    "start": "2018-11-04",
    "end": "2019-02-16",
    "channels": ["whatsapp"],
}
_Q1 = {"start": "2025-01-01", "end": "2025-03-31"}
_MARCH = {"start": "2025-03-01", "end": "2025-03-31"}
#: A notebook session: month ranges x departments x channels x operators.
CLICKS: tuple[tuple[str, Spec], ...] = (
    ("March 2025", _MARCH),
    ("March 2025, Vendas", {**_MARCH, "departments": ["Vendas"]}),
    (
        "March 2025, Vendas, WhatsApp",
        {**_MARCH, "departments": ["Vendas"], "channels": ["whatsapp"]},
    ),
    (
        "March 2025, Vendas+Suporte, WhatsApp+Instagram",
        {
            **_MARCH,
            "departments": ["Vendas", "Suporte"],
            "channels": ["whatsapp", "instagram"],
        },
    ),
    ("Q1 2025, Vendas", {**_Q1, "departments": ["Vendas"]}),
    (
        "Q1 2025, Vendas, op-007",
        {**_Q1, "departments": ["Vendas"], "operators": ["op-007"]},
    ),
    ("Q1 2025, op-007+op-012", {**_Q1, "operators": ["op-007", "op-012"]}),
    (
        "2024, webchat",
        {"start": "2024-01-01", "end": "2024-12-31", "channels": ["webchat"]},
    ),
    (
        "Nov 2024, Pós-venda, black-friday",
        {
            "start": "2024-11-01",
            "end": "2024-11-30",
            "departments": ["Pós-venda"],
            "campaigns": ["black-friday"],
        },
    ),
    (
        "summer time 2018/19, Financeiro, Messenger",
        {
            "start": "2018-11-04",
            "end": "2019-02-16",
            "departments": ["Financeiro"],
            "channels": ["messenger"],
        },
    ),
)
#: About a million export rows at ten million messages (the last 2.5 years).
EXPORT_SELECTION: Spec = {"start": "2023-07-01"}

#: The report's metrics in ``poli_analytics.metrics.METRICS`` order.
METRICS = (
    "interactions",
    "customers",
    "new_customers",
    "opportunities",
    "sales",
    "amount_sold_cents",
    "refunds",
    "refunded_amount_cents",
    "messages_sent",
    "conversion",
    "average_ticket_cents",
    "median_response_time_s",
    "mean_response_time_s",
    "mean_service_time_s",
    "mean_rating",
)
FLOAT_METRICS = (
    "conversion",
    "median_response_time_s",
    "mean_response_time_s",
    "mean_service_time_s",
    "mean_rating",
)


# --- Work done inside the child processes ------------------------------------


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (10**6 bytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def sql_sections(path: Path = SQL_FILE) -> dict[str, str]:
    """The ``-- name: ...`` sections of the SQL file, by name."""
    parts = re.split(
        r"^-- name: (\w+)\s*$", path.read_text(encoding="utf-8"), flags=re.M
    )
    return {
        name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def cents_text(cents: int) -> str:
    """Integer centavos as decimal text, as ``report_to_dict`` writes them."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """A DuckDB result row in ``report_to_dict``'s form, plus full-precision floats.

    Counts are ints, money decimal text, ratios and means rounded as the
    library rounds them in JSON; ``_full`` keeps the unrounded floats so that
    a difference only in the last rounded digit can be told from a real one.
    """
    public: dict[str, Any] = {}
    for metric in METRICS:
        value = row[metric]
        name = metric.removesuffix("_cents")
        if value is None:
            public[name] = None
        elif metric.endswith("_cents"):
            public[name] = cents_text(int(value))
        elif metric == "conversion":
            public[name] = round(float(value), 4)
        elif metric.endswith("_s") or metric == "mean_rating":
            public[name] = round(float(value), 2)
        else:
            public[name] = int(value)
    public["_full"] = {
        m: None if row[m] is None else float(row[m]) for m in FLOAT_METRICS
    }
    return public


class DuckReport:
    """The SQL report on one DuckDB connection, for any selection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, sections: dict[str, str]):
        self.con = con
        self.sections = sections
        con.execute(f"SET VARIABLE tz = '{TZ}'")
        con.execute(sections["macros"])

    def run(self, spec: Spec) -> dict[str, Any]:
        """The report for ``spec``: ``{"operators": [...], "totals": {...}}``."""
        con = self.con
        for side in ("start", "end"):
            day = spec.get(side)
            value = dt.date.fromisoformat(day) if day else None
            con.execute(f"SET VARIABLE {side}_day = $v::DATE", {"v": value})
        for name in ("departments", "channels", "operators", "campaigns"):
            con.execute(
                f"SET VARIABLE {name} = $v::VARCHAR[]", {"v": list(spec.get(name, []))}
            )
        con.execute(self.sections["period"])
        cursor = con.execute(self.sections["report"])
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
        operators = [
            {
                "operator_id": row["operator_id"],
                "operator_name": row["operator_name"],
                **public_row(row),
            }
            for row in rows
            if row["operator_id"] is not None
        ]
        totals = [public_row(row) for row in rows if row["operator_id"] is None]
        return {"operators": operators, "totals": totals[0]}


def duckdb_open(folder: Path, *, in_memory: bool) -> DuckReport:
    """A new in-memory DuckDB database over the dataset's Parquet files.

    ``in_memory=False`` (cold): the tables are views over ``read_parquet``,
    read by each query, and each contact's first operator is computed inside
    the report query, as the library computes it while loading.
    ``in_memory=True`` (warm): the tables are copied into DuckDB's memory and
    the first operators computed once, as the library's loaded dataset holds
    them.
    """
    import duckdb

    con = duckdb.connect()
    # ICU (time zones) is built into the wheel; never download anything.
    con.execute("SET autoinstall_known_extensions = false")
    sections = sql_sections()
    kind = "TABLE" if in_memory else "VIEW"
    for table in TABLES:
        source = (folder / f"{table}.parquet").as_posix()
        con.execute(f"CREATE {kind} {table} AS SELECT * FROM read_parquet('{source}')")
    first = sections["first_operator"].rstrip(";")
    con.execute(f"CREATE {kind} first_operator AS {first}")
    return DuckReport(con, sections)


def pandas_report(dataset: Any, spec: Spec) -> dict[str, Any]:
    """The library's report for ``spec``, in ``report_to_dict``'s form.

    ``_full`` carries the unrounded floats of ``report.operators`` and
    ``report.totals``, as :func:`public_row` does for DuckDB.
    """
    import pandas as pd

    from poli_analytics import Selection, operator_report, report_to_dict

    report = operator_report(dataset, Selection(**spec))
    public = report_to_dict(report)
    floats = report.operators[list(FLOAT_METRICS)].astype("float64")
    floats = floats.astype(object).where(floats.notna(), None).to_dict("records")
    totals = {
        m: None if pd.isna(report.totals[m]) else float(report.totals[m])
        for m in FLOAT_METRICS
    }
    operators = [
        {**row, "_full": full}
        for row, full in zip(public["operators"], floats, strict=True)
    ]
    return {
        "operators": operators,
        "totals": {
            **public["totals"],
            "_full": totals,
        },
    }


def sha256(path: Path) -> str:
    """Hex digest of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


class Clock:
    """Wall-clock and CPU seconds (all threads of the process) of named steps."""

    def __init__(self) -> None:
        self.seconds: dict[str, Any] = {}
        self.cpu: dict[str, Any] = {}

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        """Time the block; a name ending in ``[]`` appends to a list."""
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if name.endswith("[]"):
            self.seconds.setdefault(name[:-2], []).append(wall)
            self.cpu.setdefault(name[:-2], []).append(cpu)
        else:
            self.seconds[name], self.cpu[name] = wall, cpu

    def result(self, **more: Any) -> dict[str, Any]:
        """The child's result: its figures and anything else to report."""
        return {"seconds": self.seconds, "cpu": self.cpu, **more}


def task_generate(args: dict[str, Any]) -> dict[str, Any]:
    """Write a Parquet dataset with the project's generator."""
    from poli_analytics.sample import generate_sample

    clock = Clock()
    with clock("total"):
        counts = generate_sample(
            args["folder"], messages=args["messages"], seed=SEED, file_format="parquet"
        )
    return clock.result(counts=counts)


def task_cold(args: dict[str, Any]) -> dict[str, Any]:
    """Load the Parquet files and compute one report, from nothing.

    Libraries are imported before the clock starts, on both sides.
    """
    folder, spec = Path(args["folder"]), args["selection"]
    clock = Clock()
    if args["engine"] == "duckdb":
        import duckdb  # noqa: F401

        with clock("total"):
            report = duckdb_open(folder, in_memory=False).run(spec)
    else:
        from poli_analytics import load_dataset

        with _profiled(args.get("profile_out")), clock("total"):
            with clock("load"):
                dataset = load_dataset(folder, tz=TZ)
            with clock("report"):
                report = pandas_report(dataset, spec)
    return clock.result(reports=[report])


def task_warm(args: dict[str, Any]) -> dict[str, Any]:
    """One load, then one report per selection, each timed (a click)."""
    folder, specs = Path(args["folder"]), args["selections"]
    clock = Clock()
    if args["engine"] == "duckdb":
        import duckdb  # noqa: F401

        with clock("load"):
            engine = duckdb_open(folder, in_memory=True)
        compute: Callable[[Spec], dict[str, Any]] = engine.run
    else:
        from poli_analytics import load_dataset, prepare_reports

        # As the notebook opens: load, then derive what every click needs.
        with clock("load"):
            dataset = prepare_reports(load_dataset(folder, tz=TZ))

        def compute(spec: Spec) -> dict[str, Any]:
            return pandas_report(dataset, spec)

    reports = []
    with _profiled(args.get("profile_out")):
        for spec in specs:
            with clock("clicks[]"):
                reports.append(compute(spec))
    return clock.result(reports=reports)


def task_prepare_export(args: dict[str, Any]) -> dict[str, Any]:
    """Build the export rows once, for the writer-only measurements.

    Saved twice: a pickle (the typed frame exactly as ``export_frame`` made
    it, for the library's writer) and Parquet (the same columns, for DuckDB).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from poli_analytics import Selection, export_frame, load_dataset

    dataset = load_dataset(args["folder"], tz=TZ)
    rows = export_frame(dataset, Selection(**args["selection"]))
    rows.to_pickle(args["rows_pickle"])
    pq.write_table(
        pa.Table.from_pandas(rows, preserve_index=False), args["rows_parquet"]
    )
    return {"rows": len(rows)}


def task_export(args: dict[str, Any]) -> dict[str, Any]:
    """Write export rows to a file; see the module docstring for the variants.

    ``load`` (untimed in the comparison) puts the rows, or the dataset, in
    memory; ``total`` is the export itself.
    """
    out = Path(args["out"])
    engine, variant = args["engine"], args["variant"]
    clock = Clock()
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute("SET autoinstall_known_extensions = false")
        sections = sql_sections()
        source = Path(args["rows_parquet"]).as_posix()
        with clock("load"):
            con.execute(
                f"CREATE TABLE export_rows AS SELECT * FROM read_parquet('{source}')"
            )
        con.execute(f"SET VARIABLE tz = '{TZ}'")
        con.execute(sections["export_macros"])
        copy = sections["export_csv"].replace("{path}", out.as_posix())
        with clock("total"):
            con.execute(copy)
        rows = con.execute("SELECT count(*) FROM export_rows").fetchone()[0]
    elif variant == "write":
        import pandas as pd

        from poli_analytics.export import write_rows

        with clock("load"):
            frame = pd.read_pickle(args["rows_pickle"])
        with _profiled(args.get("profile_out")), clock("total"):
            with out.open("wb") as handle:
                write_rows(frame, handle, profile="sheets")
        rows = len(frame)
    else:
        from poli_analytics import Selection, load_dataset, write_export

        with clock("load"):
            dataset = load_dataset(args["folder"], tz=TZ)
        profile = "xlsx" if variant == "xlsx" else "sheets"
        with _profiled(args.get("profile_out")), clock("total"):
            rows = write_export(
                dataset, out, Selection(**args["selection"]), profile=profile
            )
    result = clock.result(rows=int(rows), bytes=out.stat().st_size, sha256=sha256(out))
    out.unlink()
    return result


class _profiled:
    """Run a block under pyinstrument when ``path`` is set; write the text there."""

    def __init__(self, path: str | None):
        self.path = path
        self.profiler: Any = None

    def __enter__(self) -> _profiled:
        if self.path:
            from pyinstrument import Profiler

            self.profiler = Profiler(interval=0.002)
            self.profiler.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.profiler is None:
            return
        self.profiler.stop()
        text = self.profiler.output_text(
            unicode=True, color=False, processor_options={"filter_threshold": 0.02}
        )
        Path(str(self.path)).write_text(text, encoding="utf-8")


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "generate": task_generate,
    "cold": task_cold,
    "warm": task_warm,
    "prepare_export": task_prepare_export,
    "export": task_export,
}


def worker(task_file: Path) -> None:
    """Child entry point: run one task, write its result next to the task file."""
    task = json.loads(task_file.read_text(encoding="utf-8"))
    result = TASKS[task["task"]](task)
    result["peak_mb"] = peak_mb()
    Path(task["result"]).write_text(json.dumps(result), encoding="utf-8")


# --- The parent: datasets, scheduling, checks, reporting ---------------------


class BenchmarkError(RuntimeError):
    """A child failed, or the two engines disagree."""


class Runner:
    """Runs tasks one at a time, each in a fresh Python process."""

    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.count = 0

    def __call__(self, task: str, **args: Any) -> dict[str, Any]:
        self.count += 1
        task_file = self.scratch / f"task-{self.count}.json"
        result_file = self.scratch / f"result-{self.count}.json"
        task_file.write_text(
            json.dumps({"task": task, "result": str(result_file), **args}),
            encoding="utf-8",
        )
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(task_file)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            msg = f"{task} {args.get('engine', '')} failed:\n{done.stderr[-4000:]}"
            raise BenchmarkError(msg)
        result = json.loads(result_file.read_text(encoding="utf-8"))
        task_file.unlink()
        result_file.unlink()
        return result


def _generator_digest() -> str:
    source = ROOT / "poli_analytics" / "sample.py"
    return hashlib.sha256(source.read_bytes()).hexdigest()


def ensure_dataset(run: Runner, cache: Path, messages: int) -> Path:
    """The cached Parquet dataset of ``messages`` messages; generated when absent.

    A marker file beside the folder records the generator's source digest, so
    a changed generator gives a fresh dataset.
    """
    folder = cache / f"messages-{messages}-seed-{SEED}"
    marker = folder.with_suffix(".json")
    wanted = {"messages": messages, "seed": SEED, "generator": _generator_digest()}
    if marker.exists():
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        if {k: recorded.get(k) for k in wanted} == wanted and all(
            (folder / f"{t}.parquet").exists() for t in TABLES
        ):
            return folder
    print(f"generating {messages:,} messages into {folder} ...", flush=True)
    result = run("generate", folder=str(folder), messages=messages)
    marker.write_text(
        json.dumps({**wanted, "counts": result["counts"]}), encoding="utf-8"
    )
    return folder


def compare_reports(
    expected: dict[str, Any], got: dict[str, Any], label: str
) -> list[str]:
    """Differences between the library's report and DuckDB's, one line each.

    Counts and money must be identical; a rounded float may differ only when
    the unrounded values agree to 1e-9 (the last digit fell on a boundary).
    """
    problems: list[str] = []
    ids_expected = [row["operator_id"] for row in expected["operators"]]
    ids_got = [row["operator_id"] for row in got["operators"]]
    if ids_expected != ids_got:
        missing = sorted(set(ids_expected) - set(ids_got))
        extra = sorted(set(ids_got) - set(ids_expected))
        problems.append(
            f"{label}: operators differ (only in poli-analytics: {missing}; only in "
            f"DuckDB: {extra}; or a different order)"
        )
        return problems
    pairs = [
        *(
            (f"operator {a['operator_id']}", a, b)
            for a, b in zip(expected["operators"], got["operators"], strict=True)
        ),
        ("totals", expected["totals"], got["totals"]),
    ]
    for who, a, b in pairs:
        for key in sorted((set(a) | set(b)) - {"_full"}):
            left, right = a.get(key, "<absent>"), b.get(key, "<absent>")
            if left == right:
                continue
            full = key if key in FLOAT_METRICS else f"{key}_cents"
            full_left = a.get("_full", {}).get(full)
            full_right = b.get("_full", {}).get(full)
            if (
                full_left is not None
                and full_right is not None
                and math.isclose(full_left, full_right, rel_tol=1e-9, abs_tol=1e-9)
            ):
                continue
            problems.append(
                f"{label}, {who}, {key}: poli-analytics {left!r}, DuckDB {right!r}"
            )
    return problems


def verify(run: Runner, folder: Path) -> int:
    """Check the SQL against the library on every selection; raise on a difference."""
    named = [
        ("whole range", WHOLE),
        ("March 2025, Vendas", MONTH_DEPARTMENT),
        ("summer time 2018/19, WhatsApp", SUMMER_TIME),
        *CLICKS,
    ]
    specs = [spec for _, spec in named]
    ours = run("warm", engine="pandas", folder=str(folder), selections=specs)
    theirs = run("warm", engine="duckdb", folder=str(folder), selections=specs)
    problems = [
        line
        for (label, _), a, b in zip(
            named, ours["reports"], theirs["reports"], strict=True
        )
        for line in compare_reports(a, b, label)
    ]
    if problems:
        raise BenchmarkError(
            "DuckDB's SQL and the library disagree; no figures are reported:\n  "
            + "\n  ".join(problems[:60])
        )
    rows = sum(len(r["operators"]) + 1 for r in ours["reports"])
    return rows


@dataclass(frozen=True)
class Measurement:
    """One kind of measurement and the engines that take part in it."""

    key: str
    label: str
    engines: tuple[str, ...]


MEASUREMENTS = (
    Measurement("cold_whole", "cold: load + whole-range report", ("pandas", "duckdb")),
    Measurement("cold_month", "cold: load + March 2025, Vendas", ("pandas", "duckdb")),
    Measurement("warm", "warm: ten clicks after one load", ("pandas", "duckdb")),
    Measurement(
        "export_csv_write",
        "export CSV, same rows in memory, write",
        ("pandas", "duckdb"),
    ),
    Measurement("export_csv", "export CSV, write_export (build + write)", ("pandas",)),
    Measurement(
        "export_xlsx", "export xlsx, write_export (build + write)", ("pandas",)
    ),
)


def measure_size(
    run: Runner,
    folder: Path,
    scratch: Path,
    *,
    repeat: int,
    profile_dir: Path | None,
) -> dict[str, Any]:
    """All measurements on one dataset, engines interleaved, ``repeat`` rounds.

    Returns ``{measurement: {engine: [child result, ...]}}`` plus the number
    of export rows; raises when the engines' reports or CSV files disagree.
    """
    rows_pickle, rows_parquet = scratch / "rows.pkl", scratch / "rows.parquet"
    prepared = run(
        "prepare_export",
        folder=str(folder),
        selection=EXPORT_SELECTION,
        rows_pickle=str(rows_pickle),
        rows_parquet=str(rows_parquet),
    )
    results: dict[str, Any] = {m.key: {e: [] for e in m.engines} for m in MEASUREMENTS}
    common = {
        "folder": str(folder),
        "rows_pickle": str(rows_pickle),
        "rows_parquet": str(rows_parquet),
    }
    for round_number in range(repeat):
        for m in MEASUREMENTS:
            # A B, then B A: neither engine always runs first.
            engines = m.engines if round_number % 2 == 0 else m.engines[::-1]
            for engine in engines:
                print(f"  round {round_number + 1}: {m.key} {engine}", flush=True)
                name, task_args = _task_for(m.key, engine, scratch)
                result = run(name, **task_args, **common)
                results[m.key][engine].append(result)
            _check_round(results, m.key, round_number)
    if profile_dir is not None:
        for m in MEASUREMENTS:
            out = profile_dir / f"{m.key}.txt"
            print(f"  profiling {m.key} (pyinstrument)", flush=True)
            name, task_args = _task_for(m.key, "pandas", scratch)
            run(name, **task_args, **common, profile_out=str(out))
    return {"results": results, "export_rows": prepared["rows"]}


def _task_for(key: str, engine: str, scratch: Path) -> tuple[str, dict[str, Any]]:
    """The task name and arguments of one measurement for one engine."""
    out = str(scratch / f"export-{engine}.{'xlsx' if key == 'export_xlsx' else 'csv'}")
    tasks: dict[str, tuple[str, dict[str, Any]]] = {
        "cold_whole": ("cold", {"selection": WHOLE}),
        "cold_month": ("cold", {"selection": MONTH_DEPARTMENT}),
        "warm": ("warm", {"selections": [spec for _, spec in CLICKS]}),
        "export_csv_write": ("export", {"variant": "write", "out": out}),
        "export_csv": (
            "export",
            {"variant": "csv", "out": out, "selection": EXPORT_SELECTION},
        ),
        "export_xlsx": (
            "export",
            {"variant": "xlsx", "out": out, "selection": EXPORT_SELECTION},
        ),
    }
    name, args = tasks[key]
    return name, {**args, "engine": engine}


def _check_round(results: dict[str, Any], key: str, round_number: int) -> None:
    """The two engines' answers of one round must agree (reports, or CSV bytes)."""
    if key.startswith(("cold", "warm")):
        ours = results[key]["pandas"][round_number]["reports"]
        theirs = results[key]["duckdb"][round_number]["reports"]
        labels = [key] if key.startswith("cold") else [label for label, _ in CLICKS]
        problems = [
            line
            for label, a, b in zip(labels, ours, theirs, strict=True)
            for line in compare_reports(a, b, label)
        ]
        if problems:
            raise BenchmarkError(
                "DuckDB's SQL and the library disagree; no figures are reported:\n  "
                + "\n  ".join(problems[:60])
            )
    elif key == "export_csv_write":
        ours = results[key]["pandas"][round_number]
        theirs = results[key]["duckdb"][round_number]
        if ours["rows"] != theirs["rows"]:
            msg = f"export rows differ: {ours['rows']} and {theirs['rows']}"
            raise BenchmarkError(msg)


# --- Summaries and the Markdown report -----------------------------------------


@dataclass(frozen=True)
class Stat:
    """Median, min and max of repeated figures."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Iterable[float]) -> Stat:
        """Summarise some figures."""
        values = list(values)
        return cls(statistics.median(values), min(values), max(values))

    def text(self, digits: int = 2) -> str:
        """``1.23 (1.20–1.31)``."""
        return (
            f"{self.median:.{digits}f} ({self.low:.{digits}f}–{self.high:.{digits}f})"
        )


def headline(result: dict[str, Any], key: str, clock: str = "seconds") -> float:
    """The headline figure of one child result: wall-clock or CPU seconds.

    For the warm measurement it is the median of the run's ten clicks.
    """
    if key == "warm":
        return statistics.median(result[clock]["clicks"])
    return result[clock]["total"]


def summarise(size_results: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per measurement and engine: seconds, CPU seconds and peak MB as :class:`Stat`."""
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for m in MEASUREMENTS:
        summary[m.key] = {}
        for engine, runs in size_results[m.key].items():
            entry: dict[str, Any] = {
                "seconds": Stat.of(headline(r, m.key) for r in runs),
                "cpu": Stat.of(headline(r, m.key, "cpu") for r in runs),
                "peak_mb": Stat.of(r["peak_mb"] for r in runs),
            }
            if m.key == "warm":
                clicks = zip(*(r["seconds"]["clicks"] for r in runs), strict=True)
                entry["clicks"] = [Stat.of(c) for c in clicks]
                entry["load"] = Stat.of(r["seconds"]["load"] for r in runs)
                entry["slowest_click"] = max(c.median for c in entry["clicks"])
            if m.key.startswith("export"):
                entry["sha256"] = {r["sha256"] for r in runs}
                entry["rows"] = runs[0]["rows"]
                entry["bytes"] = runs[0]["bytes"]
            if m.key.startswith("cold") and engine == "pandas":
                entry["load"] = Stat.of(r["seconds"]["load"] for r in runs)
                entry["report"] = Stat.of(r["seconds"]["report"] for r in runs)
            summary[m.key][engine] = entry
    return summary


def ratio_text(ours: float, theirs: float) -> str:
    """``2.31×``."""
    return f"{ours / theirs:.2f}×" if theirs > 0 else "n/a"


def size_tables(size: int, data: dict[str, Any]) -> list[str]:
    """Markdown tables of one dataset size."""
    summary = data["summary"]
    lines = [
        f"### {size:,} messages",
        "",
        f"Median (min–max) of {data['repeat']} runs. Wall-clock seconds; CPU "
        "seconds of all the process's threads (median); peak resident memory "
        "of the process in MB (10⁶ bytes). Ratio = poli-analytics / DuckDB.",
        "",
        "| measurement | poli-analytics s | DuckDB s | ratio | CPU s (p-a / DuckDB) "
        "| poli-analytics MB | DuckDB MB | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in MEASUREMENTS:
        ours = summary[m.key]["pandas"]
        theirs = summary[m.key].get("duckdb")
        label = m.label
        if m.key == "warm":
            label = "warm: one click (median of the ten clicks)"
        if theirs is None:
            lines.append(
                f"| {label} | {ours['seconds'].text()} | – | – "
                f"| {ours['cpu'].median:.2f} / – | {ours['peak_mb'].text(0)} | – | – |"
            )
            continue
        lines.append(
            f"| {label} | {ours['seconds'].text()} | {theirs['seconds'].text()} "
            f"| {ratio_text(ours['seconds'].median, theirs['seconds'].median)} "
            f"| {ours['cpu'].median:.2f} / {theirs['cpu'].median:.2f} "
            f"| {ours['peak_mb'].text(0)} | {theirs['peak_mb'].text(0)} "
            f"| {ratio_text(ours['peak_mb'].median, theirs['peak_mb'].median)} |"
        )
    warm = summary["warm"]
    ours_load, theirs_load = warm["pandas"]["load"], warm["duckdb"]["load"]
    lines.append(
        f"| warm: the one load before the clicks | {ours_load.text()} "
        f"| {theirs_load.text()} | {ratio_text(ours_load.median, theirs_load.median)} "
        "| | | | |"
    )
    cold = summary["cold_whole"]["pandas"]
    lines += [
        "",
        f"Cold whole range, poli-analytics split: load {cold['load'].text()} s, "
        f"report {cold['report'].text()} s. "
        f"Export: {data['export_rows']:,} rows "
        f"({summary['export_csv_write']['pandas']['bytes'] / 1e6:,.0f} MB of CSV); "
        + _export_identity(summary),
        "",
        "Warm clicks, seconds per click, median (min–max):",
        "",
        "| # | click | poli-analytics s | DuckDB s | ratio |",
        "|---|---|---|---|---|",
    ]
    for number, ((label, _), ours, theirs) in enumerate(
        zip(CLICKS, warm["pandas"]["clicks"], warm["duckdb"]["clicks"], strict=True),
        start=1,
    ):
        lines.append(
            f"| {number} | {label} | {ours.text(3)} | {theirs.text(3)} "
            f"| {ratio_text(ours.median, theirs.median)} |"
        )
    lines.append("")
    return lines


def _export_identity(summary: dict[str, Any]) -> str:
    hashes = [
        summary["export_csv_write"]["pandas"]["sha256"],
        summary["export_csv_write"]["duckdb"]["sha256"],
        summary["export_csv"]["pandas"]["sha256"],
    ]
    if all(len(h) == 1 for h in hashes) and len(set().union(*hashes)) == 1:
        return (
            "the library's `write_rows`, its `write_export` and DuckDB's `COPY` "
            "wrote byte-identical CSV files."
        )
    return (
        "**the CSV files differ** (library `write_rows`, `write_export` and "
        "DuckDB `COPY` do not give the same bytes), so the writer comparison is "
        "of similar, not identical, work."
    )


@dataclass(frozen=True)
class Target:
    """One target of the issue and its outcome (``passed`` None: information only)."""

    name: str
    wanted: str
    measured: str
    passed: bool | None
    margin: str

    @property
    def verdict(self) -> str:
        """``pass``, ``**miss**`` or ``info``."""
        if self.passed is None:
            return "info"
        return "pass" if self.passed else "**miss**"


def _ratio_target(name: str, entry: dict[str, Any], limit: float) -> Target:
    """poli-analytics' median seconds at most ``limit`` times DuckDB's."""
    ours = entry["pandas"]["seconds"].median
    theirs = entry["duckdb"]["seconds"].median
    ratio = ours / theirs
    allowed = theirs * limit
    margin = (
        f"{1 - ratio / limit:.0%} under the limit"
        if ratio <= limit
        else f"{ratio / limit - 1:.0%} over: needs ≤ {allowed:.2f} s, "
        f"{ours - allowed:.2f} s to cut"
    )
    return Target(
        name,
        f"≤ {limit:.1f}× DuckDB",
        f"{ratio:.2f}× ({ours:.2f} s vs {theirs:.2f} s)",
        ratio <= limit,
        margin,
    )


def _limit_target(
    name: str, wanted: str, value: float, limit: float, unit: str
) -> Target:
    """A figure at most ``limit``."""
    digits = 3 if unit == "s" else 0
    margin = (
        f"{limit - value:,.{digits}f} {unit} to spare"
        if value <= limit
        else f"{value / limit - 1:.0%} over ({value - limit:,.{digits}f} {unit} to cut)"
    )
    return Target(name, wanted, f"{value:,.{digits}f} {unit}", value <= limit, margin)


def check_targets(
    sizes: Sequence[int], per_size: dict[int, dict[str, Any]]
) -> list[Target]:
    """The issue's targets at the largest size (growth: smallest to largest)."""
    big = max(sizes)
    s = per_size[big]["summary"]
    targets = [
        _ratio_target("cold, whole-range report", s["cold_whole"], 1.0),
        _ratio_target("cold, month + department", s["cold_month"], 1.0),
        _ratio_target("warm, filtered report per click (median click)", s["warm"], 1.0),
        _limit_target(
            "warm, every click under half a second",
            "< 0.5 s (slowest click's median)",
            s["warm"]["pandas"]["slowest_click"],
            0.5,
            "s",
        ),
        _limit_target(
            "peak memory, load + whole-range report",
            "≤ 1,200 MB",
            s["cold_whole"]["pandas"]["peak_mb"].median,
            1200,
            "MB",
        ),
        _ratio_target(
            "CSV export of a million rows (the same rows, written)",
            s["export_csv_write"],
            1.5,
        ),
    ]
    csv_total = s["export_csv"]["pandas"]["seconds"].median
    copy = s["export_csv_write"]["duckdb"]["seconds"].median
    targets.append(
        Target(
            "CSV export with building the rows (`write_export`)",
            "(DuckDB only writes)",
            f"{csv_total / copy:.2f}× DuckDB's COPY ({csv_total:.2f} s)",
            None,
            "not the same work: DuckDB's side does not build the rows",
        )
    )
    small = min(sizes)
    if small != big:
        factor = big / small
        growth = {
            m.key: per_size[big]["summary"][m.key]["pandas"]["seconds"].median
            / per_size[small]["summary"][m.key]["pandas"]["seconds"].median
            for m in MEASUREMENTS
        }
        over = [key for key, grow in growth.items() if grow > factor]
        targets.append(
            Target(
                f"time grows at most linearly, {small:,} → {big:,} messages",
                f"≤ {factor:.0f}× for every measurement",
                ", ".join(f"{key} {grow:.1f}×" for key, grow in growth.items()),
                not over,
                "all within" if not over else "over: " + ", ".join(over),
            )
        )
    return targets


def machine_lines(started: dict[str, Any], ended: dict[str, Any]) -> list[str]:
    """The machine, versions and library revision, as Markdown bullets."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), flags=re.M)
        cpu = found.group(1).strip() if found else cpu
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        found = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), flags=re.M)
        memory = f"{int(found.group(1)) / 1024**2:.1f} GiB" if found else memory
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("pandas", "pyarrow", "numpy", "duckdb", "pyinstrument")
    )
    return [
        f"- Run: {started['when']} to {ended['when']} (UTC), "
        f"`{' '.join(started['argv'])}`",
        f"- Machine: {os.cpu_count()} CPUs ({cpu}), {memory} RAM, "
        f"{platform.platform()}; shared, load average "
        f"{started['load']:.2f} at the start and {ended['load']:.2f} at the end",
        f"- Python {platform.python_version()}; {versions}; "
        f"DuckDB threads: {started['duckdb_threads']} (its default: one per CPU)",
        f"- poli-analytics {_version('poli-analytics')}, {started['revision']}",
    ]


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def library_revision() -> str:
    """The commit of the working tree and whether the library's files differ from it."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "poli_analytics")
    if dirty:
        files = [
            line[3:].removeprefix("poli_analytics/") for line in dirty.splitlines()
        ]
        return f"commit {head} plus uncommitted changes to {', '.join(files)}"
    return f"commit {head}, library files unchanged"


def render(
    sizes: Sequence[int],
    per_size: dict[int, dict[str, Any]],
    targets: list[Target],
    header: list[str],
    verified: str,
    profiles: dict[str, str],
    profile_dir: Path | None = None,
) -> str:
    """The generated Markdown block (between the result markers)."""
    lines = [
        BEGIN_MARK,
        "",
        "## Results",
        "",
        *header,
        f"- Verification: {verified}",
        "",
    ]
    lines += [
        f"### Targets at {max(sizes):,} messages",
        "",
        "| target | wanted | measured | result | margin |",
        "|---|---|---|---|---|",
    ]
    for t in targets:
        lines.append(
            f"| {t.name} | {t.wanted} | {t.measured} | {t.verdict} | {t.margin} |"
        )
    lines.append("")
    for size in sizes:
        lines += size_tables(size, per_size[size])
    if profiles:
        lines += [
            f"### Profiles of the library's side at {max(sizes):,} messages",
            "",
            "pyinstrument, frames of at least 2 % of the time, trimmed "
            f"(`--profile`; the full text is in `{profile_dir}`).",
            "",
        ]
        for key, text in profiles.items():
            lines += [f"#### {key}", "", "```text", _trim_profile(text), "```", ""]
    lines.append(END_MARK)
    return "\n".join(lines) + "\n"


def _trim_profile(text: str, *, limit: int = 45) -> str:
    """The call tree of a pyinstrument text report, without its banner, capped."""
    body = [line.rstrip() for line in text.splitlines()]
    start = next((i for i, line in enumerate(body) if re.match(r"^\d", line)), 0)
    tree = [line for line in body[start:] if line.strip()]
    tree = [line for line in tree if not line.startswith("To view this report")]
    if len(tree) > limit:
        tree = [*tree[:limit], f"... ({len(tree) - limit} more lines)"]
    return "\n".join(tree)


def write_markdown(path: Path, block: str) -> None:
    """Put ``block`` between the result markers of ``path`` (appended if none)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN_MARK in text and END_MARK in text:
        before = text[: text.index(BEGIN_MARK)]
        after = text[text.index(END_MARK) + len(END_MARK) :].lstrip("\n")
        text = before + block + ("\n" + after if after else "")
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + block
    path.write_text(text, encoding="utf-8")


def _duckdb_threads() -> str:
    import duckdb

    return str(
        duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")


def run_benchmark(args: argparse.Namespace) -> str:
    """Generate, verify, measure, check the targets; return the Markdown block.

    The raw figures of every child (without the reports) are also saved as
    ``last-run.json`` in the cache folder.

    Raises
    ------
    BenchmarkError
        A child failed, or DuckDB's answers differ from the library's.
    """
    sizes = sorted(set(args.sizes))
    cache: Path = args.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    started = {
        "when": _now(),
        "argv": ["python", "benchmarks/compare_duckdb.py", *args.argv],
        "load": os.getloadavg()[0],
        "revision": library_revision(),
        "duckdb_threads": _duckdb_threads(),
    }
    profile_dir = cache / f"profiles-{max(sizes)}" if args.profile else None
    per_size: dict[int, dict[str, Any]] = {}
    raw: dict[int, Any] = {}
    with tempfile.TemporaryDirectory(dir=cache) as scratch_name:
        scratch = Path(scratch_name)
        run = Runner(scratch)
        folders = {size: ensure_dataset(run, cache, size) for size in sizes}
        check_folder = folders.get(VERIFY_SIZE) or ensure_dataset(
            run, cache, VERIFY_SIZE
        )
        print(f"verifying the SQL against the library on {VERIFY_SIZE:,} messages")
        rows = verify(run, check_folder)
        count = 3 + len(CLICKS)
        print(f"  identical: {count} selections, {rows} report rows")
        verified = (
            f"before timing, DuckDB's SQL gave exactly the library's "
            f"`report_to_dict` (every operator row and the totals, {rows} rows) "
            f"for {count} selections on {VERIFY_SIZE:,} messages: the whole "
            "range, March 2025 + Vendas, a summer-time period starting on a "
            "midnight that did not exist, and the ten clicks; every timed "
            "run's reports were compared again, engine against engine"
        )
        for size in sizes:
            print(f"measuring {size:,} messages", flush=True)
            wanted = profile_dir if size == max(sizes) else None
            if wanted is not None:
                wanted.mkdir(exist_ok=True)
            measured = measure_size(
                run, folders[size], scratch, repeat=args.repeat, profile_dir=wanted
            )
            per_size[size] = {
                "summary": summarise(measured["results"]),
                "export_rows": measured["export_rows"],
                "repeat": args.repeat,
            }
            raw[size] = {
                key: {
                    engine: [
                        {k: v for k, v in r.items() if k != "reports"} for r in runs
                    ]
                    for engine, runs in engines.items()
                }
                for key, engines in measured["results"].items()
            }
    (cache / "last-run.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    profiles = {}
    if profile_dir is not None:
        profiles = {
            m.key: (profile_dir / f"{m.key}.txt").read_text(encoding="utf-8")
            for m in MEASUREMENTS
        }
    ended = {"when": _now(), "load": os.getloadavg()[0]}
    header = machine_lines(started, ended)
    targets = check_targets(sizes, per_size)
    return render(sizes, per_size, targets, header, verified, profiles, profile_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run everything, print and optionally write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, help="Markdown file to write the results into"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile the library's side"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "poli-analytics-bench",
        help="where the generated datasets are kept between runs",
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    args.argv = argv
    try:
        block = run_benchmark(args)
    except BenchmarkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(block)
    if args.out:
        write_markdown(args.out, block)
        print(f"written into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
