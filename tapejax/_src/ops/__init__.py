"""The op table, one module per TF namespace family. Each op is an ``Op`` and a TF-named wrapper."""
