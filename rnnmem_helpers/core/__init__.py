"""The model and its training: the task, the network, its initial weights, training, scoring and checkpoints.

The lowest layer: it imports no other subpackage, so the network can be trained and scored without the
analyses, the sweep engine or the book.
"""
