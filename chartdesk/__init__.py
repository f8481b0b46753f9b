"""ChartDesk: offline analysis of machine-learning experiment metrics.

Public API: ``open_store`` (read and edit a store), ``init`` (log from a training script).
Importing this package loads neither Qt nor pyqtgraph.
"""
from .errors import ChartDeskError, Conflict, InvalidInput, NotFound, StoreError
from .store import Store, open_store
from .tracking import Run, init

__version__ = "0.1.0"

__all__ = ["open_store", "init", "Store", "Run", "ChartDeskError", "NotFound", "StoreError", "InvalidInput",
           "Conflict", "__version__"]
