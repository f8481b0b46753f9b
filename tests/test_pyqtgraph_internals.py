"""What ChartDesk relies on inside pyqtgraph (issue 18).

ChartDesk's chart code overrides pyqtgraph methods and reaches into attributes pyqtgraph does not
document (``chartdesk.gui.plot_items``: ChartViewBox, Line, YAxis, ChartPlot; the chart widget's
``_settle`` and ``_update_lines`` in ``chartdesk.gui.chart_card``; ``export.save_picture``). Each
test here checks, on real pyqtgraph objects built offscreen, that one such dependency still exists
and still behaves the way the override assumes, and its failure message names the override and
what to re-check. A pyqtgraph upgrade starts with this file: ``pytest tests/test_pyqtgraph_internals.py``.

The chart widget's code is not imported (it is being reorganised): what ``_settle`` does is done
here step by step, on a PlotWidget built with ChartDesk's own view box and axis.
"""
from __future__ import annotations

import inspect
import math
import weakref

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QPainter, QPicture
from PySide6.QtWidgets import QGraphicsGridLayout, QGraphicsSceneWheelEvent

from chartdesk.gui import plot_items
from chartdesk.gui.plot_items import ChartPlot, ChartViewBox, Line, YAxis

PINNED = "0.14.0"

OVERRIDES = """\
  plot_items.ChartViewBox.setRange            state['targetRange'/'autoVisibleOnly'/'autoRange'], _autoRangeNeedsUpdate
  plot_items.ChartViewBox.itemBoundsChanged   childGroup, _itemBoundsCache (the view moving reported as a bounds change)
  plot_items.ChartViewBox.childrenBounds      addedItems, childGroup, updateAutoRange calling it without items
  plot_items.ChartViewBox.wheelEvent          ViewBox.wheelEvent(ev, axis), AxisItem.wheelEvent passing axis=
  plot_items.ChartViewBox.mouseDragEvent      ViewBox.mouseDragEvent masking by state['mouseEnabled'],
                                              AxisItem passing axis=1
  plot_items.ChartViewBox.__init__            enableMenu=False builds no ViewBoxMenu
  plot_items.Line.viewTransformChanged        _boundingRect (PlotCurveItem.boundingRect's cache)
  plot_items.Line.setData / dataBounds        xData, yData, opts['pen'/'fillLevel'], dataBounds' masking rules
  plot_items.Line.pixelPadding / emphasize    pixelPadding read by boundingRect and ViewBox.childrenBounds
  plot_items.YAxis.tickStrings                logMode, log-mode tick values given as exponents
  plot_items.set_log_mode                     PlotItem.ctrl.logXCheck/logYCheck, AxisItem.logMode,
                                              a log axis painting 10**range
  plot_items.YAxis.tickValues (symlog)        AxisItem.tickValues(minVal, maxVal, size) -> [(spacing, values)]
  chart_card ChartWidget._right_box           AxisItem.linkToView, ViewBox.setXLink, linkedViewChanged (MultiplePlotAxes)
  plot_items.ChartPlot.paintEvent             GraphicsView.paintEvent (prepareForPaint) and backgroundBrush
  plot_items.YAxis.specs                      AxisItem.picture dropped (None) by every change of the axis
  chart_card ChartWidget._settle              _autoRangeNeedsUpdate, updateAutoRange, updateMatrix, AxisItem.picture,
                                              style['tickFont'], generateDrawSpecs, PlotItem.layout
  chart_card ChartWidget._update_lines        PlotDataItem.xData
  export.save_picture (SVG resolution)        axes and grid recorded as QPictures"""


def _broke(what: str, override: str, recheck: str) -> str:
    return (f"\npyqtgraph {pg.__version__} changed: {what}\n"
            f"  ChartDesk depends on it in: {override}\n"
            f"  Re-check: {recheck}")


@pytest.fixture
def make_plot(qapp):
    """Offscreen PlotWidgets built like a chart's (ChartDesk's view box and y axis by default),
    shown and painted once; closed after the test."""
    made = []

    def make(view_box=ChartViewBox, axis=YAxis, widget=pg.PlotWidget, size=(400, 300), show=True, **kwargs):
        pw = widget(viewBox=view_box(), axisItems={"left": axis(orientation="left")}, **kwargs)
        pw.resize(*size)
        made.append(pw)
        if show:
            pw.show()
            qapp.processEvents()
        return pw

    yield make
    for pw in made:
        pw.close()
        pw.deleteLater()
    qapp.processEvents()


def _vb(pw) -> pg.ViewBox:
    return pw.getPlotItem().getViewBox()


def _ramp_plot(make_plot, view_box, n=1000):
    """A view fitting y to the visible data, one line y = x over x in [0, n)."""
    pw = make_plot(view_box=view_box, show=False)
    vb = _vb(pw)
    vb.setAutoVisible(y=True)
    x = np.arange(float(n))
    line = Line(x, x.copy(), pen=pg.mkPen("r"))
    vb.addItem(line)
    pw.show()
    pg.QtWidgets.QApplication.processEvents()
    vb.prepareForPaint()  # whatever the first paint left to do
    vb.prepareForPaint()
    return pw, vb, line


def _fits(vb, lo, hi) -> bool:
    """y shows [lo, hi] (the visible data of y = x), with pyqtgraph's padding and no more."""
    y0, y1 = vb.viewRange()[1]
    return y0 <= lo and y1 >= hi and (y1 - y0) < 1.25 * (hi - lo)


# ---- the pin -------------------------------------------------------------------------------


def test_pyqtgraph_is_the_pinned_version():
    assert pg.__version__ == PINNED, (
        f"\npyqtgraph is {pg.__version__}, ChartDesk pins {PINNED} (pyproject.toml). Upgrading: run "
        f"tests/test_pyqtgraph_internals.py and re-check each override that reaches into pyqtgraph:\n{OVERRIDES}\n"
        f"then update PINNED in this file and the pin in pyproject.toml.")


# ---- ViewBox: private state ChartViewBox.setRange and _settle read and write --------------------


def test_viewbox_private_state_has_the_expected_shape(qapp):
    vb = pg.ViewBox()
    who = "plot_items.ChartViewBox.setRange / itemBoundsChanged / childrenBounds and chart_card ChartWidget._settle"
    assert isinstance(vb.__dict__.get("_autoRangeNeedsUpdate"), bool), _broke(
        "ViewBox has no bool attribute _autoRangeNeedsUpdate (the 'fit the range before the next paint' flag)",
        who, "the name of the flag prepareForPaint tests; ChartViewBox.setRange sets it, _settle reads it")
    assert isinstance(vb.__dict__.get("_itemBoundsCache"), weakref.WeakKeyDictionary), _broke(
        "ViewBox._itemBoundsCache is no longer a WeakKeyDictionary", "plot_items.ChartViewBox.itemBoundsChanged",
        "what ViewBox.itemBoundsChanged clears for an item (the override pops the child group from it)")
    assert isinstance(vb.childGroup, pg.ItemGroup) and vb.childGroup.parentItem() is vb, _broke(
        "ViewBox.childGroup is not the ItemGroup child of the view", "plot_items.ChartViewBox.itemBoundsChanged and "
        "childrenBounds", "which item carries the view transform and parents the added items")
    assert isinstance(vb.addedItems, list), _broke(
        "ViewBox.addedItems is not a list", "plot_items.ChartViewBox.childrenBounds",
        "where the view keeps the items that count for its autorange")
    state = vb.state
    for key in ("targetRange", "viewRange", "autoRange", "autoVisibleOnly"):
        assert key in state and len(state[key]) == 2, _broke(
            f"ViewBox.state[{key!r}] is missing or not a pair", "plot_items.ChartViewBox.setRange",
            "the state keys the override reads")
    vb.setAutoVisible(y=True)
    assert state["autoVisibleOnly"] == [False, True], _broke(
        "setAutoVisible(y=True) no longer gives state['autoVisibleOnly'] == [False, True]",
        "plot_items.ChartViewBox.setRange (state['autoVisibleOnly'][1])", "how 'y fits the visible data' is stored")
    vb.enableAutoRange(y=False)
    assert state["autoRange"][1] is False, _broke(
        "enableAutoRange(y=False) no longer stores False in state['autoRange'][1]",
        "plot_items.ChartViewBox.setRange (state['autoRange'][1] is not False)", "how a disabled autorange is stored")
    vb.enableAutoRange(y=True)
    assert state["autoRange"][1] not in (False, None), _broke(
        "an enabled autorange is no longer stored as a number in state['autoRange']",
        "plot_items.ChartViewBox.setRange", "how an enabled autorange is stored")
    vb.setXRange(3.0, 7.0, padding=0)
    assert state["targetRange"][0] == [3.0, 7.0], _broke(
        "setXRange(3, 7, padding=0) no longer leaves state['targetRange'][0] == [3.0, 7.0]",
        "plot_items.ChartViewBox.setRange (compares state['targetRange'][0] before and after)",
        "where the requested x range is kept")


def test_viewbox_methods_keep_the_signatures_chartdesk_calls_and_overrides():
    expected = {
        "setRange": ["rect", "xRange", "yRange", "padding", "update", "disableAutoRange"],
        "childrenBounds": ["frac", "orthoRange", "items"],
        "itemBoundsChanged": ["item"],
        "wheelEvent": ["ev", "axis"],
        "updateAutoRange": [],
        "updateMatrix": ["changed"],
        "prepareForPaint": [],
    }
    for name, params in expected.items():
        got = list(inspect.signature(getattr(pg.ViewBox, name)).parameters)[1:]
        assert got == params, _broke(
            f"ViewBox.{name}{tuple(got)} (was {tuple(params)})",
            f"plot_items.ChartViewBox.{name}" if hasattr(ChartViewBox, name) and name in ChartViewBox.__dict__
            else "chart_card ChartWidget._settle", f"the override or call of ViewBox.{name} against the new signature")


def test_prepare_for_paint_is_what_settle_does_before_painting(make_plot):
    """_settle copies ViewBox.prepareForPaint (fit if _autoRangeNeedsUpdate, then updateMatrix) so that
    the first paint finds nothing left to do."""
    pw = make_plot(view_box=pg.ViewBox)
    vb = _vb(pw)
    line = pg.PlotCurveItem(np.arange(10.0), np.arange(10.0))
    vb.addItem(line)
    vb.prepareForPaint()
    line.setData(np.arange(10.0), np.arange(10.0) * 100)
    vb._autoRangeNeedsUpdate = False
    before = vb.viewRange()
    vb.prepareForPaint()
    assert vb.viewRange() == before, _broke(
        "prepareForPaint fitted the range although _autoRangeNeedsUpdate was False",
        "chart_card ChartWidget._settle (fits only when vb._autoRangeNeedsUpdate) and plot_items.ChartViewBox.setRange "
        "(marks a fit by setting it)", "which flag prepareForPaint tests before fitting")
    vb._autoRangeNeedsUpdate = True
    vb.prepareForPaint()
    assert vb.viewRange()[1][1] >= 900, _broke(
        "prepareForPaint did not fit the range with _autoRangeNeedsUpdate True", "chart_card ChartWidget._settle",
        "how pyqtgraph defers the autorange to the paint")

    # _settle's steps, then a paint: nothing moves, nothing asks for another paint
    pw2 = make_plot()
    vb2 = _vb(pw2)
    vb2.addItem(Line(np.arange(10.0), np.arange(10.0) * 7, pen=pg.mkPen("r")))
    if vb2._autoRangeNeedsUpdate:
        vb2.updateAutoRange()
    vb2.updateMatrix()
    assert not vb2._autoRangeNeedsUpdate and not vb2._matrixNeedsUpdate, _broke(
        "after updateAutoRange() and updateMatrix() the view still has a fit or a transform pending",
        "chart_card ChartWidget._settle", "what else prepareForPaint does now (the chart would be painted twice)")
    moved = []
    vb2.sigRangeChanged.connect(lambda *a: moved.append("range"))
    vb2.sigTransformChanged.connect(lambda *a: moved.append("transform"))
    vb2.prepareForPaint()
    assert moved == [], _broke(
        f"prepareForPaint after _settle's steps still changed the view ({moved})", "chart_card ChartWidget._settle",
        "what prepareForPaint does besides updateAutoRange and updateMatrix")


# ---- ViewBox: one paint per pan step (ChartViewBox.setRange, itemBoundsChanged) ---------------------


def test_pyqtgraph_marks_y_for_fitting_only_when_x_is_auto_ranged(make_plot):
    """ChartViewBox.setRange's comment: a change of x marks y (autoVisible) for fitting only when x is
    auto-ranged, and the paint's transform update asks for the fit and a second paint."""
    _pw, vb, _line = _ramp_plot(make_plot, pg.ViewBox)
    vb.enableAutoRange(x=False)
    vb._autoRangeNeedsUpdate = False
    vb.setXRange(100, 200, padding=0)
    assert vb._autoRangeNeedsUpdate is False, _broke(
        "ViewBox.setRange now marks y (visible data only) for fitting when x changes with x not auto-ranged",
        "plot_items.ChartViewBox.setRange (sets _autoRangeNeedsUpdate itself for exactly that case)",
        "whether the override is still needed; drop it if pyqtgraph now fits y in the same paint")
    vb.prepareForPaint()  # the first paint: draws the old y, and its transform update asks for a fit
    assert not _fits(vb, 100, 200) and vb._autoRangeNeedsUpdate is True, _broke(
        "the first paint after an x pan no longer leaves y unfitted with a second fit pending",
        "plot_items.ChartViewBox.setRange and itemBoundsChanged (one paint per pan step)",
        "whether pyqtgraph now fits y to a new x range in one paint (then both overrides can go)")
    vb.prepareForPaint()
    assert _fits(vb, 100, 200), _broke(
        "the second paint after an x pan did not fit y to the visible data", "plot_items.ChartViewBox.setRange",
        "how autoVisibleOnly fits y")


@pytest.mark.parametrize("move", ["setXRange", "translateBy", "scaleBy"])
def test_chart_view_box_fits_y_to_a_new_x_range_in_the_same_paint(make_plot, move):
    """What ChartViewBox.setRange gives: any x change (setXRange, a drag's translateBy, the wheel's
    scaleBy all go through setRange) fits y to the visible data and sets the view's transform at
    once, so the paint that follows changes nothing and is the only one."""
    _pw, vb, _line = _ramp_plot(make_plot, ChartViewBox)
    vb.setXRange(100, 200, padding=0)
    vb.updateAutoRange()
    vb.updateMatrix()
    assert vb._autoRangeNeedsUpdate is False
    if move == "setXRange":
        vb.setXRange(300, 400, padding=0)
    elif move == "translateBy":
        vb.translateBy(x=200)
    else:
        vb.scaleBy(x=2.0, center=QPointF(150, 0))
    x0, x1 = vb.viewRange()[0]
    assert x0 > 40 and x1 < 460, f"the {move} did not move x as expected: {x0, x1}"
    assert vb._autoRangeNeedsUpdate is False and _fits(vb, x0, x1), _broke(
        f"ViewBox.{move} no longer goes through setRange, or updateAutoRange() no longer fits y to the visible "
        f"x {x0:.0f}..{x1:.0f} (y is {vb.viewRange()[1]})", "plot_items.ChartViewBox.setRange and childrenBounds",
        "the path every x change takes (pan, wheel, setXRange) and how updateAutoRange asks for the data's bounds")
    assert vb._matrixNeedsUpdate is False, _broke(
        f"the view's transform is still pending after a {move}", "plot_items.ChartViewBox.setRange (updateMatrix)",
        "what updateMatrix does (a transform set while painting asks for a second paint)")
    moved = []
    vb.sigRangeChanged.connect(lambda *a: moved.append("range"))
    vb.sigTransformChanged.connect(lambda *a: moved.append("transform"))
    vb.prepareForPaint()  # the paint's own fit and transform update
    assert moved == [] and vb._autoRangeNeedsUpdate is False, _broke(
        f"the paint after a {move} still changed the view ({moved})", "plot_items.ChartViewBox.itemBoundsChanged",
        "which item reports the view moving (it was childGroup)")


def test_chart_view_box_leaves_y_alone_when_y_is_not_auto_ranged(make_plot):
    _pw, vb, _line = _ramp_plot(make_plot, ChartViewBox)
    vb.enableAutoRange(y=False)
    vb._autoRangeNeedsUpdate = False
    vb.setXRange(100, 200, padding=0)
    assert vb._autoRangeNeedsUpdate is False, _broke(
        "after setRange with y not auto-ranged a fit is pending", "plot_items.ChartViewBox.setRange",
        "state['autoRange'][1] is False for a y the user zoomed")


def test_the_child_groups_transform_change_is_reported_as_an_item_bounds_change(make_plot):
    """pyqtgraph's ChildGroup means to stop reporting its own transform changes
    (``self._GraphicsObject__inform_view_on_change = False``) but GraphicsObject reads
    ``__inform_view_on_changes`` (with an s): every updateMatrix calls itemBoundsChanged(childGroup),
    which queues another fit and paint. ChartViewBox.itemBoundsChanged drops that call."""
    _pw, vb, _line = _ramp_plot(make_plot, pg.ViewBox)
    seen = []
    original = vb.itemBoundsChanged
    vb.itemBoundsChanged = lambda item: (seen.append(item), original(item))
    vb.enableAutoRange(x=False, y=False)
    vb.setXRange(10, 20, padding=0)
    vb.updateMatrix()
    assert any(item is vb.childGroup for item in seen), _broke(
        "updateMatrix no longer reports the child group's transform change through itemBoundsChanged(childGroup) "
        "(ChildGroup's _GraphicsObject__inform_view_on_change flag now takes effect?)",
        "plot_items.ChartViewBox.itemBoundsChanged", "whether the override is still needed; drop it if not")

    _pw2, cvb, line = _ramp_plot(make_plot, ChartViewBox)
    cvb._itemBoundsCache[cvb.childGroup] = "stale"
    cvb._autoRangeNeedsUpdate = False
    cvb.setXRange(10, 20, padding=0)
    cvb.updateAutoRange()
    cvb.updateMatrix()
    assert cvb._autoRangeNeedsUpdate is False and cvb.childGroup not in cvb._itemBoundsCache, _broke(
        "ChartViewBox's transform update still queued a fit, or left the child group in _itemBoundsCache",
        "plot_items.ChartViewBox.itemBoundsChanged", "how ViewBox.itemBoundsChanged and _itemBoundsCache work now")
    line.setData(np.arange(10.0), np.arange(10.0) * 3)
    assert cvb._autoRangeNeedsUpdate is True, _broke(
        "a line's new data no longer queues a fit through itemBoundsChanged", "plot_items.ChartViewBox.itemBoundsChanged "
        "(hands every item but the child group to pyqtgraph)", "how data changes reach the autorange")


# ---- ViewBox: the union of the lines' bounds (ChartViewBox.childrenBounds) -------------------------


def test_update_auto_range_asks_children_bounds_without_items(make_plot):
    _pw, vb, _line = _ramp_plot(make_plot, ChartViewBox)
    calls = []
    original = vb.childrenBounds

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    vb.childrenBounds = spy
    vb.setXRange(100, 200, padding=0)
    vb.updateAutoRange()
    assert calls, _broke("updateAutoRange no longer calls self.childrenBounds", "plot_items.ChartViewBox.childrenBounds",
                         "where the autorange gets its data bounds now (the override would be dead code)")
    for args, kwargs in calls:
        items = kwargs.get("items", args[2] if len(args) > 2 else None)
        assert items is None, _broke(
            "updateAutoRange passes items= to childrenBounds", "plot_items.ChartViewBox.childrenBounds (its fast path "
            "runs only when items is None)", "the call in ViewBox.updateAutoRange")
        ortho = kwargs.get("orthoRange", args[1] if len(args) > 1 else None)
        assert ortho is not None and ortho[0] is None and list(ortho[1]) == pytest.approx([100, 200]), _broke(
            f"updateAutoRange asked the bounds of y with orthoRange={ortho}, not (None, visible x)",
            "plot_items.ChartViewBox.childrenBounds and Line.dataBounds (y in an x range by bisection)",
            "the meaning of orthoRange")


def test_addItem_parents_items_to_the_child_group_and_lists_those_that_count(qapp):
    vb = ChartViewBox()
    counted, ignored = Line(np.arange(3.0), np.arange(3.0)), pg.InfiniteLine(pos=1)
    vb.addItem(counted)
    vb.addItem(ignored, ignoreBounds=True)
    assert counted.parentItem() is vb.childGroup and counted in vb.addedItems, _broke(
        "addItem no longer parents the item to childGroup and lists it in addedItems",
        "plot_items.ChartViewBox.childrenBounds (takes Lines parented to childGroup from addedItems directly)",
        "where added items live")
    assert ignored not in vb.addedItems, _broke(
        "addItem(ignoreBounds=True) lists the item in addedItems", "plot_items.ChartViewBox.childrenBounds "
        "(the hover line and restart marks must not count)", "how ignoreBounds is kept")


@pytest.mark.parametrize("ortho", [(None, None), (None, [20.0, 40.0]), (None, [150.0, 500.0]), ([0.0, 1.0], None)])
def test_chart_children_bounds_equal_pyqtgraphs(make_plot, ortho):
    """ChartViewBox.childrenBounds is pyqtgraph's union (pixel margins included) with plain Lines taken
    without mapping: on a chart's items it gives what pyqtgraph's own childrenBounds gives."""
    pw = make_plot(show=False)
    vb = _vb(pw)
    rng = np.random.default_rng(7)
    x = np.arange(200.0)
    for k in range(4):
        y = rng.normal(size=200) * (k + 1) + k
        y[17 * (k + 1)] = np.nan
        line = Line(x, y, pen=pg.mkPen("r", width=k + 1), connect="finite")
        vb.addItem(line)
        if k == 2:
            line.setVisible(False)
    lo = pg.PlotCurveItem(x, np.sin(x) - 3, pen=None)  # a group's band edges: plain curves without a pen
    hi = pg.PlotCurveItem(x, np.sin(x) + 3, pen=None)
    hi.setPos(5, 0)  # moved: through pyqtgraph's mapping
    vb.addItem(lo)
    vb.addItem(hi)
    vb.addItem(pg.FillBetweenItem(lo, hi, brush=pg.mkBrush("#8888ff")))
    vb.addItem(pg.InfiniteLine(pos=1e6, angle=90), ignoreBounds=True)
    pw.show()
    pg.QtWidgets.QApplication.processEvents()
    ours = vb.childrenBounds(frac=(1.0, 1.0), orthoRange=ortho)
    theirs = pg.ViewBox.childrenBounds(vb, (1.0, 1.0), ortho, None)
    for ax in (0, 1):
        assert (ours[ax] is None) == (theirs[ax] is None), _broke(
            f"childrenBounds axis {ax} with orthoRange={ortho}: ChartDesk {ours[ax]}, pyqtgraph {theirs[ax]}",
            "plot_items.ChartViewBox.childrenBounds", "pyqtgraph's rules for items without bounds on an axis")
        if ours[ax] is not None:
            assert ours[ax] == pytest.approx(theirs[ax], rel=1e-9, abs=1e-9), _broke(
                f"childrenBounds axis {ax} with orthoRange={ortho}: ChartDesk {ours[ax]}, pyqtgraph {theirs[ax]}",
                "plot_items.ChartViewBox.childrenBounds (re-implements the union and the pixel margins for Lines)",
                "ViewBox.childrenBounds: how it unites bounds and adds pixelPadding()")


# ---- PlotCurveItem: bounds kept across view changes (Line) ---------------------------------------


def test_plot_curve_item_forgets_its_bounds_on_every_view_change(qapp):
    """Line's docstring: PlotCurveItem forgets its data bounds on every view change."""
    c = pg.PlotCurveItem(np.arange(5.0), np.arange(5.0) ** 2)
    assert c.dataBounds(1) == (0.0, 16.0)
    c.boundingRect()
    assert c._boundsCache[1] is not None and isinstance(c._boundingRect, pg.QtCore.QRectF), _broke(
        "PlotCurveItem no longer caches bounds in _boundsCache / _boundingRect",
        "plot_items.Line.viewTransformChanged (resets only _boundingRect)",
        "the names of PlotCurveItem's bounds caches")
    c.viewTransformChanged()
    assert c._boundsCache == [None, None] and c._boundingRect is None, _broke(
        "PlotCurveItem.viewTransformChanged no longer forgets the data bounds",
        "plot_items.Line.viewTransformChanged (and Line.dataBounds' own cache)",
        "whether pyqtgraph keeps data bounds across view changes itself now; Line's caching may be redundant")


def test_line_keeps_its_data_bounds_and_refits_its_rectangle_when_the_view_moves(make_plot, monkeypatch):
    pw = make_plot(show=False)
    vb = _vb(pw)
    x = np.linspace(0.0, 100.0, 500)
    line = Line(x, np.sin(x), pen=pg.mkPen("r", width=2))
    plain = pg.PlotCurveItem(x, np.sin(x), pen=pg.mkPen("r", width=2))
    vb.addItem(line)
    vb.addItem(plain)
    pw.show()
    pg.QtWidgets.QApplication.processEvents()
    vb.enableAutoRange(x=False, y=False)
    before = line.boundingRect()  # also fills Line's bounds cache
    computed = []
    original = pg.PlotCurveItem.dataBounds
    monkeypatch.setattr(pg.PlotCurveItem, "dataBounds",
                        lambda self, *a, **k: (computed.append(self), original(self, *a, **k))[1])
    vb.setRange(xRange=(10, 20), yRange=(-2, 2), padding=0)
    vb.updateMatrix()  # emits sigTransformChanged -> viewTransformChanged
    assert line._boundingRect is None, _broke(
        "a view transform change no longer reaches Line.viewTransformChanged", "plot_items.Line.viewTransformChanged",
        "the signal that tells items the view moved (sigTransformChanged)")
    moved, fresh = line.boundingRect(), plain.boundingRect()
    assert not any(c is line for c in computed), _broke(
        "Line's data bounds were recomputed after a view change (boundingRect no longer goes through dataBounds, "
        "or Line.dataBounds' cache was bypassed)", "plot_items.Line.viewTransformChanged / dataBounds",
        "how PlotCurveItem.boundingRect gets the data bounds")
    assert moved != before and moved == fresh, _broke(
        f"Line's rectangle after the view moved is {moved} (before: {before}), pyqtgraph's curve gives {fresh}",
        "plot_items.Line.viewTransformChanged (sets _boundingRect = None so boundingRect recomputes the pixel margin)",
        "PlotCurveItem.boundingRect's cache and what it depends on")


def test_setData_stores_the_data_as_arrays_and_resets_bounds(qapp):
    line = Line(np.arange(4.0), np.arange(4.0))
    assert line.dataBounds(1, 1.0, (0.0, 3.0)) == (0.0, 3.0)
    line.setData([0.0, 1.0, 2.0], [5.0, -1.0, 9.0])
    assert isinstance(line.xData, np.ndarray) and isinstance(line.yData, np.ndarray), _broke(
        "PlotCurveItem.setData no longer keeps the data as ndarray attributes xData / yData",
        "plot_items.Line.setData (x sortedness) and Line.dataBounds (bisection on xData/yData)",
        "where PlotCurveItem keeps its data (getData() is the public way)")
    assert list(line.xData) == [0.0, 1.0, 2.0] and list(line.yData) == [5.0, -1.0, 9.0]
    assert line.getData()[0] is line.xData and line._x_sorted is True
    assert line.dataBounds(1, 1.0, (0.0, 3.0)) == (-1.0, 9.0), "Line.setData no longer resets Line's bounds cache"
    assert isinstance(line.opts["pen"], pg.QtGui.QPen) and "fillLevel" in line.opts, _broke(
        "PlotCurveItem.opts lost 'pen' (a QPen) or 'fillLevel'", "plot_items.Line.dataBounds (fast path conditions)",
        "where the pen and fill level are kept")


@pytest.mark.parametrize("x_kind", ["steps", "ties"])
def test_bisected_y_bounds_equal_pyqtgraphs_mask(qapp, monkeypatch, x_kind):
    """Line.dataBounds(1, 1.0, x range) takes the points in range by bisection of sorted x
    (plot_items.y_bounds_in) instead of pyqtgraph's mask: the same answer, at the edges too."""
    rng = np.random.default_rng(3)
    x = np.arange(300.0) if x_kind == "steps" else np.repeat(np.arange(100.0), 3)
    y = rng.normal(size=300) * 10
    y[[5, 50, 51, 200]] = np.nan
    y[[60, 61]] = [np.inf, -np.inf]
    y[100:130] = np.nan  # a range of only NaN
    bisected = []
    original = plot_items.y_bounds_in
    monkeypatch.setattr(plot_items, "y_bounds_in", lambda *a: (bisected.append(a), original(*a))[1])
    ours, theirs = Line(x, y, pen=pg.mkPen("r")), pg.PlotCurveItem(x, y, pen=pg.mkPen("r"))
    ranges = [(0.0, 299.0), (5.0, 5.0), (50.0, 61.0), (100.0, 110.0), (10.5, 12.5), (-50.0, -1.0), (295.0, 1e9),
              (34.0, 34.0), (99.0, 100.0)]
    for lo, hi in ranges:
        want = theirs.dataBounds(1, 1.0, (lo, hi))
        got = ours.dataBounds(1, 1.0, (lo, hi))
        if not _bounded(want):  # pyqtgraph: (None, None), or (nan, nan) for only NaN in range; both mean none
            assert got == (None, None), _broke(
                f"pyqtgraph gives {want} for y in x {lo}..{hi}, Line gives {got}", "plot_items.Line.dataBounds / "
                "y_bounds_in", "what PlotCurveItem.dataBounds returns when no finite point is in range")
        else:
            assert got == pytest.approx(want), _broke(
                f"pyqtgraph gives {want} for y in x {lo}..{hi}, Line's bisection gives {got}",
                "plot_items.Line.dataBounds / y_bounds_in (inclusive x edges, NaN and inf skipped)",
                "PlotCurveItem.dataBounds' masking (orthoRange) and its NaN/inf rules")
    assert len(bisected) == len(ranges), _broke(
        "Line.dataBounds did not take the bisection path for a cosmetic pen without fill",
        "plot_items.Line.dataBounds", "opts['pen'].isCosmetic() and opts['fillLevel'] (pg.mkPen pens are cosmetic?)")


def _bounded(b) -> bool:
    return b[0] is not None and b[1] is not None and math.isfinite(b[0]) and math.isfinite(b[1])


def test_pyqtgraph_widens_bounds_only_for_fill_levels_and_non_cosmetic_pens(qapp):
    """Line's bisection is taken only when pyqtgraph would not change the bounds: no fill level and a
    cosmetic pen (pg.mkPen's kind). pyqtgraph's other cases still widen them, and Line matches there."""
    x, y = np.arange(10.0), np.arange(10.0)
    assert pg.mkPen("r").isCosmetic() and pg.mkPen("r", width=3).isCosmetic(), _broke(
        "pg.mkPen no longer makes cosmetic pens", "plot_items.Line.dataBounds (bisection only for cosmetic pens)",
        "the pens ChartDesk draws with; without cosmetic pens every pan frame goes back to pyqtgraph's mask")
    cosmetic = pg.PlotCurveItem(x, y, pen=pg.mkPen("r", width=5))
    assert cosmetic.dataBounds(1, 1.0, (2.0, 4.0)) == (2.0, 4.0), _broke(
        "PlotCurveItem.dataBounds widens y bounds for a cosmetic pen", "plot_items.Line.dataBounds",
        "which pens pyqtgraph adds to the data bounds")
    wide = pg.mkPen("r", width=2)
    wide.setCosmetic(False)
    cases = {"fillLevel": dict(pen=pg.mkPen("r"), fillLevel=-5.0), "non-cosmetic pen": dict(pen=wide)}
    for name, kwargs in cases.items():
        theirs = pg.PlotCurveItem(x, y, **kwargs).dataBounds(1, 1.0, (2.0, 4.0))
        assert theirs != (2.0, 4.0), _broke(
            f"PlotCurveItem.dataBounds no longer widens y bounds for a {name}", "plot_items.Line.dataBounds "
            "(its fast-path conditions mirror these cases)", "whether the conditions can be relaxed")
        assert Line(x, y, **kwargs).dataBounds(1, 1.0, (2.0, 4.0)) == pytest.approx(theirs), _broke(
            f"Line's y bounds with a {name} differ from pyqtgraph's", "plot_items.Line.dataBounds", "the slow path")


def test_pixel_padding_is_what_pyqtgraph_pads_bounds_with(make_plot):
    """Line.emphasize keeps the pixel padding of the line's own pen, because pyqtgraph pads a curve by
    its cosmetic pen's width (a wider highlight pen moved the autorange)."""
    thin, thick = pg.PlotCurveItem(pen=pg.mkPen("r", width=1)), pg.PlotCurveItem(pen=pg.mkPen("r", width=3))
    assert thick.pixelPadding() > thin.pixelPadding() > 0, _broke(
        "PlotCurveItem.pixelPadding no longer grows with the cosmetic pen's width",
        "plot_items.Line.emphasize / pixelPadding", "whether holding the padding while hovering is still needed")
    pw = make_plot(view_box=pg.ViewBox, show=False)
    vb = _vb(pw)
    c = pg.PlotCurveItem(np.arange(10.0), np.arange(10.0), pen=pg.mkPen("r"))
    vb.addItem(c)
    pw.show()
    pg.QtWidgets.QApplication.processEvents()
    before = vb.childrenBounds()[1]
    c.pixelPadding = lambda: 40.0
    after = vb.childrenBounds()[1]
    assert after[1] - after[0] > before[1] - before[0], _broke(
        "ViewBox.childrenBounds no longer pads bounds by item.pixelPadding()", "plot_items.Line.pixelPadding "
        "(and ChartViewBox.childrenBounds, which does the same)", "how pyqtgraph adds pixel margins")

    pw2 = make_plot(show=False)
    cvb = _vb(pw2)
    line = Line(np.arange(10.0), np.arange(10.0), pen=pg.mkPen("r", width=1))
    cvb.addItem(line)
    pw2.show()
    pg.QtWidgets.QApplication.processEvents()
    plain_bounds, plain_pad = cvb.childrenBounds(), line.pixelPadding()
    line.emphasize(pg.mkPen("r", width=3))
    assert line.pixelPadding() == plain_pad and cvb.childrenBounds() == plain_bounds, _broke(
        "a hovered line's bounds moved", "plot_items.Line.emphasize / pixelPadding", "PlotCurveItem.setPen and pixelPadding")
    theirs = pg.ViewBox.childrenBounds(cvb, None, (None, None), None)
    assert all(theirs[ax] == pytest.approx(plain_bounds[ax]) for ax in (0, 1)), _broke(
        "pyqtgraph's childrenBounds does not use Line.pixelPadding", "plot_items.Line.pixelPadding",
        "the name of the method ViewBox.childrenBounds asks for the pixel margin")
    line.plain(pg.mkPen("r", width=1))
    assert line.pixelPadding() == plain_pad


# ---- AxisItem: sized before the first paint (_settle), log labels (YAxis) --------------------------


def test_axis_picture_is_none_until_painted_then_a_qpicture(make_plot):
    pw = make_plot(show=False)
    axis = pw.getPlotItem().getAxis("left")
    assert "picture" in axis.__dict__ and axis.picture is None, _broke(
        "a new AxisItem has no attribute picture = None", "chart_card ChartWidget._settle (sizes only axes whose "
        "picture is None)", "how AxisItem caches its drawing")
    pw.show()
    pw.grab()
    assert isinstance(axis.picture, QPicture), _broke(
        f"a painted AxisItem's picture is {type(axis.picture).__name__}, not a QPicture",
        "chart_card ChartWidget._settle and export.save_picture (an SVG at the screen's resolution, because a QPicture "
        "played on a device of another resolution is scaled)", "how axes and grid are drawn into an SVG")
    axis.setTextPen("#ff0000")
    assert axis.picture is None, _broke(
        "a style change no longer resets AxisItem.picture", "chart_card ChartWidget._settle", "AxisItem's cache")
    assert "tickFont" in axis.style, _broke(
        "AxisItem.style has no 'tickFont'", "chart_card ChartWidget._settle (sets the painter's font from it)",
        "where the tick font is kept")
    font = pg.QtGui.QFont("Sans", 14)
    axis.setTickFont(font)
    assert axis.style["tickFont"] == font


def test_grid_lines_are_drawn_by_the_axes(make_plot):
    pw = make_plot()
    item = pw.getPlotItem()
    item.showGrid(x=True, y=True, alpha=0.15)
    assert item.getAxis("left").grid and item.getAxis("bottom").grid, _broke(
        "PlotItem.showGrid no longer hands the grid to the axes", "export.save_picture (setResolution: the grid, "
        "like the axes, is a QPicture scaled by the ratio of resolutions)", "what draws the grid and how")
    assert not any(isinstance(it, pg.GridItem) for it in pw.scene().items())


@pytest.mark.parametrize("side", ["left", "bottom"])
def test_generate_draw_specs_sizes_the_axis_to_its_labels_before_painting(make_plot, side):
    """_settle: pyqtgraph learns how wide (tall) an axis' labels are only while painting it, and resizes
    the axis then (another paint); generateDrawSpecs(painter) before the first paint does it now."""
    def build():
        pw = make_plot(show=False)
        item = pw.getPlotItem()
        xy = np.array([1e6, 1.23456e7])
        item.addItem(Line(xy, xy, pen=pg.mkPen("r")))
        if side == "bottom":
            item.getAxis("bottom").setTickFont(pg.QtGui.QFont("Sans", 30))
        pw.show()
        return pw, item, item.getAxis(side)

    def size(axis):
        return axis.minimumWidth() if side == "left" else axis.minimumHeight()

    pw, item, axis = build()
    first = size(axis)
    pw.grab()
    assert size(axis) > first, _broke(
        f"painting the {side} axis no longer resizes it to its labels", "chart_card ChartWidget._settle",
        "whether pyqtgraph now sizes axes before painting (then _settle's generateDrawSpecs can go)")

    pw, item, axis = build()
    first = size(axis)
    vb = item.getViewBox()
    if vb._autoRangeNeedsUpdate:
        vb.updateAutoRange()
    vb.updateMatrix()
    assert axis.picture is None
    image = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        if axis.style["tickFont"]:
            painter.setFont(axis.style["tickFont"])
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    assert isinstance(specs, tuple) and len(specs) == 3, _broke(
        "AxisItem.generateDrawSpecs(painter) no longer returns (axisSpec, tickSpecs, textSpecs)",
        "chart_card ChartWidget._settle", "generateDrawSpecs (documented as private in 0.14)")
    settled = size(axis)
    assert settled > first, _broke(
        f"generateDrawSpecs did not resize the {side} axis to its labels ({first} -> {settled})",
        "chart_card ChartWidget._settle ('resizes the axis to its labels')",
        "where AxisItem updates textWidth/textHeight (_updateMaxTextSize) now")
    assert isinstance(item.layout, QGraphicsGridLayout), _broke(
        "PlotItem.layout is not a QGraphicsGridLayout", "chart_card ChartWidget._settle (item.layout.activate())",
        "how PlotItem lays out its axes and view")
    item.layout.activate()
    current = axis.width() if side == "left" else axis.height()
    assert current == pytest.approx(settled), f"layout.activate() did not give the {side} axis its new size"
    pw.grab()
    assert size(axis) == settled, _broke(
        f"the first paint after _settle's steps resized the {side} axis again ({settled} -> {size(axis)})",
        "chart_card ChartWidget._settle", "what AxisItem.paint measures that generateDrawSpecs did not")


def test_log_axis_asks_tick_strings_for_exponents(make_plot, monkeypatch):
    """YAxis.tickStrings reads self.logMode and takes the values of a log axis as exponents (log10)."""
    pw = make_plot(size=(300, 700), show=False)
    item = pw.getPlotItem()
    item.setLogMode(y=True)
    x = np.arange(1.0, 200.0)
    item.addItem(Line(x, np.log10(x * 1e-3), pen=pg.mkPen("r")))
    axis = item.getAxis("left")
    assert axis.logMode is True, _broke(
        "setLogMode(y=True) no longer sets the left AxisItem's logMode to True", "plot_items.YAxis.tickStrings",
        "the attribute that says the axis is logarithmic")
    asked = []
    original = YAxis.tickStrings
    monkeypatch.setattr(YAxis, "tickStrings", lambda self, v, s, sp: (asked.append(list(v)), original(self, v, s, sp))[1])
    pw.show()
    pw.grab()
    values = [v for vs in asked for v in vs]
    assert values and all(-4.0 <= v <= 0.0 for v in values) and any(v != math.floor(v) for v in values), _broke(
        f"a log axis over 1e-3..0.2 asked tickStrings for {values[:12]}, not exponents with minor steps",
        "plot_items.YAxis.tickStrings (mantissa = 10 ** (v - floor(v)))", "AxisItem.logTickValues")
    exps = list(np.log10([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))
    ours = YAxis("left")
    ours.setLogMode(y=True)
    labels = ours.tickStrings(exps, 1.0, 1.0)
    assert [bool(s) for s in labels] == [True, True, False, False, True, False, False, False, False, True], _broke(
        f"YAxis labels for 1..10 on a log axis are {labels}", "plot_items.YAxis.tickStrings",
        "AxisItem.tickStrings / logTickStrings")



def test_switching_an_axis_to_log_moves_its_view_into_log_units(make_plot):
    """pyqtgraph's setLogMode keeps the view range, and a log axis paints 10**range: a linear x
    range of 1,000..20,000 freshly logged is 10**20000, an overflow in every paint (a CI run caught
    it in the chart menu's Log x). plot_items.set_log_mode moves the range first; the raw call
    must still overflow, or the helper is no longer needed."""
    import warnings
    x = np.arange(1, 21) * 1000.0
    pw = make_plot()
    line = Line(x, np.arange(20.0), pen=pg.mkPen("r"))
    pw.getPlotItem().addItem(line)
    pw.getPlotItem().getViewBox().setXRange(1000.0, 20000.0, padding=0)
    pw.grab()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_items.set_log_mode(pw.getPlotItem(), x=True, y=False)
        pw.getPlotItem().setLabel("bottom", "tokens")
        pw.grab()  # painted before the chart hands the line its log10 x (the draw that comes next)
        assert pw.getPlotItem().getAxis("bottom").logMode is True
        line.setData(np.log10(x), np.arange(20.0))  # what the chart card draws on a log axis
        pw.grab()
        lo, hi = pw.getPlotItem().getViewBox().viewRange()[0]
        assert 2.5 < lo < 3.2 and 4.1 < hi < 4.6, (lo, hi)
        plot_items.set_log_mode(pw.getPlotItem(), x=False, y=False)
        pw.grab()
        line.setData(x, np.arange(20.0))
        pw.grab()
        lo, hi = pw.getPlotItem().getViewBox().viewRange()[0]
        assert -1000 < lo < 1500 and 15000 < hi < 25000, (lo, hi)
    raw = make_plot()
    raw.getPlotItem().addItem(Line(np.arange(1, 21) * 1000.0, np.arange(20.0), pen=pg.mkPen("r")))
    raw.getPlotItem().getViewBox().setXRange(1000.0, 20000.0, padding=0)
    raw.grab()
    with warnings.catch_warnings(), pytest.raises(RuntimeWarning, match="overflow"):
        warnings.simplefilter("error")
        raw.getPlotItem().setLogMode(x=True)
        raw.getPlotItem().setLabel("bottom", "tokens")
        raw.grab()


# ---- wheel, menu, paint ------------------------------------------------------------------------


def _wheel(modifiers=Qt.KeyboardModifier.NoModifier, scene_pos=QPointF(0, 0)) -> QGraphicsSceneWheelEvent:
    ev = QGraphicsSceneWheelEvent(QEvent.Type.GraphicsSceneWheel)
    ev.setDelta(120)
    ev.setPos(QPointF(100, 50))
    ev.setScenePos(scene_pos)
    ev.setModifiers(modifiers)
    return ev


def test_wheel_zooms_x_and_ctrl_wheel_or_the_y_axis_zooms_y(make_plot):
    pw = make_plot()
    vb = _vb(pw)
    vb.setRange(xRange=(0, 100), yRange=(0, 100), padding=0)
    vb.wheelEvent(_wheel())
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x1 - x0 < 100 and (y0, y1) == (0, 100), _broke(
        f"a wheel step over ChartViewBox gave x {x0, x1}, y {y0, y1}", "plot_items.ChartViewBox.wheelEvent "
        "(passes axis=0 to ViewBox.wheelEvent)", "ViewBox.wheelEvent's axis argument")
    vb.wheelEvent(_wheel(Qt.KeyboardModifier.ControlModifier))
    assert vb.viewRange()[1][1] - vb.viewRange()[1][0] < 100, "Ctrl+wheel did not zoom y (ChartViewBox.wheelEvent)"

    passed = []
    vb.wheelEvent = lambda ev, axis=None: passed.append(axis)
    outside = QPointF(-1000, -1000)  # over the axis, not over the view
    pw.getPlotItem().getAxis("left").wheelEvent(_wheel(scene_pos=outside))
    pw.getPlotItem().getAxis("bottom").wheelEvent(_wheel(scene_pos=outside))
    assert passed == [1, 0], _broke(
        f"AxisItem.wheelEvent handed the linked view axis={passed}, not [1, 0] (left, bottom)",
        "plot_items.ChartViewBox.wheelEvent (keeps an axis it is given: the wheel over the y axis zooms y)",
        "AxisItem.wheelEvent")


class _Drag:
    """What ViewBox.mouseDragEvent reads of a drag event (pyqtgraph's MouseDragEvent)."""

    def __init__(self, start, end, button=Qt.MouseButton.LeftButton):
        self._start, self._end, self._button = pg.Point(*start), pg.Point(*end), button

    def accept(self):
        pass

    def pos(self):
        return self._end

    def lastPos(self):
        return self._start

    def screenPos(self):
        return self._end

    def lastScreenPos(self):
        return self._start

    def buttonDownPos(self, _button=None):
        return self._start

    def button(self):
        return self._button

    def isFinish(self):
        return False


@pytest.mark.parametrize("button", [Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton])
def test_a_drag_that_is_not_level_moves_x_only_while_y_fits(make_plot, button):
    """Issue 23 item 5: pyqtgraph's drag pans (right button: zooms) both directions and so turns
    y's fitting off for good; ChartViewBox.mouseDragEvent masks y by state['mouseEnabled'] while y
    is auto-ranged, and leaves a drag over the y axis (axis=1) and a drag once y is fixed alone."""
    raw = pg.ViewBox()
    raw.setRange(xRange=(0, 100), yRange=(0, 100), padding=0)
    raw.mouseDragEvent(_Drag((50, 50), (30, 60), button))
    assert raw.autoRangeEnabled()[1] is False, _broke(
        "a drag with a vertical part no longer turns y's auto-range off", "plot_items.ChartViewBox.mouseDragEvent",
        "whether the override is still needed")
    pw = make_plot()
    vb = _vb(pw)
    pw.getPlotItem().addItem(Line(np.arange(100.0), np.arange(100.0) % 7, pen=pg.mkPen("r")))
    vb.enableAutoRange()
    pw.grab()
    x_before = vb.viewRange()[0]
    vb.mouseDragEvent(_Drag((50, 50), (30, 60), button))
    assert vb.viewRange()[0] != x_before and vb.autoRangeEnabled()[1] is not False, _broke(
        f"a drag over ChartViewBox gave x {vb.viewRange()[0]}, y auto {vb.autoRangeEnabled()[1]}",
        "plot_items.ChartViewBox.mouseDragEvent", "ViewBox.mouseDragEvent's mask from state['mouseEnabled']")
    assert vb.state["mouseEnabled"] == [True, True]  # given back
    vb.mouseDragEvent(_Drag((50, 50), (50, 70), button), axis=1)  # over the y axis: y moves, and is fixed
    y_fixed = vb.viewRange()[1]
    assert vb.autoRangeEnabled()[1] is False
    vb.mouseDragEvent(_Drag((50, 50), (40, 70), button))  # y fixed: a drag moves y too
    assert vb.viewRange()[1] != y_fixed


def test_symlog_axis_ticks_and_the_view_moved_into_its_units(make_plot):
    """YAxis.tickValues/tickStrings on a symlog axis (set_log_mode sets ``symlog``); the view is moved
    into symlog's units before, as for log."""
    import warnings

    from chartdesk.scales import Scale
    pw = make_plot()
    vb = _vb(pw)
    vb.setYRange(-1000.0, 1000.0, padding=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_items.set_log_mode(pw.getPlotItem(), x=False, y=Scale("symlog", 1.0))
        lo, hi = vb.viewRange()[1]
        assert lo == pytest.approx(-(10 / 9 + 3)) and hi == pytest.approx(10 / 9 + 3)
        axis = pw.getPlotItem().getAxis("left")
        assert axis.symlog == Scale("symlog", 1.0) and not axis.logMode
        levels = axis.tickValues(lo, hi, 300)
        assert axis.tickStrings(levels[0][1], 1, levels[0][0]) == ["-1000", "-100", "-10", "-1", "0", "1", "10",
                                                                   "100", "1000"]
        pw.grab()
        plot_items.set_log_mode(pw.getPlotItem(), x=False, y=False)
        assert axis.symlog is None and vb.viewRange()[1] == pytest.approx([-1000.0, 1000.0])


def test_a_second_view_box_linked_on_x_follows_the_plots_x(make_plot):
    """The right axis (pyqtgraph's MultiplePlotAxes example): a ViewBox in the scene, the right axis
    linked to it, x linked to the plot's view; each fits its own y."""
    pw = make_plot()
    item = pw.getPlotItem()
    right = ChartViewBox()
    item.scene().addItem(right)
    item.getAxis("right").linkToView(right)
    right.setXLink(item.getViewBox())
    right.setGeometry(item.getViewBox().sceneBoundingRect())
    item.addItem(Line(np.arange(100.0), np.arange(100.0), pen=pg.mkPen("r")))
    right.addItem(Line(np.arange(100.0), np.arange(100.0) * 1e-3, pen=pg.mkPen("b")))
    item.enableAutoRange()
    right.enableAutoRange()
    item.getViewBox().setXRange(20, 40, padding=0)
    pw.grab()
    assert right.viewRange()[0] == pytest.approx([20, 40]), _broke(
        f"the x-linked view shows x {right.viewRange()[0]}", "chart_card ChartWidget._right_box", "ViewBox.setXLink")
    assert right.viewRange()[1][1] < 0.05 and item.getViewBox().viewRange()[1][1] > 30


def test_no_view_box_menu_is_built(qapp):
    vb = ChartViewBox()
    assert vb.menu is None and not vb.menuEnabled(), _broke(
        "ViewBox(enableMenu=False) still builds a ViewBoxMenu", "plot_items.ChartViewBox.__init__ and "
        "group_items.CountStrip (enableMenu=False: no menu built, a cost per chart)", "ViewBox.__init__")


def test_waiting_chart_plot_paints_only_its_background(make_plot):
    """ChartPlot.paintEvent skips pyqtgraph's GraphicsView.paintEvent (scene.prepareForPaint and the
    scene) while waiting and fills the viewport with backgroundBrush(), which pyqtgraph's background= sets."""
    pw = make_plot(widget=ChartPlot, background="#102030", size=(240, 160), show=False)
    pw.getPlotItem().addItem(Line(np.arange(50.0), np.arange(50.0), pen=pg.mkPen("#ff0000", width=3)))
    pw.show()
    assert pw.backgroundBrush().color().name() == "#102030", _broke(
        "PlotWidget(background=...) no longer sets the view's backgroundBrush", "plot_items.ChartPlot.paintEvent "
        "(fills with backgroundBrush() while waiting)", "GraphicsView.setBackground")
    prepared = []
    pw.scene().sigPrepareForPaint.connect(lambda: prepared.append(1))
    image = pw.grab().toImage()
    colours = {image.pixelColor(i, j).name() for i in range(0, image.width(), 4) for j in range(0, image.height(), 4)}
    assert colours == {"#102030"} and not prepared, f"a waiting ChartPlot painted {colours - {'#102030'}} or the scene"
    pw.stop_waiting()
    image = pw.grab().toImage()
    colours = {image.pixelColor(i, j).name() for i in range(image.width()) for j in range(image.height())}
    assert "#ff0000" in colours and prepared, _broke(
        "a ChartPlot that stopped waiting did not paint its scene through GraphicsView.paintEvent "
        "(which calls scene().prepareForPaint())", "plot_items.ChartPlot.paintEvent", "GraphicsView.paintEvent")


# ---- PlotDataItem.xData (chart_card ChartWidget._update_lines) --------------------------------------


def test_plot_data_item_xdata_says_whether_it_holds_points(qapp):
    it = pg.PlotDataItem(pen=None, symbol="t")
    assert it.xData is None, _broke(
        f"a new PlotDataItem's xData is {it.xData!r}, not None", "chart_card ChartWidget._update_lines "
        "(`it.xData is not None and len(it.xData)`: empties the ±inf markers only when they hold points)",
        "PlotDataItem's data attributes (getData() is the public way)")
    it.setData([1.0, 2.0], [3.0, 4.0])
    assert isinstance(it.xData, np.ndarray) and len(it.xData) == 2, _broke(
        "PlotDataItem.setData no longer keeps x as the ndarray xData", "chart_card ChartWidget._update_lines",
        "PlotDataItem's data attributes")
    it.setData([], [])
    assert it.xData is None or len(it.xData) == 0, _broke(
        "an emptied PlotDataItem still has points in xData", "chart_card ChartWidget._update_lines",
        "PlotDataItem.setData with empty data")


# ---- the crosshair's cost: what a move of the pointer repaints ------------------------------


def test_a_crosshair_mark_added_with_ignore_bounds_never_refits_the_view(make_plot):
    """The crosshair's line and dots move on every pointer move; pyqtgraph's ViewBox queued a new fit of
    its range for any item telling it its bounds changed (then fitted on the next paint, 0.9 ms
    a chart a move), also for items added with ignoreBounds. ChartViewBox.itemBoundsChanged drops
    those; a curve of the range still queues it."""
    from chartdesk.gui.cross_dots import CrossDots

    pw, vb, line = _ramp_plot(make_plot, ChartViewBox)
    dots = CrossDots(size=7, outline="w")
    vb.addItem(dots, ignoreBounds=True)
    vb.prepareForPaint()
    assert hasattr(vb, "_autoRangeNeedsUpdate"), _broke("ViewBox._autoRangeNeedsUpdate is gone",
                                                        "ChartViewBox.itemBoundsChanged / setRange", "both")
    vline = pg.InfiniteLine(angle=90, movable=False)
    vb.addItem(vline, ignoreBounds=True)
    vb.prepareForPaint()
    vb._autoRangeNeedsUpdate = False
    vline.setPos(300.0)  # pyqtgraph tells the view on every move of an item (ItemPositionHasChanged)
    dots.setData([10.0, 20.0], [5.0, 7.0], brush=["r", "b"])
    assert not vb._autoRangeNeedsUpdate  # a mark's bounds are not the data's
    assert dots.dataBounds(0) is None and len(dots.getData()[0]) == 2
    line.setData(np.arange(10.0), np.arange(10.0) * 3)
    assert vb._autoRangeNeedsUpdate  # the data's bounds still are


def _exposed_part(line, pw, opt):
    img = QImage(pw.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(img)
    p.setTransform(line.deviceTransform(pw.viewportTransform()))
    try:
        return line._exposed_part(p, opt)
    finally:
        p.end()


def _paint_strip(line, pw, strip, whole: bool) -> QImage:
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    view = pw
    img = QImage(view.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(0)
    p = QPainter(img)
    p.setTransform(line.deviceTransform(view.viewportTransform()))
    p.setClipRect(strip)
    opt = QStyleOptionGraphicsItem()
    opt.exposedRect = strip
    if whole:
        pg.PlotCurveItem.paint(line, p, opt, None)
    else:
        line.paint(p, opt, None)
    p.end()
    return img


def test_a_line_asked_to_paint_a_narrow_strip_strokes_only_the_points_there_with_the_same_pixels(make_plot):
    """A crosshair's move exposes a strip a few pixels wide of every curve under it; Line paints
    the points of that strip (and one more each side) instead of stroking its whole path to be
    clipped: the same pixels in the strip, a path of a few segments instead of 5,000."""
    from PySide6.QtCore import QRectF

    pw = make_plot()
    vb = _vb(pw)
    rng = np.random.default_rng(3)
    x = np.arange(5000.0)
    y = np.cumsum(rng.normal(size=5000))
    y[2500:2510] = np.nan  # a gap, drawn as one ('finite')
    line = Line(x, y, pen=pg.mkPen("r", width=1), connect="finite", antialias=True)
    vb.addItem(line)
    pg.QtWidgets.QApplication.processEvents()
    assert line.flags() & line.GraphicsItemFlag.ItemUsesExtendedStyleOption  # Qt passes the exposed rect
    lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
    px = line.pixelWidth()  # about 14 points a pixel
    for x0 in (1000.0, 2496.0, 4990.0):
        strip = QRectF(x0, lo - 1, 6 * px, hi - lo + 2)  # a crosshair's strip: 6 pixels
        from PySide6.QtWidgets import QStyleOptionGraphicsItem
        opt = QStyleOptionGraphicsItem()
        opt.exposedRect = strip
        part = _exposed_part(line, pw, opt)
        assert part is not None and part.elementCount() < len(x) / 20, x0  # a few segments, not the whole path
        a, b = _paint_strip(line, pw, strip, whole=True), _paint_strip(line, pw, strip, whole=False)
        assert not a.isNull() and a == b, f"strip at x={x0}: the part painted differs from the whole"
    wide = QRectF(0.0, lo - 1, 4000.0, hi - lo + 2)
    opt = QStyleOptionGraphicsItem()
    opt.exposedRect = wide
    assert _exposed_part(line, pw, opt) is None  # a pan's paint: the whole path, as pyqtgraph draws it


def test_a_cached_axis_painted_straight_into_its_pixmap_looks_as_pyqtgraphs_picture_does(make_plot):
    """A chart's axes are cached as pixmaps on screen, and YAxis then paints into the pixmap
    directly instead of recording a QPicture to play it at once; the window looks the same as
    with pyqtgraph's way (no cache: the QPicture), ticks, labels and grid."""
    from PySide6.QtWidgets import QGraphicsItem

    pw = make_plot()
    pi = pw.getPlotItem()
    pi.setAxisItems({"bottom": YAxis(orientation="bottom")})
    pi.showGrid(x=True, y=True, alpha=0.15)
    x = np.arange(1000.0)
    pi.getViewBox().addItem(Line(x, np.sin(x / 50), pen=pg.mkPen("r")))
    axes = [pi.getAxis("left"), pi.getAxis("bottom")]
    for a in axes:
        a.setStyle(maxTickLevel=1)
    pg.QtWidgets.QApplication.processEvents()
    plain = pw.grab().toImage()
    calls = []
    for a in axes:
        a.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        a.generateDrawSpecs = (lambda f: lambda p: calls.append(1) or f(p))(a.generateDrawSpecs)
        a.picture = None
        a.update()
    pg.QtWidgets.QApplication.processEvents()
    cached = pw.grab().toImage()
    assert calls  # the cached axes were painted (straight, by YAxis.paint)
    assert all(a.picture is plot_items._SPECS_HELD for a in axes)  # no QPicture recorded for them
    assert cached == plain


def test_every_change_of_an_axis_drops_its_picture_so_its_held_draw_specs_are_made_again(make_plot):
    """YAxis.specs keeps pyqtgraph's draw specs while ``picture`` holds its mark, and makes them
    again once pyqtgraph dropped it: so every change that alters an axis' drawing must still drop
    it (the chart settles its axes before painting them: made once, used twice)."""
    from PySide6.QtWidgets import QGraphicsItem

    pw = make_plot(size=(400, 300))
    pi = pw.getPlotItem()
    axis = pi.getAxis("left")
    axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    pi.getViewBox().addItem(Line(np.arange(100.0), np.arange(100.0), pen=pg.mkPen("r")))
    made = []
    axis.generateDrawSpecs = (lambda f: lambda p: made.append(1) or f(p))(axis.generateDrawSpecs)
    image = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)

    def settle_then_paint() -> int:
        """Specs made since the last call, settling and painting included."""
        painter = QPainter(image)
        axis.specs(painter)  # what ChartWidget._settle does
        painter.end()
        pw.grab()
        n = len(made)
        made.clear()
        return n

    settle_then_paint()
    assert settle_then_paint() == 0, "nothing changed: the held specs serve the settle and the paint"
    changes = {
        "view range": lambda: (pi.getViewBox().disableAutoRange(), pi.getViewBox().setYRange(10, 20, padding=0)),
        "size": lambda: pw.resize(420, 280),
        "text pen": lambda: axis.setTextPen("#ff0000"),
        "pen": lambda: axis.setPen("#00ff00"),
        "style": lambda: axis.setStyle(tickLength=-3),
        "tick font": lambda: axis.setTickFont(pg.QtGui.QFont("Sans", 13)),
        "ticks": lambda: axis.setTicks([[(12.0, "twelve")]]),
        "log mode": lambda: axis.setLogMode(False, True),
    }
    for what, change in changes.items():
        change()
        pg.QtWidgets.QApplication.processEvents()
        assert settle_then_paint() == 1, _broke(
            f"changing an axis' {what} no longer drops AxisItem.picture", "plot_items.YAxis.specs (keeps "
            "its draw specs while picture holds its mark)", "where AxisItem resets its picture on a change")
