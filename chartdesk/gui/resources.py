"""Access to the shipped resources (icon, style sheet): inside the wheel they live in
``chartdesk/resources``; in a source checkout, in the top-level ``resources/``."""
from __future__ import annotations

from importlib import resources as _res
from pathlib import Path


def resource_path(name: str) -> Path | None:
    packaged = _res.files("chartdesk") / "resources" / name
    if packaged.is_file():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[2] / "resources" / name
    return source if source.is_file() else None


def read_text(name: str) -> str:
    p = resource_path(name)
    return p.read_text(encoding="utf-8") if p else ""
