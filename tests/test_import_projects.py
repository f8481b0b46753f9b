"""Which project an import goes into: the one asked for, else the project each source names (a
Neptune or trackio project), else one named after the import folder; run ids two source projects
share are qualified by their project; the window offers the same choice in its Import dialog."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import chartdesk.importers as importers
from chartdesk.importers import import_paths
from chartdesk.importers.base import ChannelData, ParsedExperiment

FIX = Path(__file__).parent / "fixtures"


class _TwoProjectsReader:
    """A reader whose files name their own project (as Neptune exports do): ``<project>.runs``
    holds one run id per line."""

    FORMAT = "test-projects"

    @staticmethod
    def find(folder, dirnames, filenames):
        found = [folder / f for f in filenames if f.endswith(".runs")]
        return found or None

    @staticmethod
    def parse(path):
        out = []
        for run in path.read_text().split():
            exp = ParsedExperiment(name=run, source=f"test:{path.stem}:{run}", fmt="test-projects",
                                   project=path.stem.replace("+", "/"))
            exp.channels["loss"] = ChannelData([0.0], [1.0], [0.0])
            out.append(exp)
        return out


@pytest.fixture
def two_projects(tmp_path, monkeypatch):
    monkeypatch.setitem(importers.READERS, _TwoProjectsReader.FORMAT, _TwoProjectsReader)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "acme+llm.runs").write_text("LLM-1\nLLM-2\nSHARED-7\n")
    (folder / "acme+vision.runs").write_text("VIS-1\nSHARED-7\n")
    return folder


def test_without_a_project_each_run_goes_to_the_project_its_source_names(two_projects, store):
    report = import_paths(store, [two_projects])
    assert report.exit_code == 0, report.refused
    assert report.projects == {"acme/llm": 3, "acme/vision": 2}
    assert store.experiments("acme/llm") == ["LLM-1", "LLM-2", "SHARED-7"]
    assert sorted(store.experiments("acme/vision")) == ["SHARED-7", "VIS-1"]  # another project: no clash


def test_with_a_project_everything_goes_there_and_a_shared_run_id_is_qualified(two_projects, store):
    report = import_paths(store, [two_projects], "all")
    assert sorted(store.experiments("all")) == ["LLM-1", "LLM-2", "SHARED-7", "VIS-1", "acme/vision/SHARED-7"]
    assert any("SHARED-7: also a run id of acme/llm" in w for w in report.warnings)
    assert store.projects() == ["all"]


def test_sources_that_name_no_project_go_to_one_named_after_the_import_folder(tmp_path, store):
    shutil.copytree(FIX / "sacred", tmp_path / "sweep-2024")
    report = import_paths(store, [tmp_path / "sweep-2024"])
    assert report.projects == {"sweep-2024": 3}
    assert store.projects() == ["sweep-2024"]


def test_chartdesk_import_without_project_names_where_the_runs_went(tmp_path):
    shutil.copytree(FIX / "sacred", tmp_path / "runs-of-may")
    db = tmp_path / "s.db"
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(tmp_path / "runs-of-may"), "--db", str(db)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "into runs-of-may (3 experiments)" in r.stdout
    assert "imported my_runs/1 (sacred)" in r.stdout


def test_the_import_dialog_offers_each_runs_own_project(two_projects, demo_store, open_win, qtbot):
    from gui_helpers import answer_next_dialog, click
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QMessageBox

    from chartdesk.gui.importing import OWN_PROJECTS

    w = open_win(demo_store)
    offered = []

    def pick_own(dlg):
        combo = dlg.findChild(QComboBox)
        offered.extend(combo.itemText(i) for i in range(combo.count()))
        combo.setCurrentIndex(combo.findText(OWN_PROJECTS))
        click(qtbot, dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok))

    said = []

    def read_and_ok(dlg):
        said.append(dlg.text())
        click(qtbot, dlg.button(QMessageBox.StandardButton.Ok))

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(two_projects))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    answer_next_dialog(qtbot, pick_own)
    with qtbot.waitSignal(w.importer.sig_finished, timeout=30000) as blocker:
        w.dropEvent(drop)  # a folder dropped on the window: the dialog asks where it goes
        answered = answer_next_dialog(qtbot, read_and_ok, timeout_ms=60000)
    qtbot.waitUntil(lambda: bool(answered), timeout=30000)
    assert offered[0] == OWN_PROJECTS and "mnist" in offered
    assert blocker.args[0] == "acme/llm"
    assert said[0].startswith("Imported 5 experiments into acme/llm (3), acme/vision (2).")
    qtbot.waitUntil(lambda: w.ws.project == "acme/llm", timeout=10000)
    assert sorted(demo_store.experiments("acme/vision")) == ["SHARED-7", "VIS-1"]


def test_the_import_report_counts_one_experiment_in_the_singular(demo_store, open_win, qtbot, tmp_path):
    from gui_helpers import answer_next_dialog, click
    from PySide6.QtWidgets import QMessageBox

    (tmp_path / "one.csv").write_text("step,loss\n0,1\n")
    w = open_win(demo_store)
    said = []

    def read_and_ok(dlg):
        said.append(dlg.text())
        click(qtbot, dlg.button(QMessageBox.StandardButton.Ok))

    answered = answer_next_dialog(qtbot, read_and_ok, timeout_ms=60000)
    w.importer.start([str(tmp_path / "one.csv")], project="x")
    qtbot.waitUntil(lambda: bool(answered), timeout=30000)
    assert said[0].startswith("Imported 1 experiment into x (1).")  # issue 23 item 25: not "1 experiments"


def test_the_import_report_of_many_runs_fits_a_768_px_screen_with_every_line_in_its_details(
        demo_store, open_win, qtbot, tmp_path):
    """Importing 88 runs made a 940 px tall box whose OK button was off a 768 px screen (a
    hands-on walk); it listed at most 30 runs. A few lines each now, every line in the details."""
    from gui_helpers import answer_next_dialog, click
    from PySide6.QtWidgets import QMessageBox, QTextEdit

    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(40):
        (logs / f"run-{i:02d}.csv").write_text("step,loss\n0,1\n1,0.5\n")
    for i in range(9):
        (logs / f"bad-{i}.csv").write_text("step,loss\n0,1,2,3\nnot,a,row\n")
    w = open_win(demo_store)
    seen = {}

    def read_and_ok(dlg):
        dlg.adjustSize()
        seen["text"], seen["details"], seen["height"] = dlg.text(), dlg.detailedText(), dlg.sizeHint().height()
        seen["details_box"] = dlg.findChild(QTextEdit)
        click(qtbot, dlg.button(QMessageBox.StandardButton.Ok))

    answered = answer_next_dialog(qtbot, read_and_ok, timeout_ms=60000)
    w.importer.start([str(logs)], project="many")
    qtbot.waitUntil(lambda: bool(answered), timeout=60000)
    assert seen["text"].startswith("Imported 40 experiments into many (40).")
    assert "… and 34 more (Show Details…)" in seen["text"]
    assert seen["height"] < 700, seen["height"]
    assert all(f"run-{i:02d}" in seen["details"] for i in range(40))
    assert seen["details_box"] is not None  # scrolled inside the box
