"""Request-scoped access to the archive opened at start-up."""

from __future__ import annotations

from fastapi import Request

from archive.context import Archive


def get_archive(request: Request) -> Archive:
    return request.app.state.archive
