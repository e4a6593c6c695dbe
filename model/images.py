"""Decoding images for the model: a ``tf.data`` pipeline with parallel decode and a row cache.

Each image is decoded with Pillow (JPEG draft mode, EXIF orientation; a broken file gives a
reason instead of stopping the pipeline), optionally rotated to landscape or rejected for its
aspect ratio (config options, off by default), then ``tf.image.resize_with_pad`` to the model
size (or, with ``resize: crop``, scaled and centre-cropped). Decoded images are kept in a :class:`~model.cache.RowCache`, so later epochs, analyses
and predictions do not decode again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

from labeling.config import ProjectConfig
from labeling.lists import atomic_write_bytes

from ._tf import tf
from .cache import RowCache, stamp_of

__all__ = ["DecodedImages", "decode_pil", "fit_to_model", "load_images"]


def decode_pil(
    path: str | BinaryIO, size: int, *, rotate_portrait: bool, max_aspect_ratio: float | None
) -> tuple[np.ndarray, str]:
    """Decode one image (a path or an open binary file) to RGB uint8, longest side about
    ``2 * size``, or give the reason why not.

    Returns
    -------
    ``(image (H, W, 3) uint8, "")`` or ``(empty (1, 1, 3) array, reason)``.
    """
    empty = np.zeros((1, 1, 3), np.uint8)
    try:
        with Image.open(path) as img:
            if img.width * img.height > 2 * (Image.MAX_IMAGE_PIXELS or 89_478_485):
                return empty, "image too large"
            if img.format == "JPEG":
                img.draft("RGB", (2 * size, 2 * size))
            img.load()
            img = ImageOps.exif_transpose(img) or img
            img = img.convert("RGB")
    except Exception as exc:  # noqa: BLE001 - any decoder failure is the image's fault
        return empty, f"cannot decode: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    w, h = img.size
    if max_aspect_ratio is not None and max(w, h) / max(1, min(w, h)) > max_aspect_ratio:
        return empty, f"aspect ratio {max(w, h) / min(w, h):.1f} above max_aspect_ratio"
    if rotate_portrait and h > w:
        img = img.transpose(Image.Transpose.ROTATE_90)
    if max(img.size) > 2 * size:
        img.thumbnail((2 * size, 2 * size), Image.Resampling.BILINEAR)
    return np.asarray(img, dtype=np.uint8), ""


def fit_to_model(img, size: int, *, crop: bool):
    """``tf.image.resize_with_pad`` (or scale + centre crop) an image tensor to ``size``², uint8."""
    t = tf()
    if crop:  # scale the short side to the model size, keep the centre
        hw = t.cast(t.shape(img)[:2], t.float32)
        scaled = t.cast(t.math.ceil(hw * (size / t.reduce_min(hw))), t.int32)
        out = t.image.resize_with_crop_or_pad(t.image.resize(img, scaled, antialias=True), size, size)
    else:
        out = t.image.resize_with_pad(img, size, size, antialias=True)
    return t.cast(t.clip_by_value(t.round(out), 0, 255), t.uint8)


def decode_batches(config: ProjectConfig, paths: Sequence[Path], *, batch: int = 64) -> Iterator[tuple[np.ndarray, np.ndarray, list[str]]]:
    """Decode ``paths`` in parallel with ``tf.data``; yields ``(positions, images, reasons)`` batches.

    ``images`` is ``(B, S, S, 3)`` uint8, ``S = config.image_size``; a reason is ``""`` for a
    good image (a bad one gets a black image and must not be used).
    """
    t = tf()
    size = config.image_size
    options = (config.rotate_portrait, config.max_aspect_ratio)

    def load(path: bytes) -> tuple[np.ndarray, bytes]:
        img, reason = decode_pil(path.decode("utf-8", "surrogateescape"), size,
                                 rotate_portrait=options[0], max_aspect_ratio=options[1])  # fmt: skip
        return img, reason.encode()

    def tf_load(i, path):
        img, reason = t.numpy_function(load, [path], [t.uint8, t.string])
        img.set_shape([None, None, 3])
        return i, fit_to_model(img, size, crop=config.resize == "crop"), reason

    names = [str(p) for p in paths]
    ds = (
        t.data.Dataset.from_tensor_slices((np.arange(len(names)), names))
        .map(tf_load, num_parallel_calls=t.data.AUTOTUNE, deterministic=True)
        .batch(batch)
        .prefetch(t.data.AUTOTUNE)
    )
    for i, images, reasons in ds.as_numpy_iterator():
        yield i, images, [r.decode() for r in reasons]


@dataclass
class DecodedImages:
    """Model-size images of some items, and why the others could not be used."""

    images: np.ndarray  # (N, S, S, 3) uint8; rows of bad items are black
    errors: dict[int, str]  # position -> reason
    stamps: list[str]  # the files' versions (see model.cache.stamp_of), "missing" for none

    @property
    def ok(self) -> np.ndarray:
        """``(N,)`` bool: the rows that hold a real image."""
        mask = np.ones(len(self.images), bool)
        mask[list(self.errors)] = False
        return mask


def image_cache(config: ProjectConfig) -> RowCache:
    s = config.image_size
    meta = {"rotate_portrait": config.rotate_portrait, "max_aspect_ratio": config.max_aspect_ratio,
            "resize": config.resize, "v": 1}  # fmt: skip
    return RowCache(config.state_dir / "cache", "images", shape=(s, s, 4), dtype="uint8", meta=meta)


def load_images(
    config: ProjectConfig, paths: Sequence[Path], *, progress: Callable[[str, int, int], None] | None = None
) -> DecodedImages:
    """Model-size images of ``paths`` from the cache, decoding only new or changed files.

    ``progress("decoding images", done, total)`` is called as batches are decoded.

    The fourth channel of a cached row marks a failed decode (its first pixel holds 255),
    and the reasons are kept beside the cache.
    """
    cache = image_cache(config)
    keys = [str(p) for p in paths]
    stamps = [stamp_of(p) for p in paths]
    reasons: dict[str, str] = _read_reasons(cache)
    decoded = 0

    def compute(positions: list[int]):
        nonlocal decoded
        todo = [paths[i] for i in positions]
        for pos, images, why in decode_batches(config, todo):
            rows = np.zeros((len(pos), *cache.shape), np.uint8)
            rows[..., :3] = images
            for j, reason in enumerate(why):
                if reason:
                    rows[j, 0, 0, 3] = 255
                    reasons[keys[positions[pos[j]]]] = reason
            decoded += len(pos)
            if progress is not None:
                progress("decoding images", decoded, len(positions))
            yield [positions[p] for p in pos], rows

    rows = cache.get(keys, stamps, compute)
    if decoded:  # only a decode can add reasons; a warm load writes nothing
        _write_reasons(cache, reasons)
    bad = {i: reasons.get(keys[i], "cannot decode") for i in np.flatnonzero(rows[:, 0, 0, 3] == 255)}
    for i, stamp in enumerate(stamps):
        if stamp == "missing":
            bad[i] = "file not found"
    return DecodedImages(images=np.ascontiguousarray(rows[..., :3]), errors=bad, stamps=stamps)


def _read_reasons(cache: RowCache) -> dict[str, str]:
    try:
        return json.loads(cache.index_path.with_suffix(".errors.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _write_reasons(cache: RowCache, reasons: dict[str, str]) -> None:
    atomic_write_bytes(cache.index_path.with_suffix(".errors.json"), json.dumps(reasons).encode())
