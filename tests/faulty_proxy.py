"""An HTTP proxy in front of the S3 server that answers a fixed share of requests with 503/500 or a reset.

Faults happen before forwarding, as with throttling at a load balancer: the server never sees a failed request.
Deterministic (every Nth request), so a failing run can be replayed. It can also hold a chosen request (never
forwarding it), so a test can kill the client at a known point of its work.
"""

from __future__ import annotations

import http.client
import itertools
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("503", "500", "reset")


class FaultyProxy:
    def __init__(self, upstream: str, every: int = 4, hold: Callable[[str, str], bool] | None = None,
                 corrupt: Callable[[str, str], bool] | None = None):
        """`every`: fault every Nth request (0: never). `hold(method, path)`: the first request it accepts is
        held; `held` is set when it arrives, and the request is dropped unforwarded on exit.
        `corrupt(method, path)`: flip one byte of the body of every request it accepts, as a faulty network path
        would, and drop the checksum headers that would let the server notice."""
        self.corrupted = 0
        target = urlsplit(upstream)
        self.held = threading.Event()
        self._closing = threading.Event()
        self.counter = itertools.count(1)
        self.faults = {fault: 0 for fault in FAULTS}
        self.forwarded = 0
        self.connections: list[tuple[int, str, str]] = []  # (client port, method, path) of every request
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real S3 endpoints do (moto's server closes each one)
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                body = self._body()
                with proxy._lock:
                    proxy.connections.append((self.client_address[1], self.command, self.path))
                    holding = hold is not None and not proxy.held.is_set() and hold(self.command, self.path)
                    if holding:
                        proxy.held.set()
                    number = next(proxy.counter)
                    fault = FAULTS[(number // every) % len(FAULTS)] if every and number % every == 0 else None
                    if fault:
                        proxy.faults[fault] += 1
                    elif not holding:
                        proxy.forwarded += 1
                if holding:
                    proxy._closing.wait()
                    self.close_connection = True
                    return
                if fault == "reset":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault:
                    code = "SlowDown" if fault == "503" else "InternalError"
                    payload = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
                    self.send_response(int(fault))
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("transfer-encoding",)}
                if corrupt is not None and body and corrupt(self.command, self.path):
                    body = bytes([body[0] ^ 0xFF]) + body[1:]
                    headers = {k: v for k, v in headers.items()
                               if not k.lower().startswith(("content-md5", "x-amz-checksum", "x-amz-sdk-checksum"))}
                    with proxy._lock:
                        proxy.corrupted += 1
                headers["Content-Length"] = str(len(body))
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                        self.send_header(key, value)
                length = response.getheader("Content-Length")
                self.send_header("Content-Length", length if self.command == "HEAD" and length else str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                connection.close()

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()
