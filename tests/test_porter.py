"""eval.rouge.porter.PorterStemmer equals NLTK's PorterStemmer in both modes rouge-score and we use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.stem import porter

from eval.rouge.porter import PorterStemmer

MODES = {"nltk": porter.PorterStemmer.NLTK_EXTENSIONS, "original": porter.PorterStemmer.ORIGINAL_ALGORITHM}
NLTK = {mode: porter.PorterStemmer(name).stem for mode, name in MODES.items()}
OURS = {mode: PorterStemmer(mode).stem for mode in MODES}  # type: ignore[arg-type]
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

# Porter's suffixes and the letters its conditions look at (vowels, y, double consonants, w/x/y, s/t/l/z).
SUFFIXES = [
    "ational", "tional", "enci", "anci", "izer", "bli", "abli", "alli", "entli", "eli", "ousli", "ization",
    "ation", "ator", "alism", "iveness", "fulness", "ousness", "aliti", "iviti", "biliti", "fulli", "logi",
    "icate", "ative", "alize", "iciti", "ical", "ful", "ness", "al", "ance", "ence", "er", "ic", "able",
    "ible", "ant", "ement", "ment", "ent", "sion", "tion", "ion", "ou", "ism", "ate", "iti", "ous", "ive",
    "ize", "e", "ll", "ed", "ing", "eed", "ied", "ies", "sses", "ss", "s", "y", "at", "bl", "iz", "yy",
]  # fmt: skip
words = st.builds(
    lambda stem, ends: stem + "".join(ends),
    st.text(alphabet="abcdeilnostuwxyz0", max_size=6),
    st.lists(st.sampled_from(SUFFIXES), max_size=3),
)


@settings(max_examples=5000, deadline=None)
@given(word=words, mode=st.sampled_from(list(MODES)))
def test_equal_to_nltk_on_generated_words(word, mode):
    assert OURS[mode](word) == NLTK[mode](word)


@pytest.mark.parametrize("mode", list(MODES))
def test_equal_to_nltk_on_the_seed_words(mode):
    if not SEEDS.is_dir():
        pytest.skip(f"seed corpus not found at {SEEDS}")
    found = {w for p in SEEDS.glob("*.txt") for w in re.findall(r"[a-z0-9]+", p.read_text("utf-8").lower())}
    assert len(found) > 1000
    assert [OURS[mode](w) for w in sorted(found)] == [NLTK[mode](w) for w in sorted(found)]


def test_other_characters_go_to_nltk():
    for word in ("Running", "naïve", "caresses", "sky", "skies", "a", "", "ﬁne"):
        assert OURS["nltk"](word) == NLTK["nltk"](word)
        assert OURS["original"](word) == NLTK["original"](word)
