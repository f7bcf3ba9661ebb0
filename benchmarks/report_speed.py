"""Time loading and the full report on a generated dataset.

Usage::

    python benchmarks/report_speed.py [--messages 1000000] [--repeat 3]

Generates the dataset with the project's own generator (CSV and Parquet) in a
temporary folder, then for each format loads it and computes the manager's
whole-range report and a one-month, one-department report, ``--repeat``
times, printing the median with min and max and the process's peak memory.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa

from poli_analytics import Selection, load_dataset, operator_report
from poli_analytics.sample import generate_sample


def timed(action):
    began = time.perf_counter()
    result = action()
    return result, time.perf_counter() - began


def summary(seconds: list[float]) -> str:
    return (
        f"median {statistics.median(seconds):6.2f} s "
        f"(min {min(seconds):.2f}, max {max(seconds):.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(
        f"python {platform.python_version()}, pandas {pd.__version__}, "
        f"pyarrow {pa.__version__}, {platform.machine()}"
    )
    month = Selection(start="2025-03-01", end="2025-03-31", departments=["Vendas"])
    with tempfile.TemporaryDirectory() as scratch:
        for file_format in ("parquet", "csv"):
            folder = Path(scratch) / file_format
            _, made = timed(
                lambda folder=folder, fmt=file_format: generate_sample(
                    folder, messages=args.messages, seed=1, file_format=fmt
                )
            )
            print(
                f"{file_format}: generated {args.messages:,} messages in {made:.1f} s"
            )
            loads, whole, monthly = [], [], []
            for _ in range(args.repeat):
                data, seconds = timed(lambda folder=folder: load_dataset(folder))
                loads.append(seconds)
                whole.append(timed(lambda data=data: operator_report(data))[1])
                monthly.append(timed(lambda data=data: operator_report(data, month))[1])
            print(f"  load                      {summary(loads)}")
            print(f"  report, whole range       {summary(whole)}")
            print(f"  report, month + Vendas    {summary(monthly)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
