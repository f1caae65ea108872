"""Cite a stored clause by its full number path, the way lawyers write a reference to it.

A clause row stores only its own printed number ("2.", "（一）", "3.2"), so a sub-item's number
alone points at the wrong article. The path is read from the clause's ancestors (parent_id, or
the nearest preceding clause of a lower level where parent_id is missing) and written out:

- in Chinese: 第八条第2项, 第七条第（一）项, 第3.2条, 第二部分（通用合同条款）第6.2条, 附件2第三条;
- in English: Article 8(2) for a Chinese contract, Section 5(b)(iii) or Article 5(a) for an
  English one, with "of Part 3" or "of Exhibit B" for a clause inside a part or an annex.

Chinese output keeps the document's own numerals (第八条 for 八、). English output uses Arabic
numerals, because a reader of English does not read 八.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from archive.models import Clause
from archive.numerals import CHINESE_DIGITS, CHINESE_UNITS, chinese_numeral_value, roman_value

_ZH_NUMERAL = "[" + "".join(CHINESE_DIGITS) + "".join(CHINESE_UNITS) + "]+"
_CJK = re.compile(r"[\u4e00-\u9fff]")

# Patterns for the stored number of a clause, tried in order. Each names the unit the number
# stands for: a container (part, chapter, annex), an article, or an item below an article.
_NUMBER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("part", re.compile(rf"^第\s*(?P<n>{_ZH_NUMERAL}|\d+)\s*(?:部分|编)$")),
    ("chapter", re.compile(rf"^第\s*(?P<n>{_ZH_NUMERAL}|\d+)\s*[章节]$")),
    ("article", re.compile(rf"^第\s*(?P<n>{_ZH_NUMERAL}|\d+)\s*条$")),
    ("annex", re.compile(r"^(?P<word>附件|附表|附录)\s*(?P<n>[0-9A-Za-z一二三四五六七八九十]*)$")),
    ("part", re.compile(r"^(?:PART|Part)\s+(?P<n>[IVXLC]+|\d+)\.?$")),
    ("chapter", re.compile(r"^(?:CHAPTER|Chapter)\s+(?P<n>[IVXLC]+|\d+)\.?$")),
    ("article", re.compile(r"^(?P<word>ARTICLE|Article)\s+(?P<n>[IVXLC]+|\d+(?:\.\d+)*)\.?$")),
    ("article", re.compile(r"^(?P<word>SECTION|Section|CLAUSE|Clause)\s+(?P<n>\d+(?:\.\d+)*)\.?$")),
    ("annex", re.compile(
        r"^(?P<word>EXHIBIT|Exhibit|SCHEDULE|Schedule|APPENDIX|Appendix|ANNEX|Annex|ATTACHMENT|Attachment)"
        r"\s*(?P<n>[0-9A-Za-z\-]*)$")),
    ("enum", re.compile(rf"^(?P<n>{_ZH_NUMERAL})\s*[、.．]$")),
    ("dotted", re.compile(r"^(?P<n>\d{1,3}(?:[.．]\d{1,3})+)[.．]?$")),
    ("arabic", re.compile(r"^(?P<n>\d{1,3})\s*[.．、)）]?$")),
    ("paren", re.compile(r"^[(（]\s*(?P<n>[0-9A-Za-z]{1,5}|" + _ZH_NUMERAL + r")\s*[)）]$")),
    ("circled", re.compile(r"^(?P<n>[①-⑳])$")),
    ("letter", re.compile(r"^(?P<n>[A-Za-z]|[ivx]{1,5})[.)]$")),
)

# Units that can hold an article. A chapter is left out of a citation that names an article,
# because articles are numbered through the whole contract.
_CONTAINERS = ("part", "annex")
_ARTICLE_STYLES = ("article", "enum", "dotted", "arabic")


@dataclass(frozen=True)
class NumberPart:
    """One clause number of a citation path, read from its printed form."""

    unit: str  # part, chapter, annex, article, enum, dotted, arabic, paren, circled, letter
    label: str  # the number as printed without its punctuation: 八, 3.2, （一）, a
    value: str  # the number in Arabic digits (or Latin letters) for English output
    word: str = ""  # the document's own word for an article or annex: Section, Exhibit, 附件
    heading: str = ""  # the heading of a part (通用合同条款), printed with its number


def read_number(number: str | None, heading: str | None = None) -> NumberPart | None:
    """Return the unit and label of a stored clause number, or None when it is no clause number."""
    printed = (number or "").strip()
    if not printed:
        return None
    for unit, pattern in _NUMBER_PATTERNS:
        found = pattern.match(printed)
        if found is None:
            continue
        raw = found["n"]
        word = found.groupdict().get("word") or ""
        if unit == "paren":
            label = printed.replace(" ", "")
        elif unit == "dotted":
            label = raw.replace("．", ".")
        else:
            label = raw
        return NumberPart(unit=unit, label=label, value=_arabic(raw, unit), word=word,
                          heading=(heading or "").strip() if unit == "part" else "")
    return None


def _arabic(raw: str, unit: str) -> str:
    if unit == "circled":
        return str(ord(raw) - ord("①") + 1)
    if unit == "dotted":
        return raw.replace("．", ".")
    if raw.isdigit() or re.fullmatch(r"\d+(?:\.\d+)*", raw):
        return raw
    value = chinese_numeral_value(raw)
    if value is not None:
        return str(value)
    if unit in ("part", "chapter") or (unit == "article" and raw.isupper()):
        roman = roman_value(raw)
        if roman is not None:
            return str(roman)
    return raw


def ancestors(clause: Clause, clauses: Sequence[Clause]) -> list[Clause]:
    """Return the clauses that contain `clause`, outermost first.

    `clauses` are the clauses of the clause's version. A clause without parent_id but with a
    level above 0 belongs to the nearest preceding clause of a lower level.
    """
    by_id = {c.id: c for c in clauses}
    ordered = sorted(clauses, key=lambda c: c.ordinal)
    chain: list[Clause] = []
    current: Clause | None = clause
    seen = {clause.id}
    while current is not None:
        parent: Clause | None = None
        if current.parent_id is not None:
            parent = by_id.get(current.parent_id)
        elif current.level > 0:
            parent = next((c for c in reversed(ordered)
                           if c.ordinal < current.ordinal and c.level < current.level), None)
        if parent is None or parent.id in seen:
            break
        seen.add(parent.id)
        chain.append(parent)
        current = parent
    chain.reverse()
    return chain


@dataclass(frozen=True)
class CitationPath:
    """The parts of a clause's citation: the part or annex it is in, its article and its items."""

    containers: tuple[NumberPart, ...]
    article: NumberPart | None
    items: tuple[NumberPart, ...]
    english_document: bool

    @property
    def empty(self) -> bool:
        return self.article is None and not self.items and not self.containers


def citation_path(clause: Clause, clauses: Sequence[Clause]) -> CitationPath:
    """Return the number path of `clause` within its version's `clauses`."""
    chain = [*ancestors(clause, clauses), clause]
    containers: list[NumberPart] = []
    article: NumberPart | None = None
    items: list[NumberPart] = []
    for row in chain:
        part = read_number(row.number, row.heading)
        if part is None:
            continue
        if part.unit in _CONTAINERS:
            # A part or annex opens a new numbering: what came before it does not count.
            containers.append(part)
            article, items = None, []
        elif part.unit == "chapter":
            if article is None and not items:
                containers.append(part)
        elif article is None and not items and part.unit in _ARTICLE_STYLES:
            article = part
        elif article is not None and not items and part.unit == "dotted" and _extends(article, part):
            # 6.2 under 第6条, and 6.2.1 under 6.2, carry the whole path in their own number.
            article = part
        else:
            items.append(part)
    if article is not None or items:
        # A chapter does not belong in a citation that names an article or an item.
        containers = [c for c in containers if c.unit != "chapter"]
    return CitationPath(containers=tuple(containers), article=article, items=tuple(items),
                        english_document=not any(_CJK.search(row.text or "") for row in chain))


def _extends(article: NumberPart, dotted: NumberPart) -> bool:
    return dotted.value.startswith(article.value + ".")


def format_citation(path: CitationPath, locale: str) -> str:
    """Write `path` as a citation in `locale` ("zh_CN" for Chinese, any other for English)."""
    if locale.startswith("zh"):
        return _format_chinese(path)
    return _format_english(path)


def cite_clause(clause: Clause, clauses: Sequence[Clause], locale: str) -> str:
    """Return the citation of `clause` in `locale`, or its printed number when it has no readable path."""
    path = citation_path(clause, clauses)
    if path.empty:
        return (clause.number or "").strip()
    return format_citation(path, locale)


def _format_chinese(path: CitationPath) -> str:
    text = "".join(_chinese_container(part, path.english_document) for part in path.containers)
    if path.english_document and path.article is not None:
        # An English contract's 5(b)(iii) stays one number: 第5(b)(iii)条.
        number = path.article.value + "".join(f"({item.value})" for item in path.items)
        return f"{text}第{number}条"
    if path.article is not None:
        text += f"第{path.article.label}条"
    for index, item in enumerate(path.items):
        # Lawyers call the first level below an article 项 and the next one 目.
        text += f"第{item.label}{'项' if index == 0 else '目'}"
    return text


def _chinese_container(part: NumberPart, english_document: bool) -> str:
    if part.unit == "part":
        # The heading in 第二部分（通用合同条款） separates the general from the special conditions.
        return f"第{part.label}部分（{part.heading}）" if part.heading else f"第{part.label}部分"
    if part.unit == "annex":
        return f"附件{part.label}" if english_document or part.word == "附件" else f"{part.word}{part.label}"
    return f"第{part.label}章"


def _format_english(path: CitationPath) -> str:
    pieces: list[str] = []
    if path.article is not None or path.items:
        article = path.article
        word = "Article"
        if path.english_document and (article is None or article.unit != "article"):
            word = "Section"
        elif article is not None and article.word:
            word = article.word.capitalize()
            word = "Section" if word == "Clause" else word
        suffix = "".join(f"({item.value})" for item in path.items)
        pieces.append(f"{word} {article.value}{suffix}" if article is not None else f"item {suffix}")
    for part in reversed(path.containers):
        pieces.append(_english_container(part))
    if len(pieces) == 1:
        return pieces[0]
    return " of ".join(pieces)


def _english_container(part: NumberPart) -> str:
    if part.unit == "part":
        return f"Part {part.value}"
    if part.unit == "annex":
        word = "Annex" if part.word in ("附件", "附表", "附录", "") else part.word.capitalize()
        return f"{word} {part.value}".strip()
    return f"Chapter {part.value}"
