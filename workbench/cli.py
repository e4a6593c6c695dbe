"""The ``workbench`` command line: the same work as the app, in batch.

Each subcommand imports what it needs inside its function, so ``workbench --help`` and the
list commands start fast (TensorFlow is only imported by the model commands).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _project(config: str | None):
    from .project import find_config, open_project

    project = open_project(find_config([config] if config else []))
    for message in project.recovered:
        print(f"recovered: {message}", file=sys.stderr)
    return project


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import make_demo

    demo = make_demo(Path(args.folder), seed=args.seed, force=args.force)
    print(f"demo project written: {demo.config} ({len(demo.truth)} images, {len(demo.wrong)} wrong labels)")
    print(f"open it with: panel serve {Path(__file__).parent} --args {demo.config}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from labeling.check import check_project

    project = _project(args.config)
    problems = check_project(project.config)
    for problem in problems:
        print(problem.message)
    cfg = project.config
    print(f"{cfg.path.name}: {len(cfg.labels)} labels, {len(problems)} problem(s)")
    return 1 if problems else 0


def cmd_move(args: argparse.Namespace) -> int:
    from labeling.paths import check_relative
    from labeling.store import Move

    project = _project(args.config)
    items = args.items
    if items == ["-"]:
        items = [line.rstrip() for line in sys.stdin if line.strip()]
    for item in items:
        check_relative(item)
    action = project.store.apply(
        [Move(src=Path(args.src).resolve(), dst=Path(args.dst).resolve(), items=tuple(items))],
        description=f"move to {args.dst}",
    )
    print(f"moved {action.moved_count} item(s) from {args.src} to {args.dst}")
    for item in action.skipped:
        print(f"not in {args.src}: {item}", file=sys.stderr)
    return 0 if not action.skipped else 1


def cmd_undo(args: argparse.Namespace) -> int:
    project = _project(args.config)
    action = project.store.undo(args.id)
    print(f"{action.description}: {action.moved_count} item(s) put back")
    for item in action.skipped:
        print(f"left where it is now: {item}", file=sys.stderr)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    import time

    project = _project(args.config)
    for action in project.store.history()[-args.n :]:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(action.time))
        state = "undone" if action.undone_by else action.status
        print(f"{action.id}  {stamp}  {state:11s} {action.moved_count:5d} item(s)  {action.description}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from .project import find_config, open_project

    config = find_config([args.config] if args.config else [])
    open_project(config)  # fail here, with one line, rather than in the browser
    command = [
        sys.executable, "-m", "panel", "serve", str(Path(__file__).parent),
        "--port", str(args.port), "--address", args.address,
        "--args", str(Path(config).resolve()),
    ]  # fmt: skip
    if args.show:
        command.append("--show")
    print(f"serving {config} at http://{args.address}:{args.port}/workbench", flush=True)
    return subprocess.call(command, env=dict(os.environ))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Label images and review what your classifier thinks of them.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    config_help = "project config (default: $WORKBENCH_CONFIG, ./workbench.yaml or ./demo.yaml)"

    p = sub.add_parser("demo", help="create the demo project (synthetic postcards)",
                       description="Create a demo project: images, lists with a few wrong labels, demo.yaml.")
    p.add_argument("folder", nargs="?", default=".", help="where to create it (default: here)")
    p.add_argument("--force", action="store_true", help="write it again over an existing demo")
    p.add_argument("--seed", type=int, default=7, help="random seed (default: 7)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("check", help="validate the config and the lists",
                       description="Validate the config, finish interrupted moves, report problems in the lists "
                       "(duplicates, unsafe or missing image paths, images with two labels). Exit 1 on problems.")
    p.add_argument("config", nargs="?", help=config_help)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("move", help="move items from one list to another (journaled, undoable)",
                       description="Move ITEMS from list SRC to list DST, as the app does: locked, atomic, undoable.")
    p.add_argument("config", help="project config")
    p.add_argument("src", help="source list file")
    p.add_argument("dst", help="destination list file")
    p.add_argument("items", nargs="+", help="image paths, or - to read them from standard input")
    p.set_defaults(func=cmd_move)

    p = sub.add_parser("undo", help="undo the last action (or the one named)",
                       description="Undo the newest action in the journal, or the action --id names.")
    p.add_argument("config", nargs="?", help=config_help)
    p.add_argument("--id", help="action id (see `workbench history`)")
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("history", help="list recent actions",
                       description="List the newest actions of the journal.")
    p.add_argument("config", nargs="?", help=config_help)
    p.add_argument("-n", type=int, default=20, help="how many (default: 20)")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("app", help="run the browser app (panel serve workbench)",
                       description="Serve the browser app for a project.")
    p.add_argument("config", nargs="?", help=config_help)
    p.add_argument("--port", type=int, default=5006, help="port (default: 5006)")
    p.add_argument("--address", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--show", action="store_true", help="open a browser")
    p.set_defaults(func=cmd_app)
    return parser  # fmt: skip


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status. Expected errors print one line, status 2."""
    from labeling.config import ConfigError
    from labeling.paths import UnsafePathError
    from labeling.store import LockTimeout, NothingToUndo

    from .project import NoConfigFound

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ConfigError, NoConfigFound, UnsafePathError, LockTimeout, NothingToUndo, FileExistsError,
            ValueError) as exc:  # fmt: skip
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
