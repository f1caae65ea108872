"""The Jinja2 environment for pages: autoescaped, with per-request translations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from archive.access import Permission
from archive.notices import localize_evidence, localize_notice, localize_reason
from archive.times import DEFAULT_TIME_ZONE, DISPLAY_FORMAT, format_local
from web.i18n import LANG_COOKIE, request_locale, request_translations

TEMPLATES_DIR = Path(__file__).with_name("templates")

environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)


def safe_snippet(snippet: str) -> Markup:
    """Mark an index snippet safe after checking it holds only escaped text and <mark> tags."""
    stripped = snippet.replace("<mark>", "").replace("</mark>", "")
    if "<" in stripped or ">" in stripped:
        return Markup(escape(snippet))
    return Markup(snippet)


def _query_string(request: Request, **changes: Any) -> str:
    params = dict(request.query_params)
    params.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        params.pop(key, None)
    return "?" + urlencode(params)


def page_address(request: Request, page_url: str | None = None) -> str:
    """Return the address of the GET page that a response shows, for links such as the language switch.

    A GET or HEAD request shows its own address. A page rendered in response to a POST (a form shown
    again with its error, or a result) is at a POST-only address, so the caller passes the GET
    page it stands for in `page_url`. Without one, such a page links to the home page.
    """
    if page_url is not None:
        return page_url
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    return "/"


def with_language(address: str, locale: str) -> str:
    """Return `address` with its lang parameter set to `locale`, keeping the other parameters and the fragment."""
    parts = urlsplit(address)
    params = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "lang"]
    params.append(("lang", locale))
    return urlunsplit(("", "", parts.path or "/", urlencode(params), parts.fragment))


@pass_context
def _local_time(context: Any, moment: Any, pattern: str = DISPLAY_FORMAT) -> str:
    """Show a stored UTC time in the archive's time zone."""
    return format_local(moment, context.get("time_zone") or DEFAULT_TIME_ZONE, pattern)


environment.filters["snippet"] = safe_snippet
environment.filters["local_time"] = _local_time
# JSON as people read it: Chinese characters as they are, not as \u escapes (autoescaping still applies).
environment.filters["readable_json"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)


def _csrf_input(request: Request) -> Markup:
    """Return the hidden form field with the session's CSRF token (empty without a session)."""
    credential = getattr(request.state, "credential", None)
    token = credential.csrf_token if credential is not None and credential.csrf_token else ""
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(token)


def _time_zone(request: Request) -> str:
    archive = getattr(request.app.state, "archive", None)
    return archive.settings.time_zone if archive is not None else DEFAULT_TIME_ZONE


def render(request: Request, template: str, context: dict[str, Any], *, status: int = 200,
           page_url: str | None = None) -> HTMLResponse:
    """Render a page in the request's language for the signed-in actor; remember an explicit ?lang= choice.

    `page_url` is the GET address of the page shown in response to a POST (see page_address). The
    language links lead there, because a GET on the POST's own address fails with 405.
    """
    translations = request_translations(request)
    locale = request_locale(request)
    actor = getattr(request.state, "actor", None)
    page = environment.get_template(template).render(
        request=request,
        locale=locale,
        lang_attr="zh-CN" if locale == "zh_CN" else "en",
        _=translations.gettext,
        gettext=translations.gettext,
        ngettext=translations.ngettext,
        query_string=lambda **changes: _query_string(request, **changes),
        notice=lambda text: localize_notice(text, translations.gettext),
        evidence=lambda text: localize_evidence(text, translations.gettext),
        reason=lambda text: localize_reason(text, translations.gettext),
        actor=actor,
        can_write=actor is not None and actor.allows(Permission.WRITE),
        csrf_input=lambda: _csrf_input(request),
        time_zone=_time_zone(request),
        language_url=lambda locale: with_language(page_address(request, page_url), locale),
        **context,
    )
    response = HTMLResponse(page, status_code=status)
    if "lang" in request.query_params:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    response.headers["Cache-Control"] = "no-store"
    return response
