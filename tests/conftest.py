"""Shared fixtures: demo projects on disk, and helpers to wait on conditions."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.demo import DemoProject, make_demo

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
WEIGHTS = SHARED / "weights" / "mobilenet_v2_1.0_imagenet_no_top.weights.h5"


def model_config(config: Path, **options: object) -> Path:
    """Append model options (shared weights, small images, few epochs) to a config file."""
    opts = {"weights": str(WEIGHTS), "image_size": 96, "epochs": 15, "folds": 3, **options}
    with open(config, "a") as fh:
        fh.writelines(f"{key}: {value}\n" for key, value in opts.items())
    return config


def wait_until(condition: Callable[[], object], *, timeout: float = 10.0, interval: float = 0.02) -> object:
    """Poll ``condition`` until it returns something truthy; fail the test after ``timeout`` s.

    Returns
    -------
    The truthy value the condition returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout:g} s: {getattr(condition, '__name__', condition)}")
        time.sleep(interval)


@pytest.fixture
def demo(tmp_path: Path) -> DemoProject:
    """A small demo project (20 images per label) in a temporary folder."""
    return make_demo(tmp_path / "project", per_label=20)


@pytest.fixture(scope="session")
def analyzed_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoProject:
    """A demo project (20 per label) after a real `analyze` (TensorFlow, shared weights).

    Session-scoped: tests that use it must not change its lists; copy it first (see
    :func:`copy_project`).
    """
    from labeling.config import load_config
    from model.analyze import analyze

    demo = make_demo(tmp_path_factory.mktemp("analyzed") / "project", per_label=20)
    analyze(load_config(model_config(demo.config)))
    return demo


def copy_project(demo: DemoProject, dest: Path) -> DemoProject:
    """A copy of a project folder (lists, images, caches, predictions) at ``dest``."""
    import shutil

    shutil.copytree(demo.config.parent, dest, symlinks=True)
    return DemoProject(config=dest / demo.config.name, truth=demo.truth, wrong=demo.wrong)
