"""Train, analyze and predict with real TensorFlow on the demo project."""

import json
from pathlib import Path

import numpy as np
import pytest

from labeling.config import load_config
from labeling.lists import read_list
from labeling.predictions import read_predictions
from model import train as train_module
from model.predict import ModelMissing, load_model, predict_list
from model.train import labels_path, list_runs, train
from tests.model.conftest import model_config
from workbench.demo import DemoProject, make_demo

pytestmark = pytest.mark.slow


def test_analysis_finds_the_wrong_labels_out_of_fold(trained_demo: DemoProject) -> None:
    cfg = load_config(trained_demo.config)
    store = read_predictions(cfg.state_dir)
    assert store is not None and store.labels == cfg.label_names
    labeled = [p for p in store.items.values() if p.given is not None]
    assert len(labeled) == 60 and all(p.oof for p in labeled)
    worst = sorted(labeled, key=lambda p: p.quality)[: len(trained_demo.wrong)]
    assert {p.path for p in worst} == set(trained_demo.wrong)
    unlabeled = [p for p in store.items.values() if p.given is None]
    assert len(unlabeled) == 102 and not any(p.oof for p in unlabeled)  # inbox + scan batch
    truth = trained_demo.truth
    assert sum(p.predicted == truth[p.path] for p in unlabeled) >= 0.9 * len(unlabeled)
    report = json.loads((cfg.base_dir / "inference-analysis.json").read_text())
    assert {r["path"] for r in report} >= set(trained_demo.wrong)
    assert [r["confidence"] for r in report] == sorted(r["confidence"] for r in report)


def test_train_saves_model_labels_and_a_run_folder(trained_demo: DemoProject) -> None:
    cfg = load_config(trained_demo.config)
    assert cfg.model_file.exists()
    assert json.loads(labels_path(cfg.model_file).read_text())["labels"] == cfg.label_names
    (run,) = list_runs(cfg)
    assert run["status"] == "done" and run["val_accuracy"] >= 0.8
    assert len(run["epochs"]) == cfg.epochs and {"loss", "accuracy", "val_accuracy"} <= set(run["epochs"][0])
    assert sum(map(sum, run["confusion"])) == run["n_val"]
    assert list((Path(run["folder"]) / "tensorboard").rglob("events.out.tfevents.*"))
    assert (Path(run["folder"]) / "config.yaml").read_text() == cfg.path.read_text()


def test_predict_list_writes_label_lists_and_json(trained_demo: DemoProject) -> None:
    cfg = load_config(trained_demo.config)
    inbox = cfg.base_dir / "lists" / "demo-unsorted"
    before = read_list(inbox).items
    result = predict_list(cfg, inbox)
    assert sum(result.counts.values()) + result.inconclusive == len(before)
    assert read_list(inbox).items == before  # the input list is not changed
    truth = trained_demo.truth
    for label in cfg.label_names:
        got = read_list(inbox.with_name(f"demo-unsorted.{label}")).items
        assert len(got) == result.counts[label]
        assert sum(truth[i] == label for i in got) >= 0.9 * len(got)
    everything = json.loads(result.json_all.read_text())
    assert set(everything) == set(before) and set(everything[before[0]]) == set(cfg.label_names)
    unsure = json.loads(result.json_inconclusive.read_text())
    assert len(unsure) == result.inconclusive
    assert all(max(p.values()) < cfg.threshold for p in unsure.values())


def test_failed_training_keeps_the_previous_model(trained_demo: DemoProject, monkeypatch) -> None:
    cfg = load_config(trained_demo.config)
    before = cfg.model_file.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("GPU out of memory")

    monkeypatch.setattr(train_module, "_full_model", boom)
    with pytest.raises(RuntimeError, match="out of memory"):
        train(cfg)
    assert cfg.model_file.read_bytes() == before
    assert load_model(cfg).labels == cfg.label_names
    runs = list_runs(cfg)
    assert runs[-1]["status"] == "failed" and "out of memory" in runs[-1]["error"]
    assert not [p for p in cfg.model_file.parent.iterdir() if p.name.startswith(".tmp-")]


def test_no_model_yet_is_a_clear_error(tmp_path: Path) -> None:
    demo = make_demo(tmp_path / "p", per_label=20)
    with pytest.raises(ModelMissing, match="run `workbench train demo.yaml` first"):
        load_model(load_config(demo.config))


def test_fmracv_trains_from_scratch(tmp_path: Path) -> None:
    demo = make_demo(tmp_path / "p", per_label=20)
    cfg = load_config(model_config(demo.config, backbone="fmracv", image_size=48, epochs=3))
    result = train(cfg)
    assert cfg.model_file.exists() and result.n_train + result.n_val == 60
    assert load_model(cfg).model.input_shape == (None, 48, 48, 3)


def test_fine_tune_trains_the_backbone_too(tmp_path: Path) -> None:
    demo = make_demo(tmp_path / "p", per_label=10)
    cfg = load_config(model_config(demo.config, image_size=64, epochs=5))
    stages: list[str] = []
    result = train(cfg, fine_tune=True, progress=lambda stage, done, total: stages.append(stage))
    (run,) = list_runs(cfg)
    assert run["fine_tune"] and len(run["epochs"]) == cfg.epochs + 1  # head epochs + one fine-tune epoch
    assert {"decoding images", "computing embeddings", "training"} <= set(stages)
    model = load_model(cfg).model
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable > 1_000_000  # the backbone was unfrozen and saved that way
    assert result.n_val > 0


@pytest.mark.parametrize("backbone, dim", [("mobilenet_v3_small", 576), ("efficientnet_b0", 1280)])
def test_other_backbones_build(tmp_path: Path, backbone: str, dim: int) -> None:
    from model.backbones import build_backbone

    demo = make_demo(tmp_path / "p", per_label=10)
    cfg = load_config(model_config(demo.config, backbone=backbone, weights="null", image_size=64))
    net = build_backbone(cfg)
    out = net.predict(np.zeros((2, 64, 64, 3), "float32"), verbose=0)
    assert out.shape == (2, dim)


def test_training_under_mirrored_strategy_and_mixed_precision(tmp_path: Path) -> None:
    import subprocess
    import sys

    demo = make_demo(tmp_path / "p", per_label=20)
    model_config(demo.config, epochs=10)
    job = Path(__file__).with_name("distributed_job.py")
    result = subprocess.run([sys.executable, str(job), str(demo.config)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    _, accuracy, replicas = result.stdout.split()[-3:]
    assert replicas == "2" and float(accuracy) >= 0.8
    assert load_model(load_config(demo.config)).labels == ["blank", "with_address", "picture"]
