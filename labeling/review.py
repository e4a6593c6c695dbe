"""Review queues over the predictions store (pure functions; no UI, no TensorFlow).

* The **confusing** queue: labeled images whose given label the model disputes (out of fold),
  most likely wrong first (ascending label quality).
* The **inconclusive** queue: images whose top probability is below the threshold, least sure
  first by confidence, margin or entropy.

An image a person chose to keep is left out of both queues until its prediction changes
(see :class:`Reviewed`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

from .lists import atomic_write_bytes, read_list
from .predictions import Prediction, PredictionStore

__all__ = ["ORDERS", "Reviewed", "confusing_queue", "inconclusive_queue", "locate", "outcome", "uncertainty"]

#: Orders of the inconclusive queue.
ORDERS = ("confidence", "margin", "entropy")


def uncertainty(pred: Prediction, *, order: str) -> float:
    """A sort key: lower means less sure (so the queue sorts ascending).

    ``confidence``: the top probability; ``margin``: top minus second; ``entropy``: minus the
    entropy of the probabilities.
    """
    if order == "confidence":
        return pred.confidence
    probs = sorted(pred.probs, reverse=True)
    if order == "margin":
        return probs[0] - (probs[1] if len(probs) > 1 else 0.0)
    if order == "entropy":
        return sum(p * math.log(p) for p in probs if p > 0)
    raise ValueError(f"unknown order {order!r}; choose one of {', '.join(ORDERS)}")


def outcome(pred: Prediction, *, threshold: float) -> str:
    """``wrong`` (the model disputes the given label), ``unsure`` (agrees, below the threshold)
    or ``right``; ``unlabeled`` for an image without a given label."""
    if pred.given is None:
        return "unlabeled"
    if pred.predicted != pred.given:
        return "wrong"
    return "unsure" if pred.confidence < threshold else "right"


class Reviewed:
    """Images a person kept as they are: ``STATE_DIR/reviewed.json``, path → predicted label then.

    The file is re-read before each change and replaced atomically; callers hold the project
    lock while changing it (the store's lock also guards this file).
    """

    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / "reviewed.json"

    def load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text())
            return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
        except (FileNotFoundError, ValueError):
            return {}

    def keep(self, preds: Iterable[Prediction]) -> None:
        data = self.load()
        data.update({p.path: p.predicted for p in preds})
        atomic_write_bytes(self.path, json.dumps(data, indent=1).encode())

    def forget(self, paths: Iterable[str]) -> None:
        data = self.load()
        for path in paths:
            data.pop(path, None)
        atomic_write_bytes(self.path, json.dumps(data, indent=1).encode())


def _still_kept(pred: Prediction, reviewed: dict[str, str]) -> bool:
    return reviewed.get(pred.path) == pred.predicted


def confusing_queue(store: PredictionStore, *, reviewed: dict[str, str] | None = None) -> list[Prediction]:
    """Labeled images the model disputes, most likely mislabeled first."""
    kept = reviewed or {}
    queue = [
        p for p in store.items.values()
        if p.given is not None and p.predicted != p.given and not _still_kept(p, kept)
    ]  # fmt: skip
    return sorted(queue, key=lambda p: (p.quality if p.quality is not None else p.confidence, p.path))


def inconclusive_queue(
    store: PredictionStore, *, threshold: float, order: str = "confidence", reviewed: dict[str, str] | None = None
) -> list[Prediction]:
    """Images whose top probability is below ``threshold``, least sure first."""
    kept = reviewed or {}
    queue = [p for p in store.items.values() if p.confidence < threshold and not _still_kept(p, kept)]
    return sorted(queue, key=lambda p: (uncertainty(p, order=order), p.path))


def locate(lists: Iterable[Path]) -> dict[str, list[Path]]:
    """Map each image path to the list files that hold it, in the order given."""
    where: dict[str, list[Path]] = {}
    for lst in lists:
        for item in read_list(lst).items:
            where.setdefault(item, []).append(lst)
    return where
