"""The ``poli-analytics`` command line.

``poli-analytics report`` prints the Operator Performance and Sales Report
as a table, CSV or JSON; ``poli-analytics sample`` writes a generated
dataset. Refused input exits with status 1 and one line on stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._schema import DEFAULT_TZ
from .errors import PoliAnalyticsError
from .filtering import Selection
from .formatting import report_to_csv, report_to_json, report_to_table
from .loading import load_dataset
from .metrics import operator_report
from .scoping import ROLES, Viewer

__all__ = ["main"]

logger = logging.getLogger("poli_analytics")

RENDERERS = {"table": report_to_table, "csv": report_to_csv, "json": report_to_json}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="poli-analytics",
        description="Operator Performance and Sales Report for chat-commerce teams.",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log loading steps to stderr"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser(
        "report",
        help="print the per-operator report",
        description="Per-operator report over local calendar days, both inclusive.",
    )
    report.add_argument(
        "--data",
        type=Path,
        help="dataset folder (default: the bundled sample in data/sample)",
    )
    report.add_argument("--start", help="first local day, YYYY-MM-DD (default: all)")
    report.add_argument("--end", help="last local day, YYYY-MM-DD (default: all)")
    for flag, dest, what in (
        ("--department", "departments", "department"),
        ("--channel", "channels", "channel"),
        ("--operator", "operators", "operator ID (writer / creator)"),
        ("--campaign", "campaigns", "ad campaign"),
    ):
        report.add_argument(
            flag,
            dest=dest,
            action="append",
            default=[],
            metavar=flag[2:].upper(),
            help=f"keep only this {what}; repeat for several",
        )
    report.add_argument("--role", choices=ROLES, default="manager", help="viewer role")
    report.add_argument(
        "--scope-department",
        dest="scope_departments",
        action="append",
        default=[],
        metavar="D",
        help="a department the supervisor supervises; repeat for several",
    )
    report.add_argument(
        "--scope-operator", metavar="OPERATOR_ID", help="the operator viewer's own ID"
    )
    report.add_argument(
        "--tz", default=DEFAULT_TZ, help=f"account time zone (default {DEFAULT_TZ})"
    )
    report.add_argument(
        "--format", choices=list(RENDERERS), default="table", help="output format"
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
    return parser


def _run_report(args: argparse.Namespace) -> str:
    from . import sample_data_dir

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
    folder = args.data if args.data is not None else sample_data_dir()
    began = time.perf_counter()
    dataset = load_dataset(folder, tz=args.tz)
    loaded = time.perf_counter()
    report = operator_report(dataset, selection, viewer=viewer)
    logger.info(
        "loaded %s in %.2f s, report in %.2f s",
        folder,
        loaded - began,
        time.perf_counter() - loaded,
    )
    return RENDERERS[args.format](report)


def _run_sample(args: argparse.Namespace) -> str:
    from .sample import generate_sample

    if args.messages < 1:
        msg = f"--messages must be at least 1, not {args.messages}"
        raise PoliAnalyticsError(msg)
    counts = generate_sample(
        args.out_dir,
        messages=args.messages,
        seed=args.seed,
        file_format=args.file_format,
    )
    listed = ", ".join(f"{n} {name}" for name, n in counts.items())
    return f"wrote {args.out_dir}: {listed}\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        output = _run_report(args) if args.command == "report" else _run_sample(args)
    except PoliAnalyticsError as exc:
        print(f"poli-analytics: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"poli-analytics: error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
