"""``tf.keras``: the parts tapejax implements (optimizers, schedules, losses)."""

from tapejax.keras import losses as losses
from tapejax.keras import optimizers as optimizers
