"""Training, out-of-fold analysis and prediction.

With a pretrained backbone the fast path is used: one embedding per image is computed once
and cached, and only a small head (dropout + softmax) is trained on the cached embeddings —
seconds on a CPU. ``fmracv`` and the optional fine-tune stage train on the cached images.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from labeling.config import ProjectConfig
from labeling.lists import atomic_write_bytes

from ._tf import keras, strategy
from .analysis import confusion_matrix, precision_recall
from .backbones import build_backbone, build_fmracv
from .cache import RowCache, stamp_of
from .dataset import labeled_set
from .images import load_images
from .split import class_weights, groups_of, train_val_split

__all__ = ["Features", "features", "fit", "list_runs", "save_model_atomically", "train"]

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _quiet_progress(stage: str, done: int, total: int) -> None:
    pass


@dataclass
class Features:
    """What the classifier trains on: embeddings (fast path) or images (``fmracv``)."""

    x: np.ndarray  # (N, D) float32 embeddings or (N, S, S, 3) uint8 images
    ok: np.ndarray  # (N,) bool: usable rows
    errors: dict[int, str]
    kind: str  # "embeddings" | "images"


def uses_embeddings(config: ProjectConfig) -> bool:
    return config.backbone != "fmracv"


def _weights_id(config: ProjectConfig) -> str:
    if config.weights and config.weights != "imagenet":
        return f"{config.weights}:{stamp_of(Path(config.weights))}"
    return str(config.weights)


def features(config: ProjectConfig, files: Sequence[Path], *, progress: Progress = _quiet_progress) -> Features:
    """Images or cached embeddings of ``files``, computing only what is missing."""
    decoded = load_images(config, files, progress=progress)
    if not uses_embeddings(config):
        return Features(decoded.images, decoded.ok, decoded.errors, "images")
    backbone = _backbone(config)
    dim = int(backbone.output_shape[-1])
    meta = {"backbone": config.backbone, "weights": _weights_id(config), "size": config.image_size,
            "rotate": config.rotate_portrait, "max_ar": config.max_aspect_ratio,
            "resize": config.resize}  # fmt: skip
    cache = RowCache(config.state_dir / "cache", "embeddings", shape=(dim,), dtype="float32", meta=meta)
    embedded = [0]

    def compute(positions: list[int]):
        batch = max(32, config.batch_size)
        for start in range(0, len(positions), batch):
            pos = positions[start : start + batch]
            out = backbone.predict(decoded.images[pos].astype("float32"), verbose=0, batch_size=batch)
            embedded[0] += len(pos)
            progress("computing embeddings", embedded[0], len(positions))
            yield pos, out.astype("float32")

    x = cache.get([str(f) for f in files], decoded.stamps, compute)
    return Features(x, decoded.ok, decoded.errors, "embeddings")


_BACKBONES: dict[tuple, Any] = {}


def _backbone(config: ProjectConfig) -> Any:
    key = (config.backbone, _weights_id(config), config.image_size)
    if key not in _BACKBONES:
        _BACKBONES.clear()
        _BACKBONES[key] = build_backbone(config)
    return _BACKBONES[key]


def build_classifier(config: ProjectConfig, feats: Features, n_classes: int) -> Any:
    """A compiled classifier for ``feats``: a softmax head, or the ``fmracv`` CNN."""
    k = keras()
    with strategy().scope():
        if feats.kind == "embeddings":
            inputs = k.Input(shape=feats.x.shape[1:], name="embedding")
            x = k.layers.Dropout(0.2)(inputs)
            outputs = k.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities")(x)
            model = k.Model(inputs, outputs, name="head")
            lr = 1e-3
        else:
            model = build_fmracv(config, n_classes)
            lr = 5e-4
        model.compile(optimizer=k.optimizers.Adam(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fit(
    config: ProjectConfig,
    feats: Features,
    y: np.ndarray,
    train_idx: np.ndarray,
    *,
    n_classes: int,
    val_idx: np.ndarray | None = None,
    callbacks: Sequence[Any] = (),
    verbose: int = 0,
) -> tuple[Any, dict[str, list[float]]]:
    """Train a fresh classifier on ``train_idx``; returns it and its per-epoch history."""
    model = build_classifier(config, feats, n_classes)
    x = feats.x if feats.kind == "embeddings" else feats.x.astype("float32")
    val = (x[val_idx], y[val_idx]) if val_idx is not None and len(val_idx) else None
    history = model.fit(
        x[train_idx], y[train_idx],
        validation_data=val,
        epochs=config.epochs,
        batch_size=config.batch_size,
        class_weight=class_weights(y[train_idx], n_classes=n_classes),
        callbacks=list(callbacks),
        verbose=verbose,
        shuffle=True,
    )  # fmt: skip
    return model, {k: [float(v) for v in vals] for k, vals in history.history.items()}


def _predict(model: Any, feats_x: np.ndarray, batch: int) -> np.ndarray:
    x = feats_x if feats_x.dtype == np.float32 else feats_x.astype("float32")
    return np.asarray(model.predict(x, batch_size=batch, verbose=0), dtype="float64")


# -- train -------------------------------------------------------------------------------


@dataclass
class RunResult:
    folder: Path
    val_accuracy: float
    n_train: int
    n_val: int
    problems: list[str] = field(default_factory=list)


def _full_model(config: ProjectConfig, classifier: Any) -> Any:
    """Backbone + head as one model taking images (what is saved and served)."""
    if not uses_embeddings(config):
        return classifier
    k = keras()
    backbone = _backbone(config)
    inputs = k.Input(shape=(config.image_size, config.image_size, 3), name="image")
    return k.Model(inputs, classifier(backbone(inputs)), name="classifier")


def save_model_atomically(model: Any, config: ProjectConfig, labels: list[str]) -> Path:
    """Save to ``config.model_file`` via a temporary file, so a failure keeps the old model."""
    target = config.model_file
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{uuid.uuid4().hex[:8]}-{target.name}")
    # Save an uncompiled copy: the optimizer state is of no use to prediction or export, and a
    # mixed-precision (loss-scaled) optimizer would not load on a machine without a GPU.
    inference = keras().models.clone_model(model)
    inference.set_weights(model.get_weights())
    try:
        inference.save(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    meta = {"labels": labels, "image_size": config.image_size, "backbone": config.backbone}
    atomic_write_bytes(labels_path(target), json.dumps(meta, indent=1).encode())
    return target


def labels_path(model_file: Path) -> Path:
    """The label order saved beside a model: ``MODEL.labels.json``."""
    return model_file.with_name(model_file.name + ".labels.json")


def _new_run(config: ProjectConfig) -> Path:
    folder = config.state_dir / "runs" / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}"
    folder.mkdir(parents=True)
    shutil.copyfile(config.path, folder / "config.yaml")
    return folder


def train(
    config: ProjectConfig,
    *,
    fine_tune: bool = False,
    callbacks: Sequence[Any] = (),
    progress: Progress = _quiet_progress,
    verbose: int = 0,
) -> RunResult:
    """Train on a seeded, group-aware 80/20 split; save the model and a run folder.

    The model file is replaced only when training finished; an error or a cancel (Ctrl-C)
    keeps the previous model and marks the run ``failed`` / ``cancelled``.
    """
    keras().utils.set_random_seed(config.seed)
    data = labeled_set(config)
    if len(set(data.y.tolist())) < 2:
        raise ValueError("training needs images of at least two labels")
    run = _new_run(config)
    metrics: dict[str, Any] = {"status": "running", "labels": data.names, "backbone": config.backbone,
                               "started": time.time(), "fine_tune": fine_tune}  # fmt: skip
    write_json(run / "metrics.json", metrics)
    try:
        feats = features(config, data.files, progress=progress)
        usable = np.flatnonzero(feats.ok)
        groups = groups_of([data.items[i] for i in usable], pattern=config.group_pattern)
        tr, va = train_val_split(data.y[usable], groups, val_fraction=0.2, seed=config.seed)
        tr, va = usable[tr], usable[va]
        tb = keras().callbacks.TensorBoard(log_dir=str(run / "tensorboard"))
        bar = epoch_progress(progress, "training", config.epochs)
        model, history = fit(config, feats, data.y, tr, n_classes=len(data.names), val_idx=va,
                             callbacks=[tb, bar, *callbacks], verbose=verbose)  # fmt: skip
        full = _full_model(config, model)
        if fine_tune and uses_embeddings(config):
            full, tuned = _fine_tune(config, full, data, tr, va, callbacks=[tb, *callbacks], verbose=verbose)
            for key, vals in tuned.items():
                history.setdefault(key, []).extend(vals)
        if fine_tune and uses_embeddings(config):
            val_x = load_images(config, [data.files[i] for i in va]).images
            probs = _predict(full, val_x, config.batch_size)
        else:
            probs = _predict(model, feats.x[va], config.batch_size)
        pred = probs.argmax(axis=1)
        val_acc = float((pred == data.y[va]).mean()) if len(va) else float("nan")
        save_model_atomically(full, config, data.names)
        metrics.update(
            status="done",
            finished=time.time(),
            epochs=[{k: history[k][e] for k in history} | {"epoch": e + 1} for e in range(len(history["loss"]))],
            val_accuracy=val_acc,
            confusion=confusion_matrix(data.y[va], pred, n_classes=len(data.names)).tolist(),
            precision_recall=precision_recall(data.y[va], pred, n_classes=len(data.names)),
            n_train=int(len(tr)),
            n_val=int(len(va)),
            left_out=data.problems + [f"{data.items[i]}: {why}" for i, why in feats.errors.items()],
            model_file=str(config.model_file),
        )
        write_json(run / "metrics.json", metrics)
        return RunResult(run, val_acc, len(tr), len(va), metrics["left_out"])
    except KeyboardInterrupt:
        metrics.update(status="cancelled", finished=time.time())
        write_json(run / "metrics.json", metrics)
        raise
    except Exception as exc:
        metrics.update(status="failed", error=f"{type(exc).__name__}: {exc}", finished=time.time())
        write_json(run / "metrics.json", metrics)
        raise


def epoch_progress(progress: Progress, stage: str, epochs: int) -> Any:
    """A Keras callback that reports each finished epoch to ``progress``."""
    k = keras()

    class EpochProgress(k.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            progress(stage, epoch + 1, epochs)

    return EpochProgress()


def _fine_tune(config, full, data, tr, va, *, callbacks, verbose):
    """Second stage: unfreeze the backbone and train everything with a small learning rate."""
    k = keras()
    backbone = _backbone(config)
    for layer in backbone.layers:
        layer.trainable = True
    full.compile(optimizer=k.optimizers.Adam(1e-5), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    images = load_images(config, data.files).images.astype("float32")
    history = full.fit(
        images[tr], data.y[tr],
        validation_data=(images[va], data.y[va]) if len(va) else None,
        epochs=max(1, config.epochs // 5),
        batch_size=config.batch_size,
        callbacks=list(callbacks),
        verbose=verbose,
    )  # fmt: skip
    _BACKBONES.clear()  # the cached backbone is no longer the frozen pretrained one
    return full, {key: [float(v) for v in vals] for key, vals in history.history.items()}


def write_json(path: Path, data: Any) -> None:
    atomic_write_bytes(path, json.dumps(data, indent=1, default=float).encode())


def list_runs(config: ProjectConfig) -> list[dict[str, Any]]:
    """Every run folder's metrics, oldest first (``folder`` added)."""
    runs = []
    for folder in sorted((config.state_dir / "runs").glob("*/")):
        try:
            metrics = json.loads((folder / "metrics.json").read_text())
        except (FileNotFoundError, ValueError):
            continue
        runs.append({"folder": str(folder), **metrics})
    return runs
