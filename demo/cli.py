"""`depot demo`: everything on one machine with an example depot."""

from __future__ import annotations

import argparse
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


def _run(args: argparse.Namespace) -> int:
    from demo.run import EXAMPLE_SITE, run_demo

    site = args.site or EXAMPLE_SITE
    if not site.is_file():
        from kernel.cli import CommandError

        raise CommandError(f"no site description at {site}; give one with --site")
    return run_demo(args.dir, site, args.http_port, args.mqtt_port, args.interval)
