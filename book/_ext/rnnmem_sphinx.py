"""Sphinx fix-up for the book: drop repeated script tags.

sphinx-thebe registers its inline configuration script once per
``env-before-read-docs`` event, which this toolchain fires twice; the second
copy re-declares ``const THEBE_JS_URL`` and every page then raises a
JavaScript SyntaxError. Keeping the first copy of each identical script fixes it.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for script in context.get("script_files", []):
        attrs = getattr(script, "attributes", {}) or {}
        # The copies differ only in filename None versus "", both meaning an inline script.
        filename = getattr(script, "filename", script) or ""
        key = (str(filename), tuple(sorted((k, str(v)) for k, v in attrs.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def setup(app):
    # Early: a later handler of this event may return a template name, which ends the chain.
    app.connect("html-page-context", _dedupe_scripts, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
