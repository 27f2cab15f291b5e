"""Many depots' gateways sending to several server instances on one database at once.

`add_depots` makes the example network twenty depots (LC01, LC02 and LC03..LC20, each with
the docks and racks LC01 has) with a gateway token each. `traffic` is what one depot's
gateway sends: batches of receiving at the docks, then batches putting the same goods away
to racks (each checked against the stock it takes from). Batch numbers are shared between
depots, so that depots create the same new batches at the same moment. `Gateway.send`
delivers its batches in order, each to the next instance in turn, and sends every third batch
to two instances at once: a gateway whose first answer was lost sending it again while the
first is still at work, the race that must not double anything.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine, select

from demo.exampledata import ExampleDepot
from kernel.clock import system_clock
from server.services.accounts import create_gateway_client
from server.storage.tables import locations, warehouses

Event = dict[str, Any]


def add_depots(engine: Engine, count: int, lc01_token: str) -> dict[str, str]:
    """The depots LC01..LC{count} with their gateway tokens (LC01 and LC02 are the example's,
    LC01's gateway the one `prepare_database` made; the others copy LC01's docks and
    racks)."""
    codes = [f"LC{n:02d}" for n in range(1, count + 1)]
    with engine.begin() as conn:
        known = set(conn.execute(select(warehouses.c.code)).scalars())
        template = conn.execute(
            select(locations.c.code, locations.c.zone, locations.c.walk_order, locations.c.kind)
            .where(locations.c.warehouse == "LC01")
            .order_by(locations.c.walk_order)
        ).all()
        for code in codes:
            if code in known:
                continue
            conn.execute(
                warehouses.insert().values(
                    code=code, name_zh=f"救灾物资储备点{code}", name_en=f"Relief store {code}",
                    level="county", kind="agency",
                )
            )  # fmt: skip
            conn.execute(locations.insert(), [{**r._mapping, "warehouse": code} for r in template])
    tokens = {"LC01": lc01_token}
    for code in codes[1:]:
        tokens[code] = create_gateway_client(engine, f"gateway-{code}", code, now=system_clock())
    return tokens


def traffic(
    example: ExampleDepot, depot: str, batches: int, size: int
) -> tuple[list[list[Event]], list[list[Event]]]:
    """One depot's receiving batches and the putaway batches of the same goods."""
    items = example.items
    racks = [loc.code for loc in example.locations_of("LC01") if loc.code.startswith("A-")]
    received: list[list[Event]] = []
    stored: list[list[Event]] = []
    for b in range(batches):
        ins, aways = [], []
        for n in range(size):
            k = b * size + n
            event = {
                "event_id": str(uuid.uuid4()),
                "type": "receiving",
                "warehouse": depot,
                "occurred_at": "2026-11-23T09:00:00+08:00",
                "device": f"{depot}-D01-FIX1",
                "location": f"D0{1 + k % 2}",
                "gtin": items[k % len(items)].gtin,
                "batch": f"F{b}-{k % 7}",  # the same new batches in every depot at once
                "qty": 1 + k % 9,
            }
            ins.append(event)
            away = {
                **event,
                "event_id": str(uuid.uuid4()),
                "type": "storing",
                "occurred_at": "2026-11-23T11:00:00+08:00",
                "device": f"{depot}-HH01",
                "from_location": event["location"],
                "to_location": racks[k % len(racks)],
            }
            del away["location"]
            aways.append(away)
        received.append(ins)
        stored.append(aways)
    return received, stored


@dataclass
class Gateway:
    depot: str
    token: str
    batches: list[list[Event]]
    answers: Counter[str] = field(default_factory=Counter)  # verdicts (and reasons) answered
    failures: list[str] = field(default_factory=list)  # answers that were not 200

    def send(self, servers: list[str], start: int = 0, resend: bool = True) -> None:
        """Every batch in order, to the instances in turn; with `resend`, every third batch
        to two instances at once (a resend racing the first)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(headers=headers, timeout=120) as client:
            for n, batch in enumerate(self.batches):
                first = servers[(start + n) % len(servers)]
                if resend and n % 3 == 2 and len(servers) > 1:
                    second = servers[(start + n + 1) % len(servers)]
                    racing = threading.Thread(target=self._post, args=(client, second, batch))
                    racing.start()
                    self._post(client, first, batch)
                    racing.join()
                else:
                    self._post(client, first, batch)

    def _post(self, client: httpx.Client, server: str, batch: list[Event]) -> None:
        try:
            answer = client.post(f"{server}/api/v1/events", json={"events": batch})
        except httpx.HTTPError as exc:
            self.failures.append(f"{server}: {type(exc).__name__} {exc}")
            return
        if answer.status_code != 200:
            self.failures.append(f"{server}: {answer.status_code} {answer.text[:300]}")
            return
        for result in answer.json()["results"]:
            verdict = [result["result"], result.get("original"), result.get("reason")]
            self.answers[" ".join(str(v) for v in verdict if v)] += 1


def send_all(gateways: list[Gateway], servers: list[str], resend: bool = True) -> None:
    """Every gateway at once, each in its own thread, starting at a different instance."""
    threads = [
        threading.Thread(target=g.send, args=(servers, i, resend), name=f"gateway-{g.depot}")
        for i, g in enumerate(gateways)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
