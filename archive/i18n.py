"""Message catalogs (gettext .po files read with Babel) for Simplified Chinese and English.

Message ids are English; the zh_CN catalog translates them. The .po files are
compiled in memory when first used, so no compiled .mo files are kept in the tree.
"""

from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).with_name("locale")
SUPPORTED_LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


@lru_cache(maxsize=None)
def get_translations(locale: str) -> gettext.NullTranslations:
    """Return the catalog for `locale`; English (the message ids) for anything unknown."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale not in SUPPORTED_LOCALES or not po_path.is_file():
        return gettext.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def pick_locale(value: str | None) -> str:
    """Map a user's choice (zh, zh-CN, en-US, ...) to a supported locale."""
    if not value:
        return DEFAULT_LOCALE
    value = value.replace("-", "_").lower()
    return "en" if value.startswith("en") else DEFAULT_LOCALE
