"""Shared fixtures: demo projects on disk, and helpers to wait on conditions."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.demo import DemoProject, make_demo

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


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
