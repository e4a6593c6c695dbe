"""TensorFlow/Keras training and prediction (imported only by the commands that need it)."""
