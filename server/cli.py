"""`depot server ...` subcommands. Heavy modules are imported inside the handlers, so that
`depot --help` works on a station without the server's dependencies."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from kernel.cli import CommandError
from kernel.clock import system_clock
from server import ledger_cli
from server.domain import depot_time

if TYPE_CHECKING:
    from server.domain.coverage import Reach

DEFAULT_DB = "sqlite:///depot-server.sqlite"


def _db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=os.environ.get("DEPOT_DB_URL", DEFAULT_DB),
        help="database URL (env DEPOT_DB_URL; default %(default)s)",
    )


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    server = sub.add_parser(
        "server",
        help="central ledger server",
        description="The central ledger and the supervisors' dashboard.",
    )
    # The one clock of every server command (kernel/clock.py): each handler reads the time
    # from `args.clock` and passes it down; a test may parse with another.
    server.set_defaults(clock=system_clock)
    cmds = server.add_subparsers(dest="server_command", required=True, metavar="COMMAND")
    _register_run(cmds)
    migrate = cmds.add_parser("migrate", help="bring the database schema up to date")
    _db(migrate)
    migrate.set_defaults(handler=run_migrate)
    _register_accounts(cmds)
    ledger_cli.register(cmds, _db)
    _register_gateway(cmds)
    resend = cmds.add_parser(
        "feed-resend",
        help="send again what the provincial platform refused",
        description="Rows of an endpoint's outbox the platform refused three times are set "
        "aside (shown on /upward); once the platform is put right, this puts them back.",
    )
    _db(resend)
    resend.add_argument("--endpoint", required=True, help="the endpoint's name in the feed file")
    resend.set_defaults(handler=run_feed_resend)


def _register_run(cmds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = cmds.add_parser(
        "run",
        help="serve the API and dashboard (migrates first)",
        description="Bring the schema up to date and serve HTTP.",
    )
    _db(run)
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument(
        "--trusted-proxy",
        action="append",
        default=[p for p in os.environ.get("DEPOT_TRUSTED_PROXIES", "").split(",") if p],
        metavar="ADDRESS",
        help="a reverse proxy's address or network (repeat for more; env DEPOT_TRUSTED_PROXIES, "
        "comma-separated): only for a peer named here is the client taken from "
        "X-Forwarded-For; without one the peer's own address counts",
    )
    run.add_argument(
        "--timezone",
        default=os.environ.get(depot_time.ENV) or depot_time.DEFAULT,
        metavar="ZONE",
        help="the depots' time zone, an IANA name: months of the reports, dates, times shown "
        f"(env {depot_time.ENV}; default %(default)s)",
    )
    run.add_argument(
        "--reinspection-valid-days",
        type=int,
        default=os.environ.get("DEPOT_REINSPECTION_VALID_DAYS", "365"),
        metavar="DAYS",
        help="how long a passed re-inspection lets overdue stock go out (art. 25(4); env "
        "DEPOT_REINSPECTION_VALID_DAYS; default %(default)s)",
    )
    run.add_argument(
        "--reinspection-window-days",
        type=int,
        default=os.environ.get("DEPOT_REINSPECTION_WINDOW_DAYS", "90"),
        metavar="DAYS",
        help="a re-inspection is recorded for stock this close to its storage limit or past it "
        "(env DEPOT_REINSPECTION_WINDOW_DAYS; default %(default)s)",
    )
    run.add_argument(
        "--feed",
        type=Path,
        default=os.environ.get("DEPOT_FEED_CONFIG") or None,
        metavar="FILE",
        help="feed the provincial platform: the endpoints' TOML file (docs/server.md, env "
        "DEPOT_FEED_CONFIG; default: no feed)",
    )
    _coverage_options(run)
    ledger_cli.key_option(run)
    run.set_defaults(handler=run_server)


def _coverage_options(run: argparse.ArgumentParser) -> None:
    """The coverage view's settings (server.domain.coverage; docs/server.md)."""
    for option, env, default, metavar, meaning in (
        ("road-kmh", "ROAD_KMH", "60", "KMH", "speed over a recorded road distance"),
        ("line-kmh", "LINE_KMH", "45", "KMH", "speed over the great circle, where no road "
         "distance is recorded"),
        ("hours", "HOURS", "2", "HOURS", "a place is covered when a depot holding the item "
         "reaches it within this"),
    ):  # fmt: skip
        run.add_argument(
            f"--coverage-{option}",
            type=float,
            default=os.environ.get(f"DEPOT_COVERAGE_{env}", default),
            metavar=metavar,
            help=f"{meaning} (coverage view; env DEPOT_COVERAGE_{env}; default %(default)s)",
        )
    run.add_argument(
        "--coverage-items",
        default=os.environ.get("DEPOT_COVERAGE_ITEMS", ""),
        metavar="CODES",
        help="the key items of the coverage view, item codes separated by commas (env "
        "DEPOT_COVERAGE_ITEMS; default: the first item of each category)",
    )


def coverage_reach(args: argparse.Namespace) -> Reach:
    """The coverage settings of `depot server run`, or CommandError naming the bad one."""
    from server.domain.coverage import Reach

    codes = tuple(c.strip() for c in args.coverage_items.split(",") if c.strip())
    try:
        return Reach(args.coverage_road_kmh, args.coverage_line_kmh, args.coverage_hours, codes)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def _register_accounts(cmds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    user = cmds.add_parser(
        "add-user",
        help="create a person's account",
        description="The password is read from a file, never from the command line.",
    )
    _db(user)
    user.add_argument("--username", required=True)
    user.add_argument("--role", required=True)
    user.add_argument("--display-name")
    user.add_argument("--warehouse", help="limit the user to one warehouse")
    user.add_argument("--password-file", type=Path, required=True)
    user.add_argument(
        "--floor-pin-file",
        type=Path,
        help="the PIN for the depot's floor pages (6-64 characters, not the password)",
    )
    user.set_defaults(handler=run_add_user)

    pin = cmds.add_parser(
        "set-floor-pin",
        help="set or remove a person's floor PIN",
        description="The PIN for the floor pages at the depot's gateway, read from a file; the "
        "gateway receives its hash at its next sync (never the central password's).",
    )
    _db(pin)
    pin.add_argument("--username", required=True)
    which = pin.add_mutually_exclusive_group(required=True)
    which.add_argument("--pin-file", type=Path)
    which.add_argument("--remove", action="store_true", help="no floor sign-on any more")
    pin.set_defaults(handler=run_set_floor_pin)

    for name, verb in (("grant-floor", "give"), ("revoke-floor", "take back")):
        grant = cmds.add_parser(
            name,
            help=f"{verb} a person bound to no depot the floor pages of one depot",
            description="People bound to a depot have its floor pages; an administrator or "
            "supervisor bound to none has a depot's floor only by a grant.",
        )
        _db(grant)
        grant.add_argument("--username", required=True)
        grant.add_argument("--warehouse", required=True)
        grant.set_defaults(handler=run_floor_grant, grant=name == "grant-floor")


def _register_gateway(cmds: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    gateway = cmds.add_parser(
        "add-gateway",
        help="register a depot gateway and write its token",
        description="The token is written to --token-file (mode 0600) "
        "and stored on the server only as a hash.",
    )
    _db(gateway)
    gateway.add_argument("--client-id", required=True)
    gateway.add_argument("--warehouse", required=True)
    gateway.add_argument("--token-file", type=Path, required=True)
    gateway.set_defaults(handler=run_add_gateway)


def _engine(url: str):  # type: ignore[no-untyped-def]
    from server.storage.db import make_engine

    return make_engine(url)


def run_migrate(args: argparse.Namespace) -> int:
    from server.storage.db import migrate

    migrate(_engine(args.db))
    return 0


SHUTDOWN_GRACE_SECONDS = 3


def run_server(args: argparse.Namespace) -> int:
    import uvicorn

    from kernel import heap
    from kernel.paperfont import FontMissing, paper_font
    from server.domain.errors import ZoneError
    from server.domain.evidence import Policy
    from server.services.report_keeper import ReportKeeper
    from server.storage.db import migrate
    from server.web.app import create_app

    try:
        depot_time.use(args.timezone)
    except ZoneError as exc:
        raise CommandError(str(exc)) from exc
    try:
        paper_font()
    except FontMissing as exc:  # everything but the papers works without it
        logging.getLogger("depot.server").warning("%s; the PDFs answer 503 until then", exc)
    try:
        policy = Policy(args.reinspection_valid_days, args.reinspection_window_days)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    feed = _feed(args.feed) if args.feed else None
    reach = coverage_reach(args)
    engine = _engine(args.db)
    migrate(engine)
    app = create_app(engine, args.clock, policy, reach)
    ReportKeeper(engine, args.clock).start()
    if feed is not None:
        from server.services.feed import Feeder

        Feeder(engine, feed, args.clock).start()
    ledger_cli.start_signing(engine, args)
    heap.settle()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
        # Who is asking (login throttling, audit) is the TCP peer, unless the peer is a proxy
        # the operator named: then the client it names in X-Forwarded-For.
        proxy_headers=bool(args.trusted_proxy),
        forwarded_allow_ips=args.trusted_proxy or None,
        # The dashboard's event streams never end by themselves: on stop, give requests a few
        # seconds, then close them (browsers reconnect, to this server once it is back).
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    return 0


def _feed(path: Path):  # type: ignore[no-untyped-def]
    from server.domain.errors import SetupError
    from server.services.feed import load_config

    try:
        return load_config(path)
    except SetupError as exc:
        raise CommandError(str(exc)) from exc


def run_feed_resend(args: argparse.Namespace) -> int:
    from server.services.feed_delivery import resend_refused

    count = resend_refused(_engine(args.db), args.endpoint, args.clock())
    print(f"{count} rows of {args.endpoint} to be sent again")
    return 0


def _read_secret(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc


def run_add_user(args: argparse.Namespace) -> int:
    from server.domain.errors import AccountError
    from server.services.accounts import create_user

    try:
        create_user(
            _engine(args.db),
            args.username,
            _read_secret(args.password_file),
            role=args.role,
            now=args.clock(),
            display_name=args.display_name,
            warehouse=args.warehouse,
            floor_pin=_read_secret(args.floor_pin_file) if args.floor_pin_file else None,
        )
    except AccountError as exc:
        raise CommandError(str(exc)) from exc
    return 0


def run_set_floor_pin(args: argparse.Namespace) -> int:
    from server.domain.errors import FloorAccessError
    from server.services.floor_access import set_floor_pin

    pin = None if args.remove else _read_secret(args.pin_file)
    try:
        set_floor_pin(_engine(args.db), args.username, pin, "admin-cli", args.clock())
    except FloorAccessError as exc:
        raise CommandError(exc.detail) from exc
    return 0


def run_floor_grant(args: argparse.Namespace) -> int:
    from server.domain.errors import FloorAccessError
    from server.services.floor_access import grant_floor, revoke_floor

    change = grant_floor if args.grant else revoke_floor
    try:
        change(_engine(args.db), args.username, args.warehouse, "admin-cli", args.clock())
    except FloorAccessError as exc:
        raise CommandError(exc.detail) from exc
    return 0


def run_add_gateway(args: argparse.Namespace) -> int:
    from server.domain.errors import AccountError
    from server.services.accounts import create_gateway_client

    try:
        token = create_gateway_client(
            _engine(args.db), args.client_id, args.warehouse, args.clock()
        )
    except AccountError as exc:
        raise CommandError(str(exc)) from exc
    write_secret(args.token_file, token)
    return 0


def write_secret(path: Path, value: str) -> None:
    """Write a secret readable by its owner only."""
    from kernel.private import write_private

    write_private(path, value + "\n")
