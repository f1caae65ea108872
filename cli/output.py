"""Rich tables and JSON lines for the CLI."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from archive.notices import localize_notice
from ingest.result import IngestResult

STATUS_STYLES = {
    "ingested": "green", "duplicate": "cyan", "needs_ocr": "yellow", "failed": "bold red", "pending": "blue",
}


def print_json_line(console: Console, payload: dict[str, Any]) -> None:
    console.out(json.dumps(payload, ensure_ascii=False, default=str), highlight=False)


def ingest_table(results: list[IngestResult], _: Callable[[str], str]) -> Table:
    table = Table(title=_("Ingest summary"), show_lines=False)
    for heading in (_("File"), _("Status"), _("Version"), _("Contract"), _("Kind"), _("Clauses"), _("Fields"), _("Warnings / error")):
        table.add_column(heading, overflow="fold")
    for result in results:
        style = STATUS_STYLES.get(result.status, "default")
        notes = result.error or "; ".join(localize_notice(w, _) for w in result.warnings)
        if result.duplicate_of:
            notes = _("Same bytes as version {id}; nothing changed.").format(id=result.duplicate_of) + (" " + notes if notes else "")
        table.add_row(
            result.file,
            f"[{style}]{_(result.status)}[/{style}]",
            str(result.document_version_id or ""),
            str(result.contract_id or ""),
            _(result.kind) if result.kind else "",
            str(result.clause_count),
            str(sum(len(v) for v in result.fields.values())),
            notes,
        )
    return table


def snippet_markup(snippet: str) -> str:
    """Turn an HTML snippet with <mark> tags into rich markup with the matches reversed."""
    opened, closed = "\x00", "\x01"
    text = html.unescape(snippet.replace("<mark>", opened).replace("</mark>", closed))
    return escape(text).replace(opened, "[reverse]").replace(closed, "[/reverse]")
