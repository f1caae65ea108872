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
from archive.services.consistency import BLOB_CORRUPT, BLOB_MISSING, KINDS, Finding
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


# Rows a findings table shows per kind; --json lists every finding.
FINDINGS_SHOWN_PER_KIND = 50


def findings_table(findings: list[Finding], _: Callable[[str], str], *, title: str) -> Table:
    """Build a table of consistency findings, grouped by kind, lost originals first."""
    table = Table(title=title, show_lines=False)
    for heading in (_("Problem"), _("Version"), _("Object"), _("Details")):
        table.add_column(heading, overflow="fold")
    for kind in KINDS:
        group = [finding for finding in findings if finding.kind == kind]
        for finding in group[:FINDINGS_SHOWN_PER_KIND]:
            style = "bold red" if kind in (BLOB_MISSING, BLOB_CORRUPT) else "yellow"
            table.add_row(
                f"[{style}]{_(kind)}[/{style}]",
                str(finding.document_version_id or ""),
                escape(_finding_object(finding)),
                escape(finding.localized(_)),
            )
        if len(group) > FINDINGS_SHOWN_PER_KIND:
            more = _("{count} more; run with --json to list them all.").format(count=len(group) - FINDINGS_SHOWN_PER_KIND)
            table.add_row(f"[dim]{_(kind)}[/dim]", "", "", f"[dim]{more}[/dim]")
    return table


def _finding_object(finding: Finding) -> str:
    if finding.sha256:
        return finding.sha256[:12] + "..."  # the message names the whole hash
    first_ids = ", ".join(str(clause_id) for clause_id in finding.clause_ids[:5])
    return first_ids + (", ..." if len(finding.clause_ids) > 5 else "")
