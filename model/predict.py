"""``workbench predict``: run the saved model over a list, the existing workflow's way."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from labeling.config import ProjectConfig
from labeling.lists import atomic_write_bytes, read_list, write_list
from labeling.store import ListStore

from ._tf import keras
from .dataset import resolve_items
from .images import load_images
from .train import Progress, _quiet_progress, labels_path

__all__ = ["LoadedModel", "ModelMissing", "PredictListResult", "load_model", "predict_files", "predict_list"]


class ModelMissing(FileNotFoundError):
    """There is no trained model yet."""


@dataclass
class LoadedModel:
    model: Any
    labels: list[str]
    image_size: int


def load_model(config: ProjectConfig) -> LoadedModel:
    """The saved model and its label order.

    Raises
    ------
    ModelMissing
        When ``config.model_file`` does not exist (one-line message).
    """
    path = config.model_file
    if not path.exists():
        raise ModelMissing(f"{path}: no trained model; run `workbench train {config.path.name}` first")
    try:
        meta = json.loads(labels_path(path).read_text())
        labels = list(meta["labels"])
        size = int(meta["image_size"])
    except (FileNotFoundError, ValueError, KeyError):
        labels, size = config.label_names, config.image_size
    model = keras().models.load_model(path, compile=False)
    return LoadedModel(model=model, labels=labels, image_size=size)


def predict_files(
    config: ProjectConfig, files: Sequence[Path], *, loaded: LoadedModel | None = None, progress: Progress = _quiet_progress
) -> tuple[np.ndarray, dict[int, str], list[str]]:
    """Probabilities ``(N, K)`` for ``files``, the reasons for rows that could not be read, and
    the label order. Images come through the decode cache; the model runs in large batches."""
    loaded = loaded or load_model(config)
    decoded = load_images(config, files, progress=progress)
    probs = np.zeros((len(files), len(loaded.labels)))
    ok = np.flatnonzero(decoded.ok)
    batch = max(64, config.batch_size)
    for start in range(0, len(ok), 1024):
        rows = ok[start : start + 1024]
        probs[rows] = loaded.model.predict(decoded.images[rows].astype("float32"), batch_size=batch, verbose=0)
        progress("predicting", min(start + 1024, len(ok)), len(ok))
    return probs, decoded.errors, loaded.labels


@dataclass
class PredictListResult:
    counts: dict[str, int]
    inconclusive: int
    errors: list[str] = field(default_factory=list)
    json_all: Path | None = None
    json_inconclusive: Path | None = None


def predict_list(config: ProjectConfig, list_path: Path, *, progress: Progress = _quiet_progress) -> PredictListResult:
    """Predict every image of ``LIST``; write ``LIST.<label>`` (confidence >= threshold),
    ``LIST.inconclusive`` (below), ``LIST.predictions.json`` (all) and
    ``LIST.inconclusive.json``. The output lists are merged (items already there stay), under
    the project lock; ``LIST`` itself is not changed."""
    items, files, problems = resolve_items(config, read_list(list_path).items)
    probs, errors, labels = predict_files(config, files, progress=progress)
    outputs: dict[str, list[str]] = {label: [] for label in labels}
    outputs["inconclusive"] = []
    everything: dict[str, Any] = {}
    unsure: dict[str, Any] = {}
    for i, item in enumerate(items):
        if i in errors:
            problems.append(f"{item}: {errors[i]}")
            continue
        p = {label: round(float(v), 6) for label, v in zip(labels, probs[i])}
        everything[item] = p
        top = int(probs[i].argmax())
        if probs[i, top] >= config.threshold:
            outputs[labels[top]].append(item)
        else:
            outputs["inconclusive"].append(item)
            unsure[item] = p
    store = ListStore(config.base_dir, state_dir=config.state_dir)
    with store.lock():
        for name, new in outputs.items():
            target = list_path.with_name(f"{list_path.name}.{name}")
            if not new and not target.exists():
                continue
            have = read_list(target).items
            present = set(have)
            write_list(target, have + [i for i in new if i not in present])
    json_all = list_path.with_name(f"{list_path.name}.predictions.json")
    json_unsure = list_path.with_name(f"{list_path.name}.inconclusive.json")
    atomic_write_bytes(json_all, json.dumps(everything, indent=1).encode())
    atomic_write_bytes(json_unsure, json.dumps(unsure, indent=1).encode())
    counts = {label: len(outputs[label]) for label in labels}
    return PredictListResult(counts, len(outputs["inconclusive"]), problems, json_all, json_unsure)
