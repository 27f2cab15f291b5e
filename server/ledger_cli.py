"""`depot server` commands for the ledger's integrity: verify-ledger, and the signed checkpoints
a depot hands to its supervising bureau (server.services.checkpoints).

    depot server checkpoint-key --key-file /etc/depot/checkpoint.key   # once: a new key
    depot server checkpoint --key-file /etc/depot/checkpoint.key       # sign the heads now
    depot server export-checkpoints --warehouse LC01 --after 0 --out LC01.jsonl
    depot server verify-ledger --checkpoints LC01.jsonl --public-key checkpoint.key.pub
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from kernel.cli import CommandError

KEY_ENV = "DEPOT_CHECKPOINT_KEY"


def register(cmds: Any, db: Any) -> None:
    """Add the commands to `depot server`; `db` adds the --db option to a parser."""
    verify = cmds.add_parser(
        "verify-ledger",
        help="recompute the hash chains and the stock projection",
        description="Recompute every depot's chains (postings, decisions, audit entries) and "
        "the stock projection from the postings; report every row that does not match (exit "
        "status 1). With --checkpoints, also prove that the ledger still extends every "
        "checkpoint in the file (a rewritten or cut chain does not).",
    )
    db(verify)
    verify.add_argument(
        "--checkpoints",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="checkpoints a third party holds, one JSON line each (repeat for more files)",
    )
    verify.add_argument(
        "--public-key",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="accept only checkpoints signed by this key (base64, as checkpoint-key writes "
        "it beside the key; repeat for keys used before)",
    )
    verify.set_defaults(handler=run_verify)

    key = cmds.add_parser(
        "checkpoint-key",
        help="make the key that signs the ledger's checkpoints",
        description="Write a new Ed25519 key to --key-file (mode 0600; never overwritten) "
        "and its public half, base64, to FILE.pub: the public key is what the bureau keeps.",
    )
    db(key)
    key.add_argument("--key-file", type=Path, required=True)
    key.set_defaults(handler=run_new_key)

    sign = cmds.add_parser(
        "checkpoint",
        help="sign the chains' ends now",
        description="Sign every depot's chain ends that moved since its last checkpoint "
        "(the server does it by itself when run with --checkpoint-key).",
    )
    db(sign)
    _key_option(sign)
    sign.set_defaults(handler=run_checkpoint)

    export = cmds.add_parser(
        "export-checkpoints",
        help="write the signed checkpoints for a third party",
        description="Write the checkpoints (one JSON line each, complete with signature "
        "and public key) to --out or standard output; files of them can be put together.",
    )
    db(export)
    export.add_argument("--warehouse", help="one depot's only ('*': the network's audit)")
    export.add_argument("--after", type=int, default=0, help="only those after this id")
    export.add_argument("--out", type=Path, help="the file (appended to); default stdout")
    export.set_defaults(handler=run_export)


def _key_option(parser: argparse.ArgumentParser, required: bool = True) -> None:
    default = os.environ.get(KEY_ENV)
    parser.add_argument(
        "--key-file",
        type=Path,
        default=Path(default) if default else None,
        required=required and not default,
        help=f"the signing key (env {KEY_ENV}); a file only its owner may read",
    )


def key_option(parser: argparse.ArgumentParser) -> None:
    """`--checkpoint-key` and `--checkpoint-every` for `depot server run`."""
    default = os.environ.get(KEY_ENV)
    parser.add_argument(
        "--checkpoint-key",
        type=Path,
        default=Path(default) if default else None,
        metavar="FILE",
        help=f"sign the ledger's chain ends with this key (env {KEY_ENV})",
    )
    parser.add_argument(
        "--checkpoint-every",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="how often to sign them (default %(default)s)",
    )


def start_signing(engine: Any, args: argparse.Namespace) -> None:
    """For `depot server run`: sign the chain ends in a thread, if a key is given."""
    if args.checkpoint_key is None:
        return
    from server.domain.errors import CheckpointError
    from server.services.checkpoints import CheckpointKeeper, load_key

    try:
        key = load_key(args.checkpoint_key)
    except CheckpointError as exc:
        raise CommandError(str(exc)) from exc
    CheckpointKeeper(engine, key, args.clock, max(1.0, args.checkpoint_every)).start()


def _engine(url: str) -> Any:
    from server.storage.db import make_engine

    return make_engine(url)


def run_verify(args: argparse.Namespace) -> int:
    from server.domain.errors import CheckpointError
    from server.services.checkpoints import read_public_key
    from server.services.verify import verify_ledger

    try:
        pinned = {read_public_key(p) for p in args.public_key} or None
    except CheckpointError as exc:
        raise CommandError(str(exc)) from exc
    report = verify_ledger(
        _engine(args.db), _lines(args.checkpoints) if args.checkpoints else None, pinned
    )
    if not report.ok:
        problems = len(report.findings) + report.more
        print(f"ledger does NOT verify: {problems} problem{'' if problems == 1 else 's'}")
        for finding in report.findings:
            print(f"  {finding}")
        if report.more:
            print(f"  ... and {report.more} more")
        return 1
    print(
        f"ledger verifies: {report.postings} postings in {report.warehouses} warehouses, "
        f"{report.stock_lines} stock lines match their postings, "
        f"{report.records} decisions and audit entries"
    )
    if args.checkpoints:
        print(f"it extends all {report.checkpoints} checkpoints given")
    return 0


def _lines(paths: list[Path]) -> Any:
    for path in paths:
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                yield from handle
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from exc


def run_new_key(args: argparse.Namespace) -> int:
    from server.domain.errors import CheckpointError
    from server.services.checkpoints import key_id, new_key, raw_public, register
    from server.storage.db import migrate

    try:
        key = new_key(args.key_file)
    except CheckpointError as exc:
        raise CommandError(str(exc)) from exc
    engine = _engine(args.db)
    migrate(engine)
    register(engine, key, args.clock())
    print(f"signing key written to {args.key_file} (0600); public key in {args.key_file}.pub")
    print(f"key id (SHA-256 of the public key): {key_id(raw_public(key))}")
    return 0


def run_checkpoint(args: argparse.Namespace) -> int:
    from server.domain.errors import CheckpointError
    from server.services.checkpoints import load_key, sign_heads

    try:
        key = load_key(args.key_file)
    except CheckpointError as exc:
        raise CommandError(str(exc)) from exc
    made = sign_heads(_engine(args.db), key, args.clock())
    print(f"{made} checkpoint{'' if made == 1 else 's'} signed")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from server.services.checkpoints import export

    lines = export(_engine(args.db), args.warehouse, args.after)
    if args.out is None:
        for line in lines:
            sys.stdout.write(line + "\n")
        return 0
    with args.out.open("a", encoding="ascii") as out:
        for line in lines:
            out.write(line + "\n")
    return 0
