"""`depot demo`: everything on one machine with an example depot; `depot demo load-example`:
the example depot alone, into a server's empty database."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser(
        "demo",
        help="run broker, server, gateway and simulated doors with an example depot",
        description="Start the whole system on embedded defaults with an example depot on "
        "SQLite and simulated dock-door scanners. Everything lives in --dir, which is "
        "recreated on each start. Ctrl-C stops it all.",
    )
    demo.add_argument("--dir", type=Path, default=Path(".depot-demo"), help="state folder")
    demo.add_argument(
        "--http-port", type=int, default=8000, help="dashboard port (a free one if taken)"
    )
    demo.add_argument(
        "--mqtt-port", type=int, default=18883, help="broker TLS port (a free one if taken)"
    )
    demo.add_argument(
        "--site",
        type=Path,
        help="site description to build and run (default: firmware-config/sites/LC01.yaml)",
    )
    demo.add_argument("--interval", type=float, default=4.0, help="seconds between scans per door")
    demo.set_defaults(handler=_run)
    more = demo.add_subparsers(dest="demo_command", metavar="{load-example}")
    example = more.add_parser(
        "load-example",
        help="load the example depot into an empty server database",
        description="Migrate the server's database and load the example depot (two depots, "
        "five categories of relief goods, batches over several years) into it; it must have "
        "no warehouses yet.",
    )
    example.add_argument(
        "--db",
        default=os.environ.get("DEPOT_DB_URL", "sqlite:///depot-server.sqlite"),
        help="database URL (env DEPOT_DB_URL; default %(default)s)",
    )
    example.add_argument("--seed", type=int, default=2026)
    example.add_argument("--no-stock", action="store_true", help="master data only")
    example.set_defaults(handler=_load_example)


def _run(args: argparse.Namespace) -> int:
    from demo.run import EXAMPLE_SITE, run_demo

    site = args.site or EXAMPLE_SITE
    if not site.is_file():
        from kernel.cli import CommandError

        raise CommandError(f"no site description at {site}; give one with --site")
    return run_demo(args.dir, site, args.http_port, args.mqtt_port, args.interval)


def _load_example(args: argparse.Namespace) -> int:
    from demo.exampledata import generate
    from demo.load import load_example
    from kernel.cli import CommandError
    from server.domain.errors import MasterDataError
    from server.storage.db import make_engine, migrate

    engine = make_engine(args.db)
    try:
        migrate(engine)
        load_example(engine, generate(seed=args.seed), with_stock=not args.no_stock)
    except MasterDataError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        engine.dispose()
    return 0
