"""Sphinx configuration of astronet's documentation.

`make docs` builds it: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (every warning
is an error). The pages are Markdown (MyST); the API pages are autodoc of this checkout's package,
whose docstrings follow numpydoc (napoleon).
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout's package, before any other install of astronet (autodoc imports every module;
# importing astronet.simulation imports NEST, which the PyPI wheel provides, so nothing is mocked).
sys.path.insert(0, str(ROOT / "src"))

project = "astronet"
author = "The astronet developers"
copyright = "The astronet developers, GPL-2.0-or-later"
# One version: pyproject.toml's.
release = version = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Headings get GitHub's anchors (`configuration.md#run-identity`), so that links between the pages
# work in the built site and on GitHub alike.
myst_heading_anchors = 4

autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = False
napoleon_numpy_docstring = True

html_theme = "alabaster"
html_title = f"astronet {release}"
html_theme_options = {"description": "Neuron–astrocyte networks on NEST", "fixed_sidebar": True}
