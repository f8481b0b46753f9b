"""Whether a worker process is still there, for tests of the window's worker processes."""
from __future__ import annotations

import os
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (reads /proc)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def gone_within(pid: int, seconds: float = 10.0) -> bool:
    """Wait up to ``seconds`` for the process to end; whether it did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    return not alive(pid)
