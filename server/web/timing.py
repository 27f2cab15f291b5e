"""The server's own time for each answer, in the standard `Server-Timing` header
(`Server-Timing: app;dur=12.3`, milliseconds): from the moment the request reaches the app to
the start of its answer, waiting for a worker thread included. A browser's developer tools
show it beside the network's time; the dashboard's benchmark reads it to tell the server's
time from its own clients' (tests/benchmarks/live_load.py). Nothing else is in it."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ServerTiming:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={took:.1f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, timed)
