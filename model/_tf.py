"""Importing TensorFlow quietly, and choosing devices (only the model commands import this)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

__all__ = ["gpus", "keras", "strategy", "tf"]


@cache
def tf() -> Any:
    """The ``tensorflow`` module, imported on first use with its C++ log noise turned down."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow

    tensorflow.get_logger().setLevel("ERROR")  # retracing notices and the like
    return tensorflow


@cache
def keras() -> Any:
    tf()
    import keras as _keras

    return _keras


@cache
def gpus() -> list[Any]:
    """The GPUs TensorFlow sees (empty on a CPU-only machine)."""
    return tf().config.list_physical_devices("GPU")


@cache
def strategy() -> Any:
    """``MirroredStrategy`` over several GPUs, else the default strategy (one GPU or the CPU).

    With a GPU, training also uses mixed precision (float16 compute, float32 weights).
    """
    t = tf()
    found = gpus()
    if found:
        for gpu in found:
            try:
                t.config.experimental.set_memory_growth(gpu, True)
            except RuntimeError:  # already initialised
                pass
        keras().mixed_precision.set_global_policy("mixed_float16")
    if len(found) > 1:
        return t.distribute.MirroredStrategy()
    return t.distribute.get_strategy()
