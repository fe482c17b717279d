"""The book's "cite this" block: BibTeX rendered from the repository's ``CITATION.cff``.

``CITATION.cff`` is the one source of how to cite this replication (GitHub and
Zenodo read it as it is); :func:`bibtex` turns it into the BibTeX entry the
landing page shows, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from pathlib import Path

#: Fields a citation must carry for the BibTeX entry to say what was cited, and when.
REQUIRED = ("title", "authors", "version", "date-released")
#: Characters that mean something to BibTeX or LaTeX inside a braced value, and what stands for each.
_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TEX_RE = re.compile("|".join(re.escape(ch) for ch in _TEX_SPECIAL))


def load_citation(path) -> dict:
    """Read a ``CITATION.cff`` file and check the fields the BibTeX entry needs.

    Parameters
    ----------
    path : str or os.PathLike
        The ``CITATION.cff`` file.

    Returns
    -------
    dict
        The file's YAML as a mapping, ``date-released`` as a :class:`datetime.date`.

    Raises
    ------
    ValueError
        If the file is not a YAML mapping, or a required field is missing or malformed;
        the message names the file and the field.
    """
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: must be a YAML mapping of citation fields")
    try:
        return _checked(data)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def _checked(data: Mapping) -> dict:
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)}")
    data = dict(data)
    for key in ("title", "version"):
        if not isinstance(data[key], str) or not data[key].strip():
            raise ValueError(f"{key} must be a non-empty string, got {data[key]!r}")
    released = data["date-released"]
    if isinstance(released, str):
        try:
            released = _dt.date.fromisoformat(released)
        except ValueError as exc:
            raise ValueError(f"date-released must be a date YYYY-MM-DD, got {released!r}") from exc
    if not isinstance(released, _dt.date) or isinstance(released, _dt.datetime):
        raise ValueError(f"date-released must be a date YYYY-MM-DD, got {released!r}")
    data["date-released"] = released
    authors = data["authors"]
    if not isinstance(authors, list) or not authors:
        raise ValueError("authors must be a non-empty list")
    for i, author in enumerate(authors):
        if not isinstance(author, Mapping) or not (author.get("name") or author.get("family-names")):
            raise ValueError(f"authors[{i}] must have a name (an entity) or family-names (a person)")
    return data


def _tex(value) -> str:
    return _TEX_RE.sub(lambda m: _TEX_SPECIAL[m.group()], str(value))


def _author(author: Mapping) -> str:
    if author.get("family-names"):
        given = author.get("given-names")
        return _tex(f"{author['family-names']}, {given}" if given else author["family-names"])
    # An entity in its own braces: BibTeX would otherwise read "The rnnmem authors" as a person's names.
    return "{" + _tex(author["name"]) + "}"


def bibtex(citation, key: str | None = None) -> str:
    """Render a citation as one BibTeX ``@software`` entry.

    Parameters
    ----------
    citation : mapping or str or os.PathLike
        A ``CITATION.cff`` file, or its content as loaded by :func:`load_citation`.
    key : str, optional
        The entry's key; by default ``rnnmem{year}`` (letters, digits, ``-``, ``_`` and ``:`` only).

    Returns
    -------
    str
        The entry, one field per line, ending in a newline. Values are escaped for
        BibTeX/LaTeX; ``url`` is taken from ``repository-code``, then ``url``, if set.

    Raises
    ------
    TypeError
        If ``citation`` is neither a mapping nor a path.
    ValueError
        If a required field is missing or malformed, or ``key`` holds other characters.
    """
    if isinstance(citation, (str, Path)) or hasattr(citation, "__fspath__"):
        data = load_citation(citation)
    elif isinstance(citation, Mapping):
        data = _checked(citation)
    else:
        raise TypeError(f"citation must be a CITATION.cff path or a mapping, got {type(citation).__name__}")
    released = data["date-released"]
    key = f"rnnmem{released.year}" if key is None else key
    if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_:-]+", key):
        raise ValueError(f"key must be letters, digits, '-', '_' or ':', got {key!r}")
    fields = [
        ("title", "{" + _tex(data["title"]) + "}"),
        ("author", " and ".join(_author(a) for a in data["authors"])),
        ("year", str(released.year)),
        ("month", str(released.month)),
        ("version", _tex(data["version"])),
    ]
    url = data.get("repository-code") or data.get("url")
    if url:
        # Styles typeset it with \url{}, verbatim: escaping would print the backslashes, so refuse instead.
        if not isinstance(url, str) or re.search(r"[\s{}\\]", url):
            raise ValueError(f"repository-code/url must be a URL without spaces, braces or backslashes, got {url!r}")
        fields.append(("url", url))
    licence = data.get("license")
    if licence:
        fields.append(("note", "Licence: " + _tex(" and ".join(licence) if isinstance(licence, list) else licence)))
    body = ",\n".join(f"  {name:<7} = {{{value}}}" for name, value in fields)
    return f"@software{{{key},\n{body}\n}}\n"
