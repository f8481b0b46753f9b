"""Where the command line writes (issue 24, items 9, 10 and 15): a FIFO no program reads, an empty
``--out``, a full device on standard output, a picture name that is neither .png nor .svg. Each is
one line on stderr and a non-zero exit, at once; nothing hangs."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(120)


def cd(*args, stdout=subprocess.PIPE):
    return subprocess.run([sys.executable, "-m", "chartdesk", *args], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=60)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("out") / "s.db"
    assert cd("demo", "--db", str(path)).returncode == 0
    return path


def test_export_to_a_fifo_nobody_reads_fails_at_once(db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = cd("export", "mnist", "baseline-sgd", "acc", "--out", str(fifo), "--db", str(db))
    assert r.returncode == 1 and r.stderr.strip() == f"chartdesk: error: cannot write {fifo}: it is a FIFO that no " \
                                                      "program is reading"


def test_export_to_a_fifo_that_is_read_writes_it(db, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    try:
        import time

        for _ in range(200):  # until cat has the FIFO open (then a writer does not wait)
            r = cd("export", "mnist", "baseline-sgd", "acc", "--out", str(fifo), "--db", str(db))
            if r.returncode == 0:
                break
            time.sleep(0.05)
        assert r.returncode == 0, r.stderr
        assert reader.communicate(timeout=30)[0].startswith("x,y,t\n")
    finally:
        reader.kill()


def test_an_empty_out_is_refused_not_written_to_standard_output(db):
    r = cd("export", "mnist", "baseline-sgd", "acc", "--out", "", "--db", str(db))
    assert r.returncode == 1 and r.stdout == "" and "--out needs a file name" in r.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
@pytest.mark.parametrize("args", [("ls",), ("export", "mnist", "baseline-sgd", "acc"), ("runs", "mnist", "--csv")])
def test_standard_output_on_a_full_device_is_one_line(db, args):
    with open("/dev/full", "w") as full:
        r = cd(*args, "--db", str(db), stdout=full)
    assert r.returncode == 1, r.stderr
    assert r.stderr.strip() == "chartdesk: error: cannot write the output: No space left on device"


def test_render_refuses_a_picture_name_it_would_not_honour(db, tmp_path):
    r = cd("render", "--project", "mnist", "--experiment", "baseline-sgd", "--out", str(tmp_path / "x.jpg"),
           "--db", str(db))
    assert r.returncode == 1 and "is written as .png or .svg, not .jpg" in r.stderr
    assert not (tmp_path / "x.jpg").exists()
