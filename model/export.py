"""``workbench export``: the trained model for other runtimes, with the label order beside it.

Writes ``OUT/saved_model/`` (TensorFlow SavedModel, serving signature ``serve``), ``OUT/model.tflite``
and ``OUT/labels.json``. Inputs: float32 RGB pixels in 0..255, shape ``(N, S, S, 3)``, the image
fitted like in training (``resize_with_pad``, or centre crop with ``resize: crop``); outputs: the
probability of each label, in ``labels.json`` order.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from labeling.config import ProjectConfig

from ._tf import tf
from .predict import load_model

__all__ = ["Exported", "export"]


@dataclass(frozen=True)
class Exported:
    saved_model: Path
    tflite: Path
    labels: Path


def export(config: ProjectConfig, out: Path) -> Exported:
    """Export the saved model to ``out`` (replaced whole, only once everything is written)."""
    loaded = load_model(config)
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{out.name}-", dir=out.parent))
    try:
        loaded.model.export(str(tmp / "saved_model"), verbose=False)
        converter = tf().lite.TFLiteConverter.from_saved_model(str(tmp / "saved_model"))
        (tmp / "model.tflite").write_bytes(converter.convert())
        meta = {
            "labels": loaded.labels,
            "image_size": loaded.image_size,
            "input": "float32 RGB pixels 0..255, shape (N, S, S, 3)",
            "resize": config.resize,
            "threshold": config.threshold,
            "backbone": config.backbone,
        }
        (tmp / "labels.json").write_text(json.dumps(meta, indent=1))
        if out.exists():
            old = out.with_name(f".old-{out.name}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Exported(out / "saved_model", out / "model.tflite", out / "labels.json")
