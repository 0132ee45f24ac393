"""Keras optimizers on optax: schedules, the exact Keras update rules, the Optimizer machinery."""
