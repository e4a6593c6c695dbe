"""Model tests: real TensorFlow on small real data, with the shared pretrained weights."""

from pathlib import Path

import pytest

from tests.conftest import SHARED
from workbench.demo import DemoProject, make_demo

WEIGHTS = SHARED / "weights" / "mobilenet_v2_1.0_imagenet_no_top.weights.h5"


def model_config(config: Path, **options: object) -> Path:
    """Append model options (shared weights, small images, few epochs) to a config file."""
    opts = {"weights": str(WEIGHTS), "image_size": 96, "epochs": 15, "folds": 3, **options}
    with open(config, "a") as fh:
        fh.writelines(f"{key}: {value}\n" for key, value in opts.items())
    return config


@pytest.fixture(scope="module")
def trained_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoProject:
    """A demo project (20 per label), analyzed and trained once for the module."""
    from labeling.config import load_config
    from model.analyze import analyze
    from model.train import train

    demo = make_demo(tmp_path_factory.mktemp("model") / "project", per_label=20)
    cfg = load_config(model_config(demo.config))
    analyze(cfg)
    train(cfg)
    return demo
