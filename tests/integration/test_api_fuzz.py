"""Schemathesis over the whole OpenAPI against the real server (uvicorn, the example depot
with stock, SQLite and PostgreSQL): inputs drawn from the schema, and inputs that break it,
for every operation, as an administrator and, for the gateways' routes, as a gateway.

No answer may be a 5xx, and every answer must be one the schema documents: its status code,
its content type and, for JSON, its shape. Inputs that break the schema must be refused with
a 4xx. Generation is deterministic; DEPOT_FUZZ_EXAMPLES sets the examples per operation and
mode (default 20; a few hundred for a longer hunt).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from harness.depot import ADMIN, ServerProcess, prepare_database

EXAMPLES = int(os.environ.get("DEPOT_FUZZ_EXAMPLES", "20"))
# The routes a gateway calls with its token; people call the others with a session.
GATEWAY_ROUTES = {
    "/api/v1/events",
    "/api/v1/sync",
    "/api/v1/ledger/digest",
    "/api/v1/ledger/compare",
    "/api/v1/gateway/report",
}
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> tuple[int, list[str]]:
    """Run one operation's examples in one mode: the number of requests made and the failures
    found, each with the request that shows it (the first few)."""
    checks = list(CONFORMANCE)
    # A multipart upload is bytes whatever the schema says of its parts: no invalid form.
    if mode is GenerationMode.NEGATIVE and "multipart/form-data" not in str(operation.body):
        checks.append(negative_data_rejection)
    made = 0
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal made
        made += 1
        try:
            case.call_and_validate(headers=headers, checks=checks, timeout=30)
        except Exception as exc:  # reported below with the request that caused it
            if len(found) < 3:
                found.append(str(exc))

    run()
    return made, found


def _has_inputs(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or bool(list(operation.body))


def test_no_input_gives_a_server_error_or_an_undocumented_answer(
    db_url: str, tmp_path: Path
) -> None:
    depot = prepare_database(db_url, with_stock=True)
    server = ServerProcess(db_url, tmp_path).start()
    try:
        token = httpx.post(
            f"{server.url}/api/v1/sessions", json={"username": ADMIN[0], "password": ADMIN[1]}
        ).json()["token"]
        person = {"Authorization": f"Bearer {token}"}
        gateway = {"Authorization": f"Bearer {depot.gateway_token}"}
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        failures: list[str] = []
        requests = 0
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 40  # the whole API, not a part of it
        for operation in operations:
            headers = gateway if operation.path in GATEWAY_ROUTES else person
            modes = [GenerationMode.POSITIVE]
            if _has_inputs(operation):
                modes.append(GenerationMode.NEGATIVE)
            for mode in modes:
                made, found = _fuzz(operation, mode, headers)
                requests += made
                name = f"{operation.method.upper()} {operation.path} ({mode.value})"
                failures.extend(f"{name}: {failure}" for failure in found)
        assert not failures, "\n\n".join(failures)
        assert requests >= len(operations) * min(EXAMPLES, 5)
        assert server.healthy()
    finally:
        server.stop()
