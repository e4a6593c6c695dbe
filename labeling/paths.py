"""Safe resolution of image paths relative to the image root.

Every image path in a label list is relative to the project's image root. A path that
could reach outside it (absolute, ``..``, a NUL byte, a symlink pointing out) is refused
with :class:`UnsafePathError`, whose message is one readable line.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

__all__ = ["UnsafePathError", "check_relative", "resolve_image"]


class UnsafePathError(ValueError):
    """An image path that is not a plain path inside the image root."""


def check_relative(rel: str) -> PurePosixPath:
    """Validate the *shape* of an image path, without touching the disk.

    Parameters
    ----------
    rel:
        Path as written in a label list, e.g. ``"cards/0001.jpg"``.

    Returns
    -------
    The path as a :class:`PurePosixPath`.

    Raises
    ------
    UnsafePathError
        If the path is empty, absolute, contains ``..``, a backslash or a NUL byte.
    """
    if not rel or not rel.strip():
        raise UnsafePathError("empty image path")
    if "\x00" in rel:
        raise UnsafePathError(f"image path {rel!r} contains a NUL byte")
    if "\\" in rel:
        raise UnsafePathError(f"image path {rel!r} contains a backslash; use '/'")
    if rel.startswith("/") or (len(rel) > 1 and rel[1] == ":"):
        raise UnsafePathError(f"image path {rel!r} is absolute; it must be relative to the image root")
    pure = PurePosixPath(rel)
    if any(part == ".." for part in pure.parts):
        raise UnsafePathError(f"image path {rel!r} contains '..' and could leave the image root")
    return pure


def resolve_image(root: Path, rel: str) -> Path:
    """Resolve ``rel`` under ``root`` and make sure the result stays inside it.

    Symlinks are followed: a link inside the image root that points outside of it is
    refused, a link that stays inside is fine.

    Raises
    ------
    UnsafePathError
        If the path is malformed (see :func:`check_relative`) or resolves outside ``root``.
    """
    pure = check_relative(rel)
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(real_root.joinpath(*pure.parts)))
    if real != real_root and real_root not in real.parents:
        raise UnsafePathError(f"image path {rel!r} resolves outside the image root {str(root)!r}")
    return real
