"""A report anyone can open (issue 22): ``chartdesk report`` and File > Export report… write one
self-contained HTML file (or a PDF) with the header, the runs table and every chart of a chart
set as inline SVG with its data; what the filter hides is in no part of it. A real browser
(headless Chromium) draws its charts as the app draws them; ``pdftoppm`` finds them in the PDF."""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from urllib.parse import unquote

import numpy as np
import pytest

from chartdesk.app.report import ReportRequest, compact_svg

MB = 1_000_000


def cd(*args, db=None):
    argv = [sys.executable, "-m", "chartdesk", *args] + (["--db", str(db)] if db is not None else [])
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from chartdesk import open_store
    from chartdesk.demo import seed

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with open_store(str(path)) as s:
        seed(s)
    return path


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    """12 charts x 20 runs x 1,000 steps (a chart set of 12 metrics, every third on a log axis)."""
    from chartdesk import open_store

    path = tmp_path_factory.mktemp("big") / "big.db"
    rng = np.random.default_rng(7)
    x = np.arange(1000, dtype=float)
    with open_store(str(path)) as s:
        for i in range(20):
            name = f"run-{i:02d}"
            s.create_experiment("big", name, params={"lr": (0.3, 0.1, 0.03, 0.01)[i % 4], "seed": i // 4},
                                state="running", created=1.7e9 + 60 * i)
            s.append_many("big", name, {f"m{k:02d}": (x, _metric(x, k, i) + rng.normal(0, 0.02, x.size), 1.7e9 + x)
                                        for k in range(12)})
            s.set_state("big", name, "succeeded", finished=1.7e9 + 1000 + 60 * i)
        s.set_chart_set("big", "All", [{"name": f"metric {k}", "series": [f"channel:m{k:02d}"], "log_y": k % 3 == 0}
                                       for k in range(12)])
    return path


def _metric(x, k: int, run: int) -> np.ndarray:
    """Metric k of a run: each metric its own shape (a decay and a wave of its own), so that no
    two charts look alike."""
    return (1 + 0.1 * run) * (np.exp(-x / (150 + 60 * k)) + 0.15 * (1 + np.sin(x * (k + 1) / 160))) * (k + 1)


# ---- reading a report -------------------------------------------------------------------------
class Page(HTMLParser):
    """What a report holds: its header, table rows, figures (their SVG texts) and links."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.header: list[str] = []
        self.meta: list[str] = []
        self.figures: list[dict] = []
        self.links: list[str] = []
        self.tags: set[str] = set()
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._in_svg_text = False
        self._in_meta = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        for k in ("href", "src"):
            if k in a:
                self.links.append(a[k])
        if tag == "dl":
            self._in_meta = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "figure":
            self.figures.append({"name": a["data-chart"], "texts": [], "csv": None})
        elif tag == "text" and self.figures:
            self._in_svg_text = True
        elif tag == "a" and self.figures and "download" in a:
            self.figures[-1]["csv"] = a["href"]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self.header:
                self.rows.append(self._row)
            else:
                self.header = self._row
            self._row = None
        elif tag == "text":
            self._in_svg_text = False
        elif tag == "dl":
            self._in_meta = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in_svg_text:
            self.figures[-1]["texts"].append(data.strip())
        if self._in_meta:
            self.meta.append(data.strip())


def csv_of(href: str, folder) -> list[dict]:
    text = unquote(href.split(",", 1)[1]) if href.startswith("data:") else (folder / unquote(href)).read_text()
    return list(csv.DictReader(io.StringIO(text)))


def assert_self_contained(text: str, page: Page) -> None:
    """No script, no stylesheet or font from elsewhere, no address outside the file."""
    assert not page.tags & {"script", "link", "iframe", "object", "embed", "img"}, page.tags
    assert "@import" not in text and "@font-face" not in text and "url(" not in text
    for href in page.links:
        assert href.startswith("data:") or not re.match(r"^[a-z]+:|^//", href), href[:80]


# ---- the command line ---------------------------------------------------------------------------
def test_cli_report_of_a_filtered_grouped_sweep(demo_db, tmp_path):
    out = tmp_path / "sweep.html"
    r = cd("report", "sweep", "--where", "lr <= 0.1", "--group-by", "lr", "--column", "accuracy:max",
           "--sort", "accuracy:max", "--desc", "--out", str(out), db=demo_db)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"report: 2 charts, 15 runs -> {out} (") and "data inside it" in r.stdout
    text = out.read_text()
    page = Page(text)
    assert_self_contained(text, page)
    assert "sweep" in page.meta and "lr <= 0.1" in page.meta and "15 of 20 runs" in page.meta
    assert page.header[:3] == ["group", "name", "state"] and page.header[-1] == "accuracy:max"
    names = [row[1] for row in page.rows]
    assert len(names) == 15 and not any(n.startswith("lr0.3-") for n in names)  # filtered out: not in the table
    best = [float(row[-1]) for row in page.rows]
    assert best == sorted(best, reverse=True)  # sorted as asked
    assert [f["name"] for f in page.figures] == ["Eval accuracy", "Loss"]
    for f in page.figures:
        assert {"lr=0.01 (5 runs)", "lr=0.03 (5 runs)", "lr=0.1 (5 runs)"} <= set(f["texts"])  # every legend entry
        assert not any("0.3" in t for t in f["texts"])  # nor grouped or plotted
        rows = csv_of(f["csv"], tmp_path)
        assert {r["group"] for r in rows} == {"lr=0.01 (5 runs)", "lr=0.03 (5 runs)", "lr=0.1 (5 runs)"}
        assert len(rows) == 3 * 1000 and not any("lr0.3" in r["runs"] for r in rows)  # the exact mean at every step
    assert out.stat().st_size < 2.5 * MB


BAD = [
    (["nope"], "unknown project 'nope'; known: cifar10, mnist, sweep"),
    (["sweep", "--chart-set", "Nope"], "unknown chart set 'Nope' in project 'sweep'; known: Sweep"),
    (["sweep", "--where", "lr <"], "filter 'lr <': column 5: expected a value"),
    (["sweep", "--where", "lrr < 0.1"], "filter 'lrr < 0.1' leaves no run of 20 in project 'sweep' (no run has 'lrr')"),
    (["sweep", "--runs", "lr0.1-seed0", "nope"], "unknown experiment 'nope' in project 'sweep'"),
    (["sweep", "--group-by", "lr,,"], "group by 'lr,,': cannot read ',' at column 4"),
    (["sweep", "--column", "accuracy:maxx"], "column 'accuracy:maxx' must be REF:REDUCER"),
    (["sweep", "@r.txt"], "r.txt: a report is written as .html or .pdf, not .txt"),
    (["sweep", "@r"], "r: a report is written as .html or .pdf, not a name without a suffix"),
    (["sweep", "@missing/r.html"], "cannot write {tmp}/missing/r.html: No such file or directory"),
    (["sweep", "@folder.html"], "cannot write {tmp}/folder.html: it is a folder"),
]


def _bad_case(args, tmp_path):
    (tmp_path / "folder.html").mkdir(exist_ok=True)
    out = [a[1:] for a in args if a.startswith("@")]
    return [a for a in args if not a.startswith("@")], str(tmp_path / (out[0] if out else "r.html"))


@pytest.mark.parametrize("args, says", [BAD[0], BAD[2], BAD[7], BAD[9],
                                        (["sweep", "--where", "lr < 1", "--runs", "x"], "not allowed with argument")])
def test_cli_report_bad_input_is_one_line_and_writes_nothing(demo_db, tmp_path, args, says):
    args, out = _bad_case(args, tmp_path)
    before = sorted(os.listdir(tmp_path))
    r = cd("report", *args, "--out", out, db=demo_db)
    assert r.returncode != 0
    assert len(r.stderr.splitlines()) == 1 and re.match(r"chartdesk( report)?: error: ", r.stderr), r.stderr
    assert says.format(tmp=tmp_path) in r.stderr
    assert sorted(os.listdir(tmp_path)) == before  # not even a part of a file


@pytest.mark.parametrize("args, says", BAD)
def test_api_report_bad_input_says_what_in_one_line(demo_db, tmp_path, args, says):
    from chartdesk import open_store
    from chartdesk.cli import build_parser
    from chartdesk.errors import ChartDeskError
    from chartdesk.gui.report import write_report

    args, out = _bad_case(args, tmp_path)
    a = build_parser().parse_args(["report", *args, "--out", out])
    before = sorted(os.listdir(tmp_path))
    with open_store(str(demo_db)) as s, pytest.raises(ChartDeskError) as err:
        write_report(s, ReportRequest(a.project, chart_set=a.chart_set, where=a.where, runs=a.runs,
                                      group_by=a.group_by, columns=a.column), out)
    assert says.format(tmp=tmp_path) in str(err.value) and "\n" not in str(err.value)
    assert sorted(os.listdir(tmp_path)) == before


def test_cli_report_on_a_missing_store_creates_nothing(tmp_path):
    r = cd("report", "sweep", "--out", str(tmp_path / "r.html"), db=tmp_path / "none.db")
    assert r.returncode == 1 and r.stderr.strip() == f"chartdesk: error: no store at {tmp_path / 'none.db'}"
    assert os.listdir(tmp_path) == []


# ---- the API: chosen runs, a PDF, the page's SVG is Qt's ------------------------------------------
def test_api_report_of_chosen_runs_as_pdf_has_every_chart(demo_db, tmp_path, monkeypatch):
    from chartdesk import open_store
    from chartdesk.gui import report as gui_report

    raw = []
    real = gui_report.compact_svg
    monkeypatch.setattr(gui_report, "compact_svg", lambda svg: raw.append(svg) or real(svg))
    chosen = ["lr0.3-seed4", "lr0.01-seed0", "lr0.01-seed3"]  # a run that stopped early; both eval names
    with open_store(str(demo_db)) as s:
        res = gui_report.write_report(s, ReportRequest("sweep", runs=chosen, group_by="lr",
                                                       columns=["alias:accuracy:last"]), str(tmp_path / "r.pdf"))
    assert (res.kind, res.charts, res.runs) == ("pdf", 2, 3)
    assert res.data_dir == str(tmp_path / "r_data")
    for name in ("01-Eval_accuracy.csv", "02-Loss.csv"):
        rows = list(csv.DictReader(io.StringIO((tmp_path / "r_data" / name).read_text())))
        assert {r["group"] for r in rows} == {"lr=0.01 (2 runs)", "lr=0.3 (1 run)"}
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"

    # the page's compact SVG draws what Qt's SVG draws (librsvg for both), in fewer bytes
    if shutil.which("rsvg-convert"):
        for svg in raw:
            a, b = _rsvg(svg, tmp_path / "a"), _rsvg(compact_svg(svg), tmp_path / "b")
            assert a.shape == b.shape and np.abs(a.astype(int) - b.astype(int)).mean() < 0.5
            assert len(compact_svg(svg)) < 0.5 * len(svg)  # a grouped chart's strip was a group per segment

    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF's pages were not looked at")
    subprocess.run(["pdftoppm", "-r", "48", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page-*.png"))
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout
    assert all(n in text for n in chosen) and "lr0.1-seed0" not in text  # the table: the chosen runs only
    assert "Eval accuracy" in text and "Loss" in text and "lr=0.3 (1 run)" in text  # titles and legends
    from chartdesk.colors import group_style

    inked = [sum(_has_colour(_image(p), group_style(g).color) for g in range(2)) for p in pages]
    assert inked[-1] == 2, inked  # each group's colour (its line and band) on the charts' page


def _image(path) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
    return arr[:, :img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def _has_colour(img: np.ndarray, hex_colour: str, tol: int = 40, least: int = 30) -> bool:
    c = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(img.astype(int) - c).sum(axis=2) < tol).sum()) >= least


def _rsvg(svg: str, stem) -> np.ndarray:
    src, png = f"{stem}.svg", f"{stem}.png"
    with open(src, "w") as fh:
        fh.write(svg)
    subprocess.run(["rsvg-convert", "-b", "white", src, "-o", png], check=True)
    return _image(png)


# ---- a real browser --------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium_shot(html_path, png, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                        "--hide-scrollbars", "--force-device-scale-factor=1", f"--window-size={width},{height}",
                        f"--screenshot={png}", f"file://{html_path}"], capture_output=True, timeout=120, check=True)


def _ink(img: np.ndarray) -> np.ndarray:
    """Curve pixels: coloured ones (the palette's colours and their blends; axes and text are grey)."""
    return (img.max(axis=2) - img.min(axis=2)) > 60


def _pool(mask: np.ndarray, k: int = 4) -> np.ndarray:
    """``k`` times smaller, a pixel inked when any of its own was (thin lines survive)."""
    h, w = mask.shape[0] // k * k, mask.shape[1] // k * k
    return mask[:h, :w].reshape(h // k, k, w // k, k).any(axis=(1, 3)).astype(float)


_spectra: dict = {}


def _locate(shot: np.ndarray, tpl: np.ndarray, k: int = 4) -> tuple[int, int]:
    """Where a chart's curve pixels ``tpl`` sit among the screenshot's ``shot``: the peak of their
    normalised cross-correlation (at a quarter size; the curves tell charts of one look apart,
    their frames would not), then the pixel around it where the most curve pixels agree."""
    g, t = _pool(shot, k), _pool(tpl, k)
    shape = (g.shape[0] + t.shape[0], g.shape[1] + t.shape[1])
    key = (id(shot), shape)
    if key not in _spectra:  # the screenshot's spectrum, once for every chart of its size
        _spectra.clear()
        area = np.pad(g, ((1, 0), (1, 0))).cumsum(0).cumsum(1)  # inked pixels in any window: an integral image
        _spectra[key] = (np.fft.rfft2(g, shape), area)
    spectrum, area = _spectra[key]
    corr = np.fft.irfft2(spectrum * np.conj(np.fft.rfft2(t, shape)), shape)
    th, tw = t.shape
    corr = corr[:g.shape[0] - th + 1, :g.shape[1] - tw + 1]
    inked = area[th:, tw:] - area[:-th, tw:] - area[th:, :-tw] + area[:-th, :-tw]
    corr = corr / np.sqrt(np.maximum(inked, 1.0) * max(1.0, t.sum()))  # 1 where they agree wholly
    y, x = np.unravel_index(int(np.argmax(corr)), corr.shape)
    best = None
    for yy in range(max(0, k * y - k), min(shot.shape[0] - tpl.shape[0], k * y + k) + 1):
        for xx in range(max(0, k * x - k), min(shot.shape[1] - tpl.shape[1], k * x + k) + 1):
            both = int((shot[yy:yy + tpl.shape[0], xx:xx + tpl.shape[1]] & tpl).sum())
            if best is None or both > best[2]:
                best = (xx, yy, both)
    return best[0], best[1]


def _near(mask: np.ndarray, r: int = 2) -> np.ndarray:
    """The mask grown by ``r`` pixels each way."""
    out = np.zeros_like(mask)
    p = np.pad(mask, r)
    for dy in range(2 * r + 1):
        for dx in range(2 * r + 1):
            out |= p[dy:dy + mask.shape[0], dx:dx + mask.shape[1]]
    return out


def _agreement(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(share of a's curve pixels within 2 px of one of b's, and the other way round)."""
    return float((a & _near(b)).sum() / max(1, a.sum())), float((b & _near(a)).sum() / max(1, b.sum()))


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium; "
                    ".ci/run installs it): the report was not opened in a real browser")
def test_a_12_chart_20_run_report_is_small_and_chromium_draws_what_the_app_draws(big_db, tmp_path, monkeypatch):
    from chartdesk import open_store
    from chartdesk.gui import export
    from chartdesk.gui.report import write_report

    app_png = []  # each chart's curve pixels as the app draws it: its Export PNG, the same card in the same look
    real = export.save_picture

    def also_png(widget, path, scale=1, background=None, title=""):
        real(widget, path, scale, background, title)
        png = f"{path}.app.png"
        real(widget, png)
        app_png.append(_ink(_image(png)))

    monkeypatch.setattr(export, "save_picture", also_png)
    out = tmp_path / "big.html"
    with open_store(str(big_db)) as s:
        res = write_report(s, ReportRequest("big"), str(out))
    assert (res.charts, res.runs) == (12, 20)
    assert res.size < 5 * MB, res.size
    assert res.data_dir == str(tmp_path / "big_data")  # 12 x 20,000 rows: beside the page, linked from it
    text = out.read_text()
    page = Page(text)
    assert_self_contained(text, page)
    assert len(page.figures) == 12 and len(page.rows) == 20
    for f in page.figures:
        assert sum(t.startswith("lr=") for t in f["texts"]) == 20  # every legend entry
        assert (tmp_path / unquote(f["csv"])).read_text().count("\n") == 1 + 20 * 1000  # every point
    rows = csv_of(page.figures[-1]["csv"], tmp_path)
    assert {r["experiment"] for r in rows} == {f"run-{i:02d}" for i in range(20)} and rows[0]["channel"] == "m11"

    shot_png = tmp_path / "shot.png"
    _chromium_shot(out, shot_png, 1280, 4400)
    shot = _ink(_image(shot_png))
    places = []
    for i, tpl in enumerate(app_png):
        x, y = _locate(shot, tpl)
        crop = shot[y:y + tpl.shape[0], x:x + tpl.shape[1]]
        assert crop.shape == tpl.shape, f"chart {i} is not wholly on the screenshot"
        seen, drawn = _agreement(crop, tpl)
        assert seen > 0.97 and drawn > 0.97, (i, seen, drawn)  # measured: 1.0 and 0.986 to 0.999
        places.append((y, x))
    assert places == sorted(places) and len(set(places)) == 12 and len({p[1] for p in places}) == 2  # two columns


# ---- the window ------------------------------------------------------------------------------------
def test_window_file_menu_exports_what_the_window_shows(demo_store, open_win, qtbot, tmp_path):
    from gui_helpers import answer_next_dialog, key, menu_action, press_button, settle
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QFileDialog
    from test_filter_truth import select_all_runs

    from chartdesk.gui.chart_grid import ChartGrid

    w = open_win(demo_store, "sweep", "lr0.1-seed0")
    select_all_runs(qtbot, w, 20)
    rt = w.runs_table
    qtbot.keyClicks(rt.filter_edit, "lr < 0.1")  # 10 of the 20 selected runs shown
    qtbot.waitUntil(lambda: rt.model.rowCount() == 10, timeout=10000)
    qtbot.keyClicks(rt.column_edit, "accuracy:max")
    qtbot.keyClick(rt.column_edit, Qt.Key.Key_Return)
    key(qtbot, w, "Ctrl+G")
    qtbot.keyClicks(rt.group_edit, "lr")
    qtbot.keyClick(rt.group_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.ws.groups() is not None and len(w.ws.groups()) == 2, timeout=10000)
    settle(qtbot, w)

    out = tmp_path / "shown"  # no suffix typed: the chosen filter's (HTML)

    def save_as(dlg):
        assert isinstance(dlg, QFileDialog)
        dlg.selectFile(str(out))
        dlg.accept()

    seen = answer_next_dialog(qtbot, save_as)
    file_menu = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "File")
    file_menu.aboutToShow.emit()  # what opening the menu does: the action is enabled while runs are shown
    menu_action(file_menu, "Export report…").trigger()
    assert seen, "no file dialog was shown"
    html_path = tmp_path / "shown.html"
    assert html_path.exists()
    assert w.statusBar().currentMessage() == f"Report: 2 charts, 10 runs -> {html_path}"
    page = Page(html_path.read_text())
    assert "10 of 20 runs" in page.meta and any("lr < 0.1" in m for m in page.meta)
    assert any(m.startswith("lr (2 groups") for m in page.meta)
    assert page.header[0] == "group" and page.header[-1] == "alias:accuracy:max"  # the runs table's columns
    assert sorted(r[1] for r in page.rows) == sorted(n for n in rt.model.names())  # what the table shows
    assert not any(r[1].startswith(("lr0.1-", "lr0.3-")) for r in page.rows)  # filtered out: not in the report
    assert [f["name"] for f in page.figures] == ["Eval accuracy", "Loss"]  # the tab in front
    for f in page.figures:
        legend = [t for t in f["texts"] if t.startswith("lr=")]
        assert legend == ["lr=0.01 (5 runs)", "lr=0.03 (5 runs)"]
        assert {r["group"] for r in csv_of(f["csv"], tmp_path)} == set(legend)

    def bad_place(dlg):  # a name that is no report: one line in a message box, nothing written
        dlg.selectFile(str(tmp_path / "notes.txt"))
        answer_next_dialog(qtbot, lambda box: (said.append(box.text()), press_button(qtbot, "OK")(box)))
        dlg.accept()

    said = []
    answer_next_dialog(qtbot, bad_place)
    menu_action(file_menu, "Export report…").trigger()
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert said == [f"{tmp_path / 'notes.txt'}: a report is written as .html or .pdf, not .txt"]
    assert not (tmp_path / "notes.txt").exists()

    # drawn off screen, never shown, and gone once the window's event loop runs again
    qtbot.waitUntil(lambda: not any(isinstance(t, ChartGrid) for t in QApplication.topLevelWidgets()), timeout=5000)
