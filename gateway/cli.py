"""`depot gateway ...` subcommands."""

from __future__ import annotations

import argparse
import os
import threading
from pathlib import Path

from kernel import depot_time
from kernel.cli import CommandError, wait_for_signal


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    gateway = sub.add_parser("gateway", help="depot gateway", description="The depot's gateway.")
    gateway_sub = gateway.add_subparsers(dest="gateway_command", required=True, metavar="COMMAND")
    run = gateway_sub.add_parser(
        "run",
        help="take reads from the depot broker and forward events to the server",
        description="Subscribe to every station's reads, answer them, record the events in the "
        "local outbox and deliver them to the central server.",
    )
    run.add_argument("--config", type=Path, required=True, help="gateway configuration (TOML)")
    run.add_argument(
        "--timezone",
        default=os.environ.get(depot_time.ENV) or depot_time.DEFAULT,
        metavar="ZONE",
        help="the depots' time zone, an IANA name, the server's: the date FIFO decides on "
        f"(env {depot_time.ENV}; default %(default)s)",
    )
    run.set_defaults(handler=run_gateway)


def run_gateway(args: argparse.Namespace) -> int:
    from gateway.config import load_config
    from gateway.entrypoints.process import Gateway
    from kernel.clock import system_clock
    from kernel.config import ConfigError

    try:
        depot_time.use(args.timezone)
        config = load_config(args.config)
    except (ConfigError, depot_time.UnknownZone) as exc:
        raise CommandError(str(exc)) from exc
    gateway = Gateway(config, system_clock)  # the one clock of the process
    wake = threading.Event()
    gateway.intake.on_fatal = wake.set
    gateway.start()
    try:
        wait_for_signal(wake)
    finally:
        gateway.stop()
    if gateway.intake.fatal.is_set():
        raise CommandError("the intake stopped on an error (see above); restart the gateway")
    return 0
