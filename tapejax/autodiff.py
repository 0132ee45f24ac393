"""``tf.autodiff``: GradientTape and ForwardAccumulator."""

from tapejax._src.forwardprop import ForwardAccumulator as ForwardAccumulator
from tapejax._src.tape import GradientTape as GradientTape
