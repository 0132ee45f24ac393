"""Set-up shared by every pytest run in this repository (the tests and the modules' doctests)."""

import os

# Tests never write JAX's persistent compilation cache into the user's home (a test that needs the
# cache gives its own directory); set before tapejax is imported, which is when the setting is read.
os.environ["TAPEJAX_COMPILATION_CACHE"] = "0"
