import numpy as np

from model.analysis import confusion_matrix, label_quality, precision_recall, rank_label_issues
from model.split import assign_folds, class_weights, groups_of, train_val_split


def test_groups_from_a_pattern() -> None:
    paths = ["rj/card12-front.jpg", "rj/card12-back.jpg", "misc/a.jpg"]
    assert groups_of(paths, pattern=r"card(\d+)") == ["12", "12", "misc/a.jpg"]
    assert groups_of(paths, pattern=None) == paths


def test_folds_are_stratified_seeded_and_never_split_a_group() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=300)
    groups = [f"g{i // 3}" for i in range(300)]  # triples photographed together
    labels = np.repeat(labels[::3], 3)
    folds = assign_folds(labels, groups, k=5, seed=1)
    for g in set(groups):
        assert len({folds[i] for i, h in enumerate(groups) if h == g}) == 1
    for k in range(3):
        per_fold = np.bincount(folds[labels == k], minlength=5)
        assert per_fold.max() - per_fold.min() <= 3  # one group of slack
    assert (assign_folds(labels, groups, k=5, seed=1) == folds).all()
    assert not (assign_folds(labels, groups, k=5, seed=2) == folds).all()


def test_train_val_split_sizes() -> None:
    labels = np.array([0] * 80 + [1] * 20)
    tr, va = train_val_split(labels, [str(i) for i in range(100)], val_fraction=0.2, seed=0)
    assert len(va) == 20 and len(tr) == 80 and not set(tr) & set(va)
    assert (labels[va] == 1).sum() == 4


def test_class_weights_balance_the_labels() -> None:
    w = class_weights(np.array([0] * 90 + [1] * 10), n_classes=3)
    assert abs(w[0] * 90 - w[1] * 10) < 1e-9 and w[2] == 1.0


def test_label_issue_ranking_and_metrics() -> None:
    labels = np.array([0, 1, 1, 0])
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.95, 0.05], [0.4, 0.6]])
    assert label_quality(labels, probs).tolist() == [0.9, 0.8, 0.05, 0.4]
    assert rank_label_issues(labels, probs).tolist() == [2, 3]
    assert confusion_matrix(labels, probs.argmax(1), n_classes=2).tolist() == [[1, 1], [1, 1]]
    assert precision_recall(labels, probs.argmax(1), n_classes=2)[0] == {"precision": 0.5, "recall": 0.5, "support": 2}
