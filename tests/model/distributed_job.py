"""Train under MirroredStrategy over two logical CPUs with mixed precision (as on a multi-GPU box).

Usage: python distributed_job.py CONFIG — prints "ok <val_accuracy> <replicas>" on success.
"""

import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402

from labeling.config import load_config  # noqa: E402
from model import _tf, train  # noqa: E402

keras.mixed_precision.set_global_policy("mixed_float16")
mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
_tf.strategy.cache_clear()
train.strategy = lambda: mirrored  # what model._tf.strategy() returns with several GPUs
result = train.train(load_config(sys.argv[1]))
print(f"ok {result.val_accuracy:.3f} {mirrored.num_replicas_in_sync}")
