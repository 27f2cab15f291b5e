"""Live viewers on a busy depot, for bench_dashboard.py: `viewers` people keep the overview
open (each its own session and /live stream, and on every `change` it fetches the overview's
live region, as dash.js does), while the depot's floor moves stock every `every` seconds (a
move of one batch between two places: two postings, through the server's ingest service, in a
process of its own, so that its work does not hold up the viewers' threads). Measured: the
server process's CPU time over the run (its share of one core and of the machine),
PostgreSQL's too when it is the database, and each region fetch's time twice: as the server
took it (its `Server-Timing` header, server/web/timing.py) and as the viewer waited for it
(which adds the viewers' own threads in this one process, and the network)."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, select

from harness.forms import submit
from harness.procs import wait_until
from server.services.events import Caller, ingest
from server.storage.db import make_engine
from server.storage.tables import batches, item_gtins, locations, stock

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(root: int) -> float:
    """User and system CPU time of a process and every process below it, those ended and
    reaped during the run too."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        # its own time and that of its children it has reaped (a connection's backend, done)
        times[int(entry.name)] = sum(int(f) for f in fields[11:15]) / TICK
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return sum(times.get(pid, 0.0) for pid in tree)


@dataclass
class Viewers:
    fetches: list[float] = field(default_factory=list)
    served: list[float] = field(default_factory=list)  # the server's own time for each
    changes: int = 0
    opened: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _watch(url: str, who: str, password: str, stop: threading.Event, seen: Viewers) -> None:
    client = httpx.Client(base_url=url, timeout=60)
    submit(client, "/login", "/login", {"username": who, "password": password})
    try:
        with client.stream("GET", "/live", timeout=httpx.Timeout(60, read=30)) as stream:
            with seen.lock:
                seen.opened += 1
            for line in stream.iter_lines():
                if stop.is_set():
                    break
                if not line.startswith("event: change"):
                    continue
                started = time.perf_counter()
                answer = client.get("/partials/overview")
                took = (time.perf_counter() - started) * 1000
                timing = answer.headers.get("server-timing", "")
                with seen.lock:
                    seen.changes += 1
                    seen.fetches.append(took)
                    if timing.startswith("app;dur="):
                        seen.served.append(float(timing.split("=", 1)[1]))
                    if answer.status_code != 200:
                        seen.errors.append(f"{answer.status_code}")
    except httpx.HTTPError as error:
        if not stop.is_set():
            with seen.lock:
                seen.errors.append(repr(error))
    finally:
        client.close()


def movable(engine: Engine, warehouse: str, count: int = 50) -> list[dict[str, str]]:
    """Stacks of available stock away from the doors, with another place to move them to."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(item_gtins.c.gtin, batches.c.batch_no, locations.c.code, stock.c.qty)
            .join(batches, batches.c.id == stock.c.batch_id)
            .join(item_gtins, item_gtins.c.item_code == batches.c.item_code)
            .join(locations, locations.c.id == stock.c.location_id)
            .where(
                stock.c.warehouse == warehouse,
                stock.c.status == "available",
                stock.c.qty > 0,
                ~locations.c.code.startswith("D"),
            )
            .limit(count * 4)
        ).all()
    seen: set[tuple[str, str]] = set()
    out = []
    for gtin, batch_no, code, qty in rows:
        if (gtin, batch_no) not in seen and len(out) < count:
            seen.add((gtin, batch_no))
            out.append({"gtin": gtin, "batch": batch_no, "home": code, "qty": str(qty)})
    return out


class Floor:
    """A depot's floor moving stacks away from their place and back, one event at a time."""

    def __init__(self, engine: Engine, warehouse: str) -> None:
        self.engine, self.warehouse = engine, warehouse
        self.stacks = movable(engine, warehouse)
        self.places = [s["home"] for s in self.stacks]
        self.caller, self.step = Caller(f"gateway-{warehouse}", warehouse), 0

    def _available(self, stack: dict[str, str], place: str) -> int:
        """What of the stack is available at `place` now (the bench's other pages may have
        proposed some of it for scrapping since the stacks were chosen)."""
        with self.engine.connect() as conn:
            qty = conn.execute(
                select(stock.c.qty)
                .join(batches, batches.c.id == stock.c.batch_id)
                .join(item_gtins, item_gtins.c.item_code == batches.c.item_code)
                .join(locations, locations.c.id == stock.c.location_id)
                .where(
                    stock.c.warehouse == self.warehouse,
                    stock.c.status == "available",
                    item_gtins.c.gtin == stack["gtin"],
                    batches.c.batch_no == stack["batch"],
                    locations.c.code == place,
                )
            ).scalar()
        return int(qty or 0)

    def move(self, whole: bool = True) -> None:
        """One move (an event, two postings) through the server's ingest service: a whole
        stack to another place and back (the overview's figures stay as they were), or one
        unit of it (a stock line more, then one less: the figures change)."""
        stack = self.stacks[(self.step // 2) % len(self.stacks)]
        away = self.places[(self.step // 2 + 1) % len(self.places)]
        there, back = (stack["home"], away) if self.step % 2 == 0 else (away, stack["home"])
        event = {
            "event_id": str(uuid.uuid4()), "type": "moving", "warehouse": self.warehouse,
            "occurred_at": datetime.now(UTC).isoformat(), "gtin": stack["gtin"],
            "batch": stack["batch"], "from_location": there, "to_location": back,
            "qty": self._available(stack, there) if whole else 1,
        }  # fmt: skip
        result = ingest(self.engine, self.caller, [event], now=datetime.now(UTC))[0]
        if result.result != "accepted":
            raise RuntimeError(f"the floor's move was refused: {result.reason}")
        self.step += 1


def _floor(db_url: str, warehouse: str, every: float, stop: Any, moved: Any) -> None:
    """Move stacks away and back, one event every `every` seconds, until `stop` is set,
    counting them in the shared `moved`. Runs in a process of its own."""
    engine = make_engine(db_url)
    floor = Floor(engine, warehouse)
    next_at = time.perf_counter()
    while not stop.is_set():
        floor.move()
        with moved.get_lock():
            moved.value += 1
        next_at += every
        time.sleep(max(0.0, next_at - time.perf_counter()))
    engine.dispose()


@dataclass(frozen=True)
class LiveRun:
    seconds: float
    events: int
    changes: int
    fetches: list[float]  # as the viewers waited for them
    served: list[float]  # as the server took them (Server-Timing)
    server_cpu: float  # CPU seconds of the server process over the run
    database_cpu: float | None  # PostgreSQL's, if it is the database
    errors: list[str]


def live_viewers(
    engine: Engine, url: str, server_pid: int, user: tuple[str, str], *,
    database_pid: int | None = None, viewers: int = 20, every: float = 0.1, seconds: float = 30,
) -> LiveRun:  # fmt: skip
    stop, seen = threading.Event(), Viewers()
    watchers = [
        threading.Thread(target=_watch, args=(url, *user, stop, seen), daemon=True)
        for _ in range(viewers)
    ]
    for w in watchers:
        w.start()
    wait_until(lambda: seen.opened == viewers, 60, "every viewer's /live stream open")
    spawn = multiprocessing.get_context("spawn")
    stopping, moved = spawn.Event(), spawn.Value("i", 0)
    db_url = engine.url.render_as_string(hide_password=False)
    floor = spawn.Process(target=_floor, args=(db_url, "LC01", every, stopping, moved))
    floor.start()
    wait_until(lambda: seen.changes > 0 or not floor.is_alive(), 120, "the floor's first move")
    # the run: from here, for `seconds`
    cpu = cpu_seconds(server_pid)
    db_cpu = cpu_seconds(database_pid) if database_pid else None
    started, moves = time.perf_counter(), moved.value
    with seen.lock:
        first, changes = len(seen.fetches), seen.changes
    time.sleep(seconds)
    with seen.lock:
        fetches, served = seen.fetches[first:], seen.served[first:]
        changes = seen.changes - changes
    moves = moved.value - moves
    wall = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu
    database_cpu = None if db_cpu is None else cpu_seconds(database_pid or 0) - db_cpu
    stopping.set()
    floor.join(timeout=60)
    stop.set()
    for w in watchers:
        w.join(timeout=20)
    return LiveRun(wall, moves, changes, fetches, served, server_cpu, database_cpu,
                   seen.errors)  # fmt: skip
