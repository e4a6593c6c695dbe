"""The background retraining loop: one per server, shared by every browser session.

A ``watchdog`` observer watches the config file, the list files and the image root. Its
handler only sets a flag and notifies (as mkdocs' livereload does); one consumer thread waits
until the edits settle (no event for ``settle`` seconds), then runs a job in a worker process
(:mod:`model.worker`), so a TensorFlow crash or a GPU out-of-memory cannot take the server down.
A newer edit cancels a running fast job, which then starts again once the edits settle; the
last good model and predictions stay in use until a new job completes (the worker publishes
the predictions store atomically, at the very end).

Sessions read :attr:`RetrainLoop.status` and :meth:`subscribe` to hear of changes; they must
apply them to their own document (``doc.add_next_tick_callback``), never from this thread.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from labeling.config import ConfigError, ProjectConfig, load_config
from labeling.predictions import store_path

__all__ = ["ENV_AUTO", "LoopStatus", "RetrainLoop", "get_loop", "stop_all"]

log = logging.getLogger(__name__)

#: Set to ``0`` to keep the loop from starting jobs by itself (buttons still work).
ENV_AUTO = "WORKBENCH_AUTO_RETRAIN"


@dataclass(frozen=True)
class LoopStatus:
    """What the loop is doing, as shown on every screen. Replaced whole, never mutated."""

    state: str = "idle"  # idle | waiting | training | analyzing | failed
    detail: str = ""  # one line: the stage, or the error
    job: str = ""  # fast | full
    epochs: tuple[tuple[int, float, float], ...] = ()  # (epoch, loss, accuracy) of the current fit
    published: float = 0.0  # creation time of the predictions store in use
    jobs_started: int = 0
    log_path: str = ""


@dataclass
class _Job:
    kind: str
    proc: subprocess.Popen
    log_path: Path
    lines: list[dict] = field(default_factory=list)


class _Handler(FileSystemEventHandler):
    """Sets the loop's dirty flag for events that concern the project; does nothing else."""

    def __init__(self, loop: RetrainLoop):
        self.loop = loop

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        if any(p and self.loop.relevant(Path(os.fsdecode(p))) for p in paths):
            self.loop.mark_dirty()


class RetrainLoop:
    """Watches a project and keeps its predictions fresh.

    Parameters
    ----------
    config_path:
        The project config.
    settle:
        Seconds without a new edit before a job starts (debounce).
    auto:
        Start jobs on edits (and at start-up when predictions are missing or stale); when
        false only :meth:`request` starts them.
    """

    def __init__(self, config_path: Path, *, settle: float = 1.5, auto: bool = True):
        self.config_path = Path(config_path).resolve()
        self.settle = settle
        self.auto = auto
        # _cond guards _dirty, _requested, _cancel, _stopping and _status; it is also what the
        # consumer thread waits on.
        self._cond = threading.Condition()
        self._dirty = False
        self._last_event = 0.0  # time.monotonic() of the newest relevant event
        self._requested: str | None = None
        self._cancel = False
        self._stopping = False
        self._status = LoopStatus()
        # _subs_lock guards _subscribers (sessions come and go on the server's thread).
        self._subs_lock = threading.Lock()
        self._subscribers: list[Callable[[LoopStatus], None]] = []
        self._observer: Observer | None = None
        self._thread: threading.Thread | None = None
        self._config: ProjectConfig | None = None

    # -- status and subscribers -------------------------------------------------------------

    @property
    def status(self) -> LoopStatus:
        with self._cond:
            return self._status

    def subscribe(self, callback: Callable[[LoopStatus], None]) -> Callable[[], None]:
        """Call ``callback(status)`` (from the loop's thread) on every change; returns an unsubscribe."""
        with self._subs_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._subs_lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _set(self, **changes) -> None:
        with self._cond:
            self._status = replace(self._status, **changes)
            status = self._status
        with self._subs_lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(status)
            except Exception:  # a closed session must not stop the loop
                log.exception("status subscriber failed")

    # -- control ------------------------------------------------------------------------------

    def mark_dirty(self) -> None:
        with self._cond:
            self._dirty = True
            self._last_event = time.monotonic()
            self._cond.notify_all()

    def request(self, kind: str = "fast") -> None:
        """Start a job now ("Retrain now" = ``fast``, "Full retrain" = ``full``)."""
        with self._cond:
            self._requested = "full" if kind == "full" or self._requested == "full" else "fast"
            self._cond.notify_all()

    def cancel(self) -> None:
        """Stop the running job (the last good model and predictions stay)."""
        with self._cond:
            self._cancel = True
            self._requested = None
            self._dirty = False
            self._cond.notify_all()

    def relevant(self, path: Path) -> bool:
        """Whether a change to ``path`` should lead to a retrain."""
        cfg = self._config
        if path == self.config_path:
            return True
        if cfg is None:
            return False
        if path.name.startswith(".") or path.suffix == ".json":
            return False  # temporary files, reports, our own outputs
        if cfg.state_dir == path or cfg.state_dir in path.parents:
            return False  # the journal, caches, predictions store
        if path in cfg.label_of_list() or cfg.lists_dir in path.parents:
            return True
        return cfg.image_root in path.parents

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._load_config()
        self._thread = threading.Thread(target=self._run, name="workbench-retrain", daemon=True)
        self._thread.start()
        if self.auto and self._stale():
            self.request("fast")

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cancel = True
            self._cond.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _load_config(self) -> None:
        try:
            self._config = load_config(self.config_path)
        except ConfigError as exc:
            self._config = None
            self._set(state="failed", detail=str(exc))
        self._watch()
        if self._config is not None:
            store = store_path(self._config.state_dir)
            self._set(published=store.stat().st_mtime if store.exists() else 0.0)

    def _watch(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        observer = Observer()
        handler = _Handler(self)
        folders = {self.config_path.parent: False}
        cfg = self._config
        if cfg is not None:
            for lst in cfg.label_of_list():
                folders.setdefault(lst.parent, False)
            for folder in (cfg.lists_dir, cfg.image_root):
                folders[folder] = True
        for folder, recursive in folders.items():
            if folder.is_dir():
                observer.schedule(handler, str(folder), recursive=recursive)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def _stale(self) -> bool:
        cfg = self._config
        if cfg is None:
            return False
        store = store_path(cfg.state_dir)
        if not store.exists():
            return True
        published = store.stat().st_mtime
        lists = [self.config_path, *cfg.all_lists()]
        return any(p.exists() and p.stat().st_mtime > published for p in lists)

    # -- the consumer thread ------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not (self._stopping or self._requested or (self._dirty and self.auto)):
                    self._cond.wait(timeout=1.0)
                if self._stopping:
                    return
                requested = self._requested
            try:
                if requested is None:
                    if not self._settle():
                        continue
                    requested = "fast"
                with self._cond:
                    self._requested = None
                    self._dirty = False
                    self._cancel = False
                self._run_job(requested)
            except Exception as exc:  # the loop itself must survive anything
                log.exception("retraining loop error")
                self._set(state="failed", detail=f"{type(exc).__name__}: {exc}")

    def _settle(self) -> bool:
        """Wait until no edit came for ``settle`` seconds; False if cancelled or stopping."""
        self._set(state="waiting", detail="waiting for edits to settle")
        with self._cond:
            while not (self._stopping or self._cancel):
                remaining = self._last_event + self.settle - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(timeout=remaining)
            self._dirty = False
            interrupted = self._stopping or self._cancel
            self._cancel = False
        if interrupted:
            self._set(state="idle", detail="cancelled")
            return False
        self._load_config()  # lists or the config may have changed what is watched
        return self._config is not None

    def _run_job(self, kind: str) -> None:
        cfg = self._config
        if cfg is None:
            return
        logs = cfg.state_dir / "loop"
        logs.mkdir(parents=True, exist_ok=True)
        log_path = logs / f"job-{time.strftime('%Y%m%d-%H%M%S')}-{kind}.log"
        started = self.status.jobs_started + 1
        self._set(state="training", job=kind, detail="starting", epochs=(), jobs_started=started,
                  log_path=str(log_path))  # fmt: skip
        with open(log_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "model.worker", str(self.config_path), kind],
                stdout=subprocess.PIPE, stderr=err, cwd=str(Path(__file__).resolve().parents[1]),
            )  # fmt: skip
            job = _Job(kind, proc, log_path)
            reader = threading.Thread(target=self._read, args=(job,), name="workbench-job-reader", daemon=True)
            reader.start()
            outcome = self._supervise(job)
            reader.join(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()
        if outcome == "superseded":
            self._set(state="waiting", detail="a newer edit came in; starting again")
            self.mark_dirty()
        elif outcome == "cancelled":
            self._set(state="idle", detail="cancelled; the last good model is still in use")
        elif outcome == "stopped":
            return
        else:
            last = job.lines[-1] if job.lines else {}
            if proc.returncode == 0 and last.get("done"):
                store = store_path(cfg.state_dir)
                self._set(state="idle", detail=f"out-of-fold accuracy {last.get('oof_accuracy', 0):.3f}",
                          published=store.stat().st_mtime if store.exists() else time.time())  # fmt: skip
            else:
                error = last.get("error") or f"the worker process ended with status {proc.returncode}"
                self._set(state="failed", detail=error)

    def _supervise(self, job: _Job) -> str:
        """Wait for the worker; end it on cancel, stop, or (fast jobs) a newer edit."""
        while True:
            with self._cond:
                if job.proc.poll() is not None:
                    return "finished"
                reason = None
                if self._stopping:
                    reason = "stopped"
                elif self._cancel:
                    reason = "cancelled"
                    self._cancel = False
                elif self.auto and self._dirty and job.kind == "fast":
                    reason = "superseded"
                if reason is None:
                    self._cond.wait(timeout=0.2)
                    continue
            job.proc.terminate()
            try:
                job.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                job.proc.kill()
                job.proc.wait()
            return reason

    def _read(self, job: _Job) -> None:
        assert job.proc.stdout is not None
        for raw in job.proc.stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            job.lines.append(line)
            stage = line.get("stage")
            if stage == "training" and "epoch" in line:
                epochs = self.status.epochs
                if line["epoch"] == 1:
                    epochs = ()
                self._set(state="training", detail=f"epoch {line['epoch']}/{line['epochs']}",
                          epochs=(*epochs, (line["epoch"], line["loss"], line["accuracy"])))  # fmt: skip
            elif stage in ("analyzing", "full training"):
                self._set(state="analyzing" if stage == "analyzing" else "training", detail=stage)
            elif stage is not None and "total" in line:
                self._set(detail=f"{stage} {line['done']}/{line['total']}")
        with self._cond:
            self._cond.notify_all()


# Guards _loops: one loop per config path in this process. Kept in a module dict that the
# panel cache also references, so `--dev` reloads of the app find the running loop.
_loops_lock = threading.Lock()


def _registry() -> dict[Path, RetrainLoop]:
    import panel as pn

    return pn.state.cache.setdefault("workbench-retrain-loops", {})


def get_loop(config_path: Path, *, start: bool = True) -> RetrainLoop:
    """The loop of ``config_path`` in this server process, started on first use."""
    path = Path(config_path).resolve()
    with _loops_lock:
        loops = _registry()
        loop = loops.get(path)
        if loop is None:
            loop = loops[path] = RetrainLoop(path, auto=os.environ.get(ENV_AUTO, "1") != "0")
    if start:
        loop.start()
    return loop


def stop_all() -> None:
    with _loops_lock:
        loops = list(_registry().values())
        _registry().clear()
    for loop in loops:
        loop.stop()
