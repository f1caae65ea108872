"""Every message the UI shows has a Simplified Chinese translation with the same placeholders."""

import re
from pathlib import Path

import jinja2.ext
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import archive.search.tantivy_index  # noqa: F401 - registers the index errors
from archive import notices
from archive.errors import all_error_classes
from archive.vocabulary import data_words
from ingest.sniff import FILE_DESCRIPTIONS

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "archive" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def template_messages() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "web" / "templates").glob("*.html"):
        with path.open("rb") as template:
            for _, _, message, _ in jinja2.ext.babel_extract(template, ("_", "gettext"), [], {}):
                if isinstance(message, str):
                    found.add(message)
    return found


def python_messages() -> set[str]:
    found: set[str] = set()
    for package in ("cli", "web", "api"):
        for _, _, message, _, _ in extract_from_dir(ROOT / package, keywords={"_": None, "gettext": None}):
            if isinstance(message, str):
                found.add(message)
    return found


def shown_messages() -> set[str]:
    return (
        template_messages()
        | python_messages()
        | {cls.template for cls in all_error_classes()}
        | set(data_words())
        | set(notices.TEMPLATES)
        | set(notices.OCR_REASON_TEMPLATES)
        | set(FILE_DESCRIPTIONS)
    )


@pytest.fixture(scope="module")
def catalog():  # type: ignore[no-untyped-def]
    with CATALOG.open("rb") as po_file:
        return read_po(po_file, locale="zh_CN")


def test_every_shown_message_is_translated(catalog) -> None:  # type: ignore[no-untyped-def]
    missing = sorted(m for m in shown_messages() if not (catalog.get(m) and catalog.get(m).string))
    assert missing == []


def test_translations_keep_placeholders(catalog) -> None:  # type: ignore[no-untyped-def]
    broken = [
        message.id
        for message in catalog
        if message.id and sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string))
    ]
    assert broken == []


def test_template_extraction_finds_messages() -> None:
    assert "Search clauses" in template_messages()


def test_english_names_every_data_word() -> None:
    with (ROOT / "archive" / "locale" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        english = read_po(po_file, locale="en")
    missing = sorted(word for word in data_words() if not (english.get(word) and english.get(word).string))
    assert missing == []
