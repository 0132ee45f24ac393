"""tapejax's implementation; the public names live in the modules above this package."""

from tapejax._src import compile_cache as _compile_cache

# First thing at import, so that no program compiles before the persistent cache is set up.
_compile_cache.set_up()
