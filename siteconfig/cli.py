"""`depot config`: check a site description and build a depot's files from it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kernel.cli import CommandError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    config = sub.add_parser(
        "config",
        help="site description: validate, build the depot's files",
        description="One YAML file describes a depot; everything else is built from it.",
    )
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    validate = config_sub.add_parser(
        "validate",
        help="report every problem of a site description, with its path and line",
        description="Check a site description against the schema and the site's rules; "
        "print every problem at once. Exit status 1 if there is any.",
    )
    validate.add_argument("site", type=Path, help="site description (YAML)")
    _overrides(validate)
    validate.set_defaults(handler=run_validate)

    build = config_sub.add_parser(
        "build",
        help="write broker, gateway and station files, units and enrolment sheets",
        description="Build everything a depot needs from its site description (see "
        "docs/configuration.md). Passwords, enrolment codes and the CA are generated once "
        "and kept in OUTDIR/.secrets (owner-only) for the next build; none is ever printed.",
    )
    build.add_argument("site", type=Path, help="site description (YAML)")
    build.add_argument("outdir", type=Path, help="output folder")
    _overrides(build)
    build.add_argument(
        "--in-place",
        action="store_true",
        help="point the machines' paths into OUTDIR, to run it all where it was built",
    )
    build.add_argument(
        "--reissue",
        action="append",
        default=[],
        metavar="DEVICE",
        help="new broker password and enrolment sheet for DEVICE (a lost sheet); repeatable",
    )
    build.set_defaults(handler=run_build)

    schema = config_sub.add_parser(
        "schema",
        help="print the site description's JSON Schema",
        description="Print the JSON Schema of the site description, its device part made from "
        "the kinds of device (siteconfig/kinds.py). Its published copy is this output: "
        "depot config schema > firmware-config/site.schema.json",
    )
    schema.set_defaults(handler=run_schema)
    profiles = config_sub.add_parser("profiles", help="list the device profiles")
    profiles.set_defaults(handler=run_profiles)


def _overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change one value before checking, e.g. broker.tls_port=18883 or "
        "stations.0.devices.0.connection.port=/dev/ttyUSB0; repeatable",
    )


def _report(site_path: Path, problems: list[object]) -> None:
    print(f"{site_path}: {len(problems)} problem(s)", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def run_validate(args: argparse.Namespace) -> int:
    from siteconfig.build import read_site

    site, problems = read_site(args.site, args.set)
    if problems:
        _report(args.site, list(problems))
        return 1
    assert site is not None
    devices = site.devices()
    print(
        f"{args.site}: depot {site.id}, {len(site.doors)} doors, {len(site.stations)} stations, "
        f"{len(devices)} devices: no problems"
    )
    return 0


def run_build(args: argparse.Namespace) -> int:
    from kernel.paperfont import FontMissing, paper_font
    from siteconfig.build import build, in_place, read_site

    site, problems = read_site(args.site, args.set)
    if problems:
        _report(args.site, list(problems))
        raise CommandError("nothing was built")
    assert site is not None
    if args.in_place:
        site = in_place(site, args.outdir)
    try:
        paper_font()  # the enrolment sheets need it: refused before anything is written
    except FontMissing as exc:
        raise CommandError(f"{exc}; nothing was built") from exc
    try:
        written = build(site, args.outdir, args.reissue)
    except KeyError as exc:
        raise CommandError(f"--reissue: the site has no device {exc.args[0]}") from exc
    print(f"depot {site.id}: {len(written)} files in {args.outdir}")
    for folder in ("broker", "gateway", "stations", "systemd", "sheets"):
        count = sum(1 for p in written if p.relative_to(args.outdir).parts[0] == folder)
        print(f"  {folder + '/':<10} {count} files")
    print("  .secrets/  kept for the next build (owner-only; never copy it to a machine)")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from siteconfig.schema import text

    sys.stdout.write(text())
    return 0


def run_profiles(args: argparse.Namespace) -> int:
    from siteconfig.profiles import profiles

    for name, profile in sorted(profiles().items()):
        print(f"{name:<26} {profile['kind']:<18} {profile.get('description', '')}")
    return 0
