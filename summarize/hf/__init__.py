"""One Hugging Face backend (backend.py) and its model families (seq2seq.py, causal.py).

config.py holds the settings and the factories and imports no torch; everything else is imported only
when a model is actually used.
"""
