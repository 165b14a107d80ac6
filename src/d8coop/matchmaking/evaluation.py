"""Offline evaluation of matchmaking on the labelled set `data/evaluation.yaml`.

Scores in memory with the very functions the pages use (`scoring`), for each text backend, and
reports precision at 5, recall at 5, mean reciprocal rank (MRR) and precision at 1 per task and
over all queries, plus the ideal precision at 5 (the best any ranking could reach given the
labels: a query with 3 relevant candidates cannot have P@5 above 0.6). Two baselines are
printed with them: "text" ranks by text similarity alone, "struct" by the structured criteria
alone (the app's score with the text part at zero). Run it with
`scripts/evaluate_matchmaking.py` (`make eval-matching`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from d8coop.matchmaking import scoring
from d8coop.matchmaking.scoring import InvestorFacts, OpportunityFacts, SmeFacts
from d8coop.matchmaking.text import LexicalBackend, TextBackend, embedding_available

DATA_FILE = Path(__file__).resolve().parent / "data" / "evaluation.yaml"
K = 5


class EvaluationSetError(ValueError):
    pass


@dataclass
class LabelledSet:
    investors: dict[str, InvestorFacts]
    opportunities: dict[str, OpportunityFacts]
    smes: dict[str, SmeFacts]
    tasks: dict[str, dict[str, set[str]]]

    def pairs(self) -> list[tuple[str, str, str, bool]]:
        """Every (task, query, candidate, relevant) judgment."""
        out = []
        for task, queries in self.tasks.items():
            for query, relevant in queries.items():
                pool = self.pool(task, query)
                out += [(task, query, c, c in relevant) for c in sorted(pool)]
        return out

    def pool(self, task: str, query: str | None = None) -> dict[str, Any]:
        """The candidates of a task (an SME is never its own partner)."""
        pool = {
            "opportunity_investors": self.investors,
            "sme_opportunities": self.opportunities,
            "sme_partners": self.smes,
        }[task]
        return {k: v for k, v in pool.items() if k != query} if task == "sme_partners" else pool

    def query(self, task: str, key: str) -> Any:
        return (self.opportunities if task == "opportunity_investors" else self.smes)[key]


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def load(path: Path = DATA_FILE) -> LabelledSet:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    investors = {
        r["key"]: InvestorFacts(
            key=r["key"],
            name=r["name"],
            country=r["country"],
            sectors=frozenset(r["sectors"]),
            instruments=frozenset(r["instruments"]),
            ticket_min_usd=_money(r["ticket"][0]),
            ticket_max_usd=_money(r["ticket"][1]),
            text=r["text"],
        )
        for r in raw.get("investors", [])
    }
    opportunities = {
        r["key"]: OpportunityFacts(
            key=r["key"],
            title=r["title"],
            country=r["country"],
            sector=r["sector"],
            instrument=r["instrument"],
            size_usd=_money(r.get("size_usd")),
            text=f"{r['title']}\n{r['text']}",
        )
        for r in raw.get("opportunities", [])
    }
    smes = {
        r["key"]: SmeFacts(
            key=r["key"],
            name=r["name"],
            country=r["country"],
            sector=r["sector"],
            size_class=r["size_class"],
            certifications=frozenset(r.get("certifications") or []),
            export_markets=frozenset(r.get("export_markets") or []),
            hs_codes=frozenset(str(code) for code in (r.get("products") or {})),
            text="\n".join([r["text"], *(r.get("products") or {}).values()]),
        )
        for r in raw.get("smes", [])
    }
    tasks = {
        name: {str(q): set(rel) for q, rel in (queries or {}).items()}
        for name, queries in (raw.get("tasks") or {}).items()
    }
    labelled = LabelledSet(investors, opportunities, smes, tasks)
    query_pools = {
        "opportunity_investors": opportunities,
        "sme_opportunities": smes,
        "sme_partners": smes,
    }
    for task, queries in tasks.items():
        if task not in query_pools:
            raise EvaluationSetError(f"Unknown task {task!r}.")
        for query, relevant in queries.items():
            if query not in query_pools[task]:
                raise EvaluationSetError(f"{task}: unknown query {query!r}.")
            pool = labelled.pool(task, query)
            unknown = relevant - pool.keys()
            if unknown:
                raise EvaluationSetError(f"{task} {query}: unknown candidates {sorted(unknown)}.")
    return labelled


class NoText:
    """A text backend that finds every text unrelated: the app's score then rests on the
    structured criteria alone (the "struct" baseline)."""

    name = "none"

    def similarities(self, query: str, documents) -> list[float]:
        return [0.0] * len(documents)


RANKERS = {
    "opportunity_investors": scoring.investors_for_opportunity,
    "sme_opportunities": scoring.opportunities_for_sme,
    "sme_partners": scoring.partners_for_sme,
}


def _ranking(labelled: LabelledSet, task: str, query: str, backend: TextBackend, mode: str):
    """Candidate keys, best first. mode "full": the app's score; "text": text similarity only;
    "struct": the app's score without its text part."""
    pool = list(labelled.pool(task, query).values())
    q = labelled.query(task, query)
    if mode == "text":
        sims = backend.similarities(q.text, [c.text for c in pool])
        order = sorted(zip(pool, sims, strict=True), key=lambda p: (-p[1], str(p[0].key)))
        return [c.key for c, _ in order]
    if mode == "struct":
        backend = NoText()
    matches = RANKERS[task](q, pool, backend=backend, limit=None)
    return [m.key for m in matches]


def metrics(rankings: list[tuple[list[str], set[str]]], k: int = K) -> dict[str, float]:
    """Mean precision@k, recall@k, MRR and ideal precision@k over the queries."""
    n = len(rankings) or 1
    p = r = rr = ideal = p1 = 0.0
    for ranked, relevant in rankings:
        p1 += 1.0 if ranked[:1] and ranked[0] in relevant else 0.0
        top = ranked[:k]
        hits = sum(1 for key in top if key in relevant)
        p += hits / k
        r += hits / len(relevant) if relevant else 0.0
        ideal += min(len(relevant), k) / k
        first = next((i for i, key in enumerate(ranked, 1) if key in relevant), None)
        rr += 1.0 / first if first else 0.0
    return {
        "p@k": p / n,
        "r@k": r / n,
        "mrr": rr / n,
        "ideal_p@k": ideal / n,
        "p@1": p1 / n,
        "queries": n,
    }


def evaluate(labelled: LabelledSet, backend: TextBackend, mode: str = "full") -> dict:
    """Metrics per task, and "all": over every query of every task."""
    rankings = {
        task: [(_ranking(labelled, task, q, backend, mode), rel) for q, rel in queries.items()]
        for task, queries in labelled.tasks.items()
    }
    result = {task: metrics(r) for task, r in rankings.items()}
    if len(rankings) > 1:
        result["all"] = metrics([r for task in rankings.values() for r in task])
    return result


def backends() -> list[TextBackend]:
    """The lexical backend, and the embedding one when installed."""
    found: list[TextBackend] = [LexicalBackend()]
    if embedding_available():
        from d8coop.matchmaking.text import EmbeddingBackend

        found.append(EmbeddingBackend())
    return found


def report(path: Path = DATA_FILE) -> str:
    labelled = load(path)
    pairs = labelled.pairs()
    lines = [
        f"Labelled set: {path.name}, {len(pairs)} pairs "
        f"({sum(1 for p in pairs if p[3])} relevant), "
        + ", ".join(f"{t}: {len(q)} queries" for t, q in labelled.tasks.items()),
        f"{'method':<10} {'score':<6} {'task':<22} {'P@5':>6} {'R@5':>6} {'MRR':>6} "
        f"{'ideal P@5':>10} {'P@1':>6}",
    ]
    for backend in backends():
        for mode in ("full", "text", "struct"):
            if mode == "struct" and backend.name != "lexical":
                continue  # the same for every backend: printed once
            for task, m in evaluate(labelled, backend, mode).items():
                lines.append(
                    f"{backend.name:<10} {mode:<6} {task:<22} {m['p@k']:6.3f} {m['r@k']:6.3f} "
                    f"{m['mrr']:6.3f} {m['ideal_p@k']:10.3f} {m['p@1']:6.3f}"
                )
    if not embedding_available():
        lines.append(
            "embedding: not installed here (make install-matching), so only lexical is reported."
        )
    lines.append(
        'score "full" is the app\'s explained score; "text" ranks by text alone; "struct" by the '
        "structured criteria alone (no text part; candidates with no criterion met are left out)."
    )
    return "\n".join(lines)
