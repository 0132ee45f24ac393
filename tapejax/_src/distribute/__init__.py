"""``tf.distribute`` on JAX's sharding runtime (see ``tapejax.distribute`` for the public names)."""
