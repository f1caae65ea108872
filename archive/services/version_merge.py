"""Make an uploaded version the newest version of another document of the same contract.

A file uploaded without a target document starts a document of its own. When staff decide it
is a revised copy of an existing document, `attach_as_new_version` moves the version there: it
gets the next version number and supersedes the document's latest version, which stays stored and
readable. Obligations and performance records that point to the moved version keep pointing to
it. Records and attachments that point to the emptied document point to the target document
instead, and the emptied document is removed. One audit event records the old and new places.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from archive.access import Actor, check_contract_visible
from archive.context import Archive
from archive.errors import ArchiveError
from archive.models import AmendmentLink, DeletionRequest, Document, DocumentVersion, PerformanceRecord, RecordAttachment
from archive.services import documents as document_service
from archive.services.audit import record_event
from archive.services.holds import active_holds
from archive.services.linking import link_amendment


class VersionMergeError(ArchiveError):
    code = "version_merge_rejected"
    status = 409
    template = "Version {version_id} cannot be made a version of document {document_id}."


class MergeSameDocumentError(VersionMergeError):
    code = "merge_same_document"
    status = 422
    template = "Version {version_id} already belongs to document {document_id}. Choose another document."


class MergeDifferentContractsError(VersionMergeError):
    code = "merge_different_contracts"
    status = 422
    template = (
        "Version {version_id} is filed under contract {version_contract}, but document {document_id} "
        "belongs to contract {document_contract}. File the upload under that contract first."
    )


class MergeKindMismatchError(VersionMergeError):
    code = "merge_kind_mismatch"
    template = (
        "Version {version_id} is a {version_kind}, but document {document_id} is a {document_kind}. "
        "Correct the kind first, or confirm the merge anyway."
    )

    @classmethod
    def localize_params(cls, params, gettext):  # type: ignore[no-untyped-def]
        return {**params, "version_kind": gettext(str(params.get("version_kind", ""))),
                "document_kind": gettext(str(params.get("document_kind", "")))}


class MergeContractOnHoldError(VersionMergeError):
    code = "merge_contract_on_hold"
    template = (
        "Contract {contract_id} is on legal hold, so its documents and versions cannot be rearranged "
        "until an administrator lifts the hold."
    )


class MergeNotLatestError(VersionMergeError):
    code = "merge_not_latest"
    template = (
        "Version {version_id} is not the latest version of its document, so moving it would break that "
        "document's version history. Only the latest version can be moved."
    )


class MergeDeletedDocumentError(VersionMergeError):
    code = "merge_deleted_document"
    template = "Document {document_id} is deleted, so no version can be moved into or out of it."


class MergeDeletionRequestedError(VersionMergeError):
    code = "merge_deletion_requested"
    template = (
        "Document {document_id} has a deletion request, so its version stays where it is until an "
        "administrator decides the request."
    )


@dataclass(frozen=True)
class MergeResult:
    """The moved version's new place, and the emptied document that was removed, if any."""

    version_id: int
    document_id: int
    contract_id: int | None
    version_number: int
    supersedes_id: int | None
    source_document_id: int
    source_document_removed: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "version_id": self.version_id, "document_id": self.document_id, "contract_id": self.contract_id,
            "version_number": self.version_number, "supersedes_id": self.supersedes_id,
            "source_document_id": self.source_document_id, "source_document_removed": self.source_document_removed,
        }


def attach_as_new_version(
    archive: Archive, *, version_id: int, document_id: int, actor: Actor, force: bool = False,
    client_address: str | None = None,
) -> MergeResult:
    """Make version `version_id` the newest version of document `document_id`, in one transaction.

    Raises NotFoundError for an unknown id or one `actor` may not see, and a VersionMergeError
    when the two are in different contracts, are the same document, differ in kind (unless
    `force`), or the contract is on legal hold. The search index must then be updated for the
    version, because its entries carry the document's kind.
    """
    with archive.session() as session:
        version = document_service.get_version_or_raise(session, version_id)
        source = _locked_document(session, version.document_id)
        check_contract_visible(session, actor, source.contract_id, object_name="Document version", object_id=version_id)
        target = _locked_document(session, document_id)
        check_contract_visible(session, actor, target.contract_id, object_name="Document", object_id=document_id)
        _check_merge(session, version, source, target, force=force)

        previous = document_service.latest_version(session, target.id)
        old_place = {"document_id": source.id, "version_number": version.version_number,
                     "supersedes_id": version.supersedes_id}
        version.document_id = target.id
        version.version_number = document_service.next_version_number(session, target.id)
        version.supersedes_id = previous.id if previous is not None else None
        version.indexed_at = None  # index entries carry the document's kind
        session.flush()
        if source.kind != target.kind:
            # Links were made for the old kind: an amendment links to the contract, nothing else does.
            session.execute(delete(AmendmentLink).where(AmendmentLink.amendment_version_id == version.id))
            session.flush()
            link_amendment(session, document=target, version=version, method="explicit", evidence=None)

        removed = _remove_if_empty(session, source, target)
        record_event(
            session, actor=actor.username, actor_id=actor.user_id, action="version_merged",
            object_type="document_version", object_id=version.id, client_address=client_address,
            summary={"from": old_place,
                     "to": {"document_id": target.id, "version_number": version.version_number,
                            "supersedes_id": version.supersedes_id},
                     "forced": bool(force and source.kind != target.kind),
                     "source_document_removed": removed},
        )
        return MergeResult(
            version_id=version.id, document_id=target.id, contract_id=target.contract_id,
            version_number=version.version_number, supersedes_id=version.supersedes_id,
            source_document_id=old_place["document_id"], source_document_removed=removed,
        )


def _locked_document(session: Session, document_id: int) -> Document:
    """Return the document with its row locked (PostgreSQL), so two merges into it take turns."""
    document = session.get(Document, document_id, with_for_update=True)
    if document is None:
        return document_service.get_document_or_raise(session, document_id)
    return document


def _check_merge(session: Session, version: DocumentVersion, source: Document, target: Document, *, force: bool) -> None:
    ids = {"version_id": version.id, "document_id": target.id}
    if source.id == target.id:
        raise MergeSameDocumentError(**ids)
    if source.contract_id != target.contract_id:
        raise MergeDifferentContractsError(**ids, version_contract=source.contract_id or "—",
                                           document_contract=target.contract_id or "—")
    for document in (source, target):
        if document.deleted_at is not None:
            raise MergeDeletedDocumentError(document_id=document.id)
    if source.contract_id is not None and active_holds(session, source.contract_id):
        raise MergeContractOnHoldError(contract_id=source.contract_id)
    if source.kind != target.kind and not force:
        raise MergeKindMismatchError(**ids, version_kind=source.kind, document_kind=target.kind)
    latest = document_service.latest_version(session, source.id)
    if latest is None or latest.id != version.id:
        raise MergeNotLatestError(version_id=version.id)
    requested = session.scalar(select(DeletionRequest.id).where(DeletionRequest.document_id == source.id).limit(1))
    if requested is not None:
        raise MergeDeletionRequestedError(document_id=source.id)


def _remove_if_empty(session: Session, source: Document, target: Document) -> bool:
    """Point records and attachments of an emptied source document to the target, then remove it."""
    remaining = session.scalar(select(func.count(DocumentVersion.id)).where(DocumentVersion.document_id == source.id))
    if remaining:
        return False
    session.execute(update(PerformanceRecord).where(PerformanceRecord.document_id == source.id)
                    .values(document_id=target.id).execution_options(synchronize_session=False))
    already_attached = select(RecordAttachment.record_id).where(RecordAttachment.document_id == target.id)
    # A record that lists both documents keeps one attachment (record and document are unique together).
    session.execute(delete(RecordAttachment).where(RecordAttachment.document_id == source.id,
                                                   RecordAttachment.record_id.in_(already_attached))
                    .execution_options(synchronize_session=False))
    session.execute(update(RecordAttachment).where(RecordAttachment.document_id == source.id)
                    .values(document_id=target.id).execution_options(synchronize_session=False))
    # NOTE: on SQLite a new document may take the removed document's id when it had the highest
    # one. The version_merged audit event names both documents, so the history stays readable.
    session.delete(source)
    session.flush()
    return True
