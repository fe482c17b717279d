"""What the book's chapters show: figures, widgets, explorer data, the claims and their evidence, the findings
in words, citation and notebook helpers.

The top layer: it may import every other subpackage, and none imports it.
"""
