"""Help in the window: the Concepts page (what chart sets, aliases, pins, groups and filters are),
the keyboard shortcuts (read from the window's own actions, so the list cannot drift from what
the keys do) and About (versions, the store, the log file)."""
from __future__ import annotations

import platform

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

CONCEPTS = """
<h2>ChartDesk in five ideas</h2>
<p><b>Project, experiments, channels.</b> A project holds experiments (runs); an experiment holds
channels: points of step, value and wall time, logged by <code>chartdesk.init(...).log(...)</code> or
imported from other tools' files (File &gt; Import…).</p>
<p><b>Charts and chart sets.</b> A chart plots several channels. A chart set is a project's group of
charts, shown for every experiment you select: one tab each. The last tab shows the selected runs'
own channels, one chart each, in sections by name prefix (<code>train/</code>, <code>val/</code>).</p>
<p><b>Aliases.</b> Runs name the same metric differently (<code>accuracy</code>, <code>acc</code>,
<code>pred_acc</code>). An alias is a name and an ordered list of channels: for each run it stands for
the first channel of the list that the run has. Charts, the runs table and filters can use
<code>alias:accuracy</code>, so runs logged under different names are compared on one axis. Drag the
entries in the Aliases panel to change the order; every panel follows at once.</p>
<p><b>Pins.</b> Where the alias picks the wrong channel for one run, pin the channel for that run
(Aliases &gt; Coverage…): the pin wins over the order, for that run only.</p>
<p><b>Selection, filter and groups.</b> Select runs in the tree or the runs table; charts draw the
selected runs. A filter (<code>lr &lt; 0.1 and state = succeeded</code>) hides runs from the table,
the charts and exports alike, and the status bar says how many of the selected are shown.
Group by (Ctrl+G) draws runs that share params as one mean curve with a band.</p>
<p>Everything you change is saved in the store at once and reaches every open window; Edit &gt; Undo
(Ctrl+Z) takes it back.</p>
"""


def _dialog(parent: QWidget, title: str, body: QWidget, size: tuple[int, int]) -> QDialog:
    dlg = QDialog(parent)
    dlg.setWindowTitle(title)
    lay = QVBoxLayout(dlg)
    lay.addWidget(body)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dlg)
    buttons.rejected.connect(dlg.reject)
    lay.addWidget(buttons)
    dlg.resize(*size)
    return dlg


def concepts_dialog(parent: QWidget) -> QDialog:
    text = QTextBrowser()
    text.setObjectName("Concepts")
    text.setHtml(CONCEPTS)
    return _dialog(parent, "ChartDesk concepts", text, (620, 560))


def shortcut_rows(window: QWidget) -> list[tuple[str, str]]:
    """(what, keys) for every action of ``window`` that has a shortcut, sorted by what it does."""
    rows = {}
    for act in window.findChildren(QAction):
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts() if not k.isEmpty()]
        text = act.text().replace("&", "").rstrip("…").strip()
        if keys and text:
            rows[text] = ", ".join(keys)
    return sorted(rows.items(), key=lambda kv: kv[0].lower())


def shortcuts_dialog(window: QWidget) -> QDialog:
    rows = shortcut_rows(window)
    table = QTableWidget(len(rows), 2)
    table.setObjectName("Shortcuts")
    table.setHorizontalHeaderLabels(["Action", "Keys"])
    for r, (what, keys) in enumerate(rows):
        table.setItem(r, 0, QTableWidgetItem(what))
        table.setItem(r, 1, QTableWidgetItem(keys))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    return _dialog(window, "Keyboard shortcuts", table, (460, 520))


def about_text(store) -> str:
    import numpy
    import pyqtgraph
    import PySide6
    import sqlalchemy
    from PySide6.QtCore import qVersion

    from .. import __version__
    from ..logs import log_file

    return (f"<h3>ChartDesk {__version__}</h3>"
            f"<p>Store: {store.describe()}<br>Log file: {log_file()}</p>"
            f"<p>Python {platform.python_version()} · Qt {qVersion()} (PySide6 {PySide6.__version__}) · "
            f"pyqtgraph {pyqtgraph.__version__} · NumPy {numpy.__version__} · SQLAlchemy {sqlalchemy.__version__}</p>")


def about_dialog(parent: QWidget, store) -> QDialog:
    label = QLabel(about_text(store))
    label.setObjectName("About")
    label.setWordWrap(True)
    label.setTextInteractionFlags(label.textInteractionFlags() | label.textInteractionFlags().TextSelectableByMouse)
    return _dialog(parent, "About ChartDesk", label, (520, 220))
