"""Extractive summarizers: lead, TextRank, LexRank, TF-IDF centroid, seeded random."""

from __future__ import annotations

from summarize.registry import SystemType

SYSTEM_TYPES: list[SystemType] = []
