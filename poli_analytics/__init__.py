"""poli-analytics: the Operator Performance and Sales Report for chat commerce.

Load a dataset in the data contract, scope it to a viewer, filter it and
compute per-operator metrics, from Python or from the ``poli-analytics``
command line.

>>> from poli_analytics import load_dataset, operator_report, Selection, Viewer
>>> data = load_dataset(sample_data_dir())
>>> report = operator_report(data, Selection(start="2025-03-01", end="2025-03-31"),
...                          viewer=Viewer.supervisor("Vendas"))
>>> sorted(report.totals.index)[:3]
['amount_sold_cents', 'average_ticket_cents', 'conversion']
"""

from __future__ import annotations

from pathlib import Path

from .dataset import DataQuality, Dataset
from .errors import (
    DanglingReferenceError,
    DataContractError,
    DuplicateKeyError,
    InvalidValueError,
    MissingColumnError,
    PoliAnalyticsError,
    ScopeError,
    SelectionError,
)
from .export import PROFILES, export_bytes, export_filename, export_frame, write_export
from .export_reader import read_export
from .filtering import FilteredView, Selection, filter_choices, filter_dataset
from .formatting import (
    format_brl,
    format_duration,
    report_to_csv,
    report_to_dict,
    report_to_json,
    report_to_table,
)
from .loading import dataset_from_frames, load_dataset
from .mapping import Constant, MappedTable, dataset_from_mapped, read_mapped
from .metrics import METRICS, OperatorReport, operator_report, prepare_reports
from .scoping import Viewer, scope_dataset


def sample_data_dir() -> Path:
    """The folder of the bundled sample dataset (``data/sample`` in the repository).

    Raises
    ------
    DataContractError
        When the package was installed without its repository checkout.
    """
    folder = Path(__file__).resolve().parent.parent / "data" / "sample"
    if not folder.is_dir():
        msg = (
            f"{folder}: the bundled sample is not here (install the project from "
            "its repository with `pip install -e .`, or pass a dataset folder)"
        )
        raise DataContractError(msg, source=str(folder))
    return folder


__all__ = [
    "Constant",
    "DanglingReferenceError",
    "DataContractError",
    "DataQuality",
    "Dataset",
    "DuplicateKeyError",
    "FilteredView",
    "InvalidValueError",
    "METRICS",
    "MappedTable",
    "MissingColumnError",
    "OperatorReport",
    "PROFILES",
    "PoliAnalyticsError",
    "ScopeError",
    "Selection",
    "SelectionError",
    "Viewer",
    "dataset_from_frames",
    "dataset_from_mapped",
    "export_bytes",
    "export_filename",
    "export_frame",
    "filter_choices",
    "filter_dataset",
    "format_brl",
    "format_duration",
    "load_dataset",
    "operator_report",
    "prepare_reports",
    "read_export",
    "read_mapped",
    "report_to_csv",
    "report_to_dict",
    "report_to_json",
    "report_to_table",
    "sample_data_dir",
    "scope_dataset",
    "write_export",
]
