"""Model tests: real TensorFlow on small real data, with the shared pretrained weights."""


import pytest

from tests.conftest import WEIGHTS, model_config
from workbench.demo import DemoProject, make_demo

__all__ = ["WEIGHTS", "model_config"]


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
