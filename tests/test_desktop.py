"""The application-menu entry: installed into the user's XDG data folder, valid, removable."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest


def test_desktop_install_writes_a_valid_entry_and_icon_and_uninstall_removes_them(tmp_path):
    env_root = tmp_path / "data"
    import os

    env = {**os.environ, "XDG_DATA_HOME": str(env_root)}
    r = subprocess.run([sys.executable, "-m", "chartdesk", "desktop", "install"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    entry = env_root / "applications" / "chartdesk.desktop"
    icon = env_root / "icons" / "hicolor" / "scalable" / "apps" / "chartdesk.svg"
    assert entry.exists() and icon.read_bytes().lstrip().startswith(b"<svg")
    text = entry.read_text()
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert exec_line.split("=", 1)[1].split()[0].endswith("chartdesk") or " -m chartdesk" in exec_line
    assert "Icon=chartdesk" in text
    if shutil.which("desktop-file-validate") is None:
        pytest.skip("desktop-file-validate is not installed (apt-get install desktop-file-utils; .ci/run does)")
    v = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    assert v.returncode == 0 and not v.stdout.strip(), v.stdout
    r = subprocess.run([sys.executable, "-m", "chartdesk", "desktop", "uninstall"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 0 and not entry.exists() and not icon.exists()
