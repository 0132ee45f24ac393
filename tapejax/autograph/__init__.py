"""``tf.autograph``: the source transformation ``tf.function`` applies to Python control flow."""

from tapejax._src.autograph.api import set_verbosity as set_verbosity
from tapejax._src.autograph.api import to_code as to_code
from tapejax._src.autograph.api import to_graph as to_graph
from tapejax._src.autograph.api import trace as trace
from tapejax.autograph import experimental as experimental
