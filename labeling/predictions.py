"""The predictions store the UI reads: per image, the model's probabilities and verdicts.

Written by ``workbench analyze`` (out-of-fold probabilities for labeled images, the final
model's for the other lists' images) and read by the app (no TensorFlow needed). The file is
``STATE_DIR/predictions.json``, replaced atomically, so readers see the old or the new store.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .lists import atomic_write_bytes

__all__ = ["Prediction", "PredictionStore", "read_predictions", "write_predictions", "STORE_NAME"]

STORE_NAME = "predictions.json"


@dataclass(frozen=True)
class Prediction:
    """The model's view of one image.

    Attributes
    ----------
    path:
        Image path relative to the image root.
    given:
        The label the lists give it, or ``None`` for an unlabeled image.
    probs:
        Probability of each label, in the store's label order.
    predicted:
        The most probable label.
    confidence:
        Its probability.
    oof:
        True when computed by a model that did not train on this image (out of fold).
    quality:
        Label quality (probability of the given label; low = probably mislabeled), or ``None``.
    """

    path: str
    given: str | None
    probs: list[float]
    predicted: str
    confidence: float
    oof: bool
    quality: float | None


@dataclass
class PredictionStore:
    labels: list[str]
    items: dict[str, Prediction] = field(default_factory=dict)
    created: float = 0.0
    model: str = ""
    run: str = ""

    @property
    def version(self) -> str:
        """Changes whenever a new store is published."""
        return f"{self.created:.6f}"


def store_path(state_dir: Path) -> Path:
    return Path(state_dir) / STORE_NAME


def write_predictions(state_dir: Path, store: PredictionStore) -> Path:
    """Publish ``store`` atomically; returns the file written."""
    data = {
        "labels": store.labels,
        "created": store.created,
        "model": store.model,
        "run": store.run,
        "items": [asdict(p) for p in store.items.values()],
    }
    path = store_path(state_dir)
    atomic_write_bytes(path, json.dumps(data).encode())
    return path


def read_predictions(state_dir: Path) -> PredictionStore | None:
    """The published store, or ``None`` when there is none (or it cannot be read)."""
    try:
        data = json.loads(store_path(state_dir).read_text())
        items = {d["path"]: Prediction(**d) for d in data["items"]}
        return PredictionStore(
            labels=list(data["labels"]), items=items, created=float(data["created"]),
            model=data.get("model", ""), run=data.get("run", ""),
        )  # fmt: skip
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
