import json

import pytest

from rnnmem_helpers.chapters import claims as C
from rnnmem_helpers.chapters import evidence as E
from rnnmem_helpers.chapters import findings as F


@pytest.fixture(scope="module")
def shipped():
    evidence = E.load_shipped_evidence()
    return evidence, E.assess_all(evidence, record=False)


def _verdicts(assessments):
    return {n: a.verdict for n, a in assessments.items()}


def test_headlines_state_every_verdict_as_the_table_does(shipped):
    evidence, assessments = shipped
    text = F.headline_findings(evidence, assessments)
    assert text.count("\n- ") == 4
    stated = {s.number for s in C.verdict_statements(text)}
    assert stated == {c.number for c in C.CLAIMS}
    assert C.contradictions(text, _verdicts(assessments)) == []
    # Against other verdicts the same text would contradict: the check has teeth.
    flipped = {
        n: (C.Verdict.SUPPORTED if v is not C.Verdict.SUPPORTED else C.Verdict.NOT_SUPPORTED)
        for n, v in _verdicts(assessments).items()
    }
    assert len(C.contradictions(text, flipped)) == len(stated)



def test_the_size_finding_follows_the_delay_limit_and_names_no_claim(shipped):
    evidence, assessments = shipped
    size = "more units help at lr = 0.00025; they hurt at lr = 0.001 (**depends on lr**, on the whole grid)"
    text = F.headline_findings(evidence, assessments, size=size)
    bullets = text.split("\n- ")
    assert len(bullets) == 6 and bullets[2].startswith("**Network size**") and "More units help" in bullets[2]
    assert "delay limit" in bullets[1]
    assert {s.number for s in C.verdict_statements(text)} == {c.number for c in C.CLAIMS}
    assert C.contradictions(text, _verdicts(assessments)) == []
    with pytest.raises(TypeError, match="^size must be a non-empty str or None"):
        F.headline_findings(evidence, assessments, size=" ")

def test_headlines_survive_unmeasured_claims():
    evidence = E.ClaimEvidence(measured={}, sources={})
    assessments = E.assess_all(evidence, record=False)
    text = F.headline_findings(evidence, assessments)
    assert "not measured" in text and C.contradictions(text, _verdicts(assessments)) == []


def test_boxes_list_each_chapter_s_claims(shipped):
    _, assessments = shipped
    box = F.findings_box("causal", assessments)
    assert box.startswith("```{admonition} Key findings") and box.endswith("```")
    assert [s.number for s in C.verdict_statements(box)] == F.chapter_claims("causal")
    assert C.contradictions(box, _verdicts(assessments)) == []
    assert F.findings_box("task", assessments) == ""
    assert F.chapter_claims("delayed") == [3, 4, 11]


def test_bad_input_is_refused(shipped):
    evidence, assessments = shipped
    with pytest.raises(TypeError, match="evidence"):
        F.headline_findings({}, assessments)
    with pytest.raises(ValueError, match="assessments"):
        F.headline_findings(evidence, {1: assessments[1]})
    with pytest.raises(ValueError, match="assessments"):
        F.findings_box("causal", {})
    with pytest.raises(TypeError, match="chapter"):
        F.chapter_claims(3)


def test_every_claim_has_a_detail_with_its_sensitivity(shipped):
    evidence, assessments = shipped
    verdicts = _verdicts(assessments)
    for c in C.CLAIMS:
        text = F.claim_detail(c.number, evidence, assessments)
        assert text.count("**Reading: ") == len(c.readings)
        assert text.count("```{dropdown}") == 1 and text.rstrip().endswith("```")
        assert C.contradictions(text, verdicts) == []
        table = text[text.index("| threshold |"):]
        rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
        # a header, the stated thresholds, and each threshold halved and doubled
        assert len(rows) == 2 + 2 * len(c.thresholds)
        assert rows[1].split(" | ")[-1].rstrip(" |") in {F._short(j.label) for j in [assessments[c.number].overall]}


@pytest.mark.parametrize(
    "title, want",
    [("A discrete net", "a discrete net"), ("The N = 100 net", "the N = 100 net"), ("Δt = 0: cube", "Δt = 0: cube"),
     ("W gains", "W gains"), ("RNN learns", "RNN learns")],
)
def test_lead_lowers_words_not_symbols(title, want):
    assert F.lead(title) == want


def test_no_chapter_states_another_verdict_than_the_table(shipped):
    from pathlib import Path

    _, assessments = shipped
    book = Path(__file__).resolve().parents[1] / "book"
    chapters = sorted(book.glob("*.ipynb"))
    assert len(chapters) >= 12
    found = [x for p in chapters for x in C.contradictions(C.notebook_text(p), _verdicts(assessments), source=p.name)]
    assert found == []
    # Sections the paper does not have (it ends at Sec. 6), in prose, outputs or code.
    def everything(p):
        cells = json.loads(p.read_text(encoding="utf-8"))["cells"]
        return C.notebook_text(p) + "\n" + "\n".join("".join(c.get("source", "")) for c in cells)

    assert {p.name: C.section_slips(everything(p)) for p in chapters if C.section_slips(everything(p))} == {}
