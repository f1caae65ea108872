"""Turn a ParsedDocument into clauses, fields, a kind and references: pure, no storage."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.fields.extract import extract_fields
from ingest.kind import detect_kind
from ingest.parsed import ParsedDocument
from ingest.references import References, find_references
from ingest.segment import segment
from ingest.structure import Clause, Field


@dataclass(frozen=True)
class Analysis:
    clauses: list[Clause]
    fields: list[Field]
    warnings: list[str]
    kind: str
    references: References


def analyse(doc: ParsedDocument) -> Analysis:
    """Segment clauses, extract fields, detect the kind and the documents it refers to."""
    clauses = segment(doc)
    fields, field_warnings = extract_fields(doc, clauses)
    return Analysis(
        clauses=clauses,
        fields=fields,
        warnings=list(doc.warnings) + list(field_warnings),
        kind=detect_kind(doc, clauses),
        references=find_references(doc, clauses),
    )
