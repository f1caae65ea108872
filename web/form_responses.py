"""Responses to a submitted form: the redirect after a change, and the message for a change a service rejected."""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.responses import RedirectResponse

from archive.errors import ArchiveError
from web.i18n import request_translations
from web.signin import safe_next

logger = logging.getLogger(__name__)


def redirect_after_post(target: str) -> RedirectResponse:
    """Return a 303 redirect to a local address, so a reload does not submit the form again."""
    return RedirectResponse(safe_next(target), status_code=303)


def rejected_message(request: Request, error: ArchiveError, form: str, object_id: int) -> str:
    """Log a form the service rejected, and return the message the page shows again with the form."""
    actor = getattr(request.state, "actor", None)
    logger.info("form rejected form=%s id=%s user=%s code=%s error=%s", form, object_id,
                actor.username if actor else "-", error.code, error)
    return error.localized(request_translations(request).gettext)
