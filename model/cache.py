"""A disk cache of one fixed-shape array row per image, memory-mapped.

One ``.npy`` file holds all rows (read with ``np.load(mmap_mode="r")``, so a warm load costs
no decoding and little memory); a JSON index maps each image path to its row and the stamp
(size and mtime) of the file it was made from. A changed file gets a new row; a cache made
for another image size, backbone or filter lives in another file (its name hashes them).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from labeling.lists import atomic_write_bytes

__all__ = ["RowCache", "stamp_of"]


def stamp_of(path: Path) -> str:
    """What identifies one version of a file: its size and mtime (``"missing"`` if none)."""
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    return f"{st.st_size}:{st.st_mtime_ns}"


class RowCache:
    """Rows of shape ``shape`` and type ``dtype``, one per image, under ``folder``.

    Parameters
    ----------
    folder:
        Where the files go (e.g. ``.workbench/cache``).
    kind:
        A readable prefix of the file names (``images``, ``embeddings``).
    meta:
        Everything the rows depend on besides the image file (size, backbone, filters).
    """

    def __init__(self, folder: Path, kind: str, *, shape: tuple[int, ...], dtype: str, meta: dict):
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)
        digest = hashlib.sha1(json.dumps([shape, str(dtype), meta], sort_keys=True).encode()).hexdigest()[:12]
        self.folder = Path(folder)
        self.data_path = self.folder / f"{kind}-{digest}.npy"
        self.index_path = self.folder / f"{kind}-{digest}.json"
        self.lock_path = self.folder / f"{kind}-{digest}.lock"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # The lock file guards the .npy and .json of this cache across processes
        # (the app's retraining loop and the CLI may fill the same cache).
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _index(self) -> dict[str, list]:
        try:
            data = json.loads(self.index_path.read_text())
            return data["rows"] if isinstance(data, dict) else {}
        except (FileNotFoundError, ValueError, KeyError):
            return {}

    def _array(self) -> np.ndarray | None:
        try:
            arr = np.load(self.data_path, mmap_mode="r")
        except (FileNotFoundError, ValueError):
            return None
        return arr if arr.shape[1:] == self.shape and arr.dtype == self.dtype else None

    def get(
        self,
        keys: Sequence[str],
        stamps: Sequence[str],
        compute: Callable[[list[int]], Iterator[tuple[list[int], np.ndarray]]],
    ) -> np.ndarray:
        """Rows for ``keys`` (``(N, *shape)``), computing the missing or stale ones.

        ``compute(positions)`` yields ``(positions, rows)`` batches for the positions (indices
        into ``keys``) that need computing; batches are written to the cache as they come.
        """
        with self._locked():
            index = self._index()
            arr = self._array()
            used = max((row for row, _ in index.values()), default=-1) + 1 if arr is not None else 0
            if arr is None:
                index = {}
            need = [i for i, (k, s) in enumerate(zip(keys, stamps)) if index.get(k, [None, None])[1] != s]
            if need:
                capacity = arr.shape[0] if arr is not None else 0
                if used + len(need) > capacity:
                    arr = self._grow(arr, used, max(used + len(need), 2 * capacity, 64))
                out = np.lib.format.open_memmap(self.data_path, mode="r+")
                next_row = used
                for positions, rows in compute(need):
                    out[next_row : next_row + len(positions)] = rows
                    for offset, pos in enumerate(positions):
                        index[keys[pos]] = [next_row + offset, stamps[pos]]
                    next_row += len(positions)
                out.flush()
                del out
                if next_row > 2 * len(index) + 256:  # mostly rows of files that changed since
                    index = self._compact(index)
                atomic_write_bytes(self.index_path, json.dumps({"rows": index}).encode())
                arr = self._array()
            assert arr is not None
            rows = np.fromiter((index[k][0] for k in keys), dtype=np.int64, count=len(keys))
            return np.asarray(arr[rows]) if len(keys) else np.zeros((0, *self.shape), self.dtype)

    def _compact(self, index: dict[str, list]) -> dict[str, list]:
        """Rewrite the rows the index still uses, packed; returns the new index. Caller holds the lock."""
        old = self._array()
        assert old is not None
        keys = sorted(index, key=lambda k: index[k][0])
        tmp = self.data_path.with_name(f".tmp-{self.data_path.name}")
        new = np.lib.format.open_memmap(tmp, mode="w+", dtype=self.dtype, shape=(max(64, len(keys)), *self.shape))
        for start in range(0, len(keys), 4096):
            chunk = keys[start : start + 4096]
            new[start : start + len(chunk)] = old[[index[k][0] for k in chunk]]
        new.flush()
        del new, old
        os.replace(tmp, self.data_path)
        return {k: [i, index[k][1]] for i, k in enumerate(keys)}

    def _grow(self, old: np.ndarray | None, used: int, capacity: int) -> np.ndarray:
        tmp = self.data_path.with_name(f".tmp-{self.data_path.name}")
        new = np.lib.format.open_memmap(tmp, mode="w+", dtype=self.dtype, shape=(capacity, *self.shape))
        if old is not None and used:
            new[:used] = old[:used]
        new.flush()
        del new
        os.replace(tmp, self.data_path)
        arr = self._array()
        assert arr is not None
        return arr
