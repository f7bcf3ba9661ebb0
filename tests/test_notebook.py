"""The notebook app, driven headlessly: set widget values, click, read the results.

Also runs ``notebooks/operator_performance.ipynb`` top to bottom with nbclient.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from traitlets import TraitError

from conftest import make_dataset
from poli_analytics import (
    Selection,
    Viewer,
    filter_choices,
    format_brl,
    load_dataset,
    operator_report,
    sample_data_dir,
)
from poli_analytics import notebook as nb
from poli_analytics.export import export_bytes, write_export
from poli_analytics.notebook import ReportApp, read_dataset, report_table_frame

NOTEBOOK = (
    Path(__file__).resolve().parent.parent / "notebooks/operator_performance.ipynb"
)
MARCH = {"start": dt.date(2025, 3, 1), "end": dt.date(2025, 3, 31)}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def sample():
    """The bundled sample, loaded once for the module (the app never changes it)."""
    return load_dataset(sample_data_dir())


def click_filter(app: ReportApp, **values: object) -> None:
    """Set controls by attribute name (``start=``, ``departments=`` ...) and click."""
    for name, value in values.items():
        getattr(app, name).value = value
    app.filter_button.click()


def shown_text(app: ReportApp) -> str:
    """The plain text of what the table area shows (table or message)."""
    (output,) = app.table.outputs
    return output["data"]["text/plain"]


def download(app: ReportApp) -> tuple[str, str, bytes]:
    """File name, media type and decoded bytes of the app's download link."""
    name = re.search(r'download="([^"]+)"', app.download.value)
    link = re.search(r'href="data:([^;"]+);base64,([^"]+)"', app.download.value)
    assert name and link, app.download.value
    return name[1], link[1], base64.b64decode(link[2])


def read_csv_export(data: bytes, *, sep: str = ",") -> pd.DataFrame:
    """An export CSV as text cells, ``="007"`` wrappers removed."""
    frame = pd.read_csv(
        io.BytesIO(data),
        sep=sep,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    return frame.replace(r'^="(.*)"$', r"\1", regex=True)


# -- Controls and the report --------------------------------------------------


def test_controls_offer_the_choices_of_the_data(sample):
    app = ReportApp(sample)
    choices = filter_choices(sample)

    assert list(app.departments.options) == choices["departments"]
    assert list(app.channels.options) == choices["channels"]
    assert list(app.campaigns.options) == choices["campaigns"]
    labels, values = zip(*app.operators.options, strict=True)
    assert sorted(values) == choices["operators"]
    assert list(labels) == sorted(labels, key=str.casefold)
    assert app.operators.options[0] == ("Adriana Sá (op-030)", "op-030")
    assert (app.start.value, app.end.value) == (
        dt.date(2017, 5, 15),
        dt.date(2026, 1, 28),
    )
    assert "click Filter" in shown_text(app)


def test_filter_click_shows_the_report_of_the_controls(sample):
    app = ReportApp(sample)

    click_filter(app, **MARCH, departments=("Vendas",), channels=("whatsapp",))

    expected = operator_report(
        sample,
        Selection(**MARCH, departments=["Vendas"], channels=["whatsapp"]),
        viewer=Viewer.manager(),
    )
    pd.testing.assert_frame_equal(app.report.operators, expected.operators)
    pd.testing.assert_series_equal(app.report.totals, expected.totals)
    text = shown_text(app)
    assert text.splitlines()[0].split()[:3] == ["Operator", "Interactions", "Customers"]
    assert text.splitlines()[-1].split()[0] == "TOTAL"
    assert format_brl(expected.totals["amount_sold_cents"]) in text.splitlines()[-1]
    assert expected.operators["operator_name"].iloc[0] in text
    assert "<table" in app.table.outputs[0]["data"]["text/html"]
    assert app.applied.value.count("2025-03-01 to 2025-03-31") == 1
    for part in ("America/Sao_Paulo", "Department: Vendas", "Channel: whatsapp"):
        assert part in app.applied.value
    assert "Operator: all" in app.applied.value
    assert "viewer: manager" in app.applied.value
    for image in app.charts.values():
        assert bytes(image.value).startswith(b"\x89PNG\r\n\x1a\n")
        assert image.layout.display is None
    assert 0 < app.seconds_to_table < 5
    assert app.status.value.startswith("Table in ")


def test_table_formats_money_durations_and_totals(small):
    """Hand-computed from the ``small_tables`` story in conftest.py."""
    report = operator_report(small)

    expected = pd.DataFrame(
        {
            "Operator": ["Name op-ana", "Name op-bruno", "TOTAL"],
            "Interactions": ["1", "2", "2"],
            "Customers": ["1", "2", "2"],
            "New customers": ["1", "1", "2"],
            "Opportunities": ["1", "1", "2"],
            "Sales": ["1", "1", "2"],
            "Amount sold": ["R$ 100,00", "R$ 50,00", "R$ 150,00"],
            "Refunded": ["R$ 0,00", "R$ 10,00", "R$ 10,00"],
            "Conversion": ["100%", "100%", "100%"],
            "Average ticket": ["R$ 100,00", "R$ 50,00", "R$ 75,00"],
            "Median response": ["4m00s", "7m00s", "7m00s"],
            "Mean service": ["2h00m", "2h00m", "2h00m"],
            "Rating": ["4,0", "3,0", "3,0"],
        }
    )
    # The frame holds Python str objects; the literal's dtype is pandas' "str".
    pd.testing.assert_frame_equal(
        report_table_frame(report), expected, check_dtype=False
    )


def test_a_metric_without_data_is_blank_not_zero(small):
    report = operator_report(small, Selection(start="2025-03-20", end="2025-03-20"))

    frame = report_table_frame(report)

    assert frame["Operator"].tolist() == ["Name op-bruno", "TOTAL"]
    assert frame["Refunded"].tolist() == ["R$ 10,00", "R$ 10,00"]
    for column in ("Conversion", "Average ticket", "Median response", "Rating"):
        assert frame[column].tolist() == ["", ""]


def test_names_are_escaped_in_the_table_and_the_applied_line():
    data = make_dataset(
        operators=[{"operator_id": "op-x", "name": "<script>alert(1)</script>"}],
        chats=[{"ticket_id": "k-1", "contact_id": "c-1", "department": "<b>D</b>",
                "channel": "webchat", "opened_at": "2025-03-01T12:00:00Z"}],
        messages=[{"message_id": "m-1", "ticket_id": "k-1", "sender": "operator",
                   "operator_id": "op-x", "sent_at": "2025-03-01T12:00:00Z"}],
    )  # fmt: skip
    app = ReportApp(data)

    click_filter(app, departments=("<b>D</b>",), operators=("op-x",))

    rich = app.table.outputs[0]["data"]["text/html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rich
    assert "<script>" not in rich
    assert "Department: &lt;b&gt;D&lt;/b&gt;" in app.applied.value
    assert "Operator: &lt;script&gt;" in app.applied.value


def test_nothing_matching_says_so(sample):
    app = ReportApp(sample)

    click_filter(app, start=dt.date(2030, 1, 1), end=dt.date(2030, 1, 31))

    assert shown_text(app) == (
        "No operator activity matches these filters in this period."
    )
    assert app.report.operators.empty
    assert "2030-01-01 to 2030-01-31" in app.applied.value
    assert all(image.layout.display == "none" for image in app.charts.values())


def test_start_after_end_is_a_message_not_a_traceback(sample):
    app = ReportApp(sample)

    click_filter(app, start=dt.date(2025, 3, 31), end=dt.date(2025, 3, 1))

    assert shown_text(app) == (
        "Not shown: start date 2025-03-31 is after end date 2025-03-01"
    )
    assert app.report is None
    assert not app.filter_button.disabled


def test_changing_a_control_after_filter_asks_to_filter_again(sample):
    app = ReportApp(sample)
    click_filter(app, **MARCH)

    app.channels.value = ("instagram",)

    assert app.status.value == "Filters changed: click Filter to update the table."
    assert app.report.selection.channels == ()


def test_the_app_displays_as_its_widget(sample):
    bundle = ReportApp(sample)._repr_mimebundle_()

    assert "application/vnd.jupyter.widget-view+json" in bundle


# -- Scope, as someone trying to see more ---------------------------------------


def test_supervisor_is_offered_only_their_scope(small):
    app = ReportApp(small, viewer=Viewer.supervisor("Suporte"))

    assert app.departments.options == ("Suporte",)
    assert app.channels.options == ("instagram",)
    assert app.campaigns.options == ()
    assert app.operators.options == (("Name op-bruno (op-bruno)", "op-bruno"),)


def test_out_of_scope_value_cannot_be_set_on_a_widget(small):
    app = ReportApp(small, viewer=Viewer.supervisor("Suporte"))

    with pytest.raises(TraitError, match="Invalid selection: value not found"):
        app.departments.value = ("Vendas",)


@pytest.mark.parametrize(
    ("field", "value", "refusal"),
    [
        ("departments", "Vendas", "department 'Vendas' is outside the scope"),
        ("operators", "op-ana", "operator 'op-ana' is outside the scope"),
        ("campaigns", "verão", "campaign 'verão' is outside the scope"),
    ],
)
def test_out_of_scope_value_forced_into_a_widget_shows_no_data(
    small, field, value, refusal
):
    app = ReportApp(small, viewer=Viewer.supervisor("Suporte"))
    click_filter(app)
    select = getattr(app, field)
    extra = (value, value) if field == "operators" else value
    select.options = [*select.options, extra]  # a tampered widget

    click_filter(app, **{field: (value,)})

    assert shown_text(app) == f"Not shown: {refusal} of supervisor of Suporte"
    assert app.report is None
    assert app.applied.value == ""
    assert all(bytes(image.value) == b"" for image in app.charts.values())
    assert app.export() is None
    assert "Click Filter first" in app.download.value


def test_operator_sees_and_downloads_only_themself(sample):
    app = ReportApp(sample, viewer=Viewer.operator("op-007"))
    assert app.operators.options == (("Pedro Lima (op-007)", "op-007"),)

    click_filter(app, **MARCH)
    app.export()

    assert app.report.operators["operator_id"].tolist() == ["op-007"]
    assert "viewer: operator op-007" in app.applied.value
    _, _, data = download(app)
    rows = read_csv_export(data)
    assert len(rows) > 0
    assert set(rows["Operator ID"]) == {"op-007"}


def test_supervisor_table_charts_and_download_hold_only_their_department(sample):
    app = ReportApp(sample, viewer=Viewer.supervisor("Vendas"))
    assert app.departments.options == ("Vendas",)

    click_filter(app, **MARCH)
    app.export()

    expected = operator_report(
        sample, Selection(**MARCH, departments=["Vendas"]), viewer=Viewer.manager()
    )
    pd.testing.assert_series_equal(app.report.totals, expected.totals)
    _, _, data = download(app)
    assert data == export_bytes(sample, Selection(**MARCH, departments=["Vendas"]))
    rows = read_csv_export(data)
    assert set(rows["Chat Department"]) == {"Vendas"}
    # The export's documented sums give the table's numbers back.
    kind = rows["Record Type"]
    interactions = rows[kind.eq("interaction")]
    per_operator = interactions[["Operator ID", "Contact ID", "Interaction Date"]]
    assert (
        len(per_operator.drop_duplicates())
        == app.report.operators["interactions"].sum()
    )
    assert kind.eq("opportunity").sum() == app.report.totals["opportunities"]
    sales = rows.loc[kind.eq("sale"), "Opportunity ID"]
    assert sales.nunique() == app.report.totals["sales"]


def test_viewer_unknown_to_the_data_disables_the_app(sample):
    app = ReportApp(sample, viewer=Viewer.supervisor("Marketing"))

    assert shown_text(app).startswith(
        "This viewer cannot be shown: supervised department 'Marketing' has no chats"
    )
    assert app.filter_button.disabled
    assert app.departments.options == ()


def test_app_without_a_dataset_says_so():
    app = ReportApp(None)

    assert shown_text(app) == (
        "No dataset is loaded: see the message of the loading cell."
    )
    assert app.filter_button.disabled
    assert app.export_button.disabled


# -- Export -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "sep", "first_day"),
    [("sheets", ",", "2025-03-02"), ("excel-br", ";", "02/03/2025")],
)
def test_download_link_holds_the_export_of_the_applied_filters(
    sample, profile, sep, first_day
):
    app = ReportApp(sample)
    click_filter(app, **MARCH, departments=("Vendas",))
    app.departments.value = ("Suporte",)  # changed, not applied: not exported
    app.profile.value = profile

    returned = app.export()

    name, media, data = download(app)
    selection = Selection(**MARCH, departments=["Vendas"])
    assert data == returned == export_bytes(sample, selection, profile=profile)
    assert (name, media) == ("operator-report_2025-03-01_2025-03-31.csv", "text/csv")
    assert data.startswith(b"\xef\xbb\xbf") == (profile == "excel-br")
    rows = read_csv_export(data, sep=sep)
    assert list(rows.columns[:3]) == ["Record Type", "Interaction Date", "Contact ID"]
    assert rows.loc[0, "Interaction Date"] == first_day
    assert set(rows["Chat Department"]) == {"Vendas"}
    assert set(rows["Time Zone"]) == {"America/Sao_Paulo"}


def test_xlsx_download_is_a_workbook_with_portuguese_headers(sample):
    app = ReportApp(sample)
    click_filter(app, **MARCH, departments=("Vendas",))
    app.profile.value = "xlsx"
    app.language.value = "pt-BR"

    app.export()

    name, media, data = download(app)
    assert (name, media) == ("operator-report_2025-03-01_2025-03-31.xlsx", XLSX)
    sheet = pd.read_excel(io.BytesIO(data), dtype=str)
    assert list(sheet.columns[:2]) == ["Tipo de Registro", "Data da Interação"]
    assert set(sheet["Departamento do Atendimento"]) == {"Vendas"}


def test_export_before_filter_asks_for_filter(sample):
    app = ReportApp(sample)

    assert app.export() is None
    assert "Click Filter first: the export follows the table shown." in (
        app.download.value
    )


def test_export_function_is_injected(small):
    calls = []

    def fake_export(dataset, selection, *, viewer, profile, lang):
        calls.append((dataset, selection, viewer, profile, lang))
        return b"a,b\n1,2\n"

    viewer = Viewer.supervisor("Suporte")
    app = ReportApp(
        small,
        viewer=viewer,
        export_bytes=fake_export,
        export_filename=lambda selection, *, profile: f"{profile}.csv",
        profiles=("excel-us",),
    )
    click_filter(app, start=dt.date(2025, 3, 1))

    app.export()

    assert download(app) == ("excel-us.csv", "text/csv", b"a,b\n1,2\n")
    ((dataset, selection, passed_viewer, profile, lang),) = calls
    assert set(dataset.chats["department"]) == {"Suporte"}  # the scoped dataset
    assert selection == Selection(start="2025-03-01", end=app.end.value)
    assert (passed_viewer, profile, lang) == (viewer, "excel-us", "en")
    assert app.profile.options == (("CSV for Excel (en-US)", "excel-us"),)


def test_a_refused_export_is_a_message(small):
    def refusing_export(dataset, selection, **options):
        raise nb.PoliAnalyticsError("the export is too large for one sheet")

    app = ReportApp(small, export_bytes=refusing_export)
    click_filter(app)

    assert app.export() is None
    assert "Not exported: the export is too large for one sheet" in app.download.value


# -- Loading --------------------------------------------------------------------


def test_read_dataset_reports_each_step_and_loads_like_load_dataset(sample):
    steps = []

    loaded = read_dataset(sample_data_dir(), on_step=lambda *step: steps.append(step))

    assert steps == [
        ("reading and checking contacts.csv", 0, 7),
        ("reading and checking operators.csv", 1, 7),
        ("reading and checking chats.csv", 2, 7),
        ("reading and checking messages.csv", 3, 7),
        ("reading and checking opportunities.csv", 4, 7),
        ("reading and checking payments.csv", 5, 7),
        ("linking the tables", 6, 7),
        ("loaded", 7, 7),
    ]
    for table in ("contacts", "operators", "chats", "messages", "payments"):
        pd.testing.assert_frame_equal(getattr(loaded, table), getattr(sample, table))
    assert (loaded.tz, loaded.quality) == (sample.tz, sample.quality)


def test_read_dataset_reads_an_export_file_back(small, tmp_path):
    path = tmp_path / "operator-report.csv"
    write_export(small, path, profile="excel-br")
    steps = []

    loaded = read_dataset(path, on_step=lambda *step: steps.append(step))

    assert steps == [("reading the export operator-report.csv", 0, 1), ("loaded", 1, 1)]
    counts = [
        "interactions",
        "customers",
        "opportunities",
        "sales",
        "amount_sold_cents",
    ]
    pd.testing.assert_series_equal(
        operator_report(loaded).totals[counts], operator_report(small).totals[counts]
    )


def test_load_with_progress_shows_the_steps_then_the_summary(monkeypatch):
    shown = []
    monkeypatch.setattr(nb, "display", shown.append)

    dataset = nb.load_with_progress()

    ((bar, label),) = [box.children for box in shown]
    assert (bar.value, bar.max, bar.bar_style) == (7, 7, "success")
    assert re.fullmatch(
        r"Loaded sample in \d+\.\d s: 3,750 chats, 30,000 messages, 35 operators; "
        r"time zone America/Sao_Paulo",
        label.value,
    )
    assert len(dataset.messages) == 30_000


def test_load_with_progress_turns_a_refusal_into_a_message(monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(nb, "display", shown.append)
    for table in sample_data_dir().iterdir():
        (tmp_path / table.name).write_bytes(table.read_bytes())
    messages = pd.read_csv(tmp_path / "messages.csv", dtype=str)
    messages.drop(columns="sender").to_csv(tmp_path / "messages.csv", index=False)

    dataset = nb.load_with_progress(tmp_path)

    ((bar, label),) = [box.children for box in shown]
    assert dataset is None
    assert bar.bar_style == "danger"
    assert "The data was refused: messages.csv: missing column &#x27;sender&#x27;" in (
        label.value
    )


# -- The notebook -----------------------------------------------------------------


def test_notebook_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.outputs for cell in code] == [[]] * len(code)
    assert {cell.execution_count for cell in code} == {None}
    assert sum("VIEWER = Viewer." in cell.source for cell in code) == 1


def test_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    # jupyter_core warns (DeprecationWarning) unless the platformdirs choice is made
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()

    outputs = {
        cell.id: cell.outputs for cell in notebook.cells if cell.cell_type == "code"
    }
    widget = "application/vnd.jupyter.widget-view+json"
    loading, app = outputs["cell-04"], outputs["cell-06"]
    assert [set(o["data"]) for o in loading] == [{widget, "text/plain"}]
    assert [set(o["data"]) for o in app] == [{widget, "text/plain"}]
    assert "Operator Performance and Sales Report" in app[0]["data"]["text/plain"]
    assert re.fullmatch(
        r"\d+ customers, R\$ [\d.]+,\d\d sold\n", outputs["cell-09"][0]["text"]
    )
    assert outputs["cell-10"][0]["text"].startswith(
        "operator-report_2025-03-01_2025-03-31.csv"
    )


def test_dollar_signs_in_names_are_drawn_as_text():
    # Two "$" would make matplotlib parse the name as mathematics (and fail
    # on this one); it is drawn as written.
    name = r"Preço $\frac{1}{$ médio"
    data = make_dataset(
        operators=[{"operator_id": "op-1", "name": name}],
        contacts=[{"contact_id": "c-1", "created_at": "2025-03-01T12:00:00Z"}],
        chats=[
            {"ticket_id": "k-1", "contact_id": "c-1", "operator_id": "op-1",
             "department": "Vendas", "channel": "whatsapp",
             "opened_at": "2025-03-01T12:00:00Z"},
        ],
        messages=[
            {"message_id": "m-1", "ticket_id": "k-1", "sent_at": "2025-03-01T12:05Z",
             "sender": "operator", "operator_id": "op-1"},
        ],
    )  # fmt: skip
    app = ReportApp(data)
    report = app.apply()
    assert report is not None
    assert report.operators["operator_name"].tolist() == [name]
    assert all(bytes(app.charts[key].value)[:4] == b"\x89PNG" for key in nb.CHARTS)
