"""``kokreasi audit ...`` (export, verify, checkpoint, prove, keys) and ``kokreasi export``
(the plan as DOCX/PDF, open data, the evidence pack).

Exit codes of ``audit verify``: 0 the bundle verifies, 1 it does not (tampering or
corruption; the message says where), 2 the files could not be read at all.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TextIO, TypeVar

from audit.checkpoints import DEFAULT_ORIGIN, CheckpointError, create_checkpoint
from audit.keys import Keyring, KeyringError, load_signer, rotate
from audit.proofs import ConsistencyProof, ProofRequestError, prove_consistency
from events.store import EventStore
from kokreasi import settings as settings_module

T = TypeVar("T")


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser(
        "audit", help="export and verify the tamper-evident audit trail",
        description="Signed checkpoints, audit bundles and their offline verification.",
    )
    commands = audit.add_subparsers(dest="audit_command", metavar="SUBCOMMAND", required=True)

    export = commands.add_parser("export", help="write the audit bundle of a plan (JSON Lines)")
    settings_module.add_arguments(export)
    export.add_argument("--plan", required=True, help="the plan id, e.g. ran-ogi-vii")
    export.add_argument("--out", required=True, type=Path, help="the .jsonl file to write")
    export.add_argument("--no-checkpoint", action="store_true",
                        help="do not record a fresh checkpoint in the log before exporting (the "
                        "bundle's header still carries a checkpoint signed at export)")
    export.set_defaults(handler=_export)

    verify = commands.add_parser(
        "verify", help="verify an audit bundle offline (no server, no database)"
    )
    verify.add_argument("file", type=Path, help="the audit bundle (.jsonl), or a checkpoint "
                        "note you kept (then --keys and --consistency are needed)")
    verify.add_argument("--keys", type=Path, help="trusted public keys (JSON, as published); "
                        "without it the bundle's own keys are used and printed for comparison")
    verify.add_argument("--consistency", type=Path, metavar="PROOF.json",
                        help="a consistency proof (GET /api/audit/consistency?from=N) to check "
                        "that the server's current log extends this bundle")
    verify.add_argument("--allow-unsigned", action="store_true",
                        help="accept a bundle whose header is not signed (chain only)")
    verify.add_argument("--documents", type=Path, metavar="DIR",
                        help="also write each rebuilt document as JSON into DIR")
    verify.set_defaults(handler=_verify)

    checkpoint = commands.add_parser("checkpoint", help="sign and record a checkpoint now")
    settings_module.add_arguments(checkpoint)
    checkpoint.set_defaults(handler=_checkpoint)

    prove = commands.add_parser("prove", help="write a consistency proof from an older size")
    settings_module.add_arguments(prove)
    prove.add_argument("--from", dest="old_size", type=int, required=True, metavar="N")
    prove.add_argument("--out", type=Path, help="where to write the JSON (default stdout)")
    prove.set_defaults(handler=_prove)

    keys = commands.add_parser("keys", help="print the public keys (JSON); --rotate for a new one")
    keys.add_argument("--data-dir", help="where the keys live (env KOKREASI_DATA_DIR)")
    keys.add_argument("--rotate", action="store_true",
                      help="retire the signing key and create a new one (old checkpoints "
                      "still verify with the retired public key)")
    keys.set_defaults(handler=_keys)


    plan = subparsers.add_parser(
        "export", help="export a plan: the commitment template (DOCX, PDF), open data "
        "(JSON, CSV), the evidence pack (ZIP)",
    )
    settings_module.add_arguments(plan)
    plan.add_argument("--plan", required=True, help="the plan id, e.g. ran-ogi-vii")
    plan.add_argument("--format", choices=EXPORT_FORMATS, default="pdf",
                      help="docx/pdf: the template; json/csv: open data (csv is a ZIP of "
                      "tables); evidence: the IRM evidence pack (ZIP)")
    plan.add_argument("--lang", choices=("id", "en"), default="id", help="language (docx/pdf)")
    plan.add_argument("--stage", help="a stage snapshot (e.g. draft2) instead of the current "
                      "state")
    plan.add_argument("--out", required=True, type=Path, help="the file to write")
    plan.set_defaults(handler=_export_plan)


EXPORT_FORMATS = ("docx", "pdf", "json", "csv", "evidence")


def _fail(message: str, code: int = 1) -> int:
    print(f"kokreasi audit: {message}", file=sys.stderr)
    return code


async def _with_store(
    args: argparse.Namespace, work: Callable[[EventStore], Awaitable[T]]
) -> T:
    import events

    config = settings_module.load(args)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = await events.open_store(config.database_url)
    async with store:
        return await work(store)


def _data_dir(args: argparse.Namespace) -> Path:
    return settings_module.load(args).data_dir


def _export(args: argparse.Namespace) -> int:
    from audit.bundle import UnknownPlan, export_bundle
    from kokreasi.progress import ProgressBar

    data_dir = _data_dir(args)
    signer = load_signer(data_dir)
    bar = ProgressBar(f"audit bundle {args.plan}")
    temporary = args.out.with_name(args.out.name + ".partial")

    async def work(store: EventStore) -> int:
        with temporary.open("w", encoding="utf-8") as out:
            return await export_bundle(store, args.plan, out, signer=signer, progress=bar,
                                       record_checkpoint=not args.no_checkpoint)

    try:
        size = asyncio.run(_with_store(args, work))
    except UnknownPlan as error:
        temporary.unlink(missing_ok=True)
        return _fail(str(error))
    finally:
        bar.close()
    temporary.replace(args.out)  # never leave a half-written bundle under the real name
    print(f"wrote {args.out}: positions 1..{size} of the log, plan {args.plan}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from audit.verify import BundleError

    try:
        trusted = Keyring.from_json(json.loads(args.keys.read_text())) if args.keys else None
        proof = None
        if args.consistency:
            proof = ConsistencyProof.from_json(json.loads(args.consistency.read_text()))
        handle = args.file.open(encoding="utf-8")
    except (OSError, json.JSONDecodeError, KeyringError, CheckpointError) as error:
        return _fail(f"cannot read the input: {error}", 2)
    with handle:
        try:
            first = handle.read(1)
            handle.seek(0)
            if first == "{":
                return _verify_bundle(args, handle, trusted, proof)
            return _verify_note(handle.read(), trusted, proof)
        except BundleError as error:
            return _fail(f"FAILED: {args.file}: {error}")
        except UnicodeDecodeError as error:
            return _fail(f"FAILED: {args.file} is not UTF-8 text: {error}")


def _verify_bundle(
    args: argparse.Namespace,
    handle: TextIO,
    trusted: Keyring | None,
    proof: ConsistencyProof | None,
) -> int:
    from audit.report import render, write_documents
    from audit.verify import verify_bundle

    result = verify_bundle(handle, trusted_keys=trusted, consistency=proof,
                           allow_unsigned=args.allow_unsigned)
    if args.documents:
        write_documents(result, args.documents)
    sys.stdout.write(render(result))
    return 0


def _verify_note(text: str, trusted: Keyring | None, proof: ConsistencyProof | None) -> int:
    """A kept checkpoint note instead of a bundle: check it, and the proof that extends it."""
    from audit.checkpoints import Checkpoint
    from audit.verify import verify_checkpoint_proof

    if trusted is None or proof is None:
        return _fail("to check a kept checkpoint give --keys (the published public keys) and "
                     "--consistency PROOF.json", 2)
    try:
        old = Checkpoint.from_note(text)
    except CheckpointError as error:
        return _fail(f"FAILED: not a bundle nor a checkpoint note: {error}")
    verify_checkpoint_proof(old, proof, trusted)
    newer = proof.checkpoint
    sys.stdout.write(
        f"OK: the checkpoint of size {old.tree_size} ({old.time:%Y-%m-%d %H:%M} UTC) verifies, "
        f"and the log the server signed at size {newer.tree_size} "
        f"({newer.time:%Y-%m-%d %H:%M} UTC) extends it.\n"
    )
    return 0


def _checkpoint(args: argparse.Namespace) -> int:
    signer = load_signer(_data_dir(args))
    checkpoint = asyncio.run(
        _with_store(args, lambda store: create_checkpoint(store, signer, origin=DEFAULT_ORIGIN))
    )
    sys.stdout.write(checkpoint.note())
    return 0


def _prove(args: argparse.Namespace) -> int:
    try:
        proof = asyncio.run(_with_store(args, lambda s: prove_consistency(s, args.old_size)))
    except ProofRequestError as error:
        return _fail(str(error))
    text = json.dumps(proof.to_json(), indent=2) + "\n"
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def _keys(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    signer = rotate(data_dir) if args.rotate else load_signer(data_dir)
    sys.stdout.write(json.dumps({"public_keys": signer.keyring.to_json(),
                                 "current": signer.key_id, "vkey": signer.vkey},
                                indent=2) + "\n")
    return 0


def _export_plan(args: argparse.Namespace) -> int:
    from audit.exports.documents import write_plan
    from audit.exports.evidence import write_evidence_pack
    from audit.exports.opendata import open_data, write_csv_zip, write_json
    from audit.exports.plan import ExportError, load_plan
    from kokreasi.progress import ProgressBar

    data_dir = _data_dir(args)
    bar = ProgressBar(f"{args.format} {args.plan}")
    temporary = args.out.with_name(args.out.name + ".partial")

    async def work(store: EventStore) -> None:
        with temporary.open("wb") as out:
            if args.format == "evidence":
                signer = load_signer(data_dir)
                await write_evidence_pack(store, args.plan, out, signer=signer, progress=bar,
                                          record_checkpoint=True)
                return
            view = await load_plan(store, args.plan, stage=args.stage)
            if args.format in ("docx", "pdf"):
                write_plan(view, args.format, out, language=args.lang)
            else:
                data = open_data(view)
                if args.format == "csv":
                    write_csv_zip(data, out)
                else:
                    text = io.TextIOWrapper(out, encoding="utf-8")
                    write_json(data, text)
                    text.detach()

    try:
        asyncio.run(_with_store(args, work))
    except ExportError as error:
        temporary.unlink(missing_ok=True)
        return _fail(str(error))
    finally:
        bar.close()
    temporary.replace(args.out)
    print(f"wrote {args.out}")
    return 0
