"""Experiments and the machinery that runs them: the kinds of experiment, their stored results, the sweep
engine, reanalysis, sweep tables and the command line.

Imports :mod:`rnnmem_helpers.core` and :mod:`rnnmem_helpers.analyses`, never the book-facing layer.
"""
