"""Small widgets shared by the panels: a label that elides in the middle and shows its whole text
in a tooltip, and the plural helper every count in the window uses."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 experiment``, ``2 experiments``, ``1,000 points``."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def menu_text(name: str) -> str:
    """A user's name (a chart set ``Val & loss``) as the text of a tab, menu entry or tool button:
    ``&`` doubled, so Qt shows it instead of taking it as a keyboard mnemonic."""
    return name.replace("&", "&&")


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Outline an input as holding something that does not parse: the one style rule on the
    ``invalid`` property (resources/style.qss), applied again when the property changes."""
    if bool(widget.property("invalid")) != bool(invalid):
        widget.setProperty("invalid", bool(invalid))
        widget.style().unpolish(widget)
        widget.style().polish(widget)
        widget.update()


class ElidedLabel(QLabel):
    """One line of plain text, cut in the middle when it does not fit; the tooltip has it whole."""

    def __init__(self, text: str = "", parent=None, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str, tooltip: str | None = None) -> None:
        self._full = text
        self.setToolTip(tooltip if tooltip is not None else (text if text else ""))
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width() - 2 * self.margin() - 2)  # inside padding and margins
        shown = self.fontMetrics().elidedText(self._full, self._mode, width) if width > 20 else self._full
        if shown != self.text():
            super().setText(shown)
