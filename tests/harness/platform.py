"""The provincial platform as the feed's tests see it: a real HTTP server on a port of its own
that keeps every request it is sent (path, headers, JSON body) and answers 202, and that can
be stopped (connections refused) and started again on the same port. Its EPCIS capture
interface (`/capture`) answers with a capture job (`Location: /capture/jobs/<n>`) that runs
until asked about once; a path or a kind of body in `refusing` answers 400 (the content
refused)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from harness.procs import free_port


class Platform:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.received: list[dict[str, Any]] = []
        self.refusing: set[str] = set()
        self.jobs: dict[str, int] = {}  # job path -> times asked
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Platform:
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(size))
                if self.path in platform.refusing or body.get("kind") in platform.refusing:
                    self.answer(400)
                    return
                with platform._lock:
                    platform.received.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    job = f"/capture/jobs/{len(platform.received)}"
                    platform.jobs[job] = 0
                self.answer(202, {"Location": job} if self.path == "/capture" else {})

            def do_GET(self) -> None:
                with platform._lock:
                    asked = platform.jobs.get(self.path)
                    if asked is not None:
                        platform.jobs[self.path] = asked + 1
                if asked is None:
                    self.answer(404)
                    return
                state = {"running": asked == 0, "success": asked > 0, "errors": []}
                self.answer(200, {"Content-Type": "application/json"}, json.dumps(state))

            def answer(
                self, status: int, headers: dict[str, str] | None = None, body: str = ""
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: it answers nothing, and its port refuses connections."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def to(self, path: str) -> list[dict[str, Any]]:
        """The bodies sent to `path`, in the order they came."""
        with self._lock:
            return [r["body"] for r in self.received if r["path"] == path]

    def requests(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.received if r["path"] == path]
