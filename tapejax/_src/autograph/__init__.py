"""AutoGraph: ``tf.function``'s source transformation of Python control flow on tensors."""
