"""The Qt layer: workspace (shared state + resolver + signals), item models, widgets, main window.

PySide6 is imported before pyqtgraph so that pyqtgraph binds to it even where PyQt6 is installed.
"""
import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import PySide6.QtCore  # noqa: E402,F401  (first, so pyqtgraph picks PySide6)
