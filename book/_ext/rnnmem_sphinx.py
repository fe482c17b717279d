"""Sphinx fix-ups for the book: repeated script tags dropped, browser assets and explorer data served from the build.

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
so MathJax never fetches a further component. plotly.js comes as its ``gl3d``
bundle (2-D scatter and ``scatter3d``, a third of the full bundle's size).

Explorers. A page holding an interactive figure (an element with a
``data-explorer`` attribute, written as raw HTML in a Markdown cell) gets
plotly.js, ``rnnmem/forward.js``, the book's visual encoding
(``rnnmem/encoding.js``, :func:`rnnmem_helpers.chapters.encoding.to_browser`, the spec the
matplotlib figures follow too), the index of the explorer data,
``rnnmem/explorers.js`` and its style sheet; no other page loads any of them.
The data are computed at build time by
:func:`rnnmem_helpers.chapters.explorer_data.export_choice`, with a fixed ``rng``, one
script per Δt that a stored network learned
(:func:`rnnmem_helpers.chapters.explorer_data.explorer_networks`;
``rnnmem/data/network_delay{Δt}.js``, see :func:`data_script`), so that the
page draws what the package computes. They are scripts, not JSON, because
``fetch()`` is refused from ``file://`` while a script tag is not; the page
injects the one for a delay when a reader first chooses it, so a page loads
only the networks it shows.

Publishing. ``repository.url`` is validated before anything is built
(:func:`rnnmem_helpers.chapters.book.validate_repo_url`): the theme writes it, unescaped,
into the links of every page, so anything but a plain ``https://host/owner/repo``
address stops the build. While it is the placeholder, the launch (Binder, Colab)
and repository buttons are left out, since they would lead nowhere. The footer
carries the package's version, the one the citation carries.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
from sphinx.errors import ExtensionError

from rnnmem_helpers import __version__
from rnnmem_helpers.chapters.book import is_placeholder, validate_branch, validate_repo_url
from rnnmem_helpers.chapters.encoding import to_browser
from rnnmem_helpers.chapters.explorer_data import CHOICE_RULE, explorer_networks, export_choice, to_json

#: Files copied from ``node_modules`` to ``_static``, as (source, destination) pairs. MathJax's
#: ``tex-svg`` (TeX with the base and AMS macros, SVG output, which needs no font files over
#: ``file://``) rather than ``tex-svg-full``: the book's math needs nothing more, and the 0.17 MB saved
#: keeps a page with every explorer network under its 8 MB budget. A macro from another TeX package
#: would make MathJax request its extension, which the build lacks: the browser check fails on it.
VENDORED = (
    ("mathjax/es5/tex-svg.js", "vendor/mathjax/tex-svg.js"),
    ("mathjax/LICENSE", "vendor/mathjax/LICENSE"),
    ("plotly.js-gl3d-dist-min/plotly-gl3d.min.js", "vendor/plotly-gl3d.min.js"),
    ("plotly.js-gl3d-dist-min/LICENSE", "vendor/plotly-gl3d.min.js.LICENSE"),
)
#: ``mathjax_path`` is relative to ``_static``.
MATHJAX_PATH = "vendor/mathjax/tex-svg.js"
#: What marks a page as holding an explorer, in its rendered body.
EXPLORER_MARKER = "data-explorer"
#: Scripts of a page with explorers, relative to ``_static``, in the order they must run.
EXPLORER_SCRIPTS = (
    "vendor/plotly-gl3d.min.js",
    "rnnmem/forward.js",
    "rnnmem/encoding.js",
    "rnnmem/data/index.js",
    "rnnmem/explorers.js",
)
EXPLORER_CSS = "rnnmem/explorers.css"
#: The encoding script, relative to ``_static``: written at build time from rnnmem_helpers.chapters.encoding.
ENCODING_SCRIPT = "rnnmem/encoding.js"
#: Folder of the explorer data, relative to ``_static``; explorers.js finds it next to itself.
DATA_DIR = "rnnmem/data"
#: The explorer data are a function of the stored networks only: the same build gives the same files.
DATA_RNG = 0
#: Theme options that turn ``repository_url`` into a button or link on every page.
REPOSITORY_BUTTONS = ("use_repository_button", "use_edit_page_button", "use_issues_button", "use_source_button")


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


#: The head of a data script: it decodes the weights and registers the network under its delay.
_DATA_SCRIPT_HEAD = """\
/* One network's explorer data, written by book/_ext/rnnmem_sphinx.py from rnnmem_helpers.chapters.explorer_data. */
(function (delay, data, weights) {
  Object.keys(weights).forEach(function (name) {
    var bytes = atob(weights[name]), view = new DataView(new ArrayBuffer(bytes.length));
    for (var i = 0; i < bytes.length; i++) view.setUint8(i, bytes.charCodeAt(i));
    var values = new Array(bytes.length / 4);
    for (var j = 0; j < values.length; j++) values[j] = view.getFloat32(4 * j, true);
    data.weights[name].data = values;
  });
  (window.rnnmem_data = window.rnnmem_data || {})[delay] = data;
})(
"""


def data_script(delay: int, data: dict) -> str:
    """Return the text of the script that registers one network's explorer data.

    The script sets ``window.rnnmem_data[delay]`` to ``data``, an object equal
    to the export's JSON. The weights travel as base64 of their little-endian
    float32 bytes, a quarter of their size as decimal text, and the script
    decodes them to the same numbers: the export holds exact float32 values.
    That keeps a page with two networks loaded within the book's 8 MB.

    Parameters
    ----------
    delay : int
        The network's Δt, its key in ``window.rnnmem_data``.
    data : dict
        The network's export, from :func:`~rnnmem_helpers.chapters.explorer_data.export_network`.

    Returns
    -------
    str
        The script: a short head, then three lines, the delay, the export
        without its weights' numbers (``data`` set to null) and the weights
        as ``{name: base64}``, each followed by a comma but the last, which
        closes the call.

    Raises
    ------
    ValueError
        If a weight is not a float32 value, which the encoding could not carry exactly.
    """
    encoded, bare = {}, dict(data, weights={})
    for name, matrix in data["weights"].items():
        values = np.asarray(matrix["data"], dtype=np.float64)
        as_float32 = values.astype("<f4")
        if not np.array_equal(as_float32.astype(np.float64), values):
            raise ValueError(f"data['weights'][{name!r}] must hold float32 values, as export_network writes them")
        encoded[name] = base64.b64encode(as_float32.tobytes()).decode("ascii")
        bare["weights"][name] = {"shape": matrix["shape"], "data": None}
    return f"{_DATA_SCRIPT_HEAD}{int(delay)},\n{to_json(bare)},\n{json.dumps(encoded)});\n"


def encoding_script() -> str:
    """Return the script that sets ``window.rnnmem_encoding`` to :func:`rnnmem_helpers.chapters.encoding.to_browser`.

    explorers.js takes its colours, markers and channel labels from it, so the
    explorers and the matplotlib figures cannot drift apart.
    """
    return (
        "/* The book's visual encoding, written by book/_ext/rnnmem_sphinx.py from "
        "rnnmem_helpers.chapters.encoding. */\n"
        f"window.rnnmem_encoding = {to_json(to_browser())};\n"
    )


def index_script(choices) -> str:
    """Return the script that tells a page which networks it may load, before it loads any.

    It sets ``window.rnnmem_networks`` to the :meth:`~rnnmem_helpers.chapters.explorer_data.NetworkChoice.record`
    of each choice, sorted by Δt, and ``window.rnnmem_choice_rule`` to the rule that picked them.
    """
    records = [c.record() for c in sorted(choices, key=lambda c: c.delay)]
    return f"window.rnnmem_networks = {to_json(records)};\nwindow.rnnmem_choice_rule = {json.dumps(CHOICE_RULE)};\n"


def write_explorer_data(folder: Path, *, rng=DATA_RNG) -> dict[Path, int]:
    """Write the explorer data of every network the explorers offer, and their index, into ``folder``.

    Parameters
    ----------
    folder : pathlib.Path
        Destination, created if missing: ``_static/rnnmem/data`` of the build.
    rng : int
        Seed of each network's export, passed to
        :func:`~rnnmem_helpers.chapters.explorer_data.export_choice` for every network.

    Returns
    -------
    dict of pathlib.Path to int
        Size in bytes of each file written, by path.
    """
    choices = explorer_networks()
    texts = {folder / f"network_delay{c.delay}.js": data_script(c.delay, export_choice(c, rng=rng)) for c in choices}
    texts[folder / "index.js"] = index_script(choices)
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")
        sizes[path] = path.stat().st_size
    return sizes


def add_explorer_assets(app, pagename, templatename, context, doctree) -> None:
    """Give a page that holds an explorer its scripts and style sheet; leave every other page alone.

    Parameters
    ----------
    app : sphinx.application.Sphinx
        The application; its ``add_js_file``/``add_css_file``, called during this
        event, add to this page only.
    pagename, templatename, doctree
        The ``html-page-context`` event's arguments, unused.
    context : dict
        The page's template context; its ``body`` is searched for ``data-explorer``.
    """
    if EXPLORER_MARKER not in context.get("body", ""):
        return
    # Deferred: they run in order once the page is parsed, and the page does not wait on plotly.js's 1.7 MB
    # before it renders. Parser-blocking, that script also left Chromium's network-idle signal unreliable.
    for script in EXPLORER_SCRIPTS:
        app.add_js_file(script, defer="defer")
    app.add_css_file(EXPLORER_CSS)


def _use_local_mathjax(app, config) -> None:
    config.mathjax_path = MATHJAX_PATH


def publishing_settings(app, config) -> None:
    """Validate the repository setting, drop the buttons while it is the placeholder, version the footer.

    Parameters
    ----------
    app : sphinx.application.Sphinx
        The application, unused.
    config : sphinx.config.Config
        The configuration; its ``html_theme_options`` (where Jupyter Book puts
        ``repository.url``, ``repository.branch``, ``launch_buttons`` and
        ``html.extra_footer``) are edited in place, and ``version`` and ``release``
        are set to the package's version.

    Raises
    ------
    sphinx.errors.ExtensionError
        If ``repository.url`` or ``repository.branch`` is not safe to write into a page.
    """
    options = config.html_theme_options
    if "repository_url" in options:
        try:
            url = validate_repo_url(options["repository_url"])
            validate_branch(options.get("repository_branch", "main"))
        except (TypeError, ValueError) as exc:
            raise ExtensionError(f"_config.yml: {exc}") from None
        if is_placeholder(url):
            # Without repository_url the theme builds no launch, source or repository link at all.
            del options["repository_url"]
            options["launch_buttons"] = {}
            options.update(dict.fromkeys(REPOSITORY_BUTTONS, False))
        else:
            options["repository_url"] = url
    config.version = config.release = __version__
    if options.get("extra_footer"):
        options["extra_footer"] = f"<p>rnnmem {__version__}.</p>\n{options['extra_footer']}"


def _install_assets(app) -> None:
    # Before any page is read or written: a missing install fails the build at once, and the
    # files are in place when Sphinx writes each script tag's checksum.
    if app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        copy_vendored(Path(app.confdir) / "node_modules", static)
        (static / ENCODING_SCRIPT).parent.mkdir(parents=True, exist_ok=True)
        (static / ENCODING_SCRIPT).write_text(encoding_script(), encoding="utf-8")
        write_explorer_data(static / DATA_DIR)


def setup(app):
    app.connect("config-inited", _use_local_mathjax)
    app.connect("config-inited", publishing_settings)
    app.connect("builder-inited", _install_assets)
    # Early: a later handler of this event may return a template name, which ends the chain.
    app.connect("html-page-context", dedupe_scripts, priority=100)
    app.connect("html-page-context", add_explorer_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
