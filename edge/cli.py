"""The `depot` command.

Every part of the system contributes its subcommands through the `depot.commands` entry
point group (see pyproject.toml), so a scanning station with only `depot-floor[edge]`
installed has a working `depot edge ...` and never loads the gateway or the server.
Errors from the library become one clear line on stderr and exit status 2, here only.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A failure to report to the user as one line, without a traceback."""


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("alembic.runtime.plugins", "alembic.runtime.migration", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    edge = sub.add_parser("edge", help="scanning station agent", description="Scanning station.")
    edge_sub = edge.add_subparsers(dest="edge_command", required=True, metavar="COMMAND")
    run = edge_sub.add_parser(
        "run",
        help="read scanners and publish every read to the depot broker",
        description="Read the configured scanners, keep every read on disk, publish it to the "
        "depot broker and keep it until the gateway answers it.",
    )
    run.add_argument("--config", type=Path, required=True, help="station configuration (TOML)")
    run.set_defaults(handler=run_edge)
    enrol = edge_sub.add_parser(
        "enrol",
        help="join this station to its depot with a device's enrolment sheet",
        description="Read the QR code of a device's enrolment sheet (scan it into this prompt "
        "with a scanner that types, pass it with --code, or give a photo with --image), or "
        "type the sheet's enrolment code with --site, --device, --gateway and --ca-fingerprint "
        "from the sheet; "
        "fetch the device's settings from the depot's gateway and install them.",
    )
    enrol.add_argument(
        "--code", help="the QR code's text (DEPOT-ENROL/1;...), or the enrolment code typed"
    )
    enrol.add_argument("--site", help="with a typed code: the site on the sheet")
    enrol.add_argument("--device", help="with a typed code: the device on the sheet")
    enrol.add_argument(
        "--ca-fingerprint",
        help="with a typed code: the depot CA's fingerprint on the sheet (the gateway must "
        "show a certificate from that CA)",
    )
    enrol.add_argument("--image", type=Path, help="a photo or scan of the sheet's QR code")
    enrol.add_argument(
        "--config-dir", type=Path, default=Path("/etc/depot"), help="default: /etc/depot"
    )
    enrol.add_argument(
        "--state-dir", type=Path, help="where the station keeps its reads (default: the site's)"
    )
    enrol.add_argument(
        "--gateway", help="the gateway's address, if not the one on the sheet (https://host:port)"
    )
    enrol.set_defaults(handler=run_enrol)


def run_edge(args: argparse.Namespace) -> int:
    from edge.agent import Station
    from edge.config import ConfigError, load_config
    from edge.readers import MissingExtra

    try:
        station = Station.from_config(load_config(args.config))
    except (ConfigError, MissingExtra) as exc:
        raise CommandError(str(exc)) from exc
    station.start()
    try:
        wait_for_signal()
    finally:
        station.stop()
    return 0


def run_enrol(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from edge.enrolment import EnrolmentError, fetch, install

    try:
        if args.code:
            text = args.code
        elif args.image:
            text = _qr_from_image(args.image)
        else:
            print("扫描入网单二维码 Scan the sheet's QR code:", file=sys.stderr, flush=True)
            text = sys.stdin.readline()
        ticket = _ticket(text, args)
        if args.gateway:
            ticket = replace(ticket, gateway=args.gateway)
        bundle = fetch(ticket)
        written = install(bundle, args.config_dir, args.state_dir)
    except EnrolmentError as exc:
        raise CommandError(f"enrolment failed: {exc}") from exc
    print(f"{ticket.device} enrolled in depot {ticket.site} / 已入网")
    for path in written:
        print(f"  {path}")
    print(f"start the station: depot edge run --config {written[-1]}")
    return 0


def _ticket(text: str, args: argparse.Namespace) -> Any:
    """The QR code's text, or an enrolment code typed with --site, --device, --gateway and
    --ca-fingerprint."""
    from edge.enrolment import SCHEME, EnrolmentError, Ticket, parse_ticket

    if text.strip().startswith(SCHEME) or not (args.site or args.device):
        return parse_ticket(text)
    if not (args.site and args.device and args.gateway):
        raise EnrolmentError(
            "a typed code needs --site, --device, --gateway and --ca-fingerprint from the sheet"
        )
    typed = Ticket(
        args.site, args.device, args.gateway, "-", text.strip(), args.ca_fingerprint or ""
    )
    return parse_ticket(typed.text())


def _qr_from_image(path: Path) -> str:
    from edge.enrolment import EnrolmentError

    try:
        import cv2
        import zxingcpp
    except ImportError as exc:
        raise EnrolmentError("reading a photo needs depot-floor[camera]; use --code") from exc
    image = cv2.imread(str(path))
    if image is None:
        raise EnrolmentError(f"cannot read the image {path}")
    for result in zxingcpp.read_barcodes(image):
        if result.text.startswith("DEPOT-ENROL/"):
            return str(result.text)
    raise EnrolmentError(f"no enrolment QR code found in {path}")


def wait_for_signal(done: threading.Event | None = None) -> None:
    """Block until SIGINT or SIGTERM, or until `done` is set by the process itself (a part
    it cannot run without has stopped)."""
    import signal

    done = done or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser, with only the chosen part loaded when argv names one (so that
    `depot edge ...` never imports the gateway or the server), else with every part."""
    parser = argparse.ArgumentParser(
        prog="depot",
        description="depot-floor: barcode and RFID floor system for relief-material depots.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    points = sorted(entry_points(group="depot.commands"), key=lambda p: p.name)
    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    chosen = [p for p in points if words and p.name == words[0]]
    for point in chosen or points:
        try:
            point.load()(sub)
        except ImportError as exc:
            missing = sub.add_parser(point.name, help=f"(not installed: {exc.name})")
            missing.set_defaults(handler=_not_installed(point.name, exc))
    return parser


def _not_installed(name: str, exc: ImportError) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        raise CommandError(
            f"'depot {name}' needs modules that are not installed ({exc.name}): "
            f"pip install 'depot-floor[{name}]'"
        )

    return handler


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        return int(args.handler(args))
    except CommandError as exc:
        print(f"depot: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(
            f"depot: a module is missing ({exc.name}); install the extra for this part, "
            "e.g. pip install 'depot-floor[all]'",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
