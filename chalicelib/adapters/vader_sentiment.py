"""VaderSentiment: a comment's polarity from VADER's lexicon (`vaderSentiment`, MIT, offline, ~0.6 MB).

The analyser (lexicon and emoji tables, ~10 ms to load) is built on the first comment, never at import: only the
route that records an answer pays for it. The `compound` score runs from −1 to 1; on short product-review text it
agrees with people about as often as a weighted F1 of 0.61, so it is a rough signal and never a trigger.
"""
from __future__ import annotations

from typing import Any


class VaderSentiment:
    def __init__(self) -> None:
        self._analyser: Any = None

    def polarity(self, text: str) -> float:
        if self._analyser is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]
            self._analyser = SentimentIntensityAnalyzer()
        return float(self._analyser.polarity_scores(text)["compound"])
