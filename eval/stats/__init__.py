"""Statistics over the results table, seeded and recorded in the signature.

- bootstrap.py: seeded bootstrap resampling and percentile intervals (child r of the seed draws resample r).
- aggregate.py: means over clusters with their intervals (`aggregate_units`), and system comparisons.
- significance.py: paired permutation and paired bootstrap tests between two systems (`compare`).
- units.py: the per-cluster values means and tests are taken over, kept compactly for runs of any size.
- meta.py: meta-evaluation against human judgments (issue 19): correlations at the summary, system and
  global levels with seeded bootstrap intervals and permutation tests (Deutsch, Dror & Roth 2021);
  correlation.py (Kendall, Spearman, Pearson, vectorised, weighted), kendall_kernel.py (compiled),
  judgments.py (reading judgment files), meta_values.py (each text's measures beside its judgments),
  agreement.py (Krippendorff's alpha).
"""
