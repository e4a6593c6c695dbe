"""A retraining job in its own process: ``python -m model.worker CONFIG {fast,full}``.

The background loop runs jobs here, so a TensorFlow crash or a GPU out-of-memory can only end
this process, never the server. Progress goes to stdout as JSON lines::

    {"stage": "computing embeddings", "done": 10, "total": 60}
    {"stage": "training", "epoch": 3, "epochs": 15, "loss": 0.41, "accuracy": 0.9}
    {"done": true, "store": "...", "oof_accuracy": 0.95}
    {"error": "one readable line"}                      (exit status 1)

``fast`` = out-of-fold analysis on cached embeddings (publishes the predictions store);
``full`` = train and save the model first, then the analysis.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any


def emit(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in ("fast", "full"):
        print("usage: python -m model.worker CONFIG {fast,full}", file=sys.stderr)
        return 2
    config_path, job = argv
    try:
        from labeling.config import load_config

        from ._tf import keras
        from .analyze import analyze
        from .train import train

        config = load_config(config_path)

        class Epochs(keras().callbacks.Callback):
            def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
                logs = logs or {}
                emit(stage="training", epoch=epoch + 1, epochs=config.epochs,
                     loss=float(logs.get("loss", float("nan"))), accuracy=float(logs.get("accuracy", float("nan"))))  # fmt: skip

        def progress(stage: str, done: int, total: int) -> None:
            emit(stage=stage, done=done, total=total)

        if job == "full":
            emit(stage="full training")
            train(config, progress=progress, callbacks=[Epochs()])
        emit(stage="analyzing")
        result = analyze(config, progress=progress, callbacks=[Epochs()])
        emit(done=True, store=str(result.store), oof_accuracy=result.oof_accuracy, disputed=result.disputed)
        return 0
    except Exception as exc:  # noqa: BLE001 - reported as one line, details on stderr
        traceback.print_exc()
        emit(error=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": "))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
