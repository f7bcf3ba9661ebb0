"""The command line, run as a user runs it: a separate process."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).parent / "cases"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "poli_analytics", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )


def test_report_on_the_bundled_sample_prints_a_table():
    done = run("report", "--start", "2025-03-01", "--end", "2025-03-31")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Operator Performance and Sales Report: 2025-03-01 to")
    assert "R$" in done.stdout
    assert lines[-1].startswith("TOTAL")


def test_json_format_has_operators_totals_and_context():
    data = CASES / "07_exact_money" / "data"
    done = run("report", "--data", str(data), "--format", "json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["totals"]["amount_sold"] == "111.27"
    assert payload["time_zone"] == "America/Sao_Paulo"
    assert payload["viewer"] == {
        "role": "manager",
        "departments": [],
        "operator_id": None,
    }
    row = payload["operators"][0]
    assert list(row)[:10] == [
        "operator_id", "operator_name", "interactions", "customers", "new_customers",
        "opportunities", "sales", "amount_sold", "refunds", "refunded_amount",
    ]  # fmt: skip
    assert row["average_ticket"] == "4.37"  # 61.17 / 14 = 4.369...


def test_csv_format_ends_with_a_total_row():
    data = CASES / "01_totals_distinct" / "data"
    done = run("report", "--data", str(data), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["operator_id"] for r in rows] == ["op-ana", "op-bruno", ""]
    assert rows[-1]["operator_name"] == "TOTAL"
    assert rows[-1]["interactions"] == "5"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["--data", str(CASES / "10_bad_missing_column" / "data")],
            ["chats", "channel"],
        ),
        (["--data", "/nonexistent/folder"], ["not a dataset folder"]),
        (["--start", "2025-31-03"], ["start date", "YYYY-MM-DD"]),
        (["--role", "supervisor"], ["at least one department"]),
        (["--role", "operator", "--scope-operator", "op-999"], ["op-999"]),
        (["--tz", "Brasil/Paulista"], ["unknown time zone"]),
        (["--tz", ""], ["unknown time zone ''"]),
        (
            ["--export-file", "/nonexistent/março.csv"],
            ["/nonexistent/março.csv: does not exist"],
        ),
        (["--export-file", str(CASES)], [f"{CASES}: is a folder; expected a file"]),
    ],
)
def test_refusals_are_one_line_without_traceback(args, words):
    done = run("report", *args)
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("poli-analytics: error: ")
    for word in words:
        assert word in done.stderr


def test_usage_errors_exit_2():
    done = run("report", "--format", "xml")
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_sample_command_writes_a_loadable_dataset(tmp_path):
    done = run("sample", str(tmp_path / "out"), "--messages", "2000", "--seed", "7")
    assert done.returncode == 0, done.stderr
    assert "2000 messages" in done.stdout
    report = run("report", "--data", str(tmp_path / "out"), "--format", "json")
    assert report.returncode == 0, report.stderr
    assert json.loads(report.stdout)["totals"]["messages_sent"] > 0


def test_sample_refuses_a_non_positive_size(tmp_path):
    done = run("sample", str(tmp_path), "--messages", "0")
    assert done.returncode == 1
    assert "--messages must be at least 1" in done.stderr


def test_dropped_duplicates_are_said_on_stderr(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for table in (CASES / "08_role_scoping" / "data").iterdir():
        (data / table.name).write_bytes(table.read_bytes())
    payments = data / "payments.csv"
    last = payments.read_text().splitlines()[-1]
    payments.write_text(payments.read_text() + last + "\n")
    done = run("report", "--data", str(data), "--format", "csv")
    assert done.returncode == 0
    assert "payments: dropped 1 exact duplicate row(s)" in done.stderr
    supervisor = run(
        "report", "--data", str(data), "--format", "json",
        "--role", "supervisor", "--scope-department", "Vendas",
    )  # fmt: skip
    assert "data_quality" not in json.loads(supervisor.stdout)
    manager = json.loads(run("report", "--data", str(data), "--format", "json").stdout)
    assert manager["data_quality"]["duplicate_rows_dropped"]["payments"] == 1


def test_sample_does_not_overwrite_a_dataset_unless_forced(tmp_path):
    assert run("sample", str(tmp_path), "--messages", "50").returncode == 0
    again = run("sample", str(tmp_path), "--messages", "50", "--format", "parquet")
    assert again.returncode == 1
    assert "already holds a dataset" in again.stderr
    assert "--force" in again.stderr
    forced = run("sample", str(tmp_path), "--messages", "50", "--force")
    assert forced.returncode == 0


def test_export_command_and_report_from_the_export(tmp_path):
    out = tmp_path / "março.csv"
    args = ["--start", "2025-03-01", "--end", "2025-03-31"]
    done = run(
        "export", *args, "--out", str(out), "--profile", "excel-br", "--lang", "pt-BR"
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbfTipo de Registro;")
    direct = json.loads(run("report", *args, "--format", "json").stdout)
    back = json.loads(
        run("report", "--export-file", str(out), *args, "--format", "json").stdout
    )
    assert back["operators"] == direct["operators"]
    assert back["totals"] == direct["totals"]


def test_a_folder_in_place_of_a_table_file_is_named(tmp_path):
    for table in CASES.joinpath("01_totals_distinct", "data").iterdir():
        (tmp_path / table.name).write_bytes(table.read_bytes())
    (tmp_path / "payments.csv").unlink()
    (tmp_path / "payments.csv").mkdir()
    done = run("report", "--data", str(tmp_path))
    assert done.returncode == 1
    assert "payments.csv" in done.stderr
    assert "is a folder; expected a file" in done.stderr


def test_export_file_name_and_profile_must_agree(tmp_path):
    workbook = tmp_path / "marco.xlsx"
    done = run("export", "--out", str(workbook), "--profile", "excel-br")
    assert done.returncode == 1
    assert "excel-br profile writes CSV text" in done.stderr
    assert not workbook.exists()
    # Without --profile, an .xlsx name gets a workbook (a zip archive).
    done = run("export", "--out", str(workbook), "--end", "2018-12-31")
    assert done.returncode == 0, done.stderr
    assert "(xlsx, en)" in done.stdout
    assert workbook.read_bytes()[:2] == b"PK"
    done = run("export", "--out", str(tmp_path / "marco.csv"), "--profile", "xlsx")
    assert done.returncode == 1
    assert "name the file *.xlsx" in done.stderr


def test_export_into_a_missing_folder_is_named(tmp_path):
    out = tmp_path / "no-such-folder" / "x.csv"
    done = run("export", "--out", str(out), "--end", "2018-12-31")
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        == f"poli-analytics: error: {out}: does not exist (or its folder does not)"
    )
