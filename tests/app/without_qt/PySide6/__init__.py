"""Stands in for PySide6 in the step that runs tests/app without Qt: importing it fails."""
raise ImportError("PySide6 is not importable in this step: chartdesk.app must not need it")
