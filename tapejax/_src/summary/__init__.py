"""``tf.summary``: TensorBoard event files written through tensorboardX (optional extra ``tensorboard``)."""
