"""Complex fields of WordprocessingML: their instruction and legacy form-field values.

A complex field runs from `fldChar begin` through its instruction (w:instrText)
to `fldChar separate`, then its last computed result up to `fldChar end`. A
legacy form field keeps its settings in w:ffData inside the begin marker. Word
shows a check box or drop-down from those settings, not from result runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ingest.readers.docx_names import W, w_attr

CHECKED_BOX = "\u2611"  # ☑
UNCHECKED_BOX = "\u2610"  # ☐

FORM_TEXT = "FORMTEXT"
FORM_CHECKBOX = "FORMCHECKBOX"
FORM_DROPDOWN = "FORMDROPDOWN"
# Form fields whose visible value comes from w:ffData, so any result runs are ignored.
_VALUE_FROM_SETTINGS = frozenset({FORM_CHECKBOX, FORM_DROPDOWN})

# Fields that print page numbers or counts: noise in header and footer text.
PAGE_FIELDS = frozenset({"PAGE", "NUMPAGES", "SECTIONPAGES", "PAGEREF"})

_OFF_VALUES = frozenset({"0", "false", "off"})


@dataclass(slots=True)
class OpenField:
    """One complex field between its begin and end markers."""

    # Value that w:ffData gives a form field, None for other fields.
    form_value: str | None = None
    code: list[str] = field(default_factory=list)
    # True once the separate marker is passed, so runs are the result.
    in_result: bool = False
    # True when the result is not shown: a form value replaces it, or page fields are skipped.
    result_hidden: bool = False
    # True once some result text was shown.
    result_seen: bool = False

    @property
    def keyword(self) -> str:
        return instruction_keyword("".join(self.code))


def instruction_keyword(instruction: str) -> str:
    """Return the field type of an instruction (" PAGE \\* MERGEFORMAT " gives "PAGE")."""
    words = instruction.split()
    return words[0].upper() if words else ""


def open_field(begin: etree._Element) -> OpenField:
    """Start a field at its `fldChar begin` element, reading w:ffData when present."""
    ff_data = begin.find(W.ffData)
    return OpenField(form_value=form_value(ff_data) if ff_data is not None else None)


def hides_result(keyword: str, *, skip_page_fields: bool) -> bool:
    """Return True when a field's result runs must not reach the text."""
    if keyword in _VALUE_FROM_SETTINGS:
        return True
    return skip_page_fields and keyword in PAGE_FIELDS


def closing_text(closed: OpenField) -> str:
    """Return text to show when a field ends: a check box or drop-down value.

    A text form field with no result at all shows its default text once.
    """
    if closed.form_value is None:
        return ""
    keyword = closed.keyword
    if keyword in _VALUE_FROM_SETTINGS:
        return closed.form_value
    if keyword == FORM_TEXT and not closed.result_seen:
        return closed.form_value
    return ""


def form_value(ff_data: etree._Element) -> str:
    """Return what a legacy form field shows: a box symbol, the chosen entry or default text."""
    check_box = ff_data.find(W.checkBox)
    if check_box is not None:
        return CHECKED_BOX if _is_checked(check_box) else UNCHECKED_BOX
    drop_down = ff_data.find(W.ddList)
    if drop_down is not None:
        return _selected_entry(drop_down)
    text_input = ff_data.find(W.textInput)
    if text_input is not None:
        return _child_val(text_input, W.default) or ""
    return ""


def _is_checked(check_box: etree._Element) -> bool:
    # w:checked is the current state and wins over w:default, the initial state.
    for tag in (W.checked, W.default):
        element = check_box.find(tag)
        if element is not None:
            return _on(w_attr(element, "val"))
    return False


def _selected_entry(drop_down: etree._Element) -> str:
    entries = [w_attr(entry, "val") or "" for entry in drop_down.findall(W.listEntry)]
    index = _int(_child_val(drop_down, W.result))
    if index is None:
        index = _int(_child_val(drop_down, W.default))
    if index is None:
        index = 0
    return entries[index] if 0 <= index < len(entries) else ""


def _child_val(element: etree._Element, tag: str) -> str | None:
    child = element.find(tag)
    return w_attr(child, "val") if child is not None else None


def _on(value: str | None) -> bool:
    return value is None or value.lower() not in _OFF_VALUES


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
