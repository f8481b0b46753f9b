"""A report anyone can open: ``chartdesk report`` and File > Export report…

The charts are drawn as ``chartdesk render`` draws them: the window's own ``ChartGrid`` on a
workspace of their own (the report's runs selected, grouped as asked), each chart saved as its
Export SVG saves it (``export.save_picture``: every curve and legend entry, group bands, no hover
or menu button) with the CSV its Export CSV writes. ``chartdesk.app.report`` chooses the runs
and writes the page; here they are drawn and written as HTML (inline SVG, CSV inside the page or
beside it when large) or PDF (QPdfWriter: the runs table laid out by QTextDocument, each chart
played from its SVG, so the PDF's charts are vectors too).
"""
from __future__ import annotations

import html as _html
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote

from .. import __version__
from ..app.report import (
    STATE_COLORS,
    ChartPart,
    ReportPlan,
    ReportRequest,
    check_suffix,
    compact_svg,
    data_inside,
    file_name,
    html,
    plan,
    table_cells,
)
from ..errors import InvalidInput

#: A chart's card in the report, in pixels (the SVG's own size; a narrow page scales it down).
CHART_WIDTH = 560
CHART_HEIGHT = 300
DRAW_TIMEOUT_S = 120


class Cancelled(InvalidInput):
    """The person stopped the report (the progress dialog's Cancel): nothing is written."""


@dataclass
class ReportResult:
    path: str
    kind: str                 # "html" or "pdf"
    size: int                 # bytes of the report file
    charts: int
    runs: int
    data_dir: str | None      # where the charts' CSV went, when not inside the file


def write_report(store, request: ReportRequest, out: str, progress: Callable[[int, int, str], bool] | None = None,
                 width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> ReportResult:
    """Write the report of ``request`` to ``out`` (.html or .pdf). ``progress(done, total, text)``
    is told while the charts are drawn (``name`` "") and before each is saved; returning False
    stops (``Cancelled``).
    Bad input (a project, chart set, run or filter that does not exist or parse, another suffix,
    a place that cannot be written) is one line, and nothing is written then."""
    kind = check_suffix(out)[1:]
    part_path = _reserve(out)
    try:
        p = plan(store, request)
        parts = _draw(store, p, width, height, progress)
        data_dir = None
        if kind == "html" and data_inside(parts):
            pass
        else:
            data_dir = _write_data(out, parts)
        if kind == "html":
            with open(part_path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(html(p, parts, __version__))
        else:
            _write_pdf(part_path, p, parts)
        os.chmod(part_path, _mode_for(out))
        os.replace(part_path, out)
    except OSError as exc:
        _unlink(part_path)
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        _unlink(part_path)
        raise
    return ReportResult(out, kind, os.path.getsize(out), len(parts), len(p.runs), data_dir)


def _reserve(out: str) -> str:
    """A file beside ``out`` to write into (renamed to ``out`` when whole): a place that cannot
    be written says so before anything is drawn."""
    if not out or out.endswith(os.sep):
        raise InvalidInput("--out needs a file name")
    if os.path.isdir(out):
        raise InvalidInput(f"cannot write {out}: it is a folder")
    if os.path.exists(out) and not os.access(out, os.W_OK):
        raise InvalidInput(f"cannot write {out}: Permission denied")
    folder = os.path.dirname(os.path.abspath(out))
    try:
        fd, path = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(out)}.", suffix=".part")
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}") from None
    os.close(fd)
    return path


def _mode_for(out: str) -> int:
    """The mode the report file gets: the one it had, else what the umask leaves of rw-rw-rw-."""
    try:
        return os.stat(out).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def data_dir_for(out: str) -> str:
    """Where the charts' CSV go when they are not inside the report: ``NAME_data`` beside it."""
    return os.path.splitext(out)[0] + "_data"


def _write_data(out: str, parts: list[ChartPart]) -> str:
    folder = data_dir_for(out)
    os.makedirs(folder, exist_ok=True)
    for i, c in enumerate(parts, 1):
        name = file_name(i, c.name)
        with open(os.path.join(folder, name), "w", encoding="utf-8", newline="") as fh:
            fh.write(c.csv)
        c.data_href = quote(f"{os.path.basename(folder)}/{name}")
    return folder


# ---- drawing --------------------------------------------------------------------------------
@contextmanager
def _grid(store, p: ReportPlan, width: int, height: int):
    """A grid of the report's charts on a workspace of its own, drawn off screen, every chart built."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from .app import make_app
    from .chart_grid import ChartGrid
    from .workspace import Workspace

    app = QApplication.instance() or make_app()
    ws = Workspace(store, processes=0)  # a one-shot picture: no worker processes to start
    ws.set_project(p.project)
    ws.set_label_by_params(p.request.label_by_params)
    ws.select_experiments(p.runs)
    ws.set_latest(p.request.latest, True)
    ws.set_group_by(p.group_by)
    grid = ChartGrid(ws, p.charts, editable=False, empty_text="", chart_height=height)
    grid.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)  # in the window too: never a window of its own
    grid.all_at_once = True
    grid.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    grid.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for header, _body in grid.sections():  # folded sections too (monitoring/...): a report has every chart
        if header is not None and not header.isChecked():
            header.setChecked(True)
    grid.resize(width + 12, height)  # one column: each card ``width`` wide (the grid's margins are 6)
    grid.show()
    app.processEvents()
    grid.resize(width + 12, grid.widget().sizeHint().height())
    try:
        yield app, ws, grid
    finally:
        grid.close()
        ws.shutdown()
        grid.deleteLater()
        ws.deleteLater()
        app.processEvents()


def _draw(store, p: ReportPlan, width: int, height: int, progress) -> list[ChartPart]:
    from .export import export_csv, save_picture
    from .render import draw_all

    parts: list[ChartPart] = []
    if not p.charts:
        return parts
    def tick() -> None:
        if progress is not None and progress(0, len(p.charts), "") is False:
            raise Cancelled("cancelled")

    with _grid(store, p, width, height) as (app, ws, grid), tempfile.TemporaryDirectory() as tmp:
        draw_all(app, ws, grid, DRAW_TIMEOUT_S, expected=len(p.charts), tick=tick)
        for i, w in enumerate(grid.charts):
            if progress is not None and progress(i, len(p.charts), w.chart.name) is False:
                raise Cancelled("cancelled")
            svg_path, csv_path = os.path.join(tmp, f"{i}.svg"), os.path.join(tmp, f"{i}.csv")
            save_picture(w, svg_path, title=w.chart.name)
            export_csv(w, csv_path)
            with open(svg_path, encoding="utf-8") as fh:
                svg = fh.read()
            with open(csv_path, encoding="utf-8", newline="") as fh:
                csv_text = fh.read()
            vw, vh = _view_box(svg)
            parts.append(ChartPart(w.chart.name, compact_svg(svg), csv_text, max(0, csv_text.count("\n") - 1), vw, vh))
    return parts


def _view_box(svg: str) -> tuple[int, int]:
    import re

    m = re.search(r'viewBox="\s*[-\d.]+\s+[-\d.]+\s+([\d.]+)\s+([\d.]+)"', svg)
    return (round(float(m.group(1))), round(float(m.group(2)))) if m else (CHART_WIDTH, CHART_HEIGHT)


# ---- PDF ------------------------------------------------------------------------------------
def _table_html(p: ReportPlan) -> str:
    """The header and runs table in the rich text QTextDocument lays out (a subset of HTML)."""
    e = _html.escape
    shown = f"{len(p.runs)} of {p.total}" if len(p.runs) != p.total else f"all {p.total}"
    lines = [f"<h2>{e(p.project)}</h2>",
             f"<p>Charts: <b>{e(p.chart_set)}</b> ({len(p.charts)}) &nbsp;·&nbsp; Runs: {shown} &nbsp;·&nbsp; "
             f"Filter: {e(p.filter_text) if p.filter_text else 'none'}"
             + (f" &nbsp;·&nbsp; Grouped by: {e(str(p.group_by))}" if p.group_by is not None else "")
             + f" &nbsp;·&nbsp; Made {time.strftime('%Y-%m-%d %H:%M', time.localtime(p.made))}"
             f" by ChartDesk {e(__version__)}</p>",
             '<table border="0" cellspacing="0" cellpadding="3" width="100%">',
             "<tr>" + "".join(f'<th align="left" bgcolor="#f0f0f0">{e(h)}</th>' for h in p.headers) + "</tr>"]
    for r, cells in zip(p.rows, table_cells(p)):
        tds = []
        for h, text in zip(p.headers, cells):
            if h == "name":
                st = p.styles.get(r["experiment"])
                sw = f'<font color="{st.color}">■</font> ' if st is not None else ""
                tds.append(f"<td>{sw}{e(text)}</td>")
            elif h == "state":
                tds.append(f'<td><font color="{STATE_COLORS.get(text, "#888888")}">{e(text)}</font></td>')
            else:
                tds.append(f"<td>{e(text)}</td>")
        lines.append("<tr>" + "".join(tds) + "</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def _write_pdf(path: str, p: ReportPlan, parts: list[ChartPart]) -> None:
    from PySide6.QtCore import QByteArray, QMarginsF, QRectF, QSizeF
    from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument
    from PySide6.QtSvg import QSvgRenderer

    writer = QPdfWriter(path)
    writer.setResolution(96)  # a chart's pixels are the page's: the SVG's sizes hold
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                     QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter))
    writer.setTitle(f"{p.project} — {p.chart_set} — ChartDesk report")
    writer.setCreator(f"ChartDesk {__version__}")
    page = writer.pageLayout().paintRectPixels(96)
    pw, ph = float(page.width()), float(page.height())
    painter = QPainter(writer)
    if not painter.isActive():
        raise OSError(f"cannot write {path}")
    try:
        doc = QTextDocument()
        font = QFont()
        font.setPixelSize(11)
        doc.setDefaultFont(font)
        doc.setDocumentMargin(0)
        doc.setHtml(_table_html(p))
        doc.setPageSize(QSizeF(pw, ph))
        pages = doc.pageCount()
        for i in range(pages):
            if i:
                writer.newPage()
            painter.save()
            painter.translate(0, -i * ph)
            doc.drawContents(painter, QRectF(0, i * ph, pw, ph))
            painter.restore()
        layout = doc.documentLayout()
        last = doc.lastBlock()
        y = layout.blockBoundingRect(last).bottom() - (pages - 1) * ph + 16  # below the table, on its page
        gap = 12.0
        col_w = (pw - gap) / 2
        x_col = 0
        row_h = 0.0
        for c in parts:
            scale = min(1.0, col_w / c.width)
            w, h = c.width * scale, c.height * scale
            if x_col == 0 and y + h > ph and y > 0:
                writer.newPage()
                y = 0.0
            renderer = QSvgRenderer(QByteArray(c.svg.encode("utf-8")))
            renderer.render(painter, QRectF(x_col * (col_w + gap), y, w, h))
            row_h = max(row_h, h)
            if x_col == 1:
                x_col, y, row_h = 0, y + row_h + gap, 0.0
            else:
                x_col = 1
    finally:
        painter.end()


# ---- the window: File > Export report… ------------------------------------------------------
def window_request(ws, tabs, runs_model) -> ReportRequest:
    """What the window shows as a report: its project, the selected runs the filter shows (in the
    runs table's order), the filter and grouping, the runs table's columns, the chart tab in front
    (a chart set, or the selected runs' own charts)."""
    shown = ws.selection()
    keep = set(shown)
    order = [n for n in runs_model.names() if n in keep]
    runs = order + [n for n in shown if n not in set(order)]
    f = ws.run_filter()
    tab = tabs.current_name()
    grid = tabs.visible_grid()
    sets = {s.name for s in ws.chart_sets()}
    chart_set, charts = (tab, None) if tab in sets else (None, [s.chart for s in grid.slots] if grid else None)
    return ReportRequest(ws.project or "", chart_set=chart_set, where=f.text if f.tree is not None else None,
                         runs=runs, group_by=str(ws.group_by) if ws.group_by is not None else None,
                         columns=list(runs_model.columns), charts=charts, charts_title=None if charts is None else tab,
                         label_by_params=ws.label_by_params, latest=frozenset(ws.latest_runs & keep))


def export_dialog(parent, store, request: ReportRequest) -> ReportResult | None:
    """Ask where (HTML or PDF), draw with a progress dialog (Cancel stops), say what went wrong
    in one line; the report written, or None."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

    from ..errors import ChartDeskError
    from . import file_dialogs

    html_filter, pdf_filter = "Report, one HTML file (*.html)", "PDF (*.pdf)"
    path, chosen = file_dialogs.save_file(parent, "report", "Export report", f"{request.project}-report.html",
                                          f"{html_filter};;{pdf_filter}")
    if not path:
        return None
    if not os.path.splitext(path)[1]:
        path += ".pdf" if chosen == pdf_filter else ".html"
    try:
        check_suffix(path)  # said at once, before any drawing
    except ChartDeskError as exc:
        QMessageBox.warning(parent, "Export report", str(exc))
        return None
    progress = QProgressDialog("Drawing the charts…", "Cancel", 0, 0, parent)
    progress.setWindowTitle("Export report")
    progress.setWindowModality(Qt.WindowModality.WindowModal)  # the window waits while its report is drawn
    progress.setMinimumDuration(0)
    progress.show()
    QApplication.processEvents()

    def step(done: int, total: int, name: str) -> bool:
        if name:  # (while the charts are drawn: the busy bar; Cancel is seen all the same)
            progress.setMaximum(total)
            progress.setValue(done)
            progress.setLabelText(f"Saving {name}…")
        QApplication.processEvents()
        return not progress.wasCanceled()

    result, error = None, ""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        result = write_report(store, request, path, progress=step)
    except Cancelled:
        pass
    except ChartDeskError as exc:
        error = str(exc)
    finally:
        QApplication.restoreOverrideCursor()
        progress.close()
        progress.deleteLater()
    if error:
        QMessageBox.warning(parent, "Export report", error)
    return result
