"""The ROUGE engine; rouge-score 0.1.2 is the reference implementation, and the numbers equal it bit for bit.

- `Scorer` (scorer.py): keyword-only `score(target=..., prediction=...)`, `score_pairs` for batches.
- tokens.py: the tokenizers (rouge-score's default, a Unicode one) and the stemmed token memo.
- porter.py: Porter stemming equal to nltk's, without importing nltk.
- lcs.py, scan.py, batch.py, kernels.py: LCS and n-gram counting, compiled with numba for batches.
- unicode.py: the Unicode tokenizer as a rouge-score `Tokenizer`, for rouge-score itself.
"""

from eval.rouge.scorer import Score, Scorer, package_version

__all__ = ["Score", "Scorer", "package_version"]
