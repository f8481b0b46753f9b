"""Issue 23 items 1-4: 20 and 45 runs a person can tell apart. Each run has one style (colour, and a
marker past the palette's 20 colours) in every chart, kept when runs are filtered out or others are
selected, and the same swatch in the tree, the runs table and the legend; the legend takes the rows
it needs (or stands beside the plot) and cuts what its names have in common, never what tells them
apart; the hover read-out is a table of every series under the pointer, sorted by value."""
from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from gui_helpers import chart, menu_action, settle
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage

from chartdesk import colors
from chartdesk.app.labels import common_parts, segments, shorten
from chartdesk.gui.legend import SWATCH, Legend

# ---- the palette: distinct colours, measured --------------------------------------------------


def _lab(hexes):
    rgb = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in hexes]) / 255.0
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def ciede2000(a, b):
    """CIEDE2000 colour difference of CIELAB colours (Sharma, Wu & Dalal 2005)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    L1, a1, b1 = a[..., 0], a[..., 1], a[..., 2]
    L2, a2, b2 = b[..., 0], b[..., 1], b[..., 2]
    cb = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(cb ** 7 / (cb ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dlp, dcp = L2 - L1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    dhp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lbp, cbp = (L1 + L2) / 2, (c1p + c2p) / 2
    hs = h1p + h2p
    hbp = np.where(np.abs(h1p - h2p) > 180, np.where(hs < 360, (hs + 360) / 2, (hs - 360) / 2), hs / 2)
    hbp = np.where(c1p * c2p == 0, hs, hbp)
    t = (1 - 0.17 * np.cos(np.radians(hbp - 30)) + 0.24 * np.cos(np.radians(2 * hbp))
         + 0.32 * np.cos(np.radians(3 * hbp + 6)) - 0.20 * np.cos(np.radians(4 * hbp - 63)))
    dtheta = 30 * np.exp(-(((hbp - 275) / 25) ** 2))
    rc = 2 * np.sqrt(cbp ** 7 / (cbp ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (lbp - 50) ** 2 / np.sqrt(20 + (lbp - 50) ** 2)
    sc, sh = 1 + 0.045 * cbp, 1 + 0.015 * cbp * t
    rt = -np.sin(np.radians(2 * dtheta)) * rc
    return np.sqrt((dlp / sl) ** 2 + (dcp / sc) ** 2 + (dhp / sh) ** 2 + rt * (dcp / sc) * (dhp / sh))


def test_ciede2000_here_agrees_with_sharmas_published_pairs():
    pairs = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425), ((50, 0, 0), (50, -1, 2), 2.3669),
             ((50, 2.5, 0), (73, 25, -18), 27.1492), ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
             ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082)]
    for a, b, want in pairs:
        assert abs(float(ciede2000(a, b)) - want) < 1e-4


def test_the_first_20_colours_are_far_apart_and_read_on_light_and_dark_plots():
    lab = _lab(colors.PALETTE)
    assert len(colors.PALETTE) == 20 == len(set(colors.PALETTE))
    d = ciede2000(lab[:, None, :], lab[None, :, :])
    np.fill_diagonal(d, np.inf)
    assert d.min() >= 17.0, d.min()  # 17.4; the palette before had 2.6 (two teals), Tableau 20 has 9.1
    # the first few (the runs of a small comparison) are farther apart still
    assert d[:5, :5].min() >= 30 and d[:10, :10].min() >= 20
    for background in ("#ffffff", "#1e1f22"):  # the light and the dark theme's plot background
        assert ciede2000(lab, _lab([background])[0]).min() >= 25


def test_the_style_rule_is_one_key_per_run_and_no_two_of_140_runs_share_a_style():
    styles = [colors.style(k) for k in range(140)]
    assert len(set(styles)) == 140
    assert all(s.marker is None for s in styles[:20]) and {s.marker for s in styles[20:40]} == {"o"}
    assert colors.style(23).color == colors.style(3).color and colors.style(23).marker != colors.style(3).marker


# ---- names that fit ---------------------------------------------------------------------------


def test_a_name_that_does_not_fit_loses_its_common_part_first():
    """The issue's case: "lr=0.0003, optimizer=...y -> pred_acc (pinned)" hid the optimizer."""
    labels = [f"lr={lr}, optimizer={opt} · accuracy → {ch} (pinned)"
              for lr in ("0.0003", "0.001") for opt in ("adam", "sgd_with_momentum") for ch in ("acc", "pred_acc")]
    pieces = segments(labels)
    assert [t for t, common in pieces[0] if common] == ["lr=", ", optimizer=", " · accuracy → ", " (pinned)"]
    assert [t for t, common in pieces[0] if not common] == ["0.0003", "adam", "acc"]

    def width(text):
        return len(text)

    def elide(text, side, room):
        room = int(room)
        if len(text) <= room:
            return text
        if side == "left":
            return "…" + text[len(text) - room + 1:]
        if side == "right":
            return text[:room - 1] + "…"
        return text[:(room - 1) // 2] + "…" + text[len(text) - (room - 1) // 2:]

    for label, p in zip(labels, pieces):
        distinct = [t for t, common in p if not common]
        for room in (len("…".join(distinct)) + 2, len(label) - 12, len(label) - 4):
            short = shorten(p, room, width, elide)
            assert len(short) <= room and all(d in short for d in distinct), (room, short)
        assert shorten(p, len(label), width, elide) == label
        # the common end goes first, then the longest common piece: " · accuracy → " before "optimizer="
        assert shorten(p, len(label) - 4, width, elide) == label.removesuffix(" (pinned)")
        assert shorten(p, len(label) - 12, width, elide) == label.removesuffix(" (pinned)").replace(" · accuracy → ", "…")
    # a number is never split: 0.0003 and 0.001 share "0.00" but no whole token
    assert common_parts(["lr=0.0003", "lr=0.001"]) == (3, 0)


# ---- in the window ----------------------------------------------------------------------------

LONG = "adamw_with_decoupled_weight_decay"


def _many(store, n: int, optimizer: str = LONG) -> list[str]:
    """A project of ``n`` runs (lr and a long optimizer name differ), each with loss and acc."""
    x = np.arange(0, 3000, 10.0)
    names = []
    for i in range(n):
        name = f"run-{i:02d}"
        store.create_experiment("many", name, params={"lr": [0.0003, 0.001, 0.003][i % 3],
                                                      "optimizer": f"{optimizer}_{i // 3}"}, state="succeeded")
        store.append("many", name, "loss", x, np.exp(-x / (400 + 40 * i)) + 0.01 * i)
        store.append("many", name, "pred_acc", x, 1 - np.exp(-x / (300 + 30 * i)) - 0.005 * i)
        names.append(name)
    store.set_alias("many", "accuracy", ["acc", "pred_acc"])
    store.set_chart_set("many", "Runs", [{"name": "Loss", "series": ["channel:loss"]},
                                         {"name": "Accuracy", "series": ["alias:accuracy"]}])
    return names


def _open_many(open_win, store, qtbot, n, select=None, optimizer=LONG, width=1600):
    names = _many(store, n, optimizer)
    w = open_win(store, "many", names[0])
    w.resize(width, 1000)
    w.ws.select_experiments(select if select is not None else names)
    loss, acc = chart(w, "Runs", "Loss"), chart(w, "Runs", "Accuracy")
    want = len(select if select is not None else names)
    qtbot.waitUntil(lambda: loss.drawn and acc.drawn and len(loss.curves) == len(acc.curves) == want, timeout=15000)
    settle(qtbot, w)
    return w, names, loss, acc


def _has_colour(img: QImage, colour: str, rect=None, tol: int = 40) -> bool:
    want = QColor(colour)
    r = rect if rect is not None else img.rect()
    for y in range(max(0, r.top()), min(img.height(), r.bottom() + 1)):
        for x in range(max(0, r.left()), min(img.width(), r.right() + 1)):
            p = img.pixelColor(x, y)
            if abs(p.red() - want.red()) + abs(p.green() - want.green()) + abs(p.blue() - want.blue()) <= tol:
                return True
    return False


def test_45_runs_each_keep_one_style_in_every_chart_and_when_others_are_filtered_out(store, open_win, qtbot):
    w, names, loss, acc = _open_many(open_win, store, qtbot, 45)
    style_of = {c.experiment: (c.color, c.marker) for c in loss.curves}
    assert len(set(style_of.values())) == 45  # no two runs look alike
    assert style_of == {c.experiment: (c.color, c.marker) for c in acc.curves}  # the same in every chart
    assert all(style_of[n] == (colors.style(i).color, colors.style(i).marker) for i, n in enumerate(names))
    # past the palette's 20 colours a run carries its marker along its line, and in its legend swatch
    late = next(c for c in loss.curves if c.experiment == "run-25")
    assert late.marker == "o" and late.marks is not None and len(late.marks.data) >= 3
    assert all(c.marks is None for c in loss.curves if names.index(c.experiment) < 20)
    # the filter box of the runs table hides some runs: the others keep their styles
    rt = w.runs_table
    qtbot.keyClicks(rt.filter_edit, "lr == 0.001")
    qtbot.waitUntil(lambda: loss.drawn and len(loss.curves) == 15, timeout=10000)
    assert {c.experiment: (c.color, c.marker) for c in loss.curves} == {
        n: style_of[n] for n in names if names.index(n) % 3 == 1}
    # and the swatches of the tree and the runs table are of the runs drawn, in their colours
    settle(qtbot, w)
    shown = {c.experiment for c in loss.curves}
    assert set(w.tree.model.swatches) == {("many", n) for n in shown}
    assert set(rt.model.swatches) == shown


def test_a_runs_swatch_in_the_tree_the_runs_table_and_the_legend_is_its_curves_colour(store, open_win, qtbot):
    pick = ["run-03", "run-07", "run-12"]
    w, names, loss, _acc = _open_many(open_win, store, qtbot, 20, pick)
    tree, rt = w.tree, w.runs_table
    for name in pick:
        colour = next(c.color for c in loss.curves if c.experiment == name)
        assert colour == colors.style(names.index(name)).color
        # the tree's row of the run shows it (what is painted on screen, not a role)
        idx = tree.proxy.mapFromSource(tree.model.experiment_index("many", name))
        tree.view.scrollTo(idx)
        rect = tree.view.visualRect(idx)
        assert _has_colour(tree.view.viewport().grab().toImage(), colour, rect), name
        # the legend entry of its curve
        row = next(i for i, c in enumerate(loss.curves) if c.experiment == name)
        lrect = loss.legend.visualItemRect(loss.legend.item(row))
        assert _has_colour(loss.legend.viewport().grab().toImage(), colour, lrect), name
    # the runs table (its tab brought up as a person would): the name cell of each drawn run
    w.runs_dock.raise_()
    qtbot.waitUntil(lambda: rt.model.rowCount() == 20, timeout=10000)
    img = rt.view.viewport().grab().toImage()
    for r in range(rt.model.rowCount()):
        name = rt.model.index(r, 0).data()
        rect = rt.view.visualRect(rt.model.index(r, 0))
        if name in pick:
            assert _has_colour(img, colors.style(names.index(name)).color, rect), name
    # a run not drawn has no swatch
    other = tree.proxy.mapFromSource(tree.model.experiment_index("many", "run-05"))
    assert not _has_colour(tree.view.viewport().grab().toImage(), colors.style(5).color, tree.view.visualRect(other))


def test_the_legend_takes_the_rows_it_needs_and_never_cuts_a_row(store, open_win, qtbot):
    _w, _names, loss, acc = _open_many(open_win, store, qtbot, 20)
    for c in (loss, acc):
        legend = c.legend
        sb = legend.verticalScrollBar()
        rows = {legend.visualItemRect(legend.item(i)).top() for i in range(legend.count())}
        assert legend.height() <= Legend.BELOW_SHARE * c.height() + 2
        assert min(rows) == 0  # the first row at the top (Qt left it empty when an entry was the view's width)
        with c.figure():  # in a picture every row is whole, the last one too
            last = legend.visualItemRect(legend.item(legend.count() - 1))
            assert last.bottom() < legend.viewport().height() and not legend.verticalScrollBar().isVisible()
        if not sb.isVisible():  # every row whole in view
            assert all(legend.viewport().rect().contains(legend.visualItemRect(legend.item(i)))
                       for i in range(legend.count())), len(rows)
        else:  # then whole rows in view and the rest a scroll away
            assert legend.viewport().height() % legend.row_height() <= 4
    # the card made shorter (View > Chart height > Small): still no row cut without a scrollbar
    w = _w
    w.height_actions["small"].trigger()
    settle(qtbot, w)
    for c in (loss, acc):
        legend = c.legend
        view = legend.viewport().rect()
        cut = [i for i in range(legend.count()) if legend.visualItemRect(legend.item(i)).intersects(view)
               and not view.contains(legend.visualItemRect(legend.item(i)))]
        assert not cut or legend.verticalScrollBar().isVisible(), cut
        assert legend.height() <= Legend.BELOW_SHARE * c.height() + 2


def test_a_long_name_keeps_what_tells_the_runs_apart_and_the_tooltip_has_it_whole(store, open_win, qtbot):
    _w, _names, _loss, acc = _open_many(open_win, store, qtbot, 20)
    legend = acc.legend
    labels, shown = legend.labels(), legend.shown_texts()
    assert labels[0].endswith(" · accuracy → pred_acc")
    for i, (label, text, pieces) in enumerate(zip(labels, shown, segments(labels))):
        assert all(t.strip() in text for t, common in pieces if not common), (label, text)  # lr, optimizer whole
        # ... and Qt does not cut it again: the entry is wider than its swatch and text
        room = legend.visualItemRect(legend.item(i)).width() - SWATCH.width() - 8
        assert legend.fontMetrics().horizontalAdvance(text) <= room, (text, room)
        assert legend.item(i).toolTip().startswith(label)


def test_the_legend_beside_the_plot_is_a_chart_option_saved_and_exported_whole(store, open_win, qtbot, tmp_path):
    w, _names, loss, _acc = _open_many(open_win, store, qtbot, 45, optimizer="adam", width=1900)
    menu_action(loss.menu, "Legend", "Beside the plot (where the names fit)").trigger()
    qtbot.waitUntil(lambda: store.chart_sets("many")["Runs"][0].get("legend") == "side", timeout=5000)
    loss = chart(w, "Runs", "Loss")
    qtbot.waitUntil(lambda: loss.drawn and loss.legend.side and loss.legend.isVisible(), timeout=10000)
    settle(qtbot, w)
    legend, plot = loss.legend, loss.plot
    assert legend.x() >= plot.x() + plot.width() and legend.width() <= Legend.SIDE_MOST * loss.width() + 1
    assert legend.verticalScrollBar().isVisible()  # 45 entries: more than the plot's height holds
    for label, text, pieces in zip(legend.labels(), legend.shown_texts(), segments(legend.labels())):
        assert all(t.strip() in text for t, common in pieces if not common), (label, text)  # told apart, whole
    svg = tmp_path / "side.svg"
    loss.export(str(svg))  # what Export SVG… writes once a file is chosen
    texts = ["".join(el.itertext()).strip() for el in ET.parse(svg).getroot().iter()
             if el.tag.rpartition("}")[2] == "text"]
    # every entry, named as on screen (beside the plot, a name loses its common part when it is too
    # long for the column: "… · loss")
    assert all(any(all(p.strip() in t for p, common in pieces if not common) for t in texts)
               for pieces in segments(legend.labels())), texts
    if shutil.which("rsvg-convert"):
        png = tmp_path / "side.png"
        subprocess.run(["rsvg-convert", str(svg), "-o", str(png)], check=True, timeout=60)
        img = QImage(str(png))
        assert img.height() > loss.height()  # the card grew by the rows out of view on screen
        last = next(c for c in loss.curves if c.experiment == "run-44")
        assert _has_colour(img, last.color, img.rect().adjusted(img.width() // 2, img.height() * 5 // 6, 0, 0))
    # a card too narrow for the names beside the plot keeps the legend under it, and says so
    w.resize(1000, 1000)
    qtbot.waitUntil(lambda: not loss.legend.side and "do not fit beside" in loss.note.full_text(), timeout=5000)
    w.resize(1900, 1000)
    qtbot.waitUntil(lambda: loss.legend.side and "beside" not in loss.note.full_text(), timeout=5000)
    # hidden, then under the plot again
    menu_action(loss.menu, "Legend", "Hidden").trigger()
    qtbot.waitUntil(lambda: not chart(w, "Runs", "Loss").legend.isVisible(), timeout=5000)
    menu_action(chart(w, "Runs", "Loss").menu, "Legend", "Under the plot").trigger()
    qtbot.waitUntil(lambda: "legend" not in store.chart_sets("many")["Runs"][0], timeout=5000)


# ---- the hover read-out ---------------------------------------------------------------------------


def _plot_point(c, fx=0.5, fy=0.5) -> QPoint:
    vb = c.plot.getPlotItem().getViewBox()
    r = c.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect()
    return QPoint(int(r.left() + fx * r.width()), int(r.top() + fy * r.height()))


@pytest.mark.parametrize("n", [20, 45])
def test_the_hover_table_lists_every_series_sorted_by_value_and_goes_when_the_pointer_leaves(
        store, open_win, qtbot, n):
    _w, _names, loss, _acc = _open_many(open_win, store, qtbot, n)
    pos = _plot_point(loss, 0.3, 0.4)
    qtbot.mouseMove(loss.plot.viewport(), pos)
    table = loss.readout
    qtbot.waitUntil(lambda: len(table.rows()) == n, timeout=3000)
    rows = table.rows()
    values = [float(r.value) for r in rows]
    assert values == sorted(values, reverse=True)  # highest first, as on the plot
    assert {r.label for r in rows} == {c.label for c in loss.curves}  # every series, none cut off
    assert [r.label for r in rows if r.nearest] == [loss.hovered().label]  # the nearest highlighted
    # the table is whole on the screen, beside the pointer and never under it
    screen = table.screen().availableGeometry()
    assert screen.contains(table.frameGeometry())
    assert not table.frameGeometry().contains(loss.plot.viewport().mapToGlobal(pos))
    # the pointer leaves the plot (onto the legend): no table
    qtbot.mouseMove(loss.legend.viewport(), loss.legend.viewport().rect().center())
    qtbot.waitUntil(lambda: not table.isVisible(), timeout=3000)
    assert table.rows() == [] and loss.hovered() is None


def test_a_groups_row_in_the_hover_table_has_its_band_and_count(demo_store, open_win, qtbot):
    w = open_win(demo_store, "sweep", None)
    w.ws.select_experiments(sorted(demo_store.experiments("sweep")))
    rt = w.runs_table
    rt.group_edit.setFocus()
    qtbot.keyClicks(rt.group_edit, "lr")
    qtbot.keyClick(rt.group_edit, Qt.Key.Key_Return)
    c = chart(w, "Sweep", "Loss")
    qtbot.waitUntil(lambda: c.drawn and c.grouped and len(c.curves) == 4, timeout=10000)
    settle(qtbot, w)
    qtbot.mouseMove(c.plot.viewport(), _plot_point(c, 0.3, 0.5))
    qtbot.waitUntil(lambda: len(c.readout.rows()) == 4, timeout=3000)
    for r in c.readout.rows():
        assert "(5 runs)" in r.label and "n=" in r.detail and "…" in r.detail
