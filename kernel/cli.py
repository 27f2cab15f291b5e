"""The `depot` command: the entry point every part's commands hang on.

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
