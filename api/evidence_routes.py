"""JSON routes of evidence drafts, pack builds and packs."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api")
