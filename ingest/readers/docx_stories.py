"""Text stories of a DOCX file outside the main body: notes, comments, headers and footers.

Word keeps each of these in its own part (footnotes.xml, endnotes.xml,
comments.xml, header1.xml ...). Each is read with its own BodyWalker, so list
numbers and open fields there never disturb the body's counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from docx.opc.part import Part
from lxml import etree

from ingest.readers.docx_names import R, W, w_attr
from ingest.readers.docx_xml import Annotations, BodyItem, BodyWalker

# Factory of the walker for one story. Headers and footers pass skip_page_fields=True.
WalkerFactory = Callable[..., BodyWalker]

# Notes of these types are the separator lines Word draws above the notes, not text.
_NOTE_TYPES_READ = frozenset({None, "normal"})
_NOTE_TAGS = {"footnote": W.footnote, "endnote": W.endnote}
_FURNITURE_REFERENCES = frozenset({W.headerReference, W.footerReference})
# Page-label words and punctuation: what is left of "第 页 共 页" once its page fields are skipped.
_PAGE_LABEL_LEFTOVER = re.compile(r"(?i)page|of|[第页共]|[\W_]")


@dataclass(frozen=True, slots=True)
class NoteText:
    """One footnote or endnote: its text in both revision views and what it contains."""

    accepted: str
    original: str
    annotations: Annotations


@dataclass(frozen=True, slots=True)
class CommentText:
    """One comment of comments.xml, before it is tied to a block."""

    comment_id: str
    author: str | None
    date: str | None
    text: str


def read_notes(
    root: etree._Element | None, kind: str, new_walker: WalkerFactory
) -> dict[str, NoteText]:
    """Read the notes of a footnotes or endnotes part by id; `kind` is "footnote" or "endnote"."""
    notes: dict[str, NoteText] = {}
    if root is None:
        return notes
    walker = new_walker()
    for note in root.findall(_NOTE_TAGS[kind]):
        if w_attr(note, "type") not in _NOTE_TYPES_READ:
            continue
        items = list(walker.iter_items(note))
        annotations = Annotations()
        for item in items:
            annotations.extend(item.annotations)
        notes[w_attr(note, "id") or ""] = NoteText(
            accepted=_joined(item.accepted for item in items),
            original=_joined(item.original for item in items),
            annotations=annotations,
        )
    return notes


def read_comments(root: etree._Element | None, new_walker: WalkerFactory) -> list[CommentText]:
    """Read every comment of a comments part in the order the part lists them."""
    if root is None:
        return []
    walker = new_walker()
    comments: list[CommentText] = []
    for comment in root.findall(W.comment):
        text = _joined(item.accepted for item in walker.iter_items(comment))
        comments.append(
            CommentText(
                comment_id=w_attr(comment, "id") or "",
                author=w_attr(comment, "author"),
                date=w_attr(comment, "date"),
                text=text,
            )
        )
    return comments


def furniture_parts(main_part: Part, document: etree._Element) -> list[Part]:
    """Return each header and footer part that a section refers to, once, in section order."""
    parts: list[Part] = []
    seen: set[str] = set()
    for section in document.iter(W.sectPr):
        # The previous section properties of a tracked change do not apply any more.
        parent = section.getparent()
        if parent is not None and parent.tag == W.sectPrChange:
            continue
        for reference in section:
            if reference.tag not in _FURNITURE_REFERENCES:
                continue
            part = main_part.related_parts.get(reference.get(R.id) or "")
            if part is None or str(part.partname) in seen:
                continue
            seen.add(str(part.partname))
            parts.append(part)
    return parts


def furniture_text(root: etree._Element, new_walker: WalkerFactory) -> tuple[str, list[BodyItem]]:
    """Return the text of one header or footer without page numbers, and its items.

    Results of PAGE and NUMPAGES fields are skipped, and a line left with only
    page-label words ("第 页 共 页") is dropped.
    """
    items = list(new_walker(skip_page_fields=True).iter_items(root))
    lines = [item.accepted for item in items if _PAGE_LABEL_LEFTOVER.sub("", item.accepted)]
    return _joined(lines), items


def _joined(texts: Iterable[str]) -> str:
    return "\n".join(text for text in texts if text.strip())
