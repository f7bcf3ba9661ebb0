"""The ``poli-analytics`` command line.

``report`` prints the Operator Performance and Sales Report as a table, CSV
or JSON, from a dataset folder or from an export file; ``export`` writes the
detailed export for a spreadsheet; ``sample`` writes a generated dataset.
Refused input exits with status 1 and one line on stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._export_columns import LANGS
from ._schema import DEFAULT_TZ, TABLES
from .dataset import Dataset
from .errors import PoliAnalyticsError
from .export import PROFILES, write_export
from .export_reader import read_export
from .filtering import Selection
from .formatting import report_to_csv, report_to_json, report_to_table
from .loading import load_dataset
from .metrics import operator_report
from .scoping import ROLES, Viewer

__all__ = ["main"]

logger = logging.getLogger("poli_analytics")

RENDERERS = {"table": report_to_table, "csv": report_to_csv, "json": report_to_json}


def _selection_flags() -> argparse.ArgumentParser:
    """The data source, period, filters and viewer, shared by report and export."""
    flags = argparse.ArgumentParser(add_help=False)
    source = flags.add_mutually_exclusive_group()
    source.add_argument(
        "--data", type=Path, help="dataset folder (default: the bundled sample)"
    )
    source.add_argument(
        "--export-file",
        type=Path,
        metavar="FILE",
        help="compute from a detailed export (.csv of any profile, or .xlsx)",
    )
    order = flags.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst",
        dest="dayfirst",
        action="store_const",
        const=True,
        help="with --export-file: read dates such as 03/04/2025 as 3 April",
    )
    order.add_argument(
        "--monthfirst",
        dest="dayfirst",
        action="store_const",
        const=False,
        help="with --export-file: read dates such as 03/04/2025 as 4 March",
    )
    flags.add_argument("--start", help="first local day, YYYY-MM-DD (default: all)")
    flags.add_argument("--end", help="last local day, YYYY-MM-DD (default: all)")
    for flag, dest, what in (
        ("--department", "departments", "department"),
        ("--channel", "channels", "channel"),
        ("--operator", "operators", "operator ID (writer / creator)"),
        ("--campaign", "campaigns", "ad campaign"),
    ):
        flags.add_argument(
            flag,
            dest=dest,
            action="append",
            default=[],
            metavar=flag[2:].upper(),
            help=f"keep only this {what}; repeat for several",
        )
    flags.add_argument("--role", choices=ROLES, default="manager", help="viewer role")
    flags.add_argument(
        "--scope-department",
        dest="scope_departments",
        action="append",
        default=[],
        metavar="D",
        help="a department the supervisor supervises; repeat for several",
    )
    flags.add_argument(
        "--scope-operator", metavar="OPERATOR_ID", help="the operator viewer's own ID"
    )
    flags.add_argument(
        "--tz",
        help=f"account time zone (default {DEFAULT_TZ}; an export file's own zone)",
    )
    return flags


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="poli-analytics",
        description="Operator Performance and Sales Report for chat-commerce teams.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log loading steps to stderr"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    shared = _selection_flags()

    report = commands.add_parser(
        "report",
        parents=[shared],
        help="print the per-operator report",
        description="Per-operator report over local calendar days, both inclusive.",
    )
    report.add_argument(
        "--format", choices=list(RENDERERS), default="table", help="output format"
    )

    export = commands.add_parser(
        "export",
        parents=[shared],
        help="write the detailed export for a spreadsheet",
        description="One row per interaction, plus opportunities, sales and refunds.",
    )
    export.add_argument("--out", type=Path, required=True, metavar="FILE")
    export.add_argument(
        "--profile",
        choices=PROFILES,
        help=(
            "sheets (Google Sheets), excel-br, excel-us, or xlsx "
            "(default xlsx for a FILE named *.xlsx, else sheets)"
        ),
    )
    export.add_argument(
        "--lang", choices=LANGS, default="en", help="header language (default en)"
    )

    sample = commands.add_parser(
        "sample",
        help="write a generated dataset",
        description="Write a deterministic, realistic dataset in the data contract.",
    )
    sample.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    sample.add_argument(
        "--messages", type=int, default=20_000, help="about how many messages"
    )
    sample.add_argument("--seed", type=int, default=0, help="random seed")
    sample.add_argument(
        "--format", dest="file_format", choices=["csv", "parquet"], default="csv"
    )
    sample.add_argument(
        "--force", action="store_true", help="replace a dataset already in OUT_DIR"
    )
    return parser


def _viewer_and_selection(args: argparse.Namespace) -> tuple[Viewer, Selection]:
    viewer = Viewer(
        role=args.role,
        departments=tuple(args.scope_departments),
        operator_id=args.scope_operator,
    )
    selection = Selection(
        start=args.start,
        end=args.end,
        departments=args.departments,
        channels=args.channels,
        operators=args.operators,
        campaigns=args.campaigns,
    )
    return viewer, selection


def _load(args: argparse.Namespace) -> Dataset:
    from . import sample_data_dir

    began = time.perf_counter()
    if args.export_file is not None:
        dataset = read_export(args.export_file, tz=args.tz, dayfirst=args.dayfirst)
        where = args.export_file
    else:
        where = args.data if args.data is not None else sample_data_dir()
        dataset = load_dataset(where, tz=DEFAULT_TZ if args.tz is None else args.tz)
    logger.info("loaded %s in %.2f s", where, time.perf_counter() - began)
    for table, count in dataset.quality.duplicate_rows_dropped.items():
        if count:
            logger.warning("%s: dropped %d exact duplicate row(s)", table, count)
    for note in dataset.quality.notes:
        logger.warning("%s", note)
    return dataset


def _run_report(args: argparse.Namespace) -> str:
    viewer, selection = _viewer_and_selection(args)
    dataset = _load(args)
    began = time.perf_counter()
    report = operator_report(dataset, selection, viewer=viewer)
    logger.info("report in %.2f s", time.perf_counter() - began)
    return RENDERERS[args.format](report)


def _run_export(args: argparse.Namespace) -> str:
    viewer, selection = _viewer_and_selection(args)
    dataset = _load(args)
    profile = args.profile or (
        "xlsx" if args.out.suffix.lower() == ".xlsx" else "sheets"
    )
    began = time.perf_counter()
    rows = write_export(
        dataset,
        args.out,
        selection,
        viewer=viewer,
        profile=profile,
        lang=args.lang,
    )
    logger.info("export in %.2f s", time.perf_counter() - began)
    return f"wrote {rows} rows to {args.out} ({profile}, {args.lang})\n"


def _run_sample(args: argparse.Namespace) -> str:
    from .sample import generate_sample

    if args.messages < 1:
        msg = f"--messages must be at least 1, not {args.messages}"
        raise PoliAnalyticsError(msg)
    if args.out_dir.exists() and not args.out_dir.is_dir():
        msg = f"{args.out_dir} exists and is not a folder"
        raise PoliAnalyticsError(msg)
    existing = [
        p.name
        for p in sorted(args.out_dir.glob("*.*"))
        if p.stem in TABLES and p.suffix in (".csv", ".parquet")
    ]
    if existing and not args.force:
        msg = (
            f"{args.out_dir} already holds a dataset ({', '.join(existing)}); "
            "pass --force to replace it"
        )
        raise PoliAnalyticsError(msg)
    counts = generate_sample(
        args.out_dir,
        messages=args.messages,
        seed=args.seed,
        file_format=args.file_format,
    )
    listed = ", ".join(f"{n} {name}" for name, n in counts.items())
    return f"wrote {args.out_dir}: {listed}\n"


COMMANDS = {"report": _run_report, "export": _run_export, "sample": _run_sample}


def _os_error_text(exc: OSError) -> str:
    """One line for a file the system would not open: which file, and why."""
    where = exc.filename if exc.filename is not None else "a file"
    if isinstance(exc, IsADirectoryError):
        why = "is a folder; expected a file"
    elif isinstance(exc, FileNotFoundError):
        why = "does not exist (or its folder does not)"
    elif isinstance(exc, PermissionError):
        why = "permission denied"
    else:
        why = (exc.strerror or str(exc)).lower()
    return f"{where}: {why}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        output = COMMANDS[args.command](args)
    except PoliAnalyticsError as exc:
        print(f"poli-analytics: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"poli-analytics: error: {_os_error_text(exc)}", file=sys.stderr)
        return 1
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
