"""An LLM judge, G-Eval style (Liu et al. 2023, "G-Eval: NLG Evaluation using GPT-4 with Better Human
Alignment", EMNLP): a model rates each text against its source on a 1-5 scale, one dimension at a time.

Each dimension (consistency by default; relevance, coherence, fluency) has a rubric prompt: the criterion,
the evaluation steps and the source and text, ending with a request for one number. The score is G-Eval's
probability-weighted mean over the score tokens, sum_k k p(k) / sum_k p(k) for k = 1..5, wherever the
model's log-probabilities are known: a local causal model's next-token distribution after the prompt, or
an OpenAI-compatible server's `logprobs`/`top_logprobs` at the first score token of its reply. Where they
are not (a server that ignores `logprobs`, such as `transformers serve` today) the score is the first
integer 1-5 of the reply. Each result records which (`method`: logprobs or parsed), and for logprobs the
probability mass the score tokens held (`mass`: a low one means the model meant to say something else).

The judge is a system of the config's kinds: `causal` (summarize/hf/likelihood.py loads it as the causal
summarizer does) or `openai` (summarize/remote_http.py's Endpoint, retried on 429, 5xx and dropped
connections with the system's own max_retries, backoff and max_retry_seconds, as generation is). Every
rating is cached on disk (eval/tracking/score_cache.py) as it arrives, keyed by the judge's identity, the
dimension's prompt and both texts' hashes: a rerun, even with the server stopped, sends nothing.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from eval.tracking.model_scoring import Loader, short
from eval.tracking.score_cache import ScoreCache
from summarize.errors import ConfigError, SumtrackError

Dimension = Literal["consistency", "relevance", "coherence", "fluency"]
DIMENSIONS: tuple[Dimension, ...] = ("consistency", "relevance", "coherence", "fluency")
SCORES = (1, 2, 3, 4, 5)
CACHE_FORMAT = 1
REPLY_TOKENS = 8  # a number, perhaps after "Score:"; the judge is asked for the number alone
_FIRST_SCORE = re.compile(r"(?<![\d.])([1-5])(?!\d|\.\d)")
_SLOTS = re.compile(r"\{source\}|\{text\}")
_SCALE = re.compile(r"\(?\b1\s*(?:-|to)\s*5\b\)?")  # "(1-5)", "1 to 5": the scale echoed, not a score

_FRAME = (
    "You will be given a source document and a text written from it. Your task is to rate the text on "
    "one metric. Read these instructions carefully and refer back to them as needed.\n\n"
    "Evaluation criterion:\n\n{criterion}\n\nEvaluation steps:\n\n{steps}\n\n"
    "Source document:\n\n{source}\n\nText:\n\n{text}\n\n"
    "Answer with one number from 1 to 5 and nothing else.\n{name} (1-5):"
)
# Criteria and steps after G-Eval's SummEval prompts (Liu et al. 2023), which follow SummEval's definitions
# (Fabbri et al. 2021).
_RUBRICS: dict[str, tuple[str, str]] = {
    "consistency": (
        "Consistency (1-5): the factual alignment between the text and the source. A factually consistent "
        "text contains only statements entailed by the source. Penalize texts that contain hallucinated "
        "facts: names, places, numbers, dates or events the source does not state, or that contradict it.",
        "1. Read the source carefully and identify the main facts and details it presents.\n"
        "2. Read the text and compare it to the source. Check whether the text contains any factual errors "
        "that are not supported by the source.\n"
        "3. Assign a score for consistency from 1 (many unsupported or contradicted facts) to 5 (every "
        "statement supported by the source).",
    ),
    "relevance": (
        "Relevance (1-5): selection of important content from the source. The text should include only "
        "important information from the source. Penalize texts with redundancies and excess information.",
        "1. Read the text and the source carefully.\n"
        "2. Compare the text to the source and identify the main points of the source.\n"
        "3. Assess how well the text covers the main points of the source, and how much irrelevant or "
        "redundant information it contains.\n"
        "4. Assign a relevance score from 1 to 5.",
    ),
    "coherence": (
        "Coherence (1-5): the collective quality of all sentences. The text should be well-structured and "
        "well-organized, building from sentence to sentence to a coherent body of information about a "
        "topic, not a heap of related information.",
        "1. Read the source carefully and identify the main topic and key points.\n"
        "2. Read the text and compare it to the source. Check if the text covers the main topic and key "
        "points of the source, and if it presents them in a clear and logical order.\n"
        "3. Assign a score for coherence from 1 (lowest) to 5 (highest).",
    ),
    "fluency": (
        "Fluency (1-5): the quality of the text in terms of grammar, spelling, punctuation, word choice and "
        "sentence structure.",
        "1. Read the text and note errors of grammar, spelling, punctuation and word choice, and sentences "
        "that are hard to read.\n"
        "2. Assign a fluency score from 1 (many errors, hard to understand) to 5 (no errors, reads well).",
    ),
}


def default_prompt(dimension: str) -> str:
    """The rubric prompt of `dimension`, with {source} and {text} placeholders."""
    criterion, steps = _RUBRICS[dimension]
    return (
        _FRAME.replace("{criterion}", criterion)
        .replace("{steps}", steps)
        .replace("{name}", dimension.capitalize())
    )


def render(prompt: str, source: str, text: str) -> str:
    # One pass, not str.format or two replaces: braces in the source (even "{text}") stay as written.
    values = {"{source}": source, "{text}": text}
    return _SLOTS.sub(lambda found: values[found.group()], prompt)


@dataclass(frozen=True)
class JudgeOptions:
    """tracking.judge of the config, as settings; `params` is the system's validated settings."""

    system: str  # the system's name, for messages
    type: Literal["causal", "openai"]
    params: Any  # summarize.hf.config.CausalParams or summarize.remote_config.OpenAIParams (frozen)
    dimensions: tuple[str, ...] = ("consistency",)  # of DIMENSIONS, checked by the config
    prompts: tuple[tuple[str, str], ...] = ()  # (dimension, prompt) replacing the default rubric
    max_source_words: int = 1000  # the source's first words shown to the judge; each rating records them
    top_logprobs: int = 20  # asked of an openai server
    cache: bool = True
    cache_dir: str | None = None

    def prompt(self, dimension: str) -> str:
        return dict(self.prompts).get(dimension) or default_prompt(dimension)


def weighted_score(logprobs: dict[int, float]) -> tuple[float | None, float]:
    """G-Eval's sum_k k p(k) / sum_k p(k) from the score tokens' log-probabilities; and sum_k p(k)."""
    probs = {k: math.exp(v) for k, v in logprobs.items() if k in SCORES and v > -math.inf}
    mass = math.fsum(probs.values())
    if mass <= 0:
        return None, 0.0
    return math.fsum(k * p for k, p in probs.items()) / mass, mass


def parsed_score(reply: str) -> int | None:
    """The first integer 1-5 of a reply ("Score: 4", "4/5", "4."), or None."""
    found = _FIRST_SCORE.search(_SCALE.sub(" ", reply))
    return int(found.group(1)) if found else None


def _rating(reply: str, logprobs: dict[int, float] | None, words_seen: int) -> dict[str, Any]:
    base = {"reply": reply[:200], "source_words_seen": words_seen}
    if logprobs:
        score, mass = weighted_score(logprobs)
        if score is not None:
            return base | {"score": score, "method": "logprobs", "mass": mass}
    value = parsed_score(reply)
    if value is not None:
        return base | {"score": float(value), "method": "parsed", "mass": None}
    return base | {"score": None, "method": None, "mass": None}


class JudgeScorer:
    """Ratings of each text of a cluster on each dimension (see the module docstring)."""

    key = "judge"

    def __init__(self, options: JudgeOptions) -> None:
        self.options = options
        self.label = f"judge {options.system!r}"
        self._backend: _Local | _Remote = (
            _Local(options, self.label) if options.type == "causal" else _Remote(options, self.label)
        )
        self._cache = ScoreCache("judge", options.cache_dir) if options.cache else None

    def signature_value(self) -> str:
        o = self.options
        custom = "+custom" if o.prompts else ""
        return f"{o.type}={short(o.params.model)}+{'/'.join(o.dimensions)}{custom}"

    def score(self, source: str, texts: Sequence[str]) -> list[dict[str, Any]]:
        o = self.options
        source_words = source.split()
        seen = min(len(source_words), o.max_source_words)
        identity = self._backend.identity()
        jobs: list[tuple[int, str]] = [(i, d) for i in range(len(texts)) for d in o.dimensions]
        keys = {}
        for i, d in jobs:
            parts = {"format": CACHE_FORMAT, "judge": identity, "dimension": d, "prompt": o.prompt(d)}
            parts |= {"max_source_words": o.max_source_words, "settings": self._backend.settings()}
            keys[(i, d)] = self._cache.key(parts, source, texts[i]) if self._cache else f"{i}|{d}"
        hits = self._cache.get_many(list(keys.values())) if self._cache else {}
        todo = [(i, d) for i, d in jobs if keys[(i, d)] not in hits]

        def prompt(job: tuple[int, str], words: int) -> str:
            i, d = job
            return render(o.prompt(d), " ".join(source_words[:words]), " ".join(texts[i].split()))

        def store(job: tuple[int, str], rating: dict[str, Any]) -> None:
            hits[keys[job]] = rating
            if self._cache is not None:
                self._cache.put_many([(keys[job], rating)])  # as it arrives: a failure loses no rating

        self._backend.rate(todo, prompt, seen, store)
        return [{d: hits[keys[(i, d)]] for d in o.dimensions} for i in range(len(texts))]


Prompt = Callable[[tuple[int, str], int], str]  # (text index, dimension), source words shown -> prompt
Store = Callable[[tuple[int, str], dict[str, Any]], None]


class _Local:
    """A causal model on this machine: the next-token distribution after the prompt."""

    def __init__(self, options: JudgeOptions, label: str) -> None:
        self.options = options
        self._lm = Loader(label, self._load)
        self._identity = Loader(label, self._find)

    def _find(self) -> str:
        from summarize.hf import hub

        return hub.identity(hub.check_available(self.options.params), self.options.params.revision)

    def _load(self) -> Any:
        from summarize.hf.likelihood import load_causal_lm

        p = self.options.params
        return load_causal_lm(
            p.model, device=p.device, dtype=p.dtype, revision=p.revision, gguf_file=p.gguf_file,
            cache_dir=p.cache_dir, local_files_only=p.local_files_only, trust_remote_code=p.trust_remote_code,
        )  # fmt: skip

    def identity(self) -> str:
        return str(self._identity.get())

    def settings(self) -> dict[str, Any]:
        p = self.options.params
        return {"chat": p.chat, "system": p.system, "dtype": p.dtype}

    def _framed(self, lm: Any, prompt: str) -> str:
        p, tokenizer = self.options.params, lm.tokenizer
        if p.chat == "no" or (p.chat == "auto" and not getattr(tokenizer, "chat_template", None)):
            return prompt
        if p.chat == "yes" and not getattr(tokenizer, "chat_template", None):
            raise ConfigError(
                f"judge {self.options.system!r}: chat: yes, but the tokenizer has no chat template"
            )
        system = [{"role": "system", "content": p.system}] if p.system else []
        text = tokenizer.apply_chat_template(
            [*system, {"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True
        )
        bos = tokenizer.bos_token
        # encode_prefix starts every sequence with the BOS token itself.
        return text[len(bos) :] if bos and text.startswith(bos) else text

    def _score_ids(self, lm: Any) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {}
        for k in SCORES:
            ids = {lm.tokenize(form)[0][0] for form in (str(k), f" {k}") if len(lm.tokenize(form)[0]) == 1}
            found[k] = sorted(ids)
        return found

    def rate(self, todo: list[tuple[int, str]], prompt: Prompt, seen: int, store: Store) -> None:
        if not todo:
            return
        from summarize.hf.likelihood import ContextWindowError

        lm = self._lm.get()
        score_ids = self._score_ids(lm)
        for job in todo:
            words = seen
            while True:
                try:
                    prefix = lm.encode_prefix(self._framed(lm, prompt(job, words)))
                    break
                except ContextWindowError as exc:
                    if words == 0:
                        raise SumtrackError(
                            f"judge {self.options.system!r}: the {job[1]} prompt with the text and no source "
                            f"is too long for the model ({exc})"
                        ) from None
                    words //= 2  # too long for the context window: show the judge less of the source
            logprobs = {}
            for k, ids in score_ids.items():
                p = math.fsum(math.exp(float(prefix.next_logprobs[i])) for i in ids)
                if p > 0:
                    logprobs[k] = math.log(p)
            best = max(logprobs, key=lambda k: logprobs[k]) if logprobs else None
            store(job, _rating(str(best) if best is not None else "", logprobs, words))


class _Remote:
    """An OpenAI-compatible server: one chat request per rating, `concurrency` in flight, retried."""

    def __init__(self, options: JudgeOptions, label: str) -> None:
        from summarize.remote import RetryBudget
        from summarize.remote_http import Endpoint

        p = options.params
        api_key = None
        if p.api_key_env is not None:
            api_key = os.environ.get(p.api_key_env)
            if not api_key:
                raise ConfigError(f"api_key_env {p.api_key_env!r}: that environment variable is not set")
        self.options = options
        self.endpoint = Endpoint(p, api_key)
        self._budget = RetryBudget(p.max_retry_seconds)
        self._rng = random.Random(p.seed)
        self._lock = threading.Lock()
        self._probed = False

    def identity(self) -> str:
        p = self.options.params
        return f"{p.base_url}|{p.model}"

    def settings(self) -> dict[str, Any]:
        p = self.options.params
        return {"system": p.system, "top_logprobs": self.options.top_logprobs, "seed": p.seed}

    def body(self, prompt: str) -> bytes:
        p = self.options.params
        system = [{"role": "system", "content": p.system}] if p.system else []
        body: dict[str, Any] = {
            "model": p.model,
            "messages": [*system, {"role": "user", "content": prompt}],
            "max_tokens": REPLY_TOKENS,
            "temperature": 0.0,
            "logprobs": True,
            "top_logprobs": self.options.top_logprobs,
            "stream": False,
        }
        if p.seed is not None:
            body["seed"] = p.seed
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    def rate(self, todo: list[tuple[int, str]], prompt: Prompt, seen: int, store: Store) -> None:
        if not todo:
            return
        if not self._probed:
            self.endpoint.probe()  # a server that is not there fails within connect_timeout
            self._probed = True
        workers = min(self.options.params.concurrency, len(todo))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sumtrack-judge") as pool:
            answers = pool.map(lambda job: (job, self._request(self.body(prompt(job, seen)))), todo)
            for job, answer in answers:
                reply, logprobs = read_answer(answer)
                store(job, _rating(reply, logprobs, seen))

    def _request(self, body: bytes) -> dict[str, Any]:
        """One request, retried as generation's are (summarize/remote.py)."""
        from summarize.remote import MAX_BACKOFF
        from summarize.remote_http import RequestError, Retryable

        p, attempt = self.options.params, 0
        while True:
            try:
                return self.endpoint.post(body)
            except Retryable as exc:
                if attempt >= p.max_retries:
                    raise RequestError(
                        f"judge: {self.endpoint.url}: {exc} (gave up after {attempt + 1} attempts)"
                    ) from None
                step = min(MAX_BACKOFF, p.backoff_seconds * 2**attempt)
                with self._lock:
                    wait = step / 2 + self._rng.uniform(0, step / 2)
                wait = exc.retry_after if exc.retry_after is not None else wait
                if not self._budget.take(wait):
                    raise RequestError(
                        f"judge: {self.endpoint.url}: {exc}; waiting {wait:.1f} s more would pass "
                        f"max_retry_seconds {p.max_retry_seconds:g}"
                    ) from None
                time.sleep(wait)
                attempt += 1


def read_answer(answer: dict[str, Any]) -> tuple[str, dict[int, float] | None]:
    """The reply's text and, where the server sent them, the score tokens' log-probabilities at the first
    position whose token is a score (OpenAI's choices[0].logprobs.content[j].top_logprobs)."""
    try:
        choice = answer["choices"][0]
        reply = choice["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        raise SumtrackError(
            f"judge: the server's reply has no choices[0].message.content: {answer!r:.200}"
        ) from None
    content = ((choice.get("logprobs") or {}).get("content")) or []
    for position in content:
        if str(position.get("token", "")).strip() not in {str(k) for k in SCORES}:
            continue
        found: dict[int, float] = {}
        for entry in position.get("top_logprobs") or [
            {"token": position["token"], "logprob": position["logprob"]}
        ]:
            token = str(entry.get("token", "")).strip()
            if token in {str(k) for k in SCORES}:
                k = int(token)
                found[k] = (
                    float(math.log(math.exp(found[k]) + math.exp(entry["logprob"])))
                    if k in found
                    else float(entry["logprob"])
                )
        return reply, found or None
    return reply, None
