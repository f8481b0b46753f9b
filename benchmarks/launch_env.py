"""The environment a benchmark gives a new ChartDesk process: the one a user's launch has.

Python saves each module it compiles (``__pycache__``) and a user's later launches read those;
a shell with PYTHONDONTWRITEBYTECODE set (some CI images and sandboxes export it) makes every
launch compile all of ChartDesk's modules again, 0.3 s of each whole-process figure, measured.
``launch_env`` drops it; ``compiled`` saves the compiled modules once, as a first launch does.
"""
from __future__ import annotations

import compileall
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "chartdesk"


def launch_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def as_launched() -> None:
    """This process's children (the window's loader processes, spawned) start as a user's do."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compiled()


def compiled() -> None:
    """ChartDesk's modules compiled and saved (what its first launch leaves), quietly."""
    compileall.compile_dir(str(PACKAGE), quiet=1)
