"""How a runs-table cell reads, without Qt: the one rule for the runs table and the report.

Run fields: ``created`` is a local date and minute, ``duration`` is h:mm:ss, tags are joined by
commas. Numbers (params and summary columns) are written with **one precision per column**, so
that right-aligned they line up on the decimal point: ``number_format`` looks at every value of the
column and takes the most decimals any of them needs to show its 6 significant digits
(``0.93704`` and ``0.938204`` are ``0.937040`` and ``0.938204``; learning rates ``0.1`` and
``0.0003`` are ``0.1000`` and ``0.0003``; whole numbers stay whole). A column with a value that
6 significant digits would write with an exponent (below 1e-4 or from 1e6 on), or that would
need more than ``MAX_DECIMALS`` decimals, is written in scientific notation with one mantissa
precision for the column (``1e-05``, ``3e-04``). NaN and infinities read ``nan``, ``inf``,
``-inf``; text and booleans are written as they are.
"""
from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SIGNIFICANT = 6
MAX_DECIMALS = 8


def is_number(value: Any) -> bool:
    """An int or float cell (not a bool: ``True`` is a flag, not 1)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class NumberFormat:
    """One column's way of writing its numbers: fixed ``decimals``, or scientific notation with
    ``decimals`` in the mantissa."""

    decimals: int = 0
    scientific: bool = False

    def text(self, value: float) -> str:
        if isinstance(value, float) and not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        if self.scientific:
            return f"{value:.{self.decimals}e}"
        return f"{value:.{self.decimals}f}"


def number_format(values: Iterable[Any]) -> NumberFormat | None:
    """The format of a column holding ``values`` (None when none of them is a finite number).
    Each distinct value is written once (a param column of 1,000 runs has a few)."""
    finite = set()
    for v in values:
        if type(v) is float:  # the common case first: a column of 1,000 runs is read on every reload
            if v - v == 0.0:  # not NaN, not an infinity
                finite.add(v)
        elif type(v) is int or (is_number(v) and math.isfinite(v)):
            finite.add(v)
    if not finite:
        return None
    decimals, scientific = 0, False
    for v in finite:
        text = f"{v:.{SIGNIFICANT}g}" if isinstance(v, float) else str(v)
        if "e" in text:
            scientific = True
            break
        point = text.find(".")
        if point >= 0 and len(text) - point - 1 > decimals:
            decimals = len(text) - point - 1
            if decimals > MAX_DECIMALS:
                break
    if not scientific and decimals <= MAX_DECIMALS:
        return NumberFormat(decimals)
    decimals = 0
    for v in finite:  # the mantissa's decimals, 6 significant digits at most
        mantissa = f"{float(v):.{SIGNIFICANT - 1}e}".partition("e")[0].rstrip("0")
        if len(mantissa) - mantissa.find(".") - 1 > decimals:
            decimals = len(mantissa) - mantissa.find(".") - 1
            if decimals == SIGNIFICANT - 1:
                break
    return NumberFormat(decimals, True)


def cell_text(column: str, value: Any, number: NumberFormat | None = None) -> str:
    """A value as the runs table shows it in ``column`` (``number``: that column's format, from
    ``number_format`` of its values; without one a number gets its own 6 significant digits)."""
    if value is None:
        return ""
    if column == "created" and value:
        return _dt.datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M")
    if column == "duration":
        return str(_dt.timedelta(seconds=round(value)))
    if is_number(value):
        if number is not None:
            return number.text(value)
        if isinstance(value, float):
            return NumberFormat().text(value) if not math.isfinite(value) else f"{value:.{SIGNIFICANT}g}"
        return str(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def column_formats(columns: Iterable[str], rows: Iterable[Any], value) -> dict[str, NumberFormat]:
    """Each column's number format over ``rows`` (``value(row, column)`` reads a cell); run fields
    that are not plain numbers (created, duration) have none."""
    rows = list(rows)
    out = {}
    for col in columns:
        if col in ("created", "duration", "name", "state", "tags"):
            continue
        fmt = number_format(value(r, col) for r in rows)
        if fmt is not None:
            out[col] = fmt
    return out
