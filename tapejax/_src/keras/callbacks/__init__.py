"""Keras 3.15's callbacks (``tf.keras.callbacks``): hooks called by ``fit``/``evaluate``/``predict``."""
