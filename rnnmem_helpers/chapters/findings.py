"""The book's findings in words, written from the claims' verdicts and measured inputs.

The landing page states the headline findings (:func:`headline_findings`)
and every chapter opens with a box of the verdicts it supplies evidence for
(:func:`findings_box`). Both are written from the same
:class:`~rnnmem_helpers.chapters.evidence.ClaimEvidence` and assessments as the claims
table, so no page can state a verdict the table does not: each sentence that
names a claim gives its verdict in bold, by the book's convention
(:func:`rnnmem_helpers.chapters.claims.verdict_statements`).
"""

from __future__ import annotations

from collections.abc import Mapping

from . import claims as C
from .evidence import ClaimEvidence


def _check(evidence, assessments) -> None:
    if not isinstance(evidence, ClaimEvidence):
        raise TypeError(f"evidence must be a ClaimEvidence, got {type(evidence).__name__}")
    if not isinstance(assessments, Mapping) or set(assessments) != {c.number for c in C.CLAIMS}:
        raise ValueError("assessments must hold the Assessment of every claim, by number (see evidence.assess_all)")


def _v(assessments, number: int) -> str:
    return f"**{assessments[number].overall.verdict.label}**"


def _frac(count) -> str:
    return "not measured" if count is None else f"{count.k} of {count.n}"


def _ref(number: int) -> str:
    return f"{{ref}}`claim {number} <claim-{number}>`"


def lead(title: str) -> str:
    """A claim's title to follow a comma or colon: its first letter lowered, unless it starts a symbol or acronym."""
    word = title.split(" ", 1)[0]
    # "A" and capitalised words are lowered; a symbol (W, Δt) or an acronym (RNN) keeps its case.
    if (
        word.isascii()
        and word.isalpha()
        and (word == "A" or (len(word) > 1 and word[0].isupper() and word[1:].islower()))
    ):
        return title[0].lower() + title[1:]
    return title


def _delays(counts: Mapping, keep) -> str:
    return ", ".join(f"Δt = {d}: {_frac(c)}" for d, c in sorted(counts.items()) if keep(d))


def headline_findings(evidence: ClaimEvidence, assessments: Mapping, *, size: str | None = None) -> str:
    """The landing page's headline findings, as MyST markdown bullets.

    Parameters
    ----------
    evidence : ClaimEvidence
    assessments : mapping of int to Assessment
        Every claim's, from :func:`rnnmem_helpers.chapters.evidence.assess_all` on ``evidence``.
    size : str, optional
        The finding on network size, a sentence without its final stop
        (:func:`rnnmem_helpers.chapters.size_confound.size_finding`); it
        follows the delay limit, as a bullet of its own.

    Returns
    -------
    str
        Five bullets (six with ``size``): what reproduces, the delay limit and
        its cause, network size, the mechanism, the recipe and the conjecture,
        and the rotations as a clock.
    """
    _check(evidence, assessments)
    if size is not None and (not isinstance(size, str) or not size.strip()):
        raise TypeError(f"size must be a non-empty str or None, got {size!r}")
    m = {c.number: evidence.measured.get(c.number, {}) for c in C.CLAIMS}
    a = assessments
    out = []
    rot, three = m[6].get("rotations", {}).get(0.25), m[6].get("three_real", {}).get(0.25)
    out.append(
        f"- **The paper's networks.** Learning the task: {_ref(1)} is {_v(a, 1)}. The cube of fixed points: "
        f"{_ref(2)} is {_v(a, 2)} (the exact 8/12/6/1 census in {_frac(m[2].get('cube'))} undelayed seeds). "
        f"Its corners under delay: {_ref(3)} is {_v(a, 3)} "
        f"(8 attractors in {_frac(m[3].get('eight_attractors'))} delayed seeds). "
        f"Three real outliers of W and no rotation without delay: {_ref(5)} is {_v(a, 5)}. Rotation pairs beside "
        f"exactly three real outliers with delay: {_ref(6)} is {_v(a, 6)} (rotations in {_frac(rot)} delayed seeds, "
        f"exactly three real outliers in {_frac(three)})."
    )
    limit = m[7].get("converged", {})
    built = sorted(d for d, e in m[8].get("built_error", {}).items() if e <= 0.005)
    curriculum = m[8].get("recipes", {}).get("curriculum", {})
    longest = max((d for d, c in curriculum.items() if c.k), default=None)
    ladder = (
        f"; a curriculum of delays reaches Δt = {longest} in {_frac(curriculum[longest])} ladders" if longest else ""
    )
    out.append(
        f"- **The delay limit.** The paper's bound of Δt = 8 for 100 units: {_ref(7)} is {_v(a, 7)} "
        f"(seeds that converged within 8000 updates: {_delays(limit, lambda d: d >= 8)}). Capacity as its cause: "
        f"{_ref(8)} is {_v(a, 8)}; hand-built 100-unit networks hold Δt = "
        f"{', '.join(map(str, built)) or 'none'} with no error{ladder}."
    )
    if size is not None:
        out.append(
            "- **Network size** (beyond the paper, in a {ref}`grid of learning rate × size × delay <lr-size>`): "
            f"{size[0].upper()}{size[1:]}. Sizes compared at one learning rate, as in the other sweeps, "
            "say nothing about capacity."
        )
    out.append(
        f"- **The mechanism.** The Fourier-like triggered average ({_ref(4)}: {_v(a, 4)}), the loops that vanish "
        f"with delay ({_ref(11)}: {_v(a, 11)}), the pulse hidden from the output during the delay ({_ref(12)}: "
        f"{_v(a, 12)}) and the rotations orthogonal to the separatrices ({_ref(13)}: {_v(a, 13)}). Where readings "
        "of the paper's loose words disagree the verdict is *ambiguous*; the claims chapter judges each reading."
    )
    out.append(
        f"- **The recipe and the conjecture.** Ten-step truncated BPTT at the paper's pulse rate: {_ref(9)} is "
        f"{_v(a, 9)}. Transverse-rotation initialisation as a speed-up: {_ref(10)} is {_v(a, 10)}."
    )
    m14 = m[14]
    if "edit_latency" in m14:
        cutoff = 0.75 * m14["delay"]
        early = sum(x <= cutoff for x in m14["edit_latency"])
        control = sum(x <= cutoff for x in m14["control_latency"])
        n = len(m14["edit_latency"])
        failed = sorted(m14["write_failures"])[len(m14["write_failures"]) // 2]
        detail = (
            f": without its rotation pairs, {early} of {n} delayed networks switch within {cutoff:g} steps of the "
            f"pulse, against {control} of {n} after removing as many bulk pairs; {sum(m14['attractors_kept'])} of "
            f"{n} keep every attractor, and a median {failed * 100:.0f} % of isolated writes fail"
        )
    else:
        detail = ", not measured on these networks"
    out.append(
        f"- **Rotations as the clock.** The paper's account implies that a network without its rotation pairs "
        f"keeps its memory and switches early: {_ref(14)} is {_v(a, 14)}{detail}."
    )
    return "\n".join(out)


def chapter_claims(chapter: str) -> list:
    """Numbers of the claims whose evidence (or one reading's) is in ``chapter``, ascending."""
    if not isinstance(chapter, str):
        raise TypeError(f"chapter must be a str, got {type(chapter).__name__}")
    return [c.number for c in C.CLAIMS if c.chapter == chapter or any(r.chapter == chapter for r in c.readings)]


def findings_box(chapter: str, assessments: Mapping) -> str:
    """The key-findings box that opens a chapter: the verdict of every claim it supplies evidence for.

    Returns
    -------
    str
        A MyST ``admonition`` with one bullet per claim (title, verdict in
        bold, and the verdict's reason), or an empty string if the chapter
        judges no claim.
    """
    numbers = chapter_claims(chapter)
    if not isinstance(assessments, Mapping) or not set(numbers) <= set(assessments):
        raise ValueError(f"assessments must hold claims {numbers} of chapter {chapter!r}")
    if not numbers:
        return ""
    lines = ["```{admonition} Key findings", ":class: tip"]
    for n in numbers:
        c, j = C.claim(n), assessments[n].overall
        lines.append(f"- {_ref(n)}, {lead(c.title)}: {_v(assessments, n)} ({j.reason}).")
    lines.append("```")
    return "\n".join(lines)


def _short(label: str) -> str:
    """A verdict label for a narrow cell: "partly" for partly supported, an inconclusive one's power in percent."""
    if label.startswith("inconclusive (power "):
        power = label[len("inconclusive (power ") : -1]
        return "inconclusive" if power == "not computable" else f"inconclusive ({float(power.rstrip(' %')):.0f} %)"
    return "partly" if label == C.Verdict.PARTLY.label else label


def _setting(threshold: str, scale: float, value: float) -> str:
    if threshold == "—":
        return "as stated"
    shown = "" if value != value else f" = {value:g}"
    return f"{threshold} × {scale:g}{shown}"


def sensitivity_table(number: int, measured: Mapping) -> str:
    """A claim's verdict under each reading and overall, with each threshold halved and doubled, as markdown.

    Rows are threshold settings (as stated first), columns the readings and
    the overall verdict; from :func:`rnnmem_helpers.chapters.claims.sensitivity`.
    """
    table = C.sensitivity(number, measured)
    readings = [r.name for r in C.claim(number).readings] + ["overall"]
    cells: dict = {}
    order = []
    for reading, threshold, scale, value, verdict in zip(
        table["reading"], table["threshold"], table["scale"], table["value"], table["verdict"], strict=True
    ):
        key = (str(threshold), float(scale))
        if key not in cells:
            cells[key] = {"value": float("nan")}
            order.append(key)
        cells[key][str(reading)] = _short(str(verdict))
        if str(reading) == "overall" or cells[key]["value"] != cells[key]["value"]:
            cells[key]["value"] = float(value)
    lines = ["| threshold | " + " | ".join(readings) + " |", "|---" * (len(readings) + 1) + "|"]
    for key in order:
        row = cells[key]
        lines.append(f"| {_setting(*key, row['value'])} | " + " | ".join(row.get(r, "") for r in readings) + " |")
    return "\n".join(lines)


def claim_detail(number: int, evidence: ClaimEvidence, assessments: Mapping) -> str:
    """One claim's section body in the claims chapter, as MyST markdown.

    Visible: where in the paper, where the evidence is, the verdict, each
    reading's verdict and the claim's note. In a dropdown: each reading's
    measure, rule and judgement with the numbers it rests on, and the
    sensitivity table.
    """
    _check(evidence, assessments)
    c, a = C.claim(number), assessments[number]
    measured = evidence.measured.get(number, {})
    lines = [f"*Paper:* {c.section}. *Evidence:* {{doc}}`{c.chapter}`. Claim {number} is {_v(assessments, number)}."]
    if len(c.readings) > 1:
        lines += ["", *(f"- Reading *{r.name}*: {a.readings[r.name].label}." for r in c.readings)]
    if c.note:
        lines += ["", c.note]
    lines += ["", "```{dropdown} Measures, rules, numbers and sensitivity"]
    for r in c.readings:
        j = a.readings[r.name]
        where = f" (evidence in {{doc}}`{r.chapter}`)" if r.chapter and r.chapter != c.chapter else ""
        lines.append(
            f"- **Reading: {r.name}**{where}. *Measure:* {r.measure}. *Rule:* {r.rule_text}. "
            f"*Judgement:* {j.label}, {j.reason}."
        )
    try:
        table = sensitivity_table(number, measured)
    except ValueError as err:
        table = f"Sensitivity not available: {err}."
    lines += [
        "",
        'Sensitivity, each threshold halved and doubled in turn ("partly": partly supported; an inconclusive '
        "verdict shows its power):",
        "",
        table,
        "```",
    ]
    return "\n".join(lines)
