from pathlib import Path

from labeling.predictions import Prediction, PredictionStore
from labeling.review import Reviewed, confusing_queue, inconclusive_queue, locate, outcome, uncertainty


def pred(path: str, given: str | None, probs: list[float]) -> Prediction:
    names = ["a", "b", "c"]
    top = max(range(3), key=lambda i: probs[i])
    quality = probs[names.index(given)] if given else None
    return Prediction(path, given, probs, names[top], probs[top], given is not None, quality)


STORE = PredictionStore(
    labels=["a", "b", "c"],
    items={
        p.path: p
        for p in [
            pred("sure-right", "a", [0.98, 0.01, 0.01]),
            pred("wrong-mild", "a", [0.40, 0.55, 0.05]),
            pred("wrong-bad", "b", [0.97, 0.02, 0.01]),
            pred("unsure-flat", None, [0.34, 0.33, 0.33]),
            pred("unsure-two", None, [0.50, 0.49, 0.01]),
        ]
    },
)


def test_confusing_queue_puts_the_most_likely_wrong_first() -> None:
    assert [p.path for p in confusing_queue(STORE)] == ["wrong-bad", "wrong-mild"]


def test_inconclusive_orders() -> None:
    by = {o: [p.path for p in inconclusive_queue(STORE, threshold=0.95, order=o)] for o in ("confidence", "margin", "entropy")}
    assert by["confidence"] == ["unsure-flat", "unsure-two", "wrong-mild"]
    assert by["margin"][:2] == ["unsure-flat", "unsure-two"]
    assert by["entropy"][0] == "unsure-flat"
    assert "sure-right" not in by["confidence"] and "wrong-bad" not in by["confidence"]
    assert uncertainty(STORE.items["unsure-two"], order="margin") < 0.02


def test_kept_items_stay_hidden_until_their_prediction_changes(tmp_path: Path) -> None:
    reviewed = Reviewed(tmp_path)
    reviewed.keep([STORE.items["wrong-bad"]])
    assert [p.path for p in confusing_queue(STORE, reviewed=reviewed.load())] == ["wrong-mild"]
    changed = PredictionStore(labels=STORE.labels, items={**STORE.items, "wrong-bad": pred("wrong-bad", "b", [0.1, 0.2, 0.7])})
    assert "wrong-bad" in [p.path for p in confusing_queue(changed, reviewed=reviewed.load())]
    reviewed.forget(["wrong-bad"])
    assert reviewed.load() == {}


def test_outcomes_and_locate(tmp_path: Path) -> None:
    assert [outcome(STORE.items[k], threshold=0.95) for k in ("sure-right", "wrong-mild", "unsure-flat")] == [
        "right", "wrong", "unlabeled"]  # fmt: skip
    assert outcome(pred("x", "a", [0.9, 0.05, 0.05]), threshold=0.95) == "unsure"
    (tmp_path / "one").write_text("x\ny\n")
    (tmp_path / "two").write_text("y\n")
    assert locate([tmp_path / "one", tmp_path / "two"]) == {"x": [tmp_path / "one"], "y": [tmp_path / "one", tmp_path / "two"]}
