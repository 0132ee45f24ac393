"""Keras models: ``Model`` (subclassed), functional models and ``Sequential``."""
