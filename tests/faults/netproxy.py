"""A TCP proxy on 127.0.0.1 that a test can take down, bring back and slow down: the
network between the service and a server it depends on, under the test's control.

The S3 fault tests put it in front of moto_server, whose data lives in memory: stopping
moto would lose every object, which is not an outage but a data loss. Taking the proxy
down instead makes the endpoint refuse connections (and resets the ones open) while the
bucket keeps its objects, as an S3 outage does.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

CHUNK = 64 * 1024


class TcpProxy:
    """Forwards connections to 127.0.0.1:`port` to `target_host`:`target_port`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._rate: float | None = None  # bytes per second each way, None: as fast as it goes
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        """Listen (again) on the same port."""
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        """Refuse new connections and reset every open one, as a dead endpoint does."""
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._open = self._open, set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for sock in sockets:
            _reset(sock)

    def throttle(self, bytes_per_second: float | None) -> None:
        """Limit each direction of each connection to this rate (None: no limit)."""
        self._rate = bytes_per_second

    def close(self) -> None:
        self.down()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # taken down
            try:
                server = socket.create_connection(self._target, timeout=5)
                server.settimeout(None)
            except OSError:
                _reset(client)
                continue
            with self._lock:
                if self._listener is not listener:  # went down meanwhile
                    _reset(client)
                    _reset(server)
                    continue
                self._open |= {client, server}
            pending = [2]  # pumps still running on this pair; the last one closes both

            for source, sink in ((client, server), (server, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink, pending), daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, pending: list[int]) -> None:
        try:
            while True:
                rate = self._rate
                # Small reads when slowed, so the pace is even rather than one burst a second.
                data = source.recv(CHUNK if rate is None else max(int(rate / 20), 1))
                if not data:
                    break
                sink.sendall(data)
                if rate is not None:
                    time.sleep(len(data) / rate)
        except OSError:
            pass  # reset by `down`, or by either end
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)  # pass the end of this direction on
        with self._lock:
            pending[0] -= 1
            last = pending[0] == 0
            if last:
                self._open -= {source, sink}
        if last:
            source.close()
            sink.close()


def _reset(sock: socket.socket) -> None:
    """Close with RST (linger 0), as a crashed peer or a dropped route looks to a client."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
