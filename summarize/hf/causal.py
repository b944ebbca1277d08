"""Decoder-only LLM summarizers (Llama, Qwen2, SmolLM2, Gemma...): the causal family over the HF backend.

An instruct model gets its chat template (a user message with the prompt, an optional system message); a
base model gets a plain completion prompt, by default "{text}\\n\\nTL;DR:" (Radford et al. 2019). Prompts
are padded on the left so every row's new tokens start at the same position, only those are decoded, and
generation stops at EOS, the chat template's end-of-turn token or a `stop` string. The text, never the
prompt, is cut when prompt + text + max_new_tokens exceed the context window.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jinja2

from summarize import prompts
from summarize.errors import ConfigError
from summarize.hf import hub
from summarize.hf.backend import HFSummarizer, Prepared, context_positions, merged_generation
from summarize.hf.batch import Encoded, tidy_lines
from summarize.hf.config import CausalParams
from summarize.hf.kvcache import growing_cache

# End-of-turn tokens of common chat formats: generation stops at whichever the vocabulary has.
_END_OF_TURN = ("<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|end|>", "<|endoftext|>")
_REPORTED_GENERATION_KEYS = (*CausalParams.generation_keys, "do_sample")


class CausalSummarizer(HFSummarizer):
    """A decoder-only checkpoint (by repo id, folder, GGUF file or package) prompted to summarize."""

    auto_model = "AutoModelForCausalLM"
    family = "causal"
    params: CausalParams

    _template: str | None = None
    _template_read = False

    # -- what the cache key needs, read without loading the tokenizer --------------------------------------

    def chat_template(self) -> str | None:
        """The chat template, read from the model's files (a GGUF header, chat_template.jinja,
        tokenizer_config.json); the tokenizer is loaded only when those are not on this machine."""
        if not self._template_read:
            self._template = self._read_template()
            self._template_read = True
        return self._template

    def _read_template(self) -> str | None:
        where, revision = self.availability, self.params.revision
        if where.source == "online":
            return self._prepare().tokenizer.chat_template
        if where.gguf_file is not None:
            path = hub.local_file(where, revision, where.gguf_file)
            if path is not None:
                value = hub.gguf_metadata(path, ["tokenizer.chat_template"]).get("tokenizer.chat_template")
                return value if isinstance(value, str) and value else None
        else:
            jinja = hub.local_file(where, revision, "chat_template.jinja")
            if jinja is not None:
                return jinja.read_text(encoding="utf-8") or None
            config = hub.local_file(where, revision, "tokenizer_config.json")
            if config is not None:
                return _template_from_config(json.loads(config.read_text(encoding="utf-8")))
        return self._prepare().tokenizer.chat_template

    @property
    def chat(self) -> bool:
        mode = self.params.chat
        if mode == "auto":
            return self.chat_template() is not None
        if mode == "yes" and self.chat_template() is None:
            raise ConfigError(f"model {self.params.model!r}: chat is 'yes' but it has no chat template")
        return mode == "yes"

    @property
    def prompt(self) -> str:
        return self.params.prompt or prompts.default_prompt(self.chat)

    @property
    def template_hash(self) -> str:
        return prompts.template_hash(self.chat_template() if self.chat else None)

    def _key_facts(self) -> dict[str, Any]:
        return {"chat": self.chat, "chat_template": self.template_hash, "prompt": self.prompt}

    # -- loading ------------------------------------------------------------------------------------------

    def _check_config(self, config: Any) -> None:
        if getattr(config, "is_encoder_decoder", False):
            raise ConfigError(
                f"model {self.params.model!r} ({config.model_type}) is an encoder-decoder model: "
                "use type: seq2seq"
            )

    def _setup(self, prep: Prepared) -> None:
        p, tokenizer = self.params, prep.tokenizer
        tokenizer.padding_side = "left"  # every row's new tokens then start at the input width
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        positions = context_positions(prep.config, tokenizer)
        if not positions:
            raise ConfigError(f"model type {prep.model_type!r} declares no context window")
        self.context = min(positions)
        room = self.context - p.max_new_tokens
        if p.max_input_tokens is not None and p.max_input_tokens > room:
            raise ConfigError(
                f"max_input_tokens {p.max_input_tokens}: the context window of {self.context} tokens "
                f"leaves {room} for the input after max_new_tokens {p.max_new_tokens}"
            )
        prep.limit = p.max_input_tokens or room
        if prep.limit < 8:
            raise ConfigError(
                f"max_new_tokens {p.max_new_tokens}: the context window is only {self.context} tokens"
            )
        eos = {*_ids(prep.generation.eos_token_id), *_ids(tokenizer.eos_token_id)}
        eos |= {i for i in (_vocab_id(tokenizer, t) for t in _END_OF_TURN) if i is not None}
        settings: dict[str, Any] = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}
        settings |= {"eos_token_id": sorted(eos), "pad_token_id": tokenizer.pad_token_id}
        # A stop string no tokens can spell is never generated (transformers refuses it): the text cut
        # in _clean still applies it.
        settings |= {"stop_strings": [s for s in p.stop if _can_spell(tokenizer, s)] or None}
        self.generation = merged_generation(prep.generation, settings | p.generation_overrides())

    # -- prompts and token counts -------------------------------------------------------------------------

    def frame(self, text: str) -> str:
        """The whole input as a string: the prompt with `text` in place, in the chat template if chatting."""
        content = prompts.render(self.prompt, text)
        if not self.chat:
            return content
        messages = [{"role": "system", "content": self.params.system}] if self.params.system else []
        messages.append({"role": "user", "content": content})
        try:
            return str(
                self._prepare().tokenizer.apply_chat_template(
                    messages, chat_template=self.chat_template(), add_generation_prompt=True, tokenize=False
                )
            )
        except jinja2.TemplateError as exc:
            raise ConfigError(
                f"model {self.params.model!r}: its chat template refused the messages: {exc}"
            ) from exc

    def _ids(self, text: str) -> list[int]:
        tokenizer = self._prepare().tokenizer
        # A chat template writes its own BOS; a plain prompt gets the tokenizer's special tokens, less a
        # trailing EOS some tokenizers add (the model would take the prompt as finished).
        ids = list(tokenizer(self.frame(text), add_special_tokens=not self.chat, verbose=False)["input_ids"])
        if not self.chat and ids and ids[-1] == tokenizer.eos_token_id and len(ids) > 1:
            ids.pop()
        return ids

    def count(self, text: str) -> int:
        return len(self._ids(text))

    def encode(self, text: str, label: str) -> Encoded:
        """The prompt with as much of `text` as fits the input limit (text cut at the end)."""
        prep = self._prepare()
        full = self._ids(text)
        ids = full
        if len(full) > prep.limit:
            words = prep.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
            keep = max(0, len(words) - (len(full) - prep.limit))
            while True:
                ids = self._ids(prep.tokenizer.decode(words[:keep], skip_special_tokens=True))
                if len(ids) <= prep.limit or keep == 0:
                    break
                keep = max(0, keep - (len(ids) - prep.limit))
            if len(ids) > prep.limit:
                raise ConfigError(
                    f"{label}: the prompt alone takes {len(ids)} tokens, "
                    f"more than the input limit {prep.limit}"
                )
        return Encoded(label=label, ids=ids, total_tokens=len(full))

    def _clean(self, text: str) -> str:
        return tidy_lines(prompts.strip_artifacts(text, self.params.stop))

    def _batcher_options(self, model: Any) -> dict[str, Any]:
        stops = {"tokenizer": self._prepare().tokenizer} if self.generation.stop_strings else {}
        # A cache that grows in place, not by copying itself every step (hf/kvcache.py), where the model
        # and its generation config leave the cache to transformers' default.
        fits = self.generation.cache_implementation is None and growing_cache(model) is not None
        return {
            "generation": self.generation,
            "decoder_only": True,
            "clean": self._clean,
            "generate_kwargs": stops,
            "new_cache": functools.partial(growing_cache, model) if fits else None,
        }

    def family_settings(self) -> dict[str, Any]:
        generation = self.generation.to_dict()
        return {
            "context_window": self.context,
            "chat": self.chat,
            "prompt": self.prompt,
            "system": self.params.system,
            "chat_template": self.template_hash,
            "stop": list(self.params.stop),
            "generation": {
                k: generation[k] for k in _REPORTED_GENERATION_KEYS if generation.get(k) is not None
            },
        }


def _ids(value: int | list[int] | None) -> list[int]:
    if value is None:
        return []
    return [value] if isinstance(value, int) else list(value)


def _vocab_id(tokenizer: Any, token: str) -> int | None:
    found = tokenizer.convert_tokens_to_ids(token)
    return found if isinstance(found, int) and found != tokenizer.unk_token_id and found >= 0 else None


def _can_spell(tokenizer: Any, stop: str) -> bool:
    """Whether some tokens of the vocabulary can spell `stop`."""
    from transformers import StopStringCriteria

    try:
        StopStringCriteria(tokenizer, [stop])
    except ValueError:
        return False
    return True


def _template_from_config(config: dict[str, Any]) -> str | None:
    """tokenizer_config.json's chat_template: a string, or a list of named templates ("default" is used)."""
    value = config.get("chat_template")
    if isinstance(value, list):
        named = {t.get("name"): t.get("template") for t in value if isinstance(t, dict)}
        value = named.get("default")
    return value if isinstance(value, str) and value else None
