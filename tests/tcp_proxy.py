"""A TCP proxy in its own process, for PostgreSQL outages without stopping the shared server:
killed, the store's port refuses connections and open ones are cut (the server is down);
stopped with SIGSTOP, connections are accepted by the kernel and then nothing answers (a
paused or unreachable server). Started again on the same port, the server is back. Sent
SIGUSR1, it forwards the next COMMIT a client sends, lets the server commit it, and cuts that
connection before the answer comes back (a network cut at the worst moment).

    python tests/tcp_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT   # prints "ready PORT"
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

_cut_next_commit = threading.Event()


def _pump(src: socket.socket, dst: socket.socket, cut: threading.Event, to_server: bool = False) -> None:
    try:
        while True:
            data = src.recv(65536)
            if not data or (cut.is_set() and not to_server):
                break
            commit = to_server and _cut_next_commit.is_set() and b"Q\x00\x00\x00\x0bCOMMIT\x00" in data
            if commit:
                _cut_next_commit.clear()
                cut.set()  # nothing more goes back to the client
            dst.sendall(data)
            if commit:
                time.sleep(0.3)  # the server commits; its answer is never forwarded
                break
    except OSError:
        pass
    finally:
        cut.set()
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(listen_port: int, host: str, port: int) -> None:
    signal.signal(signal.SIGUSR1, lambda *_: _cut_next_commit.set())
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen_port))
    srv.listen(64)
    print("ready", srv.getsockname()[1], flush=True)
    while True:
        client, _ = srv.accept()
        try:
            upstream = socket.create_connection((host, port))
        except OSError:
            client.close()
            continue
        cut = threading.Event()
        threading.Thread(target=_pump, args=(client, upstream, cut, True), daemon=True).start()
        threading.Thread(target=_pump, args=(upstream, client, cut), daemon=True).start()


class Proxy:
    """The proxy process, for a test: ``url`` goes through it; ``down()``, ``pause()``,
    ``resume()``, ``up()`` make and end the outages."""

    def __init__(self, target_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.target = make_url(target_url)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.up()
        self.url = self.target.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def up(self) -> None:
        deadline = time.monotonic() + 30
        while True:  # the old socket may linger a moment after a kill
            self.proc = subprocess.Popen([sys.executable, __file__, str(self.port), self.target.host or "127.0.0.1",
                                          str(self.target.port or 5432)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         text=True)
            line = self.proc.stdout.readline().split()
            if line and line[0] == "ready":
                self.port = int(line[1])
                return
            self.proc.wait(10)
            self.proc.stdout.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the proxy did not start on port {self.port}")
            time.sleep(0.1)

    def down(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc.stdout.close()
            self.proc = None

    def cut_next_commit(self) -> None:
        os.kill(self.proc.pid, signal.SIGUSR1)

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def close(self) -> None:
        if self.proc is not None:
            self.resume()
        self.down()


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
