"""Everything that turns text into text: corpus loading, cleaning, sentence splitting, summarizers."""

__version__ = "0.1.0"
