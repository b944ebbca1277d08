"""Running a config end to end; never prints (the CLI does).

- runner.py: `Runner(loaded).run()`: read and clean the corpus, summarize with every system, score, resume.
- scoring.py: one cluster's rows: ROUGE against source, derivatives and references, tracking, matrices.
- cluster_work.py: per-cluster work handed to the engines, and the fingerprint a resumed run checks.
- execution.py: where that work runs: this process, worker processes on this machine, or Ray tasks.
- store.py: the resume store, one line per finished cluster.
"""
