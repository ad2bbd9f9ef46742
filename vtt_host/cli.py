"""The ``vtt-host`` command line.

With no command it opens the GM app on the last campaign. Every command takes
``--data-dir``; failures print one line to stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from storage import StorageError
from vtt_host.discovery import browse
from vtt_host.errors import VttError
from vtt_host.library import Library
from vtt_host.schema import json_schema
from vtt_host.server import valid_metrics_token
from vtt_host.serving import ServeOptions, ServingSession, tune_interpreter

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
METRICS_TOKEN_ENV = "VTT_METRICS_TOKEN"

Command = Callable[[argparse.Namespace], Awaitable[int]]


def _metrics_token(text: str) -> str:
    if not valid_metrics_token(text):
        raise argparse.ArgumentTypeError(
            "a metrics token is 16 to 256 letters, digits or ._~+/- (then = signs)"
        )
    return text


def _common(defaults: bool) -> argparse.ArgumentParser:
    """Options every command takes, before or after its name.

    The copy on each subcommand has no defaults, so a value given before the command
    is not reset by the subcommand's parser.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        type=Path,
        default=None if defaults else argparse.SUPPRESS,
        help="where campaigns, backups and assets live (default: your user data folder)",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if defaults else argparse.SUPPRESS,
        help="log what the host does",
    )
    return common


def _parser() -> argparse.ArgumentParser:
    common = _common(defaults=False)

    network = argparse.ArgumentParser(add_help=False)
    network.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    network.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any)")
    network.add_argument(
        "--public-url", help="the address players use through a tunnel, e.g. https://x.example"
    )
    network.add_argument("--campaign", help="campaign name or id (default: the last one)")
    network.add_argument(
        "--demo", action="store_true", help="create the sample campaign if there is none"
    )
    network.add_argument(
        "--no-announce", action="store_true", help="do not announce the game on the LAN"
    )
    network.add_argument(
        "--metrics-token",
        type=_metrics_token,
        default=os.environ.get(METRICS_TOKEN_ENV),
        help=(
            "bearer token that opens /metrics and the detailed /healthz to other machines "
            f"(default: ${METRICS_TOKEN_ENV}, else a new one each start, shown at start)"
        ),
    )

    parser = argparse.ArgumentParser(
        prog="vtt-host",
        description="Host a tabletop campaign: a GM app in the terminal, players in the browser.",
        epilog="Start with 'vtt-host run --demo' to try the sample campaign.",
        parents=[_common(defaults=True)],
    )
    parser.add_argument(
        "--version", action="version", version="vtt-host " + importlib.metadata.version("vtt-host")
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str, help_text: str, *parents: argparse.ArgumentParser
    ) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=help_text, description=help_text, parents=[common, *parents]
        )

    add("run", "open the GM app and serve players (the default)", network)
    serve = add("serve", "serve players without the GM app", network)
    serve.add_argument(
        "--headless",
        action="store_true",
        help="no terminal UI; print one JSON 'ready' line when listening",
    )
    new = add("new", "create a campaign")
    new.add_argument("name", help="the campaign's name")
    new.add_argument("--demo", action="store_true", help="fill it with the sample campaign")
    add("list", "list campaigns, one per line, id first")
    export = add("export", "export a campaign to a .vttcampaign file")
    export.add_argument("campaign", help="campaign name or id")
    export.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    imp = add("import", "import a .vttcampaign file and print its id")
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--replace",
        action="store_true",
        help="replace the campaign with the same id (default: import a copy)",
    )
    legacy = add("import-legacy", "import a scattered export (one file per collection)")
    legacy.add_argument("directory", type=Path)
    backups = add("backups", "list backups")
    backups.add_argument("campaign", nargs="?", help="only this campaign")
    restore = add("restore", "restore a campaign from a backup")
    restore.add_argument("campaign", help="campaign name or id")
    restore.add_argument("--at", help="the newest backup at or before this time (ISO 8601, UTC)")
    discover = add("discover", "list vtt-host games on the local network")
    discover.add_argument("--timeout", type=float, default=3.0, help="seconds to listen")
    add("schema", "print the campaign document's JSON Schema")
    return parser


async def _with_library(args: argparse.Namespace, work: Callable[[Library], Awaitable[int]]) -> int:
    library = await Library.open(args.data_dir, purpose=f"vtt-host {args.command}")
    try:
        for report in library.recovery_reports:
            print(f"recovered: {report}", file=sys.stderr)
        return await work(library)
    finally:
        await library.close()


async def _new(args: argparse.Namespace) -> int:
    async def work(library: Library) -> int:
        print(await library.create(args.name, demo=args.demo))
        return EXIT_OK

    return await _with_library(args, work)


async def _list(args: argparse.Namespace) -> int:
    async def work(library: Library) -> int:
        for info in await library.campaigns():
            updated = datetime.fromtimestamp(info.updated_at_ms / 1000, UTC)
            print(f"{info.id}\t{info.name}\tv{info.version}\t{updated:%Y-%m-%d %H:%M} UTC")
        return EXIT_OK

    return await _with_library(args, work)


async def _export(args: argparse.Namespace) -> int:
    async def work(library: Library) -> int:
        path = await library.export(args.campaign, args.output)
        print(path)
        return EXIT_OK

    return await _with_library(args, work)


async def _import(args: argparse.Namespace) -> int:
    async def work(library: Library) -> int:
        imported = await library.import_file(args.file, replace=args.replace)
        print(imported.campaign_id)
        return EXIT_OK

    return await _with_library(args, work)


async def _import_legacy(args: argparse.Namespace) -> int:
    from vtt_host.legacy import read_legacy_export

    async def work(library: Library) -> int:
        state = await asyncio.to_thread(read_legacy_export, args.directory)
        imported = await library.add_state(state)
        print(imported.campaign_id)
        return EXIT_OK

    return await _with_library(args, work)


async def _backups(args: argparse.Namespace) -> int:
    async def work(library: Library) -> int:
        campaign_id = (await library.require(args.campaign)).id if args.campaign else None
        for backup in library.list_backups(campaign_id):
            print(
                f"{backup.campaign_id}\t{backup.time:%Y-%m-%dT%H:%M:%SZ}\tv{backup.version}"
                f"\t{backup.reason or '-'}\t{backup.path}"
            )
        return EXIT_OK

    return await _with_library(args, work)


async def _restore(args: argparse.Namespace) -> int:
    at = _parse_time(args.at) if args.at else None

    async def work(library: Library) -> int:
        restored = await library.restore(args.campaign, at)
        print(f"{restored.campaign_id}\tv{restored.version}")
        print(f"restored {restored.name} from backup {restored.source}", file=sys.stderr)
        if restored.kept_as is not None:
            print(
                f"the state it replaced is backed up as {restored.kept_as} "
                f"('vtt-host import {restored.kept_as} --replace' brings it back)",
                file=sys.stderr,
            )
        return EXIT_OK

    return await _with_library(args, work)


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise VttError(f"--at {text!r} is not a time like 2026-11-25T18:30") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _serve_options(args: argparse.Namespace) -> ServeOptions:
    return ServeOptions(
        data_dir=args.data_dir,
        host=args.host,
        port=args.port,
        public_url=args.public_url,
        campaign=args.campaign,
        demo=args.demo,
        announce=not args.no_announce,
        purpose=f"vtt-host {args.command or 'run'}",
        metrics_token=args.metrics_token,
    )


async def _until_stopped() -> None:
    """Wait for SIGINT or SIGTERM (the host then shuts down cleanly)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


async def _serve(args: argparse.Namespace) -> int:
    session = await ServingSession.start(_serve_options(args))
    try:
        for report in session.library.recovery_reports:
            print(f"recovered: {report}", file=sys.stderr)
        if getattr(args, "headless", False):
            print(json.dumps(session.ready_event()), flush=True)
        else:
            print(
                f"Serving {session.campaign.name!r}\n"
                f"  players join at: {session.join_link}\n"
                f"  join code:       {session.join_code}\n"
                f"  metrics:         {session.host.metrics_url}"
                f" (elsewhere: Authorization: Bearer {session.host.metrics_token})\n"
                f"  {session.announcer.status}\n"
                "Press Ctrl+C to stop (the campaign is saved and backed up).",
                flush=True,
            )
        await _until_stopped()
    finally:
        await session.close()
    return EXIT_OK


async def _discover(args: argparse.Namespace) -> int:
    hosts, status = await browse(args.timeout)
    for found in hosts:
        print(f"{found.url}\t{found.campaign}\t{found.name}")
    print(status, file=sys.stderr)
    return EXIT_OK


async def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2, sort_keys=True))
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "new": _new,
    "list": _list,
    "export": _export,
    "import": _import,
    "import-legacy": _import_legacy,
    "backups": _backups,
    "restore": _restore,
    "schema": _schema,
    "serve": _serve,
    "run": _serve,
    "discover": _discover,
}


async def _run(command: Command, args: argparse.Namespace) -> int:
    return await command(args)


def main(
    argv: Sequence[str] | None = None,
    *,
    run_app: Callable[[argparse.Namespace], int] | None = None,
) -> int:
    """Run one command. ``run_app`` is the GM app (``vtt-host run``, the default);
    without it, ``run`` serves players from the console like ``serve``.
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    tune_interpreter()
    if run_app is not None and args.command in (None, "run"):
        return _guarded(lambda: run_app(args))
    command = COMMANDS.get(args.command or "run")
    if command is None:
        print(f"vtt-host: '{args.command}' is not available in this build", file=sys.stderr)
        return EXIT_USAGE
    return _guarded(lambda: asyncio.run(_run(command, args)))


def _guarded(work: Callable[[], int]) -> int:
    """Turn the errors a user can act on into one line on stderr and exit 1."""
    try:
        return work()
    except KeyboardInterrupt:
        return EXIT_FAILED
    except (VttError, StorageError, OSError) as error:
        print(f"vtt-host: {error}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
