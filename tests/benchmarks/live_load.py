"""Live viewers on a busy depot, for bench_dashboard.py: `viewers` people keep the overview
open (each its own session and /live stream, and on every `change` it fetches the overview's
live region, as dash.js does), while the depot's floor moves stock every `every` seconds (a
move of one batch between two places: two postings, through the server's ingest service, in
this process). Measured: the server process's CPU time over the run (its share of one core and
of the machine), PostgreSQL's too when it is the database, and the regions' fetch times."""

from __future__ import annotations

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
                with seen.lock:
                    seen.changes += 1
                    seen.fetches.append(took)
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


def _floor(engine: Engine, warehouse: str, every: float, stop: threading.Event) -> int:
    """Move stacks away and back, one event every `every` seconds; returns the events sent."""
    stacks = movable(engine, warehouse)
    places = [s["home"] for s in stacks]
    caller, sent, step = Caller(f"gateway-{warehouse}", warehouse), 0, 0
    next_at = time.perf_counter()
    while not stop.is_set():
        stack = stacks[(step // 2) % len(stacks)]
        away = places[(step // 2 + 1) % len(places)]
        there, back = (stack["home"], away) if step % 2 == 0 else (away, stack["home"])
        event = {
            "event_id": str(uuid.uuid4()), "type": "moving", "warehouse": warehouse,
            "occurred_at": datetime.now(UTC).isoformat(), "gtin": stack["gtin"],
            "batch": stack["batch"], "from_location": there, "to_location": back,
            "qty": int(stack["qty"]),
        }  # fmt: skip
        result = ingest(engine, caller, [event], now=datetime.now(UTC))[0]
        if result.result != "accepted":
            raise RuntimeError(f"the floor's move was refused: {result.reason}")
        sent, step = sent + 1, step + 1
        next_at += every
        time.sleep(max(0.0, next_at - time.perf_counter()))
    return sent


@dataclass(frozen=True)
class LiveRun:
    seconds: float
    events: int
    changes: int
    fetches: list[float]
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
    cpu = cpu_seconds(server_pid)
    db_cpu = cpu_seconds(database_pid) if database_pid else None
    started = time.perf_counter()
    counter: dict[str, Any] = {}
    floor = threading.Thread(
        target=lambda: counter.setdefault("sent", _floor(engine, "LC01", every, stop))
    )
    floor.start()
    time.sleep(seconds)
    stop.set()
    floor.join()
    wall = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu
    database_cpu = None if db_cpu is None else cpu_seconds(database_pid or 0) - db_cpu
    for w in watchers:
        w.join(timeout=20)
    return LiveRun(wall, counter.get("sent", 0), seen.changes, seen.fetches, server_cpu,
                   database_cpu, seen.errors)  # fmt: skip
