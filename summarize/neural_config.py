"""Settings of the Hugging Face seq2seq summarizer, importable without torch.

The heavy code lives in summarize/neural.py and is imported only by the factory.
"""

from __future__ import annotations

from summarize.registry import SystemType

SYSTEM_TYPES: list[SystemType] = []
