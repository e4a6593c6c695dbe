"""Backbones: pretrained ``keras.applications`` feature extractors, and the small ``fmracv`` CNN.

Every model here takes images as float pixels in 0..255, shape ``(S, S, 3)``, and does its own
preprocessing, so callers never need to know which backbone they hold.
"""

from __future__ import annotations

from typing import Any

from labeling.config import ProjectConfig

from ._tf import keras

__all__ = ["build_backbone", "build_fmracv", "embedding_dim"]


def _weights(config: ProjectConfig) -> str | None:
    # "imagenet" makes Keras download the weights (needs internet); a path loads a local file.
    return config.weights


def build_backbone(config: ProjectConfig) -> Any:
    """A frozen feature extractor ``(S, S, 3)`` 0..255 → ``(D,)`` for ``config.backbone``.

    Raises
    ------
    ValueError
        For ``fmracv``, which has no pretrained backbone (it is trained end to end), or when
        the ImageNet weights cannot be downloaded (one line saying what to do).
    """
    try:
        return _build_backbone(config)
    except Exception as exc:
        if "URL fetch failure" in str(exc) or "HTTP Error" in str(exc):
            raise ValueError(
                f"cannot download the ImageNet weights of {config.backbone} (no internet?); "
                f"set `weights:` in {config.path.name} to a local weights file"
            ) from None
        raise


def _build_backbone(config: ProjectConfig) -> Any:
    k = keras()
    s = config.image_size
    shape = (s, s, 3)
    name = config.backbone
    inputs = k.Input(shape=shape, name="image")
    if name == "mobilenet_v2":
        x = k.layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)
        base = k.applications.MobileNetV2(include_top=False, pooling="avg", input_shape=shape, weights=_weights(config))
    elif name in ("mobilenet_v3_small", "mobilenet_v3_large"):
        x = inputs  # these include their own preprocessing
        cls = k.applications.MobileNetV3Small if name.endswith("small") else k.applications.MobileNetV3Large
        base = cls(include_top=False, pooling="avg", input_shape=shape, weights=_weights(config))
    elif name == "efficientnet_b0":
        x = inputs  # includes its own rescaling
        base = k.applications.EfficientNetB0(include_top=False, pooling="avg", input_shape=shape, weights=_weights(config))
    else:
        raise ValueError(f"backbone {name!r} has no pretrained feature extractor")
    base.trainable = False
    outputs = base(x, training=False)
    return k.Model(inputs, outputs, name=f"{name}_features")


def embedding_dim(backbone: Any) -> int:
    return int(backbone.output_shape[-1])


def build_fmracv(config: ProjectConfig, n_classes: int) -> Any:
    """The small from-scratch CNN of the existing workflow: 4 conv blocks, 2×256 dense."""
    k = keras()
    s = config.image_size
    inputs = k.Input(shape=(s, s, 3), name="image")
    x = k.layers.Rescaling(1 / 255.0)(inputs)
    for filters in (32, 64, 128, 128):
        x = k.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = k.layers.MaxPooling2D()(x)
    x = k.layers.Flatten()(x)
    for _ in range(2):
        x = k.layers.Dense(256, activation="relu")(x)
        x = k.layers.Dropout(0.3)(x)
    outputs = k.layers.Dense(n_classes, activation="softmax", dtype="float32", name="probabilities")(x)
    return k.Model(inputs, outputs, name="fmracv")
