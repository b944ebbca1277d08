"""Entailment of each text sentence by the source's sentences: SummaC-ZS (Laban et al. 2022, TACL).

Any Hugging Face NLI checkpoint (`AutoModelForSequenceClassification`: premise, hypothesis -> labels) reads
every (source sentence, text sentence) pair of a text; the entailment and contradiction label ids come from
the checkpoint's own `config.id2label`, never from a position (MNLI checkpoints disagree on the order). For
each text sentence the best-supporting source sentence is the one with the highest
P(entailment) - P(contradiction), and SummaC-ZS is the mean of those maxima over the text's sentences: in
-1..1, 1 when every sentence is entailed by some source sentence, below 0 when the best one contradicts it.
A checkpoint with no contradiction label (entailment / not_entailment) scores P(entailment) alone, and the
signature says so (`+e`).

The model loads like a seq2seq summarizer's (summarize/hf/hub.py): a folder, the hub cache with
`local_files_only`, or the hub only after a 2-second probe answered, so a model that is neither cached nor
downloadable is reported unavailable in one line within seconds. Distinct pairs of a cluster are run once
(a cluster's texts share source sentences and often text sentences); each text's result is cached on disk
(eval/tracking/score_cache.py), keyed by the model's identity, these settings and both texts' hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eval.tracking.model_scoring import Loader, short
from eval.tracking.score_cache import ScoreCache
from summarize.errors import ConfigError

# SummaC's zero-shot default (its "vitc" model), Laban et al. 2022; no NLI weights ship with sumtrack.
DEFAULT_MODEL = "tals/albert-xlarge-vitaminc-mnli"
CACHE_FORMAT = 1


@dataclass(frozen=True)
class NLIOptions:
    """tracking.nli of the config (eval/config/schema.py), as settings: plain, hashable, picklable."""

    model: str = DEFAULT_MODEL
    revision: str | None = None
    device: str = "auto"
    batch_size: int = 16
    max_length: int = 256  # tokens of one premise + hypothesis pair; longer pairs are cut (premise first)
    max_pairs: int = 50_000  # sentence pairs of one text; above it the text's score is None, with the reason
    local_files_only: bool | None = None
    trust_remote_code: bool = False
    cache: bool = True
    cache_dir: str | None = None


@dataclass
class _Loaded:
    model: Any
    tokenizer: Any
    entail: int
    contradict: int | None
    identity: str


def label_ids(id2label: dict[Any, str], model: str) -> tuple[int, int | None]:
    """The entailment and (if any) contradiction ids of a checkpoint's `id2label`; ConfigError without one."""
    found: dict[str, int] = {}
    for index, name in id2label.items():
        low = str(name).strip().lower()
        for kind in ("entail", "contradict"):
            if low.startswith(kind) and kind not in found:
                found[kind] = int(index)
    if "entail" not in found:
        names = ", ".join(f"{k}: {v}" for k, v in sorted(id2label.items(), key=lambda kv: int(kv[0])))
        raise ConfigError(
            f"NLI model {model!r}: its config's id2label ({names}) names no entailment label; "
            "expected an NLI checkpoint (labels such as entailment, neutral, contradiction)"
        )
    return found["entail"], found.get("contradict")


def _params(options: NLIOptions) -> Any:
    from summarize.hf.config import HFParams

    return HFParams(
        model=options.model,
        revision=options.revision,
        device=options.device,
        local_files_only=options.local_files_only,
        trust_remote_code=options.trust_remote_code,
    )


def _identity(options: NLIOptions) -> str:
    """What the score cache keys the model by (a content hash, hub commit), without loading weights."""
    from summarize.hf import hub

    availability = hub.check_available(_params(options))  # one line within seconds when it is not there
    return hub.identity(availability, options.revision)


def _load(options: NLIOptions) -> _Loaded:
    from summarize.hf import hub
    from summarize.hf.backend import resolve_device
    from summarize.hf.loading import ModelFiles

    params = _params(options)
    availability = hub.check_available(params)
    import transformers

    files = ModelFiles(params, availability)
    config = files.pretrained(transformers.AutoConfig)
    entail, contradict = label_ids(dict(config.id2label or {}), options.model)
    tokenizer = files.pretrained(transformers.AutoTokenizer)
    model = files.pretrained(transformers.AutoModelForSequenceClassification, config=config)
    model.to(resolve_device(options.device)).eval()
    return _Loaded(model, tokenizer, entail, contradict, hub.identity(availability, options.revision))


class NLIScorer:
    """SummaC-ZS of each text of a cluster against its source (see the module docstring)."""

    key = "nli"

    def __init__(self, options: NLIOptions) -> None:
        self.options = options
        self.label = f"NLI model {options.model!r}"
        self._loader = Loader(self.label, lambda: _load(options))
        self._identity = Loader(self.label, lambda: _identity(options))
        self._cache = ScoreCache("nli", options.cache_dir) if options.cache else None

    def signature_value(self) -> str:
        return f"{short(self.options.model)}+len{self.options.max_length}"

    def _parts(self) -> dict[str, Any]:
        o = self.options
        return {"format": CACHE_FORMAT, "model": self._identity.get(), "max_length": o.max_length}

    def score(self, source: str, texts: Sequence[str]) -> list[dict[str, Any]]:
        from eval.tracking.profile import sentences

        parts = self._parts()
        keys = [self._cache.key(parts, source, t) for t in texts] if self._cache else []
        hits = self._cache.get_many(keys) if self._cache else {}
        premises = sentences(source)
        todo = [i for i in range(len(texts)) if not keys or keys[i] not in hits]
        hypotheses = {i: sentences(texts[i]) for i in todo}
        pairs = sorted(
            {
                (p, h)
                for i in todo
                if len(premises) * len(hypotheses[i]) <= self.options.max_pairs
                for h in hypotheses[i]
                for p in premises
            }
        )
        loaded = self._loader.get() if todo else None  # all cached: no weights loaded
        probabilities = self._run(loaded, pairs) if loaded is not None else {}
        with_contradiction = loaded.contradict is not None if loaded is not None else True
        results: list[dict[str, Any]] = []
        fresh: list[tuple[str, dict[str, Any]]] = []
        for i in range(len(texts)):
            if keys and keys[i] in hits:
                results.append(hits[keys[i]])
                continue
            result = self._result(premises, hypotheses[i], probabilities, with_contradiction)
            results.append(result)
            if keys:
                fresh.append((keys[i], result))
        if self._cache is not None:
            self._cache.put_many(fresh)
        return results

    def _result(
        self,
        premises: list[str],
        hypotheses: list[str],
        probabilities: dict[tuple[str, str], tuple[float, float]],
        with_contradiction: bool,
    ) -> dict[str, Any]:
        n_pairs = len(premises) * len(hypotheses)
        base: dict[str, Any] = {"source_sentences": len(premises), "pairs": n_pairs}
        if not premises or not hypotheses:
            return base | {"summac_zs": None, "reason": "a text with no sentences", "sentences": []}
        if n_pairs > self.options.max_pairs:
            reason = f"{n_pairs:,} sentence pairs, above max_pairs {self.options.max_pairs:,}"
            return base | {"summac_zs": None, "reason": reason, "sentences": []}
        rows: list[dict[str, Any]] = []
        for t, hypothesis in enumerate(hypotheses):
            scored = [(probabilities[(p, hypothesis)], s) for s, p in enumerate(premises)]
            (entail, contradict), best = max(scored, key=lambda item: item[0][0] - item[0][1])
            rows.append(
                {
                    "text_index": t,
                    "source_index": best,
                    "score": entail - contradict,
                    "entailment": entail,
                    "contradiction": contradict if with_contradiction else None,
                }
            )
        zs = sum(r["score"] for r in rows) / len(rows)
        return base | {"summac_zs": zs, "reason": None, "sentences": rows}

    def _run(
        self, loaded: _Loaded, pairs: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[float, float]]:
        """P(entailment), P(contradiction) (0 without that label) of each pair, in batches."""
        import torch

        out: dict[tuple[str, str], tuple[float, float]] = {}
        size = self.options.batch_size
        order = sorted(pairs, key=lambda pair: len(pair[0]) + len(pair[1]))  # similar lengths: less padding
        device = loaded.model.device
        for start in range(0, len(order), size):
            batch = order[start : start + size]
            encoded = loaded.tokenizer(
                [p for p, _ in batch],
                [h for _, h in batch],
                truncation="only_first" if _fits(loaded, batch, self.options.max_length) else True,
                max_length=self.options.max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            with torch.inference_mode():
                logits = loaded.model(**encoded).logits.float()
            probs = torch.softmax(logits, dim=-1).cpu()
            for pair, row in zip(batch, probs, strict=True):
                contradict = float(row[loaded.contradict]) if loaded.contradict is not None else 0.0
                out[pair] = (float(row[loaded.entail]), contradict)
        return out


def _fits(loaded: _Loaded, batch: list[tuple[str, str]], max_length: int) -> bool:
    """Whether cutting premises alone brings every pair under max_length (else both sides are cut)."""
    longest = max(len(loaded.tokenizer(h, add_special_tokens=False)["input_ids"]) for _, h in batch)
    return longest + 8 < max_length
