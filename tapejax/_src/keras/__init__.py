"""``tf.keras`` (Keras 3.15's semantics) on tapejax's Variables and op table: one concept per module."""
