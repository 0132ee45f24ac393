"""Keras 3's saving: ``.weights.h5`` files, ``.keras`` archives, the registry of custom objects."""
