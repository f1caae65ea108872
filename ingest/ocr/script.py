"""Choosing the Tesseract models for a page by the script it is written in.

Tesseract 5.3 reading with `chi_sim+eng` often takes a Chinese line for Latin
letters (`北京 XX 有限公司` came out as `JGR XX APRA`), while `chi_sim` alone
reads it right. On English pages the combined models read better than `chi_sim`
alone. When the configured languages include a Chinese model and others, a page is
therefore read with the models the document's pages so far suggest. It is read
again with the other choice when its words are mostly of the other script.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Iterable

# Models trained on Chinese text, which also read the Latin letters and digits of a Chinese page.
HAN_MODELS = ("chi_sim", "chi_tra", "chi_sim_vert", "chi_tra_vert")
# A page is Chinese when at least this share of its letters are ideographs. A Chinese contract with
# product codes and English terms stays far above it; an English page read with chi_sim alone has
# almost no ideographs. One ideograph carries about as much text as a short English word, so a
# bilingual page with as much English as Chinese text lands near 0.2 and is read as English.
MIN_HAN_SHARE = 0.3
# Fewer letters than this are too few to tell the script (a page with a stamp and a date).
MIN_LETTERS = 20

HAN_PATTERN = "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]"
LATIN_PATTERN = "[A-Za-z]"
_HAN = re.compile(HAN_PATTERN)
_LATIN = re.compile(LATIN_PATTERN)


@dataclass(frozen=True, slots=True)
class LanguagePlan:
    """The two readings a page may get: a Chinese model alone, or every configured model."""

    han: str
    full: str


def language_plan(languages: str) -> LanguagePlan | None:
    """Return the plan for a `+`-joined language list, or None when there is only one kind of model."""
    names = [name for name in languages.split("+") if name]
    han = [name for name in names if name in HAN_MODELS]
    if not han or len(han) == len(names):
        return None
    return LanguagePlan(han="+".join(han), full=languages)


def han_share(texts: Iterable[str]) -> float | None:
    """Return the share of ideographs among the letters of the texts, None when there are too few letters."""
    han = latin = 0
    for text in texts:
        han += len(_HAN.findall(text))
        latin += len(_LATIN.findall(text))
    letters = han + latin
    if letters < MIN_LETTERS:
        return None
    return han / letters


class ScriptGuess:
    """The script of a document's most recently read page, shared by the threads reading its pages.

    It starts as Chinese, so the first pages of an English document are read twice. Every
    later page starts with the models the previous result called for.
    """

    def __init__(self, han: bool = True) -> None:
        self._han = han
        self._lock = threading.Lock()

    @property
    def han(self) -> bool:
        with self._lock:
            return self._han

    def update(self, han: bool) -> None:
        with self._lock:
            self._han = han
