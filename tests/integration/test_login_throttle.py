"""Password guessing is slowed by name and by address, never at the owner's expense, and the
answers do not tell which names exist: the server under uvicorn, behind a trusted proxy
(127.0.0.1, the test itself) that names each client in X-Forwarded-For."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from harness.depot import Depot, ServerProcess
from harness.forms import submit
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"


@pytest.fixture
def people(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    for name, role in (("li", "keeper"), ("wang", "supervisor")):
        create_user(engine, name, PASSWORD, role=role, warehouse="LC01", now=system_clock())
    engine.dispose()


@pytest.fixture
def proxied(depot: Depot, people: None, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(depot.db_url, tmp_path, args=("--trusted-proxy", "127.0.0.1")).start()
    yield process
    process.stop()


def log_in(server: ServerProcess, name: str, password: str, address: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/v1/sessions",
        json={"username": name, "password": password},
        headers={"X-Forwarded-For": address},
        timeout=30,
    )


def form_login(server: ServerProcess, name: str, password: str, address: str) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=30) as browser:
        return submit(
            browser,
            "/login",
            "/login",
            {"username": name, "password": password},
            headers={"X-Forwarded-For": address},
        )


def test_someone_guessing_from_elsewhere_does_not_keep_the_owner_out(
    proxied: ServerProcess,
) -> None:
    assert log_in(proxied, "li", PASSWORD, "10.0.0.5").status_code == 200  # li's desk
    # Twelve addresses guess li's password: ten failures are free, then they must wait.
    answers = [log_in(proxied, "li", "guess", f"10.66.0.{n}").status_code for n in range(12)]
    assert answers == [401] * 10 + [429] * 2
    refused = log_in(proxied, "li", "guess", "10.66.0.0")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    form = form_login(proxied, "li", "guess", "10.66.0.1")
    assert form.status_code == 429 and int(form.headers["retry-after"]) >= 1
    # li at the desk signs on at once, through the API and through the login form.
    assert log_in(proxied, "li", PASSWORD, "10.0.0.5").status_code == 200
    signed_on = form_login(proxied, "li", PASSWORD, "10.0.0.5")
    assert signed_on.status_code == 303 and "depot_session" in signed_on.cookies
    # An address li never used waits like the guessers (the price of stopping them).
    assert log_in(proxied, "li", PASSWORD, "10.0.0.77").status_code == 429


def test_one_password_on_many_names_is_slowed_at_its_address(proxied: ServerProcess) -> None:
    names = ["li", "wang", *(f"nobody{n}" for n in range(18))]
    answers = [log_in(proxied, name, "spring2026", "10.77.0.1").status_code for name in names]
    assert answers == [401] * 20
    # from that address the next name waits, whether it exists or not
    assert log_in(proxied, "nobody99", "spring2026", "10.77.0.1").status_code == 429
    assert log_in(proxied, "wang", PASSWORD, "10.77.0.1").status_code == 429
    # elsewhere wang is not held up
    assert log_in(proxied, "wang", PASSWORD, "10.77.0.2").status_code == 200


def test_attempts_made_at_once_count_each_other(proxied: ServerProcess) -> None:
    with ThreadPoolExecutor(12) as pool:
        answers = list(
            pool.map(lambda _: log_in(proxied, "li", "guess", "10.88.0.1").status_code, range(12))
        )
    assert sorted(answers) == [401] * 5 + [429] * 7


def test_an_unknown_name_takes_as_long_as_a_wrong_password(proxied: ServerProcess) -> None:
    known, unknown = [], []
    # interleaved, each from an address of its own, each known name tried fewer than ten
    # times: nothing is throttled
    for n in range(16):
        for name, times in ((("li", "wang")[n % 2], known), (f"nobody{n}", unknown)):
            started = time.perf_counter()
            answer = log_in(proxied, name, "wrong-password", f"10.99.{len(times)}.{n}")
            times.append(time.perf_counter() - started)
            assert answer.status_code == 401
            assert answer.json() == {"detail": "wrong user name or password"}
    fast, slow = sorted((statistics.median(known), statistics.median(unknown)))
    print(f"median answer: wrong password {statistics.median(known) * 1000:.1f} ms, "
          f"unknown name {statistics.median(unknown) * 1000:.1f} ms")  # fmt: skip
    assert slow / fast < 1.4


def test_forwarded_addresses_count_only_from_a_trusted_proxy(
    server: ServerProcess, people: None
) -> None:
    # no --trusted-proxy: X-Forwarded-For is the client's own say-so, and ignored
    answers = [log_in(server, "li", "guess", f"10.55.0.{n}").status_code for n in range(5)]
    assert answers == [401] * 5
    assert log_in(server, "li", PASSWORD, "10.55.0.9").status_code == 429
