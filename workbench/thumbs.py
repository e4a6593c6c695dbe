"""Thumbnails: made with Pillow on first need, cached on disk.

A thumbnail is keyed by the image's real path, its size in bytes, its mtime and the thumbnail
size, so a changed image gets a new one. JPEGs are decoded in draft mode (the decoder scales
by 1/2, 1/4 or 1/8 while decoding) and other images are shrunk with ``reduce`` first, so a
large photo is never fully decoded; EXIF orientation is applied and the aspect ratio kept.

An image that cannot be made into a thumbnail (corrupt, truncated, not an image, a
decompression bomb) raises :class:`ThumbError` with a short reason; the reason is cached
too, so a broken file is not decoded again on every page.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

__all__ = ["SIZES", "ThumbError", "Thumb", "cached_thumbnail", "make_thumbnail", "placeholder"]

#: Thumbnail sizes (longest side, px) the app and the route use.
SIZES = (96, 128, 160, 200, 256, 320, 800)
#: Images with more pixels than this are refused as probable decompression bombs.
MAX_PIXELS = 2 * (Image.MAX_IMAGE_PIXELS or 89_478_485)

# We apply our own pixel limit (MAX_PIXELS), so Pillow's warning below it adds nothing.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


class ThumbError(Exception):
    """The file cannot be shown; the message is a short reason for the placeholder tile."""


@dataclass(frozen=True)
class Thumb:
    """A thumbnail on disk (``path``) or the reason there is none (``error``)."""

    path: Path | None
    error: str | None
    version: int  # the source's mtime in ns; changes when the image does


def make_thumbnail(src: Path, size: int) -> Image.Image:
    """Decode ``src`` just enough to give an RGB image whose longest side is ``size``.

    Raises
    ------
    ThumbError
        For a file that is not a readable image, or has more than :data:`MAX_PIXELS` pixels.
    """
    try:
        with Image.open(src) as img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ThumbError(f"image too large ({width}×{height} pixels)")
            if img.format == "JPEG":
                img.draft("RGB", (size, size))
            img.load()
            factor = min(img.size) // (2 * size) if min(img.size) > 2 * size else 1
            out = img.reduce(factor) if factor > 1 else img.copy()
            out = ImageOps.exif_transpose(out) or out
    except ThumbError:
        raise
    except Image.DecompressionBombError:
        raise ThumbError("image too large (decompression bomb)") from None
    except UnidentifiedImageError:
        raise ThumbError("not an image Pillow can read") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        text = str(exc).split("\n")[0] or type(exc).__name__
        if "truncated" in text.lower():
            text = "truncated image file"
        raise ThumbError(f"broken image: {text}") from None
    if out.mode in ("RGBA", "LA", "P", "PA"):
        rgba = out.convert("RGBA")
        out = Image.new("RGB", rgba.size, "white")
        out.paste(rgba, mask=rgba.getchannel("A"))
    elif out.mode != "RGB":
        out = out.convert("RGB")
    out.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return out


def _key(real: Path, st: os.stat_result, size: int) -> str:
    raw = f"{real}\0{st.st_size}\0{st.st_mtime_ns}\0{size}".encode("utf-8", "surrogateescape")
    return hashlib.sha1(raw).hexdigest()


def _write(path: Path, data: bytes) -> None:
    """Write a cache file atomically (no fsync: a lost cache entry is simply made again)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_thumbnail(src: Path, *, size: int, cache_dir: Path) -> Thumb:
    """The cached thumbnail of ``src`` at ``size``, made now if missing or stale.

    ``src`` must already be a safe, resolved path (see :func:`labeling.resolve_image`).
    Never raises for a bad image: the reason is returned in :attr:`Thumb.error`.
    """
    try:
        st = os.stat(src)
    except FileNotFoundError:
        return Thumb(None, "file not found", 0)
    except OSError as exc:
        return Thumb(None, f"cannot read: {exc.strerror}", 0)
    if not os.path.isfile(src):
        return Thumb(None, "not a file", st.st_mtime_ns)
    key = _key(Path(src), st, size)
    base = Path(cache_dir) / str(size) / key[:2] / key
    jpg, err = base.with_suffix(".jpg"), base.with_suffix(".err")
    if jpg.exists():
        return Thumb(jpg, None, st.st_mtime_ns)
    if err.exists():
        return Thumb(None, err.read_text(encoding="utf-8"), st.st_mtime_ns)
    try:
        img = make_thumbnail(Path(src), size)
    except ThumbError as exc:
        _write(err, str(exc).encode("utf-8"))
        return Thumb(None, str(exc), st.st_mtime_ns)
    buf = BytesIO()
    img.save(buf, "JPEG", quality=85)
    _write(jpg, buf.getvalue())
    return Thumb(jpg, None, st.st_mtime_ns)


def placeholder(reason: str, size: int) -> bytes:
    """A PNG tile that says why there is no picture."""
    img = Image.new("RGB", (size, size * 3 // 4), (236, 228, 228))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, img.width - 1, img.height - 1), outline=(190, 80, 80), width=2)
    draw.line((8, 8, 30, 30), fill=(190, 80, 80), width=3)
    draw.line((30, 8, 8, 30), fill=(190, 80, 80), width=3)
    words, lines, line = reason.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > max(8, size // 7):
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    for n, text in enumerate(lines[:6]):
        draw.text((8, 40 + 14 * n), text, fill=(110, 30, 30))
    buf = BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
