"""`depot edge ...`: the scanning station's commands (run, enrol)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from kernel.cli import CommandError, wait_for_signal


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
    from edge.config import load_config
    from edge.readers.kinds import MissingExtra
    from edge.station.agent import Station
    from kernel.config import ConfigError

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

    from kernel.enrolment import EnrolmentError, fetch, install

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
    from kernel.enrolment import SCHEME, EnrolmentError, Ticket, parse_ticket

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
    from kernel.enrolment import EnrolmentError

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
