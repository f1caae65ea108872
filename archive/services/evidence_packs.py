"""Build an evidence pack from a saved draft, store it, and check packs against the archive.

A build reads the draft's saved snapshot and the archive as of the save (see
archive.services.evidence_as_of), so building one revision twice gives the same bytes. The pack
is written as a stream to a spool file. Originals are copied from the blob store in chunks, and
only the generated files (index, bundle, timeline, records, README, manifest) are built in full
first. The finished ZIP is stored as a blob under a legal hold, which is an object lock in the
S3 store, and its manifest SHA-256 and ZIP SHA-256 are recorded in the audit log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.access import SYSTEM, Actor, Permission
from archive.context import Archive
from archive.errors import (
    EvidenceDraftNotSavedError,
    EvidencePackFileMissingError,
    EvidenceRevisionReplacedError,
    EvidenceSourceMissingError,
    NotFoundError,
)
from archive.evidence.bundle import PDF_MEDIA_TYPE, build_bundle
from archive.evidence.container import CHINA_STANDARD_TIME, PackWriter
from archive.evidence.index_pdf import Parties, build_index_pdf
from archive.evidence.index_xlsx import build_index_xlsx
from archive.evidence.items import EvidenceItem
from archive.evidence.manifest import (
    ORIGINAL,
    AuditHead,
    Manifest,
    ManifestFile,
    OriginalSource,
    PackInfo,
    manifest_sha256,
    write_manifest,
)
from archive.evidence.readme import README_MEDIA_TYPE, README_NAME, build_readme
from archive.evidence.record_pdf import build_record_pdf
from archive.evidence.verify import ArchiveCheck, VerifyReport, verify_against_archive, verify_pack
from archive.exports.tables import write_csv
from archive.i18n import get_translations
from archive.models import (
    AuditEvent,
    Blob,
    Clause,
    Contract,
    Document,
    DocumentVersion,
    EvidenceDraft,
    EvidencePack,
    PerformanceRecord,
)
from archive.performance.labels import CHANNEL_LABELS, RECORD_KIND_LABELS, STATUS_LABELS
from archive.pdf_fonts import register_cjk_font
from archive.services.audit import record_event
from archive.services.evidence_as_of import (
    aware,
    record_as_of,
    record_attachments_as_of,
    records_as_of,
    timeline_as_of,
)
from archive.services.evidence_drafts import get_draft_or_raise
from archive.timeline import contract_timeline
from archive.timeline_pdf import build_timeline_pdf

logger = logging.getLogger(__name__)

ZIP_MEDIA_TYPE = "application/zip"
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIDENCE_FOLDER = "证据"
PERFORMANCE_FOLDER = "履约情况"
INDEX_PDF_NAME = "证据目录.pdf"
INDEX_XLSX_NAME = "证据目录.xlsx"
BUNDLE_NAME = "证据汇编.pdf"
MAX_NAME_CHARACTERS = 60
COPY_CHUNK = 1 << 20
# Characters that Windows forbids in file names, each mapped to its full-width form.
_FULL_WIDTH = str.maketrans({'<': '＜', '>': '＞', ':': '：', '"': '＂', '|': '｜', '?': '？', '*': '＊',
                             '/': '／', '\\': '＼'})
_SPACES = re.compile(r"\s+")
_TITLE_MARKS = str.maketrans("", "", "《》〈〉")

# Progress callback, called as progress(step, done, total). For step "prepare", done and total
# count items. For step "write", they count bytes.
Progress = Callable[[str, int, int], None]


@dataclass
class _Original:
    """A stored file that goes into the pack unchanged."""

    path: str
    blob_sha256: str
    size: int
    media_type: str
    source: OriginalSource


@dataclass
class _Plan:
    """Contents of a pack: the saved draft's header and items, and the files that the items show."""

    draft_id: int
    revision: int
    as_of: dt.datetime
    prepared_by: str
    audit_head: AuditHead
    case_name: str
    parties: Parties
    group_titles: dict[int, str]
    items: list[EvidenceItem] = field(default_factory=list)
    originals: dict[str, _Original] = field(default_factory=dict)  # keyed by path in the pack
    # Record printouts as (title, rows), keyed by path in the pack. They are rendered to PDF
    # once the font is registered.
    printouts: dict[str, tuple[str, list[tuple[str, str]]]] = field(default_factory=dict)
    # The bundle's entries in order: each item, or for a record item its printout and then each
    # attached file, under the item's label.
    parts: list[EvidenceItem] = field(default_factory=list)
    # Files that go into the pack but not into the printed bundle: not PDFs, or PDFs the archive could not read.
    unbundled: set[str] = field(default_factory=set)
    contracts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class BuiltPack:
    """Values of a stored pack's row, for pages, the API and the CLI."""

    id: int
    draft_id: int
    draft_revision: int
    blob_sha256: str
    manifest_sha256: str
    size: int
    file_count: int
    file_name: str
    built_by: str
    built_at: dt.datetime

    @classmethod
    def from_row(cls, row: EvidencePack) -> BuiltPack:
        return cls(id=row.id, draft_id=row.draft_id, draft_revision=row.draft_revision, blob_sha256=row.blob_sha256,
                   manifest_sha256=row.manifest_sha256, size=row.size, file_count=row.file_count,
                   file_name=row.file_name, built_by=row.built_by, built_at=aware(row.built_at))


def build_pack(archive: Archive, draft_id: int, *, actor: Actor, progress: Progress | None = None,
               client_address: str | None = None, revision: int | None = None) -> BuiltPack:
    """Build the pack of the draft's last saved revision, store it and record an audit event.

    The pack's files are in the language saved with the revision, not in the language of the requesting page. With
    `revision`, raises EvidenceRevisionReplacedError when the draft has been saved again since.

    Raises EvidenceDraftNotSavedError before the first save, NotFoundError for a draft `actor`
    may not see, EvidenceFileError for an item whose PDF cannot be bundled, and
    EvidenceSourceMissingError when a stored original is missing or damaged. Nothing is stored
    when the build fails.
    """
    actor.require(Permission.WRITE)
    report = progress or (lambda step, done, total: None)
    with archive.session() as session:
        draft = get_draft_or_raise(session, draft_id, actor)
        if revision is not None and draft.revision != revision:
            # NOTE: only the newest saved revision can be built; an older one's pack, once built, stays stored.
            raise EvidenceRevisionReplacedError(draft_id=draft_id, revision=revision, current=draft.revision)
        lang = (draft.saved_snapshot or {}).get("lang", "zh_CN")
        translations = get_translations(lang)
        plan = _plan(session, draft, translations)

    with _work_dir(archive) as work:
        pack_path = work / "pack.zip"
        with pack_path.open("wb") as output:
            digest, manifest_digest = _write(archive, plan, output, work, translations, lang, report)
        archive.blobs.put_file(pack_path, digest.sha256)
        archive.blobs.set_legal_hold(digest.sha256, True)

    file_name = _pack_file_name(plan)
    with archive.session() as session:
        if session.get(Blob, digest.sha256) is None:
            session.add(Blob(sha256=digest.sha256, size=digest.size, media_type=ZIP_MEDIA_TYPE))
            session.flush()
        row = EvidencePack(draft_id=plan.draft_id, draft_revision=plan.revision, blob_sha256=digest.sha256,
                           manifest_sha256=manifest_digest, size=digest.size, file_count=len(digest.members),
                           file_name=file_name, built_by=actor.username)
        session.add(row)
        session.flush()
        event = record_event(
            session, actor=actor.username, actor_id=actor.user_id, action="build", object_type="evidence_pack",
            object_id=row.id, client_address=client_address,
            summary={"draft_id": plan.draft_id, "draft_revision": plan.revision, "manifest_sha256": manifest_digest,
                     "zip_sha256": digest.sha256, "size": digest.size, "files": len(digest.members)})
        row.audit_event_seq = event.seq
        session.flush()
        built = BuiltPack.from_row(row)
    logger.info("evidence pack built pack_id=%s draft_id=%s revision=%s size=%s sha256=%s", built.id, draft_id,
                plan.revision, built.size, built.blob_sha256)
    return built


def list_packs(session: Session, draft_id: int) -> list[BuiltPack]:
    """Return the draft's stored packs, newest first. The caller must check access to the draft."""
    rows = session.scalars(select(EvidencePack).where(EvidencePack.draft_id == draft_id)
                           .order_by(EvidencePack.id.desc()))
    return [BuiltPack.from_row(row) for row in rows]


def get_pack(archive: Archive, pack_id: int, *, actor: Actor) -> BuiltPack:
    """Return a stored pack, or raise NotFoundError when it does not exist or `actor` may not see its draft."""
    with archive.session() as session:
        row = session.get(EvidencePack, pack_id)
        if row is None:
            raise NotFoundError(object="Evidence pack", id=pack_id)
        get_draft_or_raise(session, row.draft_id, actor, object_name="Evidence pack", object_id=pack_id)
        return BuiltPack.from_row(row)


def open_pack(archive: Archive, pack: BuiltPack, *, actor: Actor, client_address: str | None = None) -> BinaryIO:
    """Open a stored pack for download and record an audit event for the download.

    Raises EvidencePackFileMissingError when the ZIP is no longer in the blob store.
    """
    try:
        stream = archive.blobs.open(pack.blob_sha256)
    except OSError as error:
        logger.error("evidence pack file missing pack_id=%s sha256=%s", pack.id, pack.blob_sha256)
        raise EvidencePackFileMissingError(pack_id=pack.id, sha256=pack.blob_sha256) from error
    with archive.session() as session:
        record_event(session, actor=actor.username, actor_id=actor.user_id, action="download",
                     object_type="evidence_pack", object_id=pack.id, client_address=client_address,
                     summary={"zip_sha256": pack.blob_sha256})
    return stream


class DatabaseLookup:
    """ArchiveLookup implementation that queries the archive's database, for checking a pack against its records."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def has_version(self, version_id: int, blob_sha256: str) -> bool:
        return self.session.scalar(select(DocumentVersion.id).where(
            DocumentVersion.id == version_id, DocumentVersion.blob_sha256 == blob_sha256)) is not None

    def audit_event_matches(self, seq: int, event_hash: str) -> bool:
        return self.session.scalar(select(AuditEvent.id).where(
            AuditEvent.seq == seq, AuditEvent.event_hash == event_hash)) is not None

    def pack_recorded(self, manifest_sha256: str) -> bool:
        return self.session.scalar(select(EvidencePack.id).where(
            EvidencePack.manifest_sha256 == manifest_sha256).limit(1)) is not None


@dataclass(frozen=True)
class PackCheck:
    """Result of `check_pack`, with the offline report and, when an archive was given, the check against it."""

    report: VerifyReport
    archive: ArchiveCheck | None

    @property
    def ok(self) -> bool:
        """True when the pack is intact and, if it was checked against an archive, confirmed by it."""
        return self.report.intact and (self.archive is None or self.archive.confirmed)


def check_pack(path: str | Path, archive: Archive | None) -> PackCheck:
    """Verify a pack file offline and, when `archive` is given, against the archive's records."""
    report = verify_pack(path)
    if archive is None:
        return PackCheck(report=report, archive=None)
    with archive.session() as session:
        return PackCheck(report=report, archive=verify_against_archive(report, DatabaseLookup(session)))


def member_name(text: str) -> str:
    """Return `text` made safe as one segment of a ZIP member name.

    Characters that Windows forbids become their full-width forms, and characters of the Unicode
    category C (control, format, surrogate, private use, unassigned) are removed. Runs of whitespace become one space, and the result is cut to
    MAX_NAME_CHARACTERS characters. Trailing spaces and dots are removed, and an empty result
    becomes "_".
    """
    text = unicodedata.normalize("NFC", text).translate(_FULL_WIDTH)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_NAME_CHARACTERS:
        text = text[:MAX_NAME_CHARACTERS].rstrip()
    return text.rstrip(" .") or "_"


def file_stem(name: str) -> str:
    """Return an item's name as a file name stem, without the 《》 marks that enclose titles in running text."""
    return member_name(name.translate(_TITLE_MARKS).strip())


def _plan(session: Session, draft: EvidenceDraft, translations: Any) -> _Plan:
    """Read what the draft's saved revision packs: its items, their files and the contracts they come from."""
    snapshot = draft.saved_snapshot
    if not draft.revision or snapshot is None or draft.saved_at is None:
        raise EvidenceDraftNotSavedError(draft_id=draft.id)

    as_of = aware(draft.saved_at).astimezone(dt.timezone.utc)
    gettext = translations.gettext
    plan = _Plan(
        draft_id=draft.id, revision=draft.revision, as_of=as_of, prepared_by=draft.saved_by or draft.created_by,
        audit_head=AuditHead(seq=draft.saved_event_seq, event_hash=draft.saved_event_hash),
        case_name=snapshot["case_name"],
        parties=Parties(submitter=snapshot["claimant"] or "—", opponent=snapshot["respondent"] or "—"),
        group_titles={int(k): v for k, v in snapshot["group_titles"].items()},
    )

    # Whole-document items claim their files first, so a file that a clause item shares is named
    # after the document's own item, whatever the item order.
    for item_data in snapshot["items"]:
        if item_data["source"] == "version":
            _item_file(session, plan, item_data, f"{item_data['group']}-{item_data['number']}", gettext)
    used_contracts: set[int] = set()
    for item_data in snapshot["items"]:
        label = f"{item_data['group']}-{item_data['number']}"
        if item_data["source"] == "record":
            item, attachments, contract_id = _record_item(session, plan, item_data, label, gettext)
        else:
            path, media_type, pages = _item_file(session, plan, item_data, label, gettext)
            item = EvidenceItem(
                group=item_data["group"], number=item_data["number"], name=item_data["name"],
                origin=item_data["origin"], issuer=item_data["issuer"], purpose=item_data["purpose"],
                file_name=path, media_type=media_type, pages=pages)
            attachments = []
            contract_id = plan.originals[path].source.contract_id
        plan.items.append(item)
        plan.parts.extend([item, *attachments])
        used_contracts.add(contract_id)

    # Only contracts that items come from get their timeline and records in the pack, so a
    # contract added to the draft but not used discloses nothing.
    for contract_id in snapshot["contracts"]:
        contract = session.get(Contract, contract_id)
        if contract is not None and contract.id in used_contracts:
            plan.contracts.append({"id": contract.id, "label": member_name(contract.number or contract.title
                                                                          or f"{gettext('Contract')} {contract.id}")})
    return plan


def _record_item(session: Session, plan: _Plan, item_data: dict[str, Any], label: str,
                 gettext: Callable[[str], str]) -> tuple[EvidenceItem, list[EvidenceItem], int]:
    """Plan a record item: its printout, then each file attached to the record, all under one label.

    Returns the item as the index lists it (its file is the printout), the attached files as
    further bundle entries, and the record's contract.
    """
    record = session.get(PerformanceRecord, item_data["record_id"])
    if record is None:
        raise NotFoundError(object="Performance record", id=item_data.get("record_id"))
    printout = _record_printout(session, plan, record, item_data, label, gettext)
    item = EvidenceItem(
        group=item_data["group"], number=item_data["number"], name=item_data["name"], origin=item_data["origin"],
        issuer=item_data["issuer"], purpose=item_data["purpose"], file_name=printout, media_type=PDF_MEDIA_TYPE)
    attachments = []
    for index, version in enumerate(record_attachments_as_of(session, record.id, plan.as_of), start=1):
        path = _add_original(session, plan, version, f"{label} {gettext('Attachment')}{index}", add_title=True)
        media_type = plan.originals[path].media_type
        attachments.append(dataclasses.replace(item, file_name=path, media_type=media_type,
                                               pages=item_data["pages"]))
    return item, attachments, record.contract_id


def _item_file(session: Session, plan: _Plan, item: dict[str, Any], label: str,
               gettext: Callable[[str], str]) -> tuple[str, str, str | None]:
    """Return the pack path, media type and pages of an item's file, adding the file to the plan."""
    pages = item["pages"]
    version = session.get(DocumentVersion, item["document_version_id"])
    if item["source"] == "clause" and not pages:
        clause = session.get(Clause, item["clause_id"])
        if clause is not None and clause.page_start:
            end = clause.page_end or clause.page_start
            pages = str(clause.page_start) if end == clause.page_start else f"{clause.page_start}-{end}"
    if version is None:
        raise NotFoundError(object="Document version", id=item.get("document_version_id"))
    # A file that only clause items show is named after its document, not after a clause.
    if item["source"] == "version":
        path = _add_original(session, plan, version, f"{label} {file_stem(item['name'])}")
    else:
        path = _add_original(session, plan, version, label, add_title=True)
    return path, plan.originals[path].media_type, pages


def _add_original(session: Session, plan: _Plan, version: DocumentVersion, stem: str, *,
                  add_title: bool = False) -> str:
    """Add a stored version to the pack once and return its path; `stem` names it when it is new.

    With `add_title` the document's title follows the stem. A PDF the archive could not read
    (such as a password-protected one) is packed but left out of the printed bundle.
    """
    for original in plan.originals.values():
        if original.blob_sha256 == version.blob_sha256:
            return original.path
    suffix = PurePosixPath(version.filename).suffix.lower()
    document = session.get(Document, version.document_id)
    if add_title:
        title = (document.title if document and document.title else None) or PurePosixPath(version.filename).stem
        stem = f"{stem} {file_stem(title)}"
    path = f"{EVIDENCE_FOLDER}/{stem}{suffix}"
    if version.media_type != PDF_MEDIA_TYPE or version.state == "failed":
        plan.unbundled.add(path)
    plan.originals[path] = _Original(
        path=path, blob_sha256=version.blob_sha256, size=version.size, media_type=version.media_type,
        source=OriginalSource(
            document_version_id=version.id, document_id=version.document_id,
            contract_id=document.contract_id if document and document.contract_id else 0,
            original_filename=version.filename, blob_sha256=version.blob_sha256,
            uploaded_at=aware(version.uploaded_at).astimezone(CHINA_STANDARD_TIME),
            uploaded_by=version.uploaded_by or "—"))
    return path


def _record_printout(session: Session, plan: _Plan, record: PerformanceRecord | None, item: dict[str, Any],
                     label: str, gettext: Callable[[str], str]) -> str:
    if record is None:
        raise NotFoundError(object="Performance record", id=item.get("record_id"))
    values = record_as_of(session, record, plan.as_of)
    if values is None:
        raise NotFoundError(object="Performance record", id=record.id)
    kind = gettext(RECORD_KIND_LABELS.get(record.kind, record.kind))
    status = gettext(STATUS_LABELS.get(values["status"] or "", values["status"] or "")) if values["status"] else ""
    amount = f"{values['amount']} {values['currency'] or ''}".strip() if values["amount"] is not None else ""
    contract = session.get(Contract, record.contract_id)
    detail = values.get("detail") or {}
    channel = detail.get("channel") or ""
    attached = record_attachments_as_of(session, record.id, plan.as_of)
    rows = [
        (gettext("Contract"), " ".join(part for part in (contract.number, contract.title) if part) if contract else ""),
        (gettext("Counterparty"), (contract.counterparty or "") if contract else ""),
        (gettext("Record"), gettext("Record {id}, revision {revision}").format(id=record.id,
                                                                              revision=values["revision"])),
        (gettext("Record kind"), kind),
        (gettext("Date"), values["occurred_on"].isoformat()),
        (gettext("Status"), status),
        (gettext("Amount"), amount),
        (gettext("Responsible"), values["responsible"] or ""),
        (gettext("Summary"), values["summary"] or ""),
        (gettext("Written demand"), gettext("Yes") if values["demand"] else ""),
        (gettext("Channel"), gettext(CHANNEL_LABELS.get(channel, channel)) if channel else ""),
        (gettext("Participants"), str(detail.get("participants") or "")),
        (gettext("Outcome"), str(detail.get("outcome") or "")),
        (gettext("Attachments"), "\n".join(f"{version.filename} (SHA-256 {version.blob_sha256})"
                                            for version in attached)),
        (gettext("Entered by"), f"{record.created_by}, {aware(record.created_at).astimezone(CHINA_STANDARD_TIME):%Y-%m-%d %H:%M}"),
    ]
    rows = [(label, value) for label, value in rows if value]
    path = f"{EVIDENCE_FOLDER}/{label} {file_stem(item['name'])}.pdf"
    plan.printouts[path] = (item["name"], rows)
    return path


def _write(archive: Archive, plan: _Plan, output: BinaryIO, work: Path, translations: Any, lang: str,
           report: Progress) -> tuple[Any, str]:
    """Write the whole pack to `output` and return the PackDigest and the manifest's SHA-256."""
    font_path = archive.settings.pdf_font
    font_name = register_cjk_font(font_path)
    printouts = {path: build_record_pdf(title=title, rows=rows, as_of=plan.as_of, translations=translations,
                                        font_name=font_name)
                 for path, (title, rows) in plan.printouts.items()}

    # The bundle needs each PDF as a file. A local store's file is used in place. A changed
    # original is still caught, because its digest is checked when it is written into the pack.
    # Blobs of other stores are copied to the work directory and verified.
    stored_path = getattr(archive.blobs, "path_for", None)
    sources: dict[str, Path] = {}
    bundled = [part for part in plan.parts if part.file_name not in plan.unbundled]
    for index, item in enumerate(bundled, start=1):
        report("prepare", index - 1, len(bundled))
        if item.media_type != PDF_MEDIA_TYPE or item.file_name in sources:
            continue
        local = work / f"source-{len(sources)}.pdf"
        if item.file_name in printouts:
            local.write_bytes(printouts[item.file_name])
        elif stored_path is not None and stored_path(plan.originals[item.file_name].blob_sha256).is_file():
            local = stored_path(plan.originals[item.file_name].blob_sha256)
        else:
            _copy_blob(archive, plan.originals[item.file_name], local, item)
        sources[item.file_name] = local
    bundle_path = work / "bundle.pdf"
    with bundle_path.open("wb") as bundle_out:
        ranges = build_bundle(((item, sources.get(item.file_name)) for item in bundled), bundle_out,
                              translations=translations, font_path=font_path)
    report("prepare", len(bundled), len(bundled))

    as_of_local = plan.as_of.astimezone(CHINA_STANDARD_TIME)
    index_pdf = build_index_pdf(plan.items, ranges, case_name=plan.case_name, parties=plan.parties,
                                date=as_of_local.date(), translations=translations, font_path=font_path,
                                group_titles=plan.group_titles)
    index_xlsx = build_index_xlsx(plan.items, ranges, case_name=plan.case_name, parties=plan.parties,
                                  date=as_of_local.date(), translations=translations, generated_at=plan.as_of,
                                  group_titles=plan.group_titles)
    performance = _performance_files(archive, plan, translations, font_name, lang)
    readme = build_readme(case_name=plan.case_name, as_of=f"{as_of_local:%Y-%m-%d %H:%M}",
                          item_count=len(plan.items), original_count=len(plan.originals))

    total = (sum(o.size for o in plan.originals.values()) + sum(len(d) for d in printouts.values())
             + bundle_path.stat().st_size + len(index_pdf) + len(index_xlsx) + len(readme)
             + sum(len(data) for _, _, data, _ in performance))
    counter = _Counter(report, total)
    listed: list[ManifestFile] = []
    writer = PackWriter(output, plan.as_of)
    try:
        listed.append(ManifestFile.from_member(writer.add_bytes(README_NAME, readme, README_MEDIA_TYPE), "readme"))
        counter.add(len(readme))
        listed.append(ManifestFile.from_member(writer.add_bytes(INDEX_PDF_NAME, index_pdf, PDF_MEDIA_TYPE), "index"))
        listed.append(ManifestFile.from_member(writer.add_bytes(INDEX_XLSX_NAME, index_xlsx, XLSX_MEDIA_TYPE), "index"))
        counter.add(len(index_pdf) + len(index_xlsx))
        if ranges:
            with _CountingReader(bundle_path.open("rb"), counter) as stream:
                member = writer.add_stream(BUNDLE_NAME, stream, PDF_MEDIA_TYPE, size=bundle_path.stat().st_size)
            listed.append(ManifestFile.from_member(member, "bundle"))
        else:
            counter.add(bundle_path.stat().st_size)
        for item in plan.parts:
            path = item.file_name
            if any(file.path == path for file in listed):
                continue
            if path in printouts:
                listed.append(ManifestFile.from_member(writer.add_bytes(path, printouts[path], PDF_MEDIA_TYPE),
                                                       "record"))
                counter.add(len(printouts[path]))
                continue
            original = plan.originals[path]
            with _CountingReader(_open_blob(archive, original, item), counter) as stream:
                member = writer.add_stream(path, stream, original.media_type, size=original.size)
            if member.sha256 != original.blob_sha256:
                raise EvidenceSourceMissingError(label=item.label, name=item.name, sha256=original.blob_sha256)
            listed.append(ManifestFile.from_member(member, ORIGINAL, original.source))
        for path, media_type, data, role in performance:
            listed.append(ManifestFile.from_member(writer.add_bytes(path, data, media_type), role))
            counter.add(len(data))
        manifest = Manifest(
            pack=PackInfo(case_name=plan.case_name, draft_id=plan.draft_id, draft_revision=plan.revision,
                          as_of=as_of_local, prepared_by=plan.prepared_by),
            audit_head=plan.audit_head, files=tuple(listed))
        write_manifest(writer, manifest)
        digest = writer.close()
    except BaseException:
        writer.abort()
        raise
    manifest_bytes = next(m for m in digest.members if m.name == "manifest.json")
    return digest, manifest_bytes.sha256


def _performance_files(archive: Archive, plan: _Plan, translations: Any, font_name: str,
                       lang: str) -> list[tuple[str, str, bytes, str]]:
    """Return (path, media type, bytes, role) for each contract's timeline PDF and records CSV.

    Both files show the contract as of the pack's "as of" time.
    """
    gettext = translations.gettext
    files = []
    for contract in plan.contracts:
        timeline = contract_timeline(archive, contract["id"], actor=SYSTEM)
        with archive.session() as session:
            timeline = timeline_as_of(session, timeline, plan.as_of)
            records = records_as_of(session, contract["id"], plan.as_of)
        pdf = build_timeline_pdf(timeline, translations=translations, font_name=font_name,
                                 lang="zh-CN" if lang.startswith("zh") else "en", generated_by=plan.prepared_by,
                                 generated_at=plan.as_of.astimezone(CHINA_STANDARD_TIME))
        prefix = f"{PERFORMANCE_FOLDER}/{contract['label']}"
        files.append((f"{prefix} {member_name(gettext('Timeline'))}.pdf", PDF_MEDIA_TYPE, pdf, "timeline"))
        files.append((f"{prefix} {member_name(gettext('Performance records'))}.csv", CSV_MEDIA_TYPE,
                      _records_csv(records, gettext), "records"))
    return files


def _records_csv(records: list[tuple[PerformanceRecord, dict[str, Any]]], gettext: Callable[[str], str]) -> bytes:
    headers = [gettext(name) for name in ("Record", "Record kind", "Date", "Status", "Amount", "Currency",
                                          "Responsible", "Summary", "Written demand", "Channel", "Participants",
                                          "Outcome", "Entered by", "Entered at", "Record revision")]
    rows = []
    for record, values in records:
        detail = values.get("detail") or {}
        channel = detail.get("channel") or ""
        rows.append([
            record.id, gettext(RECORD_KIND_LABELS.get(record.kind, record.kind)), values["occurred_on"],
            gettext(STATUS_LABELS.get(values["status"], values["status"])) if values["status"] else "",
            values["amount"], values["currency"], values["responsible"], values["summary"],
            gettext("Yes") if values["demand"] else "",
            gettext(CHANNEL_LABELS.get(channel, channel)) if channel else "",
            str(detail.get("participants") or ""), str(detail.get("outcome") or ""), record.created_by,
            aware(record.created_at).astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None), values["revision"],
        ])
    return write_csv(headers, rows)


def _pack_file_name(plan: _Plan) -> str:
    return f"证据包-{member_name(plan.case_name)}-{plan.draft_id}-{plan.revision}.zip"


def _open_blob(archive: Archive, original: _Original, item: EvidenceItem) -> BinaryIO:
    try:
        return archive.blobs.open(original.blob_sha256)
    except (FileNotFoundError, OSError) as error:
        logger.warning("evidence original missing sha256=%s error=%s", original.blob_sha256, error)
        raise EvidenceSourceMissingError(label=item.label, name=item.name, sha256=original.blob_sha256) from error


def _copy_blob(archive: Archive, original: _Original, target: Path, item: EvidenceItem) -> None:
    digest = hashlib.sha256()
    with _open_blob(archive, original, item) as stream, target.open("wb") as out:
        while chunk := stream.read(COPY_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != original.blob_sha256:
        raise EvidenceSourceMissingError(label=item.label, name=item.name, sha256=original.blob_sha256)


@contextmanager
def _work_dir(archive: Archive) -> Iterator[Path]:
    archive.spool_dir.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="pack-", dir=archive.spool_dir))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class _Counter:
    """Counter of bytes written in the "write" step.

    It reports progress when at least COPY_CHUNK bytes (1 MiB) were added since the last report,
    and on every call once the total is reached.
    """

    def __init__(self, report: Progress, total: int) -> None:
        self.report = report
        self.total = total
        self.done = 0
        self._last = -1

    def add(self, count: int) -> None:
        self.done += count
        if self.done - self._last >= COPY_CHUNK or self.done >= self.total:
            self._last = self.done
            self.report("write", min(self.done, self.total), self.total)


class _CountingReader:
    """Binary stream wrapper that adds the number of bytes read from it to a _Counter."""

    def __init__(self, stream: BinaryIO, counter: _Counter) -> None:
        self.stream = stream
        self.counter = counter

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.counter.add(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        readinto = getattr(self.stream, "readinto", None)
        if readinto is not None:
            count = readinto(buffer)
        else:
            data = self.stream.read(len(buffer))
            count = len(data)
            buffer[:count] = data
        self.counter.add(count or 0)
        return count

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> _CountingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
