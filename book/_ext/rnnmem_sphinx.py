"""Sphinx fix-ups for the book: repeated script tags dropped, browser assets served from the build.

Repeated scripts. sphinx-thebe registers its inline configuration script once
per ``env-before-read-docs`` event, which this toolchain fires twice; the second
copy re-declares ``const THEBE_JS_URL`` and every page then raises a JavaScript
SyntaxError. Keeping the first copy of each identical script fixes it.

Browser assets. The rendered book must work offline and from ``file://``, so
nothing may come from a CDN. MathJax and plotly.js are pinned in the repository's
``package.json``/``package-lock.json`` and installed by ``npm ci`` into
``node_modules``; this extension copies the files the pages use into
``_static/vendor`` and points Sphinx's ``mathjax_path`` at the local MathJax.
MathJax's SVG output is used because it needs no font files, which Chromium
refuses to load from ``file://``; the ``-full`` bundle holds every TeX package,
so MathJax never fetches a further component. plotly.js is copied for the
explorers but included by no page here: a page that needs it adds it itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

#: Files copied from ``node_modules`` to ``_static``, as (source, destination) pairs.
VENDORED = (
    ("mathjax/es5/tex-svg-full.js", "vendor/mathjax/tex-svg-full.js"),
    ("mathjax/LICENSE", "vendor/mathjax/LICENSE"),
    ("plotly.js-dist-min/plotly.min.js", "vendor/plotly.min.js"),
    ("plotly.js-dist-min/LICENSE", "vendor/plotly.min.js.LICENSE"),
)
#: ``mathjax_path`` is relative to ``_static``.
MATHJAX_PATH = "vendor/mathjax/tex-svg-full.js"


def script_key(script) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Return what makes two script entries the same tag on the page.

    Parameters
    ----------
    script : sphinx.builders.html._assets._JavaScript or str
        An entry of the page context's ``script_files``.

    Returns
    -------
    tuple
        The file name, with ``None`` and ``""`` (both an inline script) made
        equal, and the sorted attributes, which hold an inline script's body.
    """
    attrs = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""
    return str(filename), tuple(sorted((k, str(v)) for k, v in attrs.items()))


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of each set of identical scripts in ``context["script_files"]``.

    The list is edited in place: it is the builder's own list, to which handlers
    running after this one (MathJax among them) add their scripts. Binding a
    new list to the context would hide those additions from the page.

    Parameters
    ----------
    app, pagename, templatename, doctree
        The ``html-page-context`` event's arguments, unused.
    context : dict
        The page's template context; its ``script_files`` list is edited.
    """
    scripts = context.get("script_files")
    if scripts is None:
        return
    seen, kept = set(), []
    for script in scripts:
        key = script_key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def vendored_files(node_modules: Path) -> list[tuple[Path, str]]:
    """Return the asset files to copy, checking that ``npm ci`` installed them.

    Parameters
    ----------
    node_modules : pathlib.Path
        The ``node_modules`` folder next to ``package.json``.

    Returns
    -------
    list of (pathlib.Path, str)
        Each source file and its destination relative to ``_static``.

    Raises
    ------
    sphinx.errors.ExtensionError
        If any file is missing; the message says to run ``npm ci``.
    """
    files = [(node_modules / src, dest) for src, dest in VENDORED]
    missing = [f"{node_modules.name}/{src}" for src, _ in VENDORED if not (node_modules / src).is_file()]
    if missing:
        raise ExtensionError(
            f"the book's browser assets are missing ({', '.join(missing)}): run `npm ci` in {node_modules.parent} "
            "(it installs MathJax and plotly.js as pinned in package-lock.json)"
        )
    return files


def copy_vendored(node_modules: Path, static_dir: Path) -> None:
    """Copy the pinned browser assets from ``node_modules`` into ``static_dir``.

    Parameters
    ----------
    node_modules : pathlib.Path
        The ``node_modules`` folder next to ``package.json``.
    static_dir : pathlib.Path
        The build's ``_static`` folder.

    Raises
    ------
    sphinx.errors.ExtensionError
        If ``npm ci`` has not installed the assets.
    """
    for src, dest in vendored_files(node_modules):
        target = static_dir / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)


def _use_local_mathjax(app, config) -> None:
    config.mathjax_path = MATHJAX_PATH


def _install_assets(app) -> None:
    # Before any page is read or written: a missing install fails the build at once, and the
    # files are in place when Sphinx writes each script tag's checksum.
    if app.builder.format == "html":
        copy_vendored(Path(app.confdir) / "node_modules", Path(app.outdir) / "_static")


def setup(app):
    app.connect("config-inited", _use_local_mathjax)
    app.connect("builder-inited", _install_assets)
    # Early: a later handler of this event may return a template name, which ends the chain.
    app.connect("html-page-context", dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
