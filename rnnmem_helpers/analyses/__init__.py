"""What a trained network does and how to read it: test runs, PCA, spectra, fixed points, the mechanism,
ablations, and the statistics and tables results over seeds are summarised with.

Imports only :mod:`rnnmem_helpers.core`.
"""
