"""Debugging helpers beyond TensorFlow: why a gradient is ``None``."""

from tapejax._src.debugging import explain_gradient as explain_gradient
