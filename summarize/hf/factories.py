"""The factories of the `seq2seq` and `causal` system types, named by string in summarize/hf/config.py.

Each checks that the model can be had first (summarize.hf.hub: cached, a local folder, or a reachable hub),
which takes seconds, and only then imports torch and its family module: an unreachable model is one line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from summarize.base import Summarizer
    from summarize.hf.config import CausalParams, Seq2SeqParams


def create_seq2seq(name: str, params: Seq2SeqParams) -> Summarizer:
    from summarize.hf import hub

    availability = hub.check_available(params)
    from summarize.hf.seq2seq import Seq2SeqSummarizer

    return Seq2SeqSummarizer(name, params, availability)


def create_causal(name: str, params: CausalParams) -> Summarizer:
    from summarize.hf import hub

    availability = hub.check_available(params)
    from summarize.hf.causal import CausalSummarizer

    return CausalSummarizer(name, params, availability)
