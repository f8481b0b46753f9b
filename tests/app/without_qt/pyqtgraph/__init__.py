"""Stands in for pyqtgraph in the step that runs tests/app without Qt: importing it fails."""
raise ImportError("pyqtgraph is not importable in this step: chartdesk.app must not need it")
