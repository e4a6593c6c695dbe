"""Moving items between label lists: locked, crash-safe and undoable.

Every change a person makes (one weed-out page committed, one label assigned, one undo) is
an *action*: a set of moves, each taking some items out of a source list and putting them
into a destination list. :class:`ListStore` applies an action like this:

1. take the project lock (an ``fcntl`` lock on ``STATE_DIR/lock``; it serialises every
   writer: browser sessions, the CLI, the retraining loop);
2. re-read the lists involved, so edits made meanwhile (another tab, a text editor) are
   kept, and drop items that are no longer in their source list;
3. append a ``begin`` record naming the moves to the journal (``STATE_DIR/journal.jsonl``)
   and fsync it;
4. write every destination list, then every source list (each atomically);
5. append an ``end`` record.

A process killed at any instant therefore leaves each item in its source, its destination,
or both, never in neither. :meth:`ListStore.recover` (run at start-up by the app and the CLI)
finishes the job from the journal: if every destination was written, the items are removed
from their sources (roll forward); otherwise the items that were added to a destination are
taken out of it again (roll back). Either way each item ends in exactly one list.

Undo replays an action backwards as a new action, putting the items back at the positions
they had in their source list.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .lists import atomic_write_bytes, read_list, write_list

__all__ = [
    "Action",
    "LockTimeout",
    "ListStore",
    "Move",
    "MoveRecord",
    "NothingToUndo",
]

#: How many finished actions the journal keeps when it is compacted.
JOURNAL_KEEP = 1000
#: The journal is compacted once its file grows past this many bytes.
JOURNAL_COMPACT_BYTES = 8 * 1024 * 1024


class LockTimeout(RuntimeError):
    """The project lock could not be taken in time."""


class NothingToUndo(LookupError):
    """There is no action that can be undone (or the one named cannot be)."""


@dataclass(frozen=True)
class Move:
    """A request to move ``items`` from the list ``src`` to the list ``dst``."""

    src: Path
    dst: Path
    items: tuple[str, ...]


@dataclass(frozen=True)
class MoveRecord:
    """A move as it was carried out.

    Attributes
    ----------
    src, dst:
        The list files.
    items:
        The items that were moved (those found in ``src`` when the action ran).
    positions:
        Index of each item in ``src`` before the action (used by undo).
    at:
        Target index of each item in ``dst``, or ``None`` to append.
    added:
        Items that were not already in ``dst`` (removed again on a roll-back).
    """

    src: Path
    dst: Path
    items: tuple[str, ...]
    positions: tuple[int, ...]
    at: tuple[int, ...] | None
    added: tuple[str, ...]


@dataclass
class Action:
    """One journaled user action."""

    id: str
    time: float
    description: str
    moves: list[MoveRecord]
    undoes: str | None = None
    status: str = "pending"  # pending | done | rolled_back
    undone_by: str | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def moved_count(self) -> int:
        return sum(len(m.items) for m in self.moves)


def _insert_at(items: list[str], new: Sequence[tuple[int, str]]) -> list[str]:
    """Insert ``(index, item)`` pairs, indices meaning positions in the final list."""
    out = list(items)
    for index, item in sorted(new, key=lambda pair: pair[0]):
        out.insert(min(index, len(out)), item)
    return out


class ListStore:
    """Transactional access to the label lists of one project.

    Parameters
    ----------
    base_dir:
        The project folder (the config file's folder). Paths in the journal are stored
        relative to it when they lie inside it.
    state_dir:
        Where the lock and the journal live; default ``base_dir/.workbench``.
    lock_timeout:
        Seconds to wait for the project lock before raising :class:`LockTimeout`.
    """

    def __init__(self, base_dir: Path, *, state_dir: Path | None = None, lock_timeout: float = 30.0):
        self.base_dir = Path(base_dir).resolve()
        self.state_dir = Path(state_dir) if state_dir is not None else self.base_dir / ".workbench"
        self.lock_path = self.state_dir / "lock"
        self.journal_path = self.state_dir / "journal.jsonl"
        self.lock_timeout = lock_timeout

    # -- locking ---------------------------------------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the project lock.

        The lock (an exclusive ``flock`` on ``STATE_DIR/lock``) guards every list file of the
        project and the journal: whoever holds it may read, change and write them. Each call
        opens its own file description, so it excludes other threads as well as other
        processes; it is not re-entrant.
        """
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise LockTimeout(
                            f"{self.lock_path}: another process has held the project lock for "
                            f"more than {self.lock_timeout:g} s"
                        ) from None
                    time.sleep(0.01)
            yield
        finally:
            os.close(fd)  # closing the description releases the lock

    # -- paths -----------------------------------------------------------------------------

    def _key(self, path: Path) -> str:
        p = Path(path)
        if not p.is_absolute():
            p = self.base_dir / p
        p = Path(os.path.abspath(p))
        try:
            return p.relative_to(self.base_dir).as_posix()
        except ValueError:
            return str(p)

    def _path(self, key: str) -> Path:
        p = Path(key)
        return p if p.is_absolute() else self.base_dir / p

    # -- journal ---------------------------------------------------------------------------

    def _append(self, record: dict[str, Any]) -> None:
        """Append one record to the journal and fsync it. Caller holds the lock."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with open(self.journal_path, "a+b") as fh:
            # A writer killed mid-line leaves a fragment without newline: close it first so
            # the new record starts on a line of its own (the fragment is ignored on read).
            end = fh.seek(0, os.SEEK_END)
            if end:
                fh.seek(end - 1)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            fh.write(line.encode("utf-8", errors="surrogateescape"))
            fh.flush()
            os.fsync(fh.fileno())

    def _records(self) -> list[dict[str, Any]]:
        try:
            data = self.journal_path.read_bytes()
        except FileNotFoundError:
            return []
        records = []
        for line in data.decode("utf-8", errors="surrogateescape").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue  # a fragment left by a killed writer
            if isinstance(rec, dict) and "op" in rec and "id" in rec:
                records.append(rec)
        return records

    def _actions(self, records: list[dict[str, Any]] | None = None) -> dict[str, Action]:
        """Rebuild the actions, oldest first, from journal records."""
        actions: dict[str, Action] = {}
        for rec in self._records() if records is None else records:
            if rec["op"] == "begin":
                moves = [
                    MoveRecord(
                        src=self._path(m["src"]),
                        dst=self._path(m["dst"]),
                        items=tuple(m["items"]),
                        positions=tuple(m["positions"]),
                        at=tuple(m["at"]) if m.get("at") is not None else None,
                        added=tuple(m.get("added", m["items"])),
                    )
                    for m in rec.get("moves", [])
                ]
                actions[rec["id"]] = Action(
                    id=rec["id"],
                    time=rec.get("time", 0.0),
                    description=rec.get("description", ""),
                    moves=moves,
                    undoes=rec.get("undoes"),
                )
            elif rec["op"] == "end" and rec["id"] in actions:
                act = actions[rec["id"]]
                act.status = rec.get("status", "done")
                if act.status == "done" and act.undoes in actions:
                    actions[act.undoes].undone_by = act.id
        return actions

    def _compact(self) -> None:
        """Rewrite a large journal keeping the newest finished actions. Caller holds the lock."""
        try:
            if self.journal_path.stat().st_size < JOURNAL_COMPACT_BYTES:
                return
        except FileNotFoundError:
            return
        records = self._records()
        actions = self._actions(records)
        if any(a.status == "pending" for a in actions.values()):
            return  # never drop what recovery still needs
        keep = set(list(actions)[-JOURNAL_KEEP:])
        kept = [r for r in records if r["id"] in keep]
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept)
        atomic_write_bytes(self.journal_path, data.encode("utf-8", errors="surrogateescape"))

    # -- public API ------------------------------------------------------------------------

    def history(self) -> list[Action]:
        """All journaled actions, oldest first."""
        return list(self._actions().values())

    def apply(self, moves: Sequence[Move], *, description: str) -> Action:
        """Carry out ``moves`` as one action (see the module docstring).

        Items not found in their source list when the lists are re-read (another session
        moved them first) are skipped and reported in :attr:`Action.skipped`; an item is
        moved once even if it is named twice.

        Raises
        ------
        ValueError
            If a list is both a source and a destination in the same action, or a move has
            the same source and destination.
        """
        for m in moves:
            if self._key(m.src) == self._key(m.dst):
                raise ValueError(f"cannot move items from {m.src} to itself")
        srcs = {self._key(m.src) for m in moves}
        dsts = {self._key(m.dst) for m in moves}
        if srcs & dsts:
            raise ValueError(f"lists used as both source and destination: {sorted(srcs & dsts)}")
        with self.lock():
            return self._execute(moves, description=description, undoes=None, placements=None)

    def undo(self, action_id: str | None = None) -> Action:
        """Undo an action (default: the newest one that is done, not undone, not an undo).

        Items that have since left the action's destination list (moved on by a later
        action or edited out) stay where they are and are reported as skipped.

        Raises
        ------
        NothingToUndo
            If there is no such action, or none of its items can be put back.
        """
        with self.lock():
            actions = self._actions()
            if action_id is None:
                candidates = [
                    a for a in actions.values() if a.status == "done" and not a.undone_by and not a.undoes
                ]
                if not candidates:
                    raise NothingToUndo("nothing to undo")
                target = candidates[-1]
            else:
                found = actions.get(action_id)
                if found is None:
                    raise NothingToUndo(f"no action {action_id!r} in the journal")
                if found.status != "done":
                    raise NothingToUndo(f"action {action_id!r} did not complete; nothing to undo")
                if found.undone_by:
                    raise NothingToUndo(f"action {action_id!r} was already undone")
                target = found
            inverse: list[Move] = []
            placements: dict[tuple[str, str], int] = {}
            for m in target.moves:
                inverse.append(Move(src=m.dst, dst=m.src, items=m.items))
                for item, pos in zip(m.items, m.positions):
                    placements[(self._key(m.src), item)] = pos
            result = self._execute(
                inverse, description=f"undo: {target.description}", undoes=target.id, placements=placements
            )
            if not result.moves:
                raise NothingToUndo(f"the items of {target.description!r} are no longer where it put them")
            return result

    def recover(self) -> list[str]:
        """Finish or roll back actions interrupted by a crash; returns one message per action."""
        messages: list[str] = []
        with self.lock():
            for act in self._actions().values():
                if act.status != "pending":
                    continue
                contents: dict[str, list[str]] = {}

                def get(path: Path) -> list[str]:
                    key = self._key(path)
                    if key not in contents:
                        contents[key] = read_list(path).items
                    return contents[key]

                complete = all(set(m.items) <= set(get(m.dst)) for m in act.moves)
                changed: list[str] = []
                if complete:
                    for m in act.moves:
                        moved = set(m.items)
                        before = get(m.src)
                        after = [i for i in before if i not in moved]
                        if after != before:
                            contents[self._key(m.src)] = after
                            changed.append(self._key(m.src))
                    status = "done"
                else:
                    for m in act.moves:
                        src_now = set(get(m.src))
                        undo = {i for i in m.added if i in src_now}
                        before = get(m.dst)
                        after = [i for i in before if i not in undo]
                        if after != before:
                            contents[self._key(m.dst)] = after
                            changed.append(self._key(m.dst))
                    status = "rolled_back"
                for key in dict.fromkeys(changed):
                    write_list(self._path(key), contents[key])
                self._append({"op": "end", "id": act.id, "status": status, "recovered": True})
                verb = "finished" if status == "done" else "rolled back"
                messages.append(f"{verb} interrupted action {act.description!r} ({act.moved_count} items)")
        return messages

    # -- internals -------------------------------------------------------------------------

    def _execute(
        self,
        moves: Sequence[Move],
        *,
        description: str,
        undoes: str | None,
        placements: dict[tuple[str, str], int] | None,
    ) -> Action:
        """Apply moves; caller holds the lock. ``placements`` maps (dst key, item) to an index."""
        contents: dict[str, list[str]] = {}
        for m in moves:
            for key in (self._key(m.src), self._key(m.dst)):
                if key not in contents:
                    contents[key] = read_list(self._path(key)).items
        original = {key: list(items) for key, items in contents.items()}
        index = {key: {item: i for i, item in enumerate(items)} for key, items in original.items()}

        taken: set[tuple[str, str]] = set()
        records: list[MoveRecord] = []
        skipped: list[str] = []
        new_dst: dict[str, list[tuple[int | None, str]]] = {}
        for m in moves:
            skey, dkey = self._key(m.src), self._key(m.dst)
            items: list[str] = []
            for item in dict.fromkeys(m.items):
                if item in index[skey] and (skey, item) not in taken:
                    taken.add((skey, item))
                    items.append(item)
                else:
                    skipped.append(item)
            if not items:
                continue
            present = set(contents[dkey])
            added = [i for i in items if i not in present]
            at = [placements[(dkey, i)] for i in items] if placements is not None else None
            records.append(
                MoveRecord(
                    src=self._path(skey),
                    dst=self._path(dkey),
                    items=tuple(items),
                    positions=tuple(index[skey][i] for i in items),
                    at=tuple(at) if at is not None else None,
                    added=tuple(added),
                )
            )
            pos_of = dict(zip(items, at)) if at is not None else {}
            new_dst.setdefault(dkey, []).extend((pos_of.get(i), i) for i in added)

        action = Action(
            id=uuid.uuid4().hex[:12],
            time=time.time(),
            description=description,
            moves=records,
            undoes=undoes,
            skipped=skipped,
        )
        if not records:
            action.status = "done"
            return action

        self._append(
            {
                "op": "begin",
                "id": action.id,
                "time": action.time,
                "description": description,
                "undoes": undoes,
                "moves": [
                    {
                        "src": self._key(r.src),
                        "dst": self._key(r.dst),
                        "items": list(r.items),
                        "positions": list(r.positions),
                        "at": list(r.at) if r.at is not None else None,
                        "added": list(r.added),
                    }
                    for r in records
                ],
            }
        )
        # Destinations first: until a source is written, every item is still in it. Each file
        # is read again right before it is written and only this action's change is applied,
        # so an edit made meanwhile by a writer that takes no lock (a text editor) is kept.
        for dkey, additions in new_dst.items():
            fresh = read_list(self._path(dkey)).items
            present = set(fresh)
            placed = [(p, i) for p, i in additions if p is not None and i not in present]
            appended = [i for p, i in additions if p is None and i not in present]
            write_list(self._path(dkey), _insert_at(fresh, placed) + appended)
        for skey in dict.fromkeys(self._key(r.src) for r in records):
            gone = {item for (k, item) in taken if k == skey}
            fresh = read_list(self._path(skey)).items
            write_list(self._path(skey), [i for i in fresh if i not in gone])
        self._append({"op": "end", "id": action.id, "status": "done"})
        action.status = "done"
        self._compact()
        return action
