"""The notebook in a real browser: Voila as a dashboard, and JupyterLab.

Debian's Chromium, driven by Playwright, picks dates and a department, clicks
Filter, reads the table and the chart off the page and downloads the export,
then compares everything with what the library computes for the same
selection. Skipped when Chromium or Voila is missing, unless
``POLI_REQUIRE_SYSTEM_TOOLS=1`` (CI), where that fails instead.

Screenshots go to ``$POLI_SCREENSHOT_DIR`` when set, else to the test's
temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import nbformat
import pytest

from browser.servers import (
    LAB_TOKEN,
    launch_chromium,
    local_context,
    require_tools,
    start_jupyterlab,
    start_voila,
)
from poli_analytics import (
    Selection,
    Viewer,
    load_dataset,
    operator_report,
    sample_data_dir,
    scope_dataset,
)
from poli_analytics.export import export_bytes
from poli_analytics.notebook import chart_pngs, report_table_frame

pytestmark = pytest.mark.browser

NOTEBOOK = (
    Path(__file__).resolve().parent.parent / "notebooks/operator_performance.ipynb"
)
MARCH = Selection(start="2025-03-01", end="2025-03-31", departments=["Vendas"])
WHOLE_SAMPLE = {"start": dt.date(2017, 5, 15), "end": dt.date(2026, 1, 28)}
VIEWPORT = {"width": 1400, "height": 1000}
#: Cell texts of the report table, header row first.
TABLE_CELLS = "t => Array.from(t.rows, r => Array.from(r.cells, c => c.textContent))"


@pytest.fixture(scope="module")
def sample():
    """The bundled sample, as the notebook loads it."""
    return load_dataset(sample_data_dir())


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, for the whole module."""
    require_tools()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page whose requests off the loopback address are aborted."""
    context = local_context(browser, viewport=VIEWPORT)
    yield context.new_page()
    context.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go."""
    folder = Path(os.environ.get("POLI_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    """Voila serving the committed notebook (manager viewer)."""
    require_tools()
    server = start_voila(NOTEBOOK, tmp_path_factory.mktemp("voila-home"))
    yield server
    server.stop()


def expected_rows(report) -> list[list[str]]:
    """The report table as the page should show it, header row first."""
    frame = report_table_frame(report)
    return [list(frame.columns), *frame.to_numpy().tolist()]


def png_size(png: bytes) -> list[int]:
    """Width and height from a PNG header."""
    return [int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")]


def click_filter_and_time(page) -> float:
    """Click Filter the first time; return the seconds until the table shows."""
    began = time.perf_counter()
    page.locator(".poli-filter").click()
    page.locator(".poli-table table.poli-report-table").wait_for(timeout=60_000)
    return time.perf_counter() - began


def download_export(page) -> tuple[str, bytes]:
    """Click Export, then the link; return the saved file's name and bytes."""
    page.locator(".poli-export").click()
    link = page.locator("a.poli-download-link")
    link.wait_for(timeout=60_000)
    with page.expect_download() as saved:
        link.click()
    return saved.value.suggested_filename, Path(saved.value.path()).read_bytes()


#: Scroll the app's scrolling ancestor to the top; return that ancestor's height.
SCROLL_TO_TOP = """app => {
  let node = app;
  while (node && node.scrollHeight <= node.clientHeight) node = node.parentElement;
  node = node || document.scrollingElement;
  node.scrollTop = 0;
  return node.scrollHeight;
}"""


def screenshot_whole(page, path: Path) -> None:
    """A screenshot of the whole page, the viewport grown to its scrolling height."""
    height = page.locator(".poli-app").evaluate(SCROLL_TO_TOP)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height + 50})
    page.screenshot(path=path, full_page=True)


def open_voila(page, server) -> None:
    """Open the dashboard and wait for the notebook to have run."""
    page.goto(server.url)
    page.locator(".poli-filter").wait_for(timeout=90_000)


def test_voila_dashboard_filters_draws_and_downloads(
    voila, page, sample, shots, record_property
):
    expected = operator_report(sample, MARCH, viewer=Viewer.manager())
    open_voila(page, voila)
    assert "Loaded sample in" in page.locator(".poli-loading").inner_text()

    page.locator(".poli-start input").fill("2025-03-01")
    page.locator(".poli-end input").fill("2025-03-31")
    page.locator(".poli-departments select").select_option("Vendas")
    seconds = click_filter_and_time(page)
    record_property("filter_to_table_s", round(seconds, 3))

    table = page.locator(".poli-report-table").evaluate(TABLE_CELLS)
    assert table == expected_rows(expected)
    applied = page.locator(".poli-applied").inner_text()
    assert applied.startswith("Applied: 2025-03-01 to 2025-03-31 (local days in ")
    assert "America/Sao_Paulo) · Department: Vendas · Channel: all" in applied
    chart = page.locator("img.poli-chart-sales")
    chart.wait_for(timeout=60_000)
    drawn = chart.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert drawn == png_size(chart_pngs(expected)["sales"])

    name, data = download_export(page)
    assert name == "operator-report_2025-03-01_2025-03-31.csv"
    assert data == export_bytes(sample, MARCH, viewer=Viewer.manager())
    assert data.startswith(b"Record Type,Interaction Date,Contact ID,")
    screenshot_whole(page, shots / "voila-dashboard.png")


def test_voila_supervisor_sees_and_downloads_only_their_scope(
    page, sample, shots, tmp_path
):
    require_tools()
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    (cell,) = [c for c in notebook.cells if "VIEWER = Viewer.manager()" in c.source]
    cell.source = cell.source.replace("Viewer.manager()", 'Viewer.supervisor("Vendas")')
    copy = tmp_path / "notebook" / NOTEBOOK.name
    copy.parent.mkdir()
    nbformat.write(notebook, copy)
    viewer = Viewer.supervisor("Vendas")
    first, last = (day.date() for day in scope_dataset(sample, viewer).date_range())
    shown = Selection(start=first, end=last)  # the pickers start on the scope's days
    expected = operator_report(sample, shown, viewer=viewer)

    server = start_voila(copy, tmp_path / "home")
    try:
        open_voila(page, server)
        departments = page.locator(".poli-departments option").all_inner_texts()
        click_filter_and_time(page)
        table = page.locator(".poli-report-table").evaluate(TABLE_CELLS)
        name, data = download_export(page)
        screenshot_whole(page, shots / "voila-supervisor.png")
    finally:
        server.stop()

    assert departments == ["Vendas"]
    assert table == expected_rows(expected)
    assert name == f"operator-report_{first}_{last}.csv"
    assert data == export_bytes(sample, shown, viewer=viewer)
    department = data.decode().splitlines()[0].split(",").index("Chat Department")
    assert {row.split(",")[department] for row in data.decode().splitlines()[1:]} == {
        "Vendas"
    }


def test_jupyterlab_runs_the_notebook_and_filters(
    page, sample, shots, tmp_path, record_property
):
    require_tools()
    root = tmp_path / "root"
    root.mkdir()
    (root / NOTEBOOK.name).write_bytes(NOTEBOOK.read_bytes())  # Lab saves its copy
    expected = operator_report(sample, Selection(**WHOLE_SAMPLE))

    server = start_jupyterlab(root, tmp_path / "home")
    try:
        page.goto(f"{server.url}/tree/{NOTEBOOK.name}?token={LAB_TOKEN}")
        kernel = page.locator("#jp-main-statusbar span.jp-StatusBar-TextItem")
        kernel.filter(has_text=re.compile(r"\| Idle$")).wait_for(timeout=90_000)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.locator('li[data-command="runmenu:run-all"]').click()
        page.locator(".poli-filter").wait_for(timeout=90_000)
        seconds = click_filter_and_time(page)
        record_property("filter_to_table_s", round(seconds, 3))
        table = page.locator(".poli-report-table").evaluate(TABLE_CELLS)
        kernel.filter(has_text=re.compile(r"\| Idle$")).wait_for(timeout=90_000)
        page.locator(".poli-table").scroll_into_view_if_needed()
        page.screenshot(path=shots / "jupyterlab.png")
    finally:
        server.stop()

    assert table == expected_rows(expected)
