"""The one version number of the package, the book and the citation.

pyproject.toml reads it (``[tool.setuptools.dynamic]``), the book's Sphinx extension
puts it in every page's footer, and tests/test_publishing.py checks that
CITATION.cff carries the same one.
"""

__version__ = "0.1.0"
