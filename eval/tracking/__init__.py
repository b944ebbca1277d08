"""How a text tracks its source: the measure registry and every measure behind it.

- `track(source, text, scorer=...)` (profile.py): a text's `TrackingProfile` against its source: copied
  fragments (coverage, density, longest copy), novel n-grams, semantic similarity, alignment.
- measures.py: the measure registry (`Measure`, `register`, `get`, `all_measures`): each measure declared
  once with its label, direction, format and citation; tables and reports iterate over it.
- alignment.py: each text sentence's best source sentence, and the order they come in.
- semantic.py: sentence embeddings (all-MiniLM-L6-v2 by default) and their cache.
- matrices.py: pairwise ROUGE-2 and semantic matrices of a cluster's texts.
"""

from eval.tracking.measures import Measure, all_measures, get, headline_measures, register
from eval.tracking.profile import TrackingProfile, track

__all__ = ["Measure", "TrackingProfile", "all_measures", "get", "headline_measures", "register", "track"]
