"""Reading and atomically writing label lists.

A label list is a text file with one image path (relative to the image root) per line.
Reading is tolerant: blank lines, CRLF line ends, trailing white space and a missing
final newline are accepted; an item written twice is kept once and reported.

Writing never leaves a half-written file: the new content goes to a temporary file in the
same folder, is flushed and fsync'ed, gets the permissions of the file it replaces, and is
moved over it with :func:`os.replace` (atomic on POSIX). The folder is fsync'ed too, so the
rename survives a power cut.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ListContents", "TEMP_PREFIX", "read_list", "write_list", "atomic_write_bytes"]

#: Prefix of the temporary files made by :func:`atomic_write_bytes`; watchers ignore them.
TEMP_PREFIX = ".wb-tmp-"


@dataclass(frozen=True)
class ListContents:
    """What :func:`read_list` found in a list file.

    Attributes
    ----------
    items:
        The distinct image paths, in file order (first occurrence wins).
    duplicates:
        Paths that appeared more than once (each reported once).
    exists:
        False when the file does not exist (``items`` is then empty).
    """

    items: list[str]
    duplicates: list[str] = field(default_factory=list)
    exists: bool = True


def parse_list(text: str) -> ListContents:
    """Parse the text of a list file; see :func:`read_list`."""
    seen: set[str] = set()
    items: list[str] = []
    dups: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            continue
        if line in seen:
            if line not in dups:
                dups.append(line)
            continue
        seen.add(line)
        items.append(line)
    return ListContents(items=items, duplicates=dups)


def read_list(path: Path) -> ListContents:
    """Read a label list tolerantly.

    A missing file reads as an empty list with ``exists=False``. Bytes that are not UTF-8
    are decoded with surrogate escapes, so nothing is lost when the list is written back.
    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return ListContents(items=[], exists=False)
    text = data.decode("utf-8", errors="surrogateescape")
    if text.startswith("\ufeff"):  # a BOM left by some Windows editors
        text = text[1:]
    return parse_list(text)


def format_list(items: Iterable[str]) -> bytes:
    """The bytes of a list file holding ``items``, one per line, LF line ends."""
    return "".join(f"{item}\n" for item in items).encode("utf-8", errors="surrogateescape")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, keeping the file's permissions.

    The data is written to a temporary file beside ``path`` (prefix :data:`TEMP_PREFIX`),
    fsync'ed, given the old file's mode (or the default mode under the umask for a new
    file) and renamed over ``path``. A crash at any moment leaves either the old or the new
    file, never a mixture; a temporary file may be left behind, never the target cut short.
    """
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX + path.name + ".", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


def write_list(path: Path, items: Sequence[str]) -> None:
    """Atomically write ``items`` to the list file ``path`` (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(Path(path), format_list(items))
