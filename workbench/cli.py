"""The ``workbench`` command line: the same work as the app, in batch.

Each subcommand imports what it needs inside its function, so ``workbench --help`` and the
list commands start fast (TensorFlow is only imported by the model commands).
"""

from __future__ import annotations

import argparse
import os
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


class _Bars:
    """tqdm progress bars on stderr, one per stage, for the model commands."""

    def __init__(self) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self._bars: dict[str, object] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        bar = self._bars.get(stage)
        if bar is None:
            bar = self._bars[stage] = self._tqdm(total=total, desc=stage, unit="", leave=True, file=sys.stderr)
        bar.total = total
        bar.n = done
        bar.refresh()

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()


def _with_bars(fn, *args, **kwargs):
    bars = _Bars()
    try:
        return fn(*args, progress=bars, **kwargs)
    finally:
        bars.close()


def cmd_preprocess(args: argparse.Namespace) -> int:
    from model.dataset import labeled_set, resolve_items
    from model.train import features

    cfg = _project(args.config).config
    data = labeled_set(cfg)
    items = [i for lst in cfg.all_lists() for i in read_items(lst)]
    _, files, _ = resolve_items(cfg, list(dict.fromkeys(data.items + items)))
    feats = _with_bars(features, cfg, files)
    print(f"cached {len(files)} images ({feats.kind}); {len(feats.errors)} could not be read")
    for i, why in sorted(feats.errors.items()):
        print(f"  {files[i]}: {why}", file=sys.stderr)
    return 0


def read_items(path: Path) -> list[str]:
    from labeling.lists import read_list

    return read_list(path).items


def cmd_train(args: argparse.Namespace) -> int:
    from model.train import train

    cfg = _project(args.config).config
    result = _with_bars(train, cfg, fine_tune=args.fine_tune, verbose=2 if args.verbose else 0)
    print(f"trained on {result.n_train} images; validation accuracy {result.val_accuracy:.3f} on {result.n_val}")
    print(f"model saved: {cfg.model_file}; run: {result.folder}")
    for line in result.problems:
        print(f"left out: {line}", file=sys.stderr)
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from model.analyze import analyze

    cfg = _project(args.config).config
    result = _with_bars(analyze, cfg)
    print(f"{result.n_labeled} labeled images, out-of-fold accuracy {result.oof_accuracy:.3f}; "
          f"{result.disputed} where the model disagrees with the label")  # fmt: skip
    print(f"predictions: {result.store}; below threshold {cfg.threshold:g}: {result.report}")
    for line in result.left_out:
        print(f"left out: {line}", file=sys.stderr)
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from model.predict import predict_list

    cfg = _project(args.config).config
    path = Path(args.list).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{args.list}: list file not found")
    result = _with_bars(predict_list, cfg, path)
    counts = ", ".join(f"{label}: {n}" for label, n in result.counts.items())
    print(f"{counts}; inconclusive (< {cfg.threshold:g}): {result.inconclusive}")
    print(f"all predictions: {result.json_all}")
    for line in result.errors:
        print(f"not predicted: {line}", file=sys.stderr)
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    import time

    from model.train import list_runs

    cfg = _project(args.config).config
    runs = list_runs(cfg)
    if not runs:
        print("no runs yet")
    for run in runs:
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(run.get("started", 0)))
        acc = run.get("val_accuracy")
        acc_text = f"{acc:.3f}" if isinstance(acc, float) else "  -  "
        print(f"{Path(run['folder']).name}  {stamp}  {run.get('status', '?'):9s} val_acc {acc_text}  "
              f"{run.get('backbone', '?')}{' +fine-tune' if run.get('fine_tune') else ''}  "
              f"train {run.get('n_train', '-')} val {run.get('n_val', '-')}")  # fmt: skip
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from model.service import Limits, serve

    cfg = _project(args.config).config
    limits = Limits(max_upload_bytes=args.max_upload_mb * 1024 * 1024, max_urls=args.max_urls)
    serve(cfg, address=args.address, port=args.port, limits=limits)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from model.export import export

    cfg = _project(args.config).config
    out = Path(args.out) if args.out else cfg.model_file.with_name(cfg.model_file.stem + "-export")
    result = export(cfg, out)
    print(f"SavedModel: {result.saved_model}\nTFLite: {result.tflite}\nlabels: {result.labels}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    from .project import find_config, open_project

    config = find_config([args.config] if args.config else [])
    open_project(config)  # fail here, with one line, rather than in the browser
    command = [
        sys.executable, "-m", "panel", "serve", str(Path(__file__).parent),
        "--port", str(args.port), "--address", args.address,
        "--allow-websocket-origin", f"localhost:{args.port}",
        "--allow-websocket-origin", f"127.0.0.1:{args.port}",
        "--args", str(Path(config).resolve()),
    ]  # fmt: skip
    for origin in args.allow_origin:
        command[-2:-2] = ["--allow-websocket-origin", origin]
    if args.show:
        command.append("--show")
    print(f"serving {config} at http://{args.address}:{args.port}/workbench", flush=True)
    os.execv(sys.executable, command)  # become the server: signals (Ctrl-C, SIGTERM) reach it directly
    return 0  # not reached


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

    p = sub.add_parser("preprocess", help="decode images (and embeddings) into the cache",
                       description="Fill the decode cache, and the embedding cache for a pretrained backbone, "
                       "for every image of the project's lists.")
    p.add_argument("config", nargs="?", help=config_help)
    p.set_defaults(func=cmd_preprocess)

    p = sub.add_parser("train", help="train the classifier and save the model",
                       description="Train on a seeded, group-aware 80/20 split (fast path: cached embeddings + "
                       "head), save the model atomically, keep a run folder.")
    p.add_argument("config", nargs="?", help=config_help)
    p.add_argument("--fine-tune", action="store_true", help="then fine-tune the whole backbone (slow; GPU)")
    p.add_argument("--verbose", action="store_true", help="print each epoch")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("analyze", help="out-of-fold confidences for every labeled image",
                       description="k-fold out-of-fold probabilities for the labeled images (and the final "
                       "model's for other lists), published to the predictions store the app reads; "
                       "inference-analysis.json lists labeled images below the threshold.")
    p.add_argument("config", nargs="?", help=config_help)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("predict", help="predict a list: LIST.<label>, LIST.inconclusive, JSON",
                       description="Predict every image of LIST with the saved model; write LIST.<label> "
                       "(confidence >= threshold), LIST.inconclusive, LIST.predictions.json and "
                       "LIST.inconclusive.json.")
    p.add_argument("config", help="project config")
    p.add_argument("list", help="the list file to predict")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("runs", help="list training runs and compare them",
                       description="List the training runs with their status and validation accuracy.")
    p.add_argument("config", nargs="?", help=config_help)
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("serve", help="HTTP prediction API on the config's port",
                       description="Serve the trained model over HTTP: POST /predict (multipart 'image', or "
                       "'urls'), GET / (model and labels), GET /health. Binds 127.0.0.1 unless told otherwise.")
    p.add_argument("config", nargs="?", help=config_help)
    p.add_argument("--port", type=int, help="port (default: the config's port)")
    p.add_argument("--address", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--max-upload-mb", type=int, default=20, help="largest upload or fetched image (default: 20)")
    p.add_argument("--max-urls", type=int, default=32, help="most urls in one request (default: 32)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("export", help="export the model: SavedModel, TFLite, labels.json",
                       description="Export the trained model for other runtimes (TensorFlow SavedModel and "
                       "TFLite) with labels.json (label order, input size) beside it.")
    p.add_argument("config", nargs="?", help=config_help)
    p.add_argument("--out", help="output folder (default: MODEL-export beside the model file)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("app", help="run the browser app (panel serve workbench)",
                       description="Serve the browser app for a project.")
    p.add_argument("config", nargs="?", help=config_help)
    p.add_argument("--port", type=int, default=5006, help="port (default: 5006)")
    p.add_argument("--address", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--allow-origin", action="append", default=[], metavar="HOST:PORT",
                   help="also accept browsers that reach the app as HOST:PORT (with --address 0.0.0.0)")
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
    model_errors: tuple[type[BaseException], ...] = ()
    if args.command in ("train", "analyze", "predict", "preprocess", "serve", "export"):
        from model.predict import ModelMissing

        model_errors = (ModelMissing, FileNotFoundError)
    try:
        return int(args.func(args))
    except (ConfigError, NoConfigFound, UnsafePathError, LockTimeout, NothingToUndo, FileExistsError,
            ValueError, *model_errors) as exc:  # fmt: skip
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
