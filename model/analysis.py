"""Scoring predictions against labels (pure numpy, cleanlab-style; no TensorFlow).

``pred_probs`` given to these functions should be computed out of fold (k >= 3): a model
must not grade images it was trained on, or wrong labels hide behind memorised confidence.
"""

from __future__ import annotations

import numpy as np

__all__ = ["confusion_matrix", "label_quality", "precision_recall", "rank_label_issues"]


def label_quality(labels: np.ndarray, pred_probs: np.ndarray, *, method: str = "self_confidence") -> np.ndarray:
    """A score per item in ``[0, 1]``; low means the given label is probably wrong.

    Parameters
    ----------
    labels:
        ``(N,)`` given label indices.
    pred_probs:
        ``(N, K)`` out-of-fold probabilities.
    method:
        ``self_confidence`` (probability of the given label) or ``margin`` (that minus the
        largest other probability, mapped to ``[0, 1]``).
    """
    labels = np.asarray(labels)
    own = pred_probs[np.arange(len(labels)), labels]
    if method == "self_confidence":
        return own
    if method == "margin":
        others = pred_probs.copy()
        others[np.arange(len(labels)), labels] = -np.inf
        return (own - others.max(axis=1) + 1) / 2
    raise ValueError(f"unknown method {method!r}")


def rank_label_issues(labels: np.ndarray, pred_probs: np.ndarray) -> np.ndarray:
    """Indices of the items whose label the model disputes, most likely wrong first.

    Returns
    -------
    ``(M,)`` indices of items whose predicted label differs from the given one, sorted by
    ascending label quality.
    """
    quality = label_quality(labels, pred_probs)
    disputed = np.flatnonzero(pred_probs.argmax(axis=1) != np.asarray(labels))
    return disputed[np.argsort(quality[disputed], kind="stable")]


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, *, n_classes: int) -> np.ndarray:
    """``(K, K)`` counts: row = given label, column = predicted label."""
    out = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(out, (np.asarray(labels, int), np.asarray(predicted, int)), 1)
    return out


def precision_recall(labels: np.ndarray, predicted: np.ndarray, *, n_classes: int) -> list[dict[str, float]]:
    """Per label: precision, recall and support (NaN where undefined)."""
    cm = confusion_matrix(labels, predicted, n_classes=n_classes)
    out = []
    for k in range(n_classes):
        tp, col, row = cm[k, k], cm[:, k].sum(), cm[k].sum()
        out.append({
            "precision": float(tp / col) if col else float("nan"),
            "recall": float(tp / row) if row else float("nan"),
            "support": int(row),
        })  # fmt: skip
    return out
