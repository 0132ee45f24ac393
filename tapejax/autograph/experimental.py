"""``tf.autograph.experimental``: ``do_not_convert``, ``set_loop_options`` and ``Feature``."""

from tapejax._src.autograph.api import Feature as Feature
from tapejax._src.autograph.api import do_not_convert as do_not_convert
from tapejax._src.autograph.api import set_loop_options as set_loop_options
