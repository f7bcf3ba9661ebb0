"""The notebook front end: filter controls, report table, charts and export.

:class:`ReportApp` puts the Operator Performance and Sales Report in
JupyterLab or a Voila dashboard: date pickers and multi-selects for the
filters, a Filter button, the report table (R$ amounts in pt-BR, readable
durations, a totals row), three charts and an export that the browser
downloads. It is a thin layer over the library's public functions: the
viewer's scope is computed once, every filter choice comes from
:func:`~poli_analytics.filter_choices` on that scope, and every report and
export is computed by the library with the viewer passed along, so nothing
outside the scope is ever offered, shown or downloaded.

:func:`load_with_progress` loads a dataset in a notebook cell with a progress
bar, and turns a refused dataset into a message instead of a traceback.

The module imports without a running kernel: widgets built here work in
plain Python too (the tests drive them with ``button.click()``). Charts are
drawn on matplotlib :class:`~matplotlib.figure.Figure` objects with the Agg
canvas, never through ``pyplot``, so no global figure is left open.
"""

from __future__ import annotations

import base64
import html
import io
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import sample_data_dir
from ._schema import DEFAULT_TZ
from .dataset import Dataset
from .errors import PoliAnalyticsError, SelectionError
from .export import MEDIA_TYPES, PROFILES, export_bytes, export_filename
from .export_reader import read_export
from .filtering import Selection, filter_choices
from .formatting import format_brl, format_duration
from .loading import load_dataset
from .metrics import OperatorReport, operator_report, prepare_reports
from .scoping import Viewer, scope_dataset

__all__ = [
    "ReportApp",
    "applied_filters_html",
    "chart_pngs",
    "download_link_html",
    "load_with_progress",
    "read_dataset",
    "report_table_frame",
    "report_table_html",
]

#: ``on_step(what, done, total)``: called before each loading step and at the end.
LoadStep = Callable[[str, int, int], None]
#: ``export_bytes(dataset, selection, *, viewer, profile, lang) -> bytes``.
ExportBytes = Callable[..., bytes]
#: ``export_filename(selection, *, profile) -> str``.
ExportFilename = Callable[..., str]

PROFILE_LABELS = {
    "sheets": "CSV for Google Sheets",
    "excel-br": "CSV for Excel (pt-BR)",
    "excel-us": "CSV for Excel (en-US)",
    "xlsx": "Excel workbook (.xlsx)",
}
LANGUAGE_LABELS = {"en": "English headers", "pt-BR": "Cabeçalhos em português"}
FILTER_LABELS = {
    "departments": "Department",
    "channels": "Channel",
    "operators": "Operator",
    "campaigns": "Ad Campaign",
}


# -- Loading -------------------------------------------------------------------


def read_dataset(
    source: str | Path, *, tz: str | None = None, on_step: LoadStep | None = None
) -> Dataset:
    """Load a dataset folder or an export file, reporting each step.

    Parameters
    ----------
    source : str or Path
        A dataset folder (one ``NAME.csv`` or ``NAME.parquet`` per table), or
        a detailed export (``.csv`` or ``.xlsx``, any profile, possibly
        re-saved by a spreadsheet), read back with
        :func:`~poli_analytics.export_reader.read_export`.
    tz : str, optional
        Account time zone (IANA name). Default ``"America/Sao_Paulo"`` for a
        folder, and the file's own ``Time Zone`` column for an export.
    on_step : callable, optional
        ``on_step(what, done, total)`` is called before each step: reading
        and checking each of the six tables (messages is the longest step on
        a large dataset), then linking the tables, and once more with
        ``done == total`` at the end. An export file is one step.

    Returns
    -------
    Dataset
        The same dataset :func:`~poli_analytics.load_dataset` (or
        ``read_export``) returns.

    Raises
    ------
    DataContractError
        The folder or file is missing, or a table breaks the contract.
    SelectionError
        ``tz`` is not a known time zone.
    """
    step = on_step or (lambda what, done, total: None)
    path = Path(source)
    if path.is_file():
        step(f"reading the export {path.name}", 0, 1)
        dataset = read_export(path, tz=tz)
        step("loaded", 1, 1)
        return dataset
    return load_dataset(path, tz=DEFAULT_TZ if tz is None else tz, progress=on_step)


def _describe_dataset(dataset: Dataset) -> str:
    counts = {
        "chats": len(dataset.chats),
        "messages": len(dataset.messages),
        "operators": len(dataset.operators),
    }
    text = ", ".join(f"{n:,} {name}" for name, n in counts.items())
    dropped = sum(dataset.quality.duplicate_rows_dropped.values())
    if dropped:
        text += f"; {dropped:,} exact duplicate rows dropped"
    return f"{text}; time zone {dataset.tz}"


def load_with_progress(
    source: str | Path | None = None, *, tz: str | None = None
) -> Dataset | None:
    """Load a dataset in a notebook cell, with a progress bar under the cell.

    Parameters
    ----------
    source : str or Path, optional
        A dataset folder or an export file (see :func:`read_dataset`);
        default the bundled sample (:func:`~poli_analytics.sample_data_dir`).
    tz : str, optional
        Account time zone (IANA name); see :func:`read_dataset`.

    Returns
    -------
    Dataset or None
        The dataset; None when it was refused, after the progress bar has
        turned red with the reason (the file, column and rows at fault), so
        the notebook shows a message rather than a traceback.
    """
    bar = widgets.IntProgress(value=0, min=0, max=1, description="Loading")
    label = widgets.HTML()
    display(widgets.HBox([bar, label], _dom_classes=["poli-loading"]))

    def step(what: str, done: int, total: int) -> None:
        bar.max, bar.value = total, done
        label.value = html.escape(f"{what} ({done}/{total})")

    began = time.perf_counter()
    try:
        path = sample_data_dir() if source is None else Path(source)
        dataset = read_dataset(path, tz=tz, on_step=step)
    except PoliAnalyticsError as error:
        bar.bar_style = "danger"
        label.value = _message_html(f"The data was refused: {error}", kind="error")
        return None
    bar.bar_style = "success"
    seconds = time.perf_counter() - began
    label.value = html.escape(
        f"Loaded {path.name} in {seconds:.1f} s: {_describe_dataset(dataset)}"
    )
    return dataset


# -- Rendering (pure functions of a report) ------------------------------------


def _or_blank(formatter: Callable[[object], str]) -> Callable[[object], str]:
    return lambda value: "" if pd.isna(value) else formatter(value)


_count = _or_blank(lambda value: str(int(value)))


TABLE_COLUMNS: dict[str, tuple[str, Callable[[object], str]]] = {
    "Operator": ("operator_name", str),
    "Interactions": ("interactions", _count),
    "Customers": ("customers", _count),
    "New customers": ("new_customers", _count),
    "Opportunities": ("opportunities", _count),
    "Sales": ("sales", _count),
    "Amount sold": ("amount_sold_cents", format_brl),
    "Refunded": ("refunded_amount_cents", format_brl),
    "Conversion": ("conversion", _or_blank(lambda v: f"{float(v):.0%}")),
    "Average ticket": ("average_ticket_cents", format_brl),
    "Median response": ("median_response_time_s", _or_blank(format_duration)),
    "Mean service": ("mean_service_time_s", _or_blank(format_duration)),
    "Rating": (
        "mean_rating",
        _or_blank(lambda v: f"{float(v):.1f}".replace(".", ",")),
    ),
}
"""Table heading → (report column, cell formatter)."""

_TABLE_STYLE = """<style>
.poli-report-table {border-collapse: collapse; font-size: 12px;}
.poli-report-table th, .poli-report-table td {padding: 2px 6px;
  border-bottom: 1px solid #ddd;}
.poli-report-table th {text-align: right; vertical-align: bottom;}
.poli-report-table td {text-align: right; white-space: nowrap;}
.poli-report-table td:first-child, .poli-report-table th:first-child
  {text-align: left;}
.poli-report-table tbody tr:last-child {font-weight: bold;
  border-top: 2px solid #444;}
</style>"""


def report_table_frame(report: OperatorReport) -> pd.DataFrame:
    """The report as display text: one row per operator, then a TOTAL row.

    Money is ``R$ 1.234,56``, conversion a percentage, durations ``2m05s`` or
    ``1h02m``, ratings ``4,3``; a metric with nothing to average is blank.

    Examples
    --------
    >>> from poli_analytics import Selection, load_dataset, sample_data_dir
    >>> data = load_dataset(sample_data_dir())
    >>> report = operator_report(data, Selection(start="2025-03-01", end="2025-03-31"))
    >>> report_table_frame(report).iloc[-1][["Operator", "Customers", "Amount sold"]]
    Operator              TOTAL
    Customers                77
    Amount sold     R$ 1.540,20
    Name: 33, dtype: str
    """
    totals = report.totals.to_frame().T.assign(operator_name="TOTAL")
    frame = pd.concat([report.operators, totals], ignore_index=True)
    return pd.DataFrame(
        {
            heading: frame[column].map(formatter)
            for heading, (column, formatter) in TABLE_COLUMNS.items()
        }
    )


def report_table_html(report: OperatorReport) -> str:
    """The report as an HTML table (operator names escaped), totals row last."""
    return _table_html(report_table_frame(report))


def _table_html(frame: pd.DataFrame) -> str:
    table = frame.to_html(index=False, border=0, classes="poli-report-table")
    return f'{_TABLE_STYLE}<div style="overflow-x: auto">{table}</div>'


def applied_filters_html(
    report: OperatorReport, *, operator_names: dict[str, str] | None = None
) -> str:
    """One line saying which period, filters, time zone and viewer a report covers.

    Parameters
    ----------
    report : OperatorReport
        The report shown.
    operator_names : dict of str to str, optional
        Operator ID → name, to show names rather than IDs.
    """
    selection = report.selection
    names = operator_names or {}
    period = f"{selection.start or 'first day'} to {selection.end or 'last day'}"
    parts = [f"<b>{html.escape(period)}</b> (local days in {html.escape(report.tz)})"]
    for field, label in FILTER_LABELS.items():
        values = [names.get(v, v) for v in getattr(selection, field)]
        shown = ", ".join(values) if values else "all"
        parts.append(f"{label}: {html.escape(shown)}")
    parts.append(f"viewer: {html.escape(report.viewer.describe())}")
    return '<div class="poli-applied-text">Applied: ' + " · ".join(parts) + "</div>"


def _message_html(text: str, *, kind: str) -> str:
    colour = {"error": "#b00020", "info": "#1f5f8b"}[kind]
    return (
        f'<div class="poli-message poli-{kind}" style="color: {colour}; '
        f'white-space: normal;">{html.escape(text)}</div>'
    )


def _set_output(output: widgets.Output, *, plain: str, rich: str) -> None:
    """Replace what ``output`` shows (works with and without a kernel)."""
    output.outputs = (
        {
            "output_type": "display_data",
            "data": {"text/plain": plain, "text/html": rich},
            "metadata": {},
        },
    )


def _grouped_bars(axes, frame: pd.DataFrame, columns: dict[str, str]) -> list:
    """Horizontal bars of ``columns`` (column → legend label), one group per row.

    The first row is drawn at the top. Returns the bar containers, in order.
    """
    height = 0.8 / len(columns)
    rows = np.arange(len(frame))
    bars = [
        axes.barh(
            rows - 0.4 + height * (position + 0.5),
            frame[column].to_numpy(dtype="float64"),
            height,
            label=label,
        )
        for position, (column, label) in enumerate(columns.items())
    ]
    # "\$" is a literal dollar to matplotlib: a name holding two "$" is
    # drawn as written, never parsed as mathematics.
    names = frame["operator_name"].str.replace("$", r"\$", regex=False)
    axes.set_yticks(rows, names.tolist())
    axes.invert_yaxis()
    axes.grid(axis="x", alpha=0.3)
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    if len(columns) > 1:
        axes.figure.legend(loc="outside lower center", ncols=len(columns))
    return bars


def _figure(operators: int) -> tuple[Figure, object]:
    """A figure tall enough for one bar group per operator, and its axes."""
    figure = Figure(figsize=(6, 1.4 + 0.28 * operators), dpi=100, layout="constrained")
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def _sales_chart(operators: pd.DataFrame) -> Figure:
    frame = operators.sort_values("amount_sold_cents", ascending=False)
    figure, axes = _figure(len(frame))
    reais = frame.assign(amount_sold=frame["amount_sold_cents"] / 100)
    (bars,) = _grouped_bars(axes, reais, {"amount_sold": "Amount sold"})
    sales = frame["sales"].map(lambda n: f"{n} sale" if n == 1 else f"{n} sales")
    axes.bar_label(bars, labels=sales.tolist(), padding=2, fontsize=8)
    axes.margins(x=0.15)  # room for the labels
    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda value, _: format_brl(round(value * 100))[:-3])
    )
    axes.set_title("Amount sold (R$) and sales per operator")
    return figure


def _interactions_chart(operators: pd.DataFrame) -> Figure:
    frame = operators.sort_values("interactions", ascending=False)
    figure, axes = _figure(len(frame))
    _grouped_bars(
        axes, frame, {"interactions": "Interactions", "customers": "Customers"}
    )
    axes.set_title("Interactions and customers per operator")
    return figure


def _conversion_chart(operators: pd.DataFrame) -> Figure:
    frame = operators.sort_values("opportunities", ascending=False)
    figure, axes = _figure(len(frame))
    opportunities, _ = _grouped_bars(
        axes, frame, {"opportunities": "Opportunities", "sales": "Sales"}
    )
    labels = frame["conversion"].map(_or_blank(lambda v: f"{float(v):.0%}"))
    axes.bar_label(opportunities, labels=labels.tolist(), padding=2, fontsize=8)
    axes.margins(x=0.12)  # room for the percentages
    axes.set_title("Opportunities to sales (conversion)")
    return figure


CHARTS: dict[str, Callable[[pd.DataFrame], Figure]] = {
    "sales": _sales_chart,
    "interactions": _interactions_chart,
    "conversion": _conversion_chart,
}
"""Chart key → function drawing it from ``report.operators``."""


def chart_pngs(report: OperatorReport) -> dict[str, bytes]:
    """The three charts of a report as PNG images.

    Returns
    -------
    dict of str to bytes
        ``"sales"`` (amount sold and sales per operator), ``"interactions"``
        (interactions and customers per operator) and ``"conversion"``
        (opportunities to sales); empty when the report has no operator.
    """
    if report.operators.empty:
        return {}
    return {key: _png(draw(report.operators)) for key, draw in CHARTS.items()}


def download_link_html(data: bytes, filename: str, *, media_type: str) -> str:
    """An ``<a download>`` link carrying ``data`` in a ``data:`` URI, and its size.

    The browser saves it under ``filename``, in JupyterLab and in Voila alike
    (``IPython.display.FileLink`` would open a tab instead). The whole file
    travels inside the page, a third larger once base64-encoded.

    Examples
    --------
    >>> download_link_html(b"a,b", "report.csv", media_type="text/csv")[-65:]
    'href="data:text/csv;base64,YSxi">Download report.csv</a> (0.0 kB)'
    """
    encoded = base64.b64encode(data).decode("ascii")
    name = html.escape(filename)
    return (
        f'<a class="poli-download-link" download="{name}" '
        'style="color: #1565c0; text-decoration: underline" '
        f'href="data:{html.escape(media_type)};base64,{encoded}">Download {name}</a>'
        f" ({len(data) / 1000:,.1f} kB)"
    )


# -- The app -------------------------------------------------------------------


def _select(field: str) -> widgets.SelectMultiple:
    return widgets.SelectMultiple(
        options=[],
        rows=6,
        layout=widgets.Layout(width="230px"),
        _dom_classes=[f"poli-{field}"],
    )


class ReportApp:
    """The report screen as widgets, scoped to one viewer.

    Parameters
    ----------
    dataset : Dataset or None
        From :func:`load_with_progress` or :func:`~poli_analytics.load_dataset`;
        reused, never copied. None (a refused dataset) gives an app that says
        so with its controls disabled.
    viewer : Viewer, optional
        Whose report it is; default a manager. It is scoped once, here: the
        filter choices, the table, the charts and the export only ever hold
        what this viewer may see. A viewer the data does not know (a
        supervisor's department without chats) gives a message, not an error.
    export_bytes, export_filename : callable, optional
        The export functions (``poli_analytics.export``), injectable for tests.
    profiles : sequence of str, optional
        The export profiles offered, first one selected.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The whole screen; displaying the app displays it.
    start, end : ipywidgets.DatePicker
        The period, local calendar days, both inclusive; initially the
        first and last day with data in the viewer's scope.
    departments, channels, operators, campaigns : ipywidgets.SelectMultiple
        The filters (operators by name, valued by ID); none selected means all.
    filter_button : ipywidgets.Button
        Computes the report for the controls' values (:meth:`apply`).
    applied : ipywidgets.HTML
        The period, filters, time zone and viewer of the table shown.
    table : ipywidgets.Output
        The report table, or a message (refused filter, nothing matches).
    charts : dict of str to ipywidgets.Image
        PNG charts keyed as in :func:`chart_pngs`; hidden when empty.
    profile, language, export_button, download : Dropdown, Dropdown, Button, HTML
        The export of the applied filters (:meth:`export`): its profile, its
        header language, the button that makes it, and the download link.
    report : OperatorReport or None
        The report shown, None before Filter or after a refusal.
    seconds_to_table : float or None
        Time from the Filter click to the table being set, in seconds.

    Examples
    --------
    >>> import datetime as dt
    >>> from poli_analytics import Viewer, load_dataset, sample_data_dir
    >>> data = load_dataset(sample_data_dir())
    >>> app = ReportApp(data, viewer=Viewer.supervisor("Vendas"))
    >>> app.departments.options
    ('Vendas',)
    >>> app.start.value, app.end.value = dt.date(2025, 3, 1), dt.date(2025, 3, 31)
    >>> app.filter_button.click()
    >>> app.table.outputs[0]["data"]["text/plain"].splitlines()[-1].split()[:3]
    ['TOTAL', '32', '30']
    >>> app.export()[:26]
    b'Record Type,Interaction Da'
    """

    def __init__(
        self,
        dataset: Dataset | None,
        *,
        viewer: Viewer | None = None,
        export_bytes: ExportBytes = export_bytes,
        export_filename: ExportFilename = export_filename,
        profiles: Sequence[str] = PROFILES,
    ) -> None:
        self.viewer = viewer or Viewer.manager()
        self._export_bytes = export_bytes
        self._export_filename = export_filename
        self.report: OperatorReport | None = None
        self.seconds_to_table: float | None = None
        self.scoped: Dataset | None = None
        self._operator_names: dict[str, str] = {}
        self._build_controls(profiles)
        self._build_results()
        self.widget = self._layout()
        self._scope(dataset)

    # -- construction

    def _build_controls(self, profiles: Sequence[str]) -> None:
        self.start = widgets.DatePicker(
            description="Start", _dom_classes=["poli-start"]
        )
        self.end = widgets.DatePicker(description="End", _dom_classes=["poli-end"])
        self.departments = _select("departments")
        self.channels = _select("channels")
        self.operators = _select("operators")
        self.campaigns = _select("campaigns")
        self.filter_button = widgets.Button(
            description="Filter",
            button_style="primary",
            icon="filter",
            _dom_classes=["poli-filter"],
        )
        self.filter_button.on_click(lambda _: self.apply())
        self.status = widgets.HTML(_dom_classes=["poli-status"])
        self.profile = widgets.Dropdown(
            options=[(PROFILE_LABELS.get(p, p), p) for p in profiles],
            description="Export as",
            style={"description_width": "initial"},
            _dom_classes=["poli-profile"],
        )
        self.language = widgets.Dropdown(
            options=[(label, lang) for lang, label in LANGUAGE_LABELS.items()],
            layout=widgets.Layout(width="auto"),
            _dom_classes=["poli-language"],
        )
        self.export_button = widgets.Button(
            description="Export", icon="download", _dom_classes=["poli-export"]
        )
        self.export_button.on_click(lambda _: self.export())
        for control in (self.start, self.end, *self._selects().values()):
            control.observe(self._on_change, names="value")

    def _build_results(self) -> None:
        self.applied = widgets.HTML(_dom_classes=["poli-applied"])
        self.table = widgets.Output(_dom_classes=["poli-table"])
        self.charts = {
            key: widgets.Image(
                format="png",
                layout=widgets.Layout(display="none"),
                _dom_classes=["poli-chart", f"poli-chart-{key}"],
            )
            for key in CHARTS
        }
        self.download = widgets.HTML(_dom_classes=["poli-download"])

    def _selects(self) -> dict[str, widgets.SelectMultiple]:
        return {
            "departments": self.departments,
            "channels": self.channels,
            "operators": self.operators,
            "campaigns": self.campaigns,
        }

    def _layout(self) -> widgets.VBox:
        title = widgets.HTML(
            "<h3 style='margin: 0'>Operator Performance and Sales Report</h3>"
            f"<div>Viewer: {html.escape(self.viewer.describe())}. "
            "Select nothing in a list to keep all its values.</div>"
        )
        filters = widgets.HBox(
            [
                widgets.VBox([widgets.Label(FILTER_LABELS[field]), select])
                for field, select in self._selects().items()
            ],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        return widgets.VBox(
            [
                title,
                widgets.HBox([self.start, self.end]),
                filters,
                widgets.HBox([self.filter_button, self.status]),
                self.applied,
                self.table,
                widgets.HBox(
                    list(self.charts.values()),
                    layout=widgets.Layout(
                        flex_flow="row wrap", align_items="flex-start"
                    ),
                ),
                widgets.HBox(
                    [self.profile, self.language, self.export_button, self.download]
                ),
            ],
            _dom_classes=["poli-app"],
        )

    def _scope(self, dataset: Dataset | None) -> None:
        """Scope the dataset once and fill the controls from that scope."""
        if dataset is None:
            self._disable("No dataset is loaded: see the message of the loading cell.")
            return
        try:
            # Derived up front, so the first click on Filter is as quick as
            # the next ones.
            self.scoped = prepare_reports(scope_dataset(dataset, self.viewer))
        except PoliAnalyticsError as error:
            self._disable(f"This viewer cannot be shown: {error}")
            return
        names = self.scoped.operators.set_index("operator_id")["name"]
        self._operator_names = names.to_dict()
        for field, values in filter_choices(self.scoped).items():
            self._selects()[field].options = self._labelled(field, values)
        first_and_last = self.scoped.date_range()
        if first_and_last is not None:
            first, last = (day.date() for day in first_and_last)
            self.start.value, self.end.value = first, last
        self._message("Choose the period and filters, then click Filter.")
        self.status.value = ""

    def _labelled(self, field: str, values: list[str]) -> list:
        """Operators as ``("Name (ID)", ID)`` by name; other values as they are."""
        if field != "operators":
            return values
        labels = [f"{self._operator_names.get(v, v)} ({v})" for v in values]
        return sorted(
            zip(labels, values, strict=True), key=lambda pair: pair[0].casefold()
        )

    def _disable(self, text: str) -> None:
        for control in (
            self.start,
            self.end,
            *self._selects().values(),
            self.filter_button,
            self.export_button,
        ):
            control.disabled = True
        self._message(text, kind="error")

    # -- behaviour

    def selection(self) -> Selection:
        """The selection the controls describe now (not yet applied).

        Raises
        ------
        SelectionError
            The start date is after the end date.
        """
        return Selection(
            start=self.start.value,
            end=self.end.value,
            **{field: select.value for field, select in self._selects().items()},
        )

    def apply(self) -> OperatorReport | None:
        """Compute and show the report for the controls' values (the Filter button).

        Returns
        -------
        OperatorReport or None
            The report shown; None when the selection was refused (its
            message is shown in :attr:`table`, and no data is).
        """
        began = time.perf_counter()
        self._clear_results()
        self.filter_button.disabled = True
        self.status.value = "Computing the report…"
        self._message("Computing the report…")
        try:
            self.report = self._compute()
        except PoliAnalyticsError as error:
            self._message(f"Not shown: {error}", kind="error")
            self.status.value = ""
            return None
        finally:
            self.filter_button.disabled = self.scoped is None
        self._show_report(self.report)
        self.seconds_to_table = time.perf_counter() - began
        table = f"Table in {self.seconds_to_table:.2f} s"
        self.status.value = f"{table}; drawing the charts…"
        self._show_charts(self.report)
        charts = time.perf_counter() - began
        self.status.value = f"{table}, charts in {charts:.2f} s"
        return self.report

    def _compute(self) -> OperatorReport:
        if self.scoped is None:
            raise SelectionError("no dataset is loaded")
        # The library scopes again (a no-op on a scoped dataset) and refuses a
        # filter value outside the scope, whatever the widgets were set to.
        return operator_report(self.scoped, self.selection(), viewer=self.viewer)

    def _show_report(self, report: OperatorReport) -> None:
        self.applied.value = applied_filters_html(
            report, operator_names=self._operator_names
        )
        if report.operators.empty:
            self._message("No operator activity matches these filters in this period.")
            return
        frame = report_table_frame(report)
        _set_output(
            self.table, plain=frame.to_string(index=False), rich=_table_html(frame)
        )

    def _show_charts(self, report: OperatorReport) -> None:
        for key, png in chart_pngs(report).items():
            self.charts[key].value = png
            self.charts[key].layout.display = None

    def _clear_results(self) -> None:
        self.report = None
        self.seconds_to_table = None
        self.applied.value = ""
        self.download.value = ""
        for image in self.charts.values():
            image.layout.display = "none"
            image.value = b""

    def _on_change(self, _change: dict) -> None:
        if self.report is not None:
            self.status.value = "Filters changed: click Filter to update the table."

    def export(self) -> bytes | None:
        """Make the export of the applied report and offer it as a download link.

        Returns
        -------
        bytes or None
            The file's content, also in :attr:`download` as a ``data:`` link;
            None before a report is shown or when the export is refused.
        """
        if self.report is None:
            self.download.value = _message_html(
                "Click Filter first: the export follows the table shown.", kind="info"
            )
            return None
        selection, profile = self.report.selection, self.profile.value
        try:
            data = self._export_bytes(
                self.scoped,
                selection,
                viewer=self.viewer,
                profile=profile,
                lang=self.language.value,
            )
        except PoliAnalyticsError as error:
            self.download.value = _message_html(f"Not exported: {error}", kind="error")
            return None
        self.download.value = download_link_html(
            data,
            self._export_filename(selection, profile=profile),
            media_type=MEDIA_TYPES[profile],
        )
        return data

    def _message(self, text: str, *, kind: str = "info") -> None:
        _set_output(self.table, plain=text, rich=_message_html(text, kind=kind))

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        return self.widget._repr_mimebundle_(**kwargs)
