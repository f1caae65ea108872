"""Pick the page language: ?lang= (remembered in a cookie), else the cookie, else Simplified Chinese."""

from __future__ import annotations

import gettext

from fastapi import Request

from archive.i18n import DEFAULT_LOCALE, get_translations, pick_locale

LANG_COOKIE = "lang"


def request_locale(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return pick_locale(chosen) if chosen else DEFAULT_LOCALE


def request_translations(request: Request) -> gettext.NullTranslations:
    return get_translations(request_locale(request))
