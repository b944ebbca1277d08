"""Statistics over the results table, seeded and recorded in the signature.

- bootstrap.py: seeded bootstrap resampling and percentile intervals (child r of the seed draws resample r).
- aggregate.py: means over clusters with their intervals (`aggregate_units`), and system comparisons.
- significance.py: paired permutation and paired bootstrap tests between two systems (`compare`).
- units.py: the per-cluster values means and tests are taken over, kept compactly for runs of any size.
"""
