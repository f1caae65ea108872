"""One hierarchy of domain errors, rendered as JSON by api/ and as pages by web/.

Each error has a stable `code`, an HTTP-like `status` and an English message
template whose translations live in the message catalog (archive/locale), so
the same error reads in Chinese or English wherever it is shown.
"""

from __future__ import annotations

from typing import Any, Callable


class ArchiveError(Exception):
    """Base class: a problem a person can act on, never a programming error."""

    code = "archive_error"
    status = 400
    template = "The request could not be completed."

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.template.format(**params))

    def localized(self, gettext: Callable[[str], str]) -> str:
        """Return the message in the language of `gettext`."""
        return gettext(self.template).format(**self.localize_params(self.params, gettext))

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        """Translate parameters that are words rather than names or numbers; none by default."""
        return params


class NotFoundError(ArchiveError):
    code = "not_found"
    status = 404
    template = "{object} {id} was not found."

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        return {**params, "object": gettext(str(params.get("object", "")))}


class InvalidInputError(ArchiveError):
    code = "invalid_input"
    status = 422
    template = "{detail}"


class InvalidNumberFieldError(InvalidInputError):
    code = "invalid_number"
    template = "Field '{field}' must be a whole number, not '{value}'."


class UnknownKindError(InvalidInputError):
    code = "unknown_kind"
    template = "Unknown document kind '{kind}'. Use one of: {kinds}."


class NoFileUploadedError(InvalidInputError):
    code = "no_file"
    template = "No file was uploaded: choose one or more PDF or DOCX files."


class NotMultipartError(InvalidInputError):
    code = "not_multipart"
    template = "Send files as multipart/form-data in a field named 'file'."


class FormFieldTooLongError(InvalidInputError):
    code = "field_too_long"
    template = "Form field '{field}' is too long."


class ConflictingTargetError(InvalidInputError):
    code = "conflicting_target"
    template = (
        "Document {document_id} belongs to contract {actual}, not contract {requested}. "
        "Leave the contract empty when uploading a new version, or choose the right document."
    )


class FileRejectedError(ArchiveError):
    """A file that cannot be ingested; the message names the file and what to do."""

    code = "file_rejected"
    status = 422


class EmptyFileError(FileRejectedError):
    code = "empty_file"
    template = "{file} is empty (0 bytes). Upload the complete file again."


class ImageTooSmallError(FileRejectedError):
    code = "image_too_small"
    template = (
        "{file} is an image of {width} x {height} pixels, too small to be a scanned page "
        "(at least {minimum} pixels each way). Scan or photograph the page again and upload that file."
    )


class FileTooLargeError(FileRejectedError):
    code = "file_too_large"
    status = 413
    template = (
        "{file} is larger than the upload limit of {limit_mb} MB. "
        "Split the file or ask an administrator to raise CONTRACT_ARCHIVE_MAX_UPLOAD_MB."
    )


class UnsupportedFileTypeError(FileRejectedError):
    code = "unsupported_type"
    status = 415
    template = (
        "{file} is not a PDF, Word or image file (its content looks like {detected}). "
        "Save it as PDF, DOCX, PNG, JPEG or TIFF and upload it again."
    )

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        return {**params, "detected": gettext(str(params.get("detected", "")))}


class FileUnreadableError(FileRejectedError):
    code = "unreadable"
    template = "{file} cannot be opened ({reason}). Check that the file exists and that you may read it."


class LegacyWordFormatError(FileRejectedError):
    code = "legacy_format"
    status = 415
    template = (
        "{file} is a legacy Word or WPS document (.doc/.wps), which cannot be read directly. "
        "Open it in Word or WPS and save it as .docx or PDF, then upload it again."
    )


class LibreOfficeMissingError(FileRejectedError):
    """A .doc or WPS file that cannot be read because LibreOffice, which converts it to DOCX, is missing."""

    code = "libreoffice_missing"
    template = (
        "{file} is a legacy Word or WPS document (.doc/.wps), which is read by converting it with "
        "LibreOffice, but LibreOffice (soffice) was not found on this server. The original is stored. "
        "Ask an administrator to install LibreOffice (on Debian: apt-get install libreoffice-writer-nogui) "
        "and retry, or save the file as .docx or PDF and upload it again."
    )


class EncryptedFileError(FileRejectedError):
    code = "encrypted"
    template = (
        "{file} is protected by an open password. "
        "Remove the password (or print it to a new PDF) and upload it again."
    )


class ReadFailedError(FileRejectedError):
    """The reader failed on a stored file; the original is kept and can be read again."""

    code = "read_failed"
    template = (
        "{file} could not be read ({detail}). The original is stored; "
        "run 'contract-archive retry {version_id}' after an upgrade, or save the file again as PDF and upload it."
    )


class CorruptFileError(FileRejectedError):
    code = "corrupt_file"
    template = "{file} could not be read as {format}: {detail}. Check that the file opens, then upload it again."

    def __init__(self, **params: Any) -> None:
        # Library messages often end with a full stop, and the template adds its own.
        if isinstance(params.get("detail"), str):
            params["detail"] = params["detail"].rstrip(". ")
        super().__init__(**params)

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        # A library's own message has no translation and stays as it is, unless it is a known one.
        return {
            **params,
            "format": gettext(str(params.get("format", ""))),
            "detail": gettext(str(params.get("detail", ""))),
        }


class BlobStoreError(ArchiveError):
    """The object store that keeps the original files cannot be used. Files already stored are not affected."""

    code = "blob_store_error"
    status = 503


class BlobStoreUnavailableError(BlobStoreError):
    code = "blob_store_unavailable"
    template = (
        "The object store at {endpoint} failed on {key} in bucket {bucket}: {detail}. "
        "Check that the S3 server is running and reachable, and that CONTRACT_ARCHIVE_S3_ENDPOINT, "
        "CONTRACT_ARCHIVE_S3_ACCESS_KEY and CONTRACT_ARCHIVE_S3_SECRET_KEY are correct, then try again."
    )


class BucketWithoutObjectLockError(BlobStoreError):
    code = "bucket_without_object_lock"
    template = (
        "Bucket {bucket} at {endpoint} exists without object lock, so stored originals could be deleted "
        "or overwritten. Object lock can only be enabled when a bucket is created: set "
        "CONTRACT_ARCHIVE_S3_BUCKET to a new bucket name, which the archive creates with object lock, "
        "and copy the existing objects into it."
    )


class BlobStoreSettingMissingError(BlobStoreError):
    code = "blob_store_setting_missing"
    template = (
        "CONTRACT_ARCHIVE_{setting} is not set, but CONTRACT_ARCHIVE_BLOB_STORE is s3. "
        "Set it, or set CONTRACT_ARCHIVE_BLOB_STORE=local to keep files in the data directory."
    )


def all_error_classes() -> list[type[ArchiveError]]:
    """Return every concrete error class, for rendering stored errors and checking catalogs."""
    return _all_subclasses(ArchiveError)


def _all_subclasses(cls: type[ArchiveError]) -> list[type[ArchiveError]]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def render_error(code: str | None, params: dict[str, Any] | None, gettext: Callable[[str], str], fallback: str) -> str:
    """Render a stored error (code and parameters) in the language of `gettext`."""
    for cls in _all_subclasses(ArchiveError):
        if cls.code == code:
            try:
                return gettext(cls.template).format(**cls.localize_params(params or {}, gettext))
            except (KeyError, IndexError):
                return fallback
    return fallback


class JobQueueSettingsError(ArchiveError):
    """The settings select worker processes on a database that cannot hold the job queue."""

    code = "job_queue_settings"
    status = 500
    template = (
        "CONTRACT_ARCHIVE_JOB_BACKEND is {backend}, which keeps its jobs in PostgreSQL, but the database is "
        "{database}. Set CONTRACT_ARCHIVE_DATABASE_URL to a PostgreSQL database, or set "
        "CONTRACT_ARCHIVE_JOB_BACKEND=inprocess."
    )


class PermissionDeniedError(ArchiveError):
    """The actor may not do this; the message names the action."""

    code = "permission_denied"
    status = 403
    template = "Only an administrator may {action}."

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        return {**params, "action": gettext(str(params.get("action", "")))}


class HoldReasonMissingError(InvalidInputError):
    code = "hold_reason_missing"
    template = "A legal hold needs a reason, such as the dispute or case it is for."


class HoldAlreadyLiftedError(ArchiveError):
    code = "hold_already_lifted"
    status = 409
    template = "Legal hold {id} was already lifted by {lifted_by} at {lifted_at}."


class DocumentOnHoldError(ArchiveError):
    code = "document_on_hold"
    status = 409
    template = (
        "Document {document_id} belongs to contract {contract_id}, which is on legal hold, so it stays there "
        "until an administrator lifts the hold."
    )


class SearchBackendError(ArchiveError):
    """Meilisearch rejected a request or failed a task. The database keeps every clause, so nothing is lost."""

    code = "search_backend_error"
    status = 503
    template = (
        "The Meilisearch index {index} failed to {action}: {message}. "
        "Check the Meilisearch server and its logs, then retry or run `contract-archive reindex`."
    )


class SearchSettingsError(ArchiveError):
    """The settings select a search backend but leave out a value it requires."""

    code = "search_settings"
    status = 500
    template = (
        "CONTRACT_ARCHIVE_SEARCH_BACKEND is meilisearch but meili_url is missing: set CONTRACT_ARCHIVE_MEILI_URL "
        "to the server URL, for example http://127.0.0.1:7700, or set CONTRACT_ARCHIVE_SEARCH_BACKEND=tantivy."
    )


class DatabaseUnavailableError(ArchiveError):
    """The database cannot be opened: wrong URL, server down, or no such database."""

    code = "database_unavailable"
    status = 503
    template = (
        "The database at {url} cannot be opened ({detail}). Check CONTRACT_ARCHIVE_DATABASE_URL, "
        "that the server runs and that the database exists."
    )


class BlobMissingError(ArchiveError):
    """A version's original is not in the blob store: it was removed outside the archive."""

    code = "blob_missing"
    status = 500
    template = (
        "The original file of version {version_id} (SHA-256 {sha256}) is missing from the blob store. "
        "Run `contract-archive check` and restore the file from a backup."
    )


class InvalidSettingError(ArchiveError):
    code = "invalid_setting"
    status = 500
    template = "Setting {variable} is invalid: {problem} (value: {value})."


class PdfFontError(ArchiveError):
    """No font with Chinese glyphs that reportlab can embed, so no PDF can be built until one is installed."""

    code = "pdf_font_error"
    status = 503


class PdfFontMissingError(PdfFontError):
    code = "pdf_font_missing"
    template = (
        "No TrueType font with Chinese characters was found for PDF files (looked for {paths}). "
        "Install the Debian package fonts-wqy-microhei, or set CONTRACT_ARCHIVE_PDF_FONT to a .ttf or .ttc font file "
        "with Chinese characters."
    )


class PdfFontUnusableError(PdfFontError):
    code = "pdf_font_unusable"
    template = (
        "The PDF font {path} cannot be used: {problem}. Set CONTRACT_ARCHIVE_PDF_FONT to a TrueType font file "
        "(.ttf or .ttc) with Chinese characters, such as /usr/share/fonts/truetype/wqy/wqy-microhei.ttc, "
        "or unset it to use an installed one."
    )

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        return {**params, "problem": gettext(str(params.get("problem", "")))}


# --- accounts and sign-in ---------------------------------------------------------------------


class NotSignedInError(ArchiveError):
    code = "not_signed_in"
    status = 401
    template = "Sign in to continue."


class SignInFailedError(ArchiveError):
    """Wrong user name or password; the message does not say which, so names cannot be probed."""

    code = "sign_in_failed"
    status = 401
    template = "The user name or password is wrong."


class SignInThrottledError(ArchiveError):
    code = "sign_in_throttled"
    status = 429
    template = "Too many failed sign-ins. Try again in {minutes} minutes."


class RoleRequiredError(ArchiveError):
    code = "role_required"
    status = 403
    template = "Your role ({role}) may not do this. It needs the {required} role."

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        return {**params, "role": gettext(str(params.get("role", ""))), "required": gettext(str(params.get("required", "")))}


class AccessRuleMissingError(ArchiveError):
    """A route has no access rule, so it is open to no one (a programming slip, logged)."""

    code = "access_rule_missing"
    status = 403
    template = "This address is not open to anyone."


class CsrfTokenError(ArchiveError):
    code = "csrf_token_invalid"
    status = 403
    template = "The form has expired or did not come from this site. Reload the page and try again."


class WeakPasswordError(InvalidInputError):
    code = "weak_password"
    template = "The password must have at least {length} characters."


class UsernameTakenError(InvalidInputError):
    code = "username_taken"
    template = "User name '{username}' is taken."


class InvalidUsernameError(InvalidInputError):
    code = "invalid_username"
    template = (
        "User name '{username}' is invalid: use 2 to 100 characters (letters of any script, digits, dots, dashes, "
        "underscores), starting with a letter or digit."
    )


class LastAdministratorError(ArchiveError):
    code = "last_administrator"
    status = 409
    template = "{username} is the last active administrator and cannot be disabled. Add another administrator first."


class InvalidGroupNameError(InvalidInputError):
    code = "invalid_group_name"
    template = "Group name '{name}' is invalid: use 1 to 100 characters without spaces, slashes or angle brackets."


class UnknownRoleError(InvalidInputError):
    code = "unknown_role"
    template = "Unknown role '{role}'. Use one of: {roles}."


class DeletionReasonMissingError(InvalidInputError):
    code = "deletion_reason_missing"
    template = "Give a reason for deleting the document."


class DeletionDecidedError(ArchiveError):
    code = "deletion_decided"
    status = 409
    template = "Deletion request {request_id} was already {state}."

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        return {**params, "state": gettext(str(params.get("state", "")))}


class DeletionOnHoldError(ArchiveError):
    code = "deletion_on_hold"
    status = 409
    template = (
        "Document {document_id} belongs to contract {contract_id}, which is on legal hold, so it cannot be deleted "
        "until an administrator lifts the hold."
    )


class ProblemError(InvalidInputError):
    """An invalid input whose `problem` is a message of its own, with values, translated separately.

    The problem's template is one of archive.problems, so the catalog has it. A `cause` error
    (such as a record refused inside a CSV import) is kept by code and parameters and shown in
    the reader's language as the problem.
    """

    def __init__(self, problem: str = "{message}", *, cause: ArchiveError | None = None, **values: Any) -> None:
        if cause is not None:
            problem, values = cause.template, {**cause.params, **values, "cause_code": cause.code}
        self.problem_template = problem
        params = {k: v for k, v in values.items() if k not in ("problem", "problem_template", "problem_values")}
        params.update(problem=problem.format(**values), problem_template=problem, problem_values=dict(values))
        super().__init__(**params)

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        template = params.get("problem_template")
        if not template:
            return params
        values = dict(params.get("problem_values") or {})
        cause = next((c for c in all_error_classes() if c.code == values.get("cause_code")), None)
        if cause is not None:
            values = cause.localize_params(values, gettext)
        try:
            return {**params, "problem": gettext(template).format(**values)}
        except (KeyError, IndexError):
            return params


class UnknownRecordKindError(InvalidInputError):
    code = "unknown_record_kind"
    template = "Unknown performance record kind '{kind}'. Use one of: {kinds}."


class InvalidRecordError(ProblemError):
    code = "invalid_record"
    template = "Performance record is not valid: {problem}"


class AttachmentNotInContractError(InvalidInputError):
    code = "attachment_not_in_contract"
    template = "Document {document_id} is not filed under contract {contract_id}, so it cannot be attached to its record."


class CaseTransitionError(InvalidInputError):
    code = "case_transition"
    template = "A {kind} case in state '{current}' cannot move to '{target}'. Allowed: {allowed}."


class InvalidObligationError(ProblemError):
    code = "invalid_obligation"
    template = "Obligation is not valid: {problem}"


class InvalidTermsError(ProblemError):
    code = "invalid_terms"
    template = "Contract terms are not valid: {problem}"


class ObligationReviewedError(ArchiveError):
    code = "obligation_reviewed"
    status = 409
    template = "Obligation {id} was already {review} by {reviewed_by}."


class AllocationExceedsPaymentError(InvalidInputError):
    code = "allocation_exceeds_payment"
    template = "The amounts applied to obligations ({allocated}) exceed the payment's amount ({amount})."


class AlertStateError(InvalidInputError):
    code = "alert_state"
    template = (
        "Alert {id} cannot move from '{current}' to '{target}'. "
        "The state must be open, acknowledged or resolved, and resolving needs a note."
    )


class InvalidEmailError(InvalidInputError):
    code = "invalid_email"
    template = "'{address}' is not an e-mail address."


class CsvImportError(ProblemError):
    code = "csv_import"
    template = "{filename}, line {line}: {problem}"


class EvidenceFileError(ProblemError):
    """An evidence item's file that cannot go into the printable bundle. `problem` states why and what to do."""

    code = "evidence_file"
    template = "Evidence {label} {name} ({file}) cannot be added to the bundle: {problem}"


class InvalidEvidenceDraftError(ProblemError):
    code = "invalid_evidence_draft"
    template = "Evidence draft {draft_id} is not valid: {problem}"

    @classmethod
    def localize_params(cls, params: dict[str, Any], gettext: Callable[[str], str]) -> dict[str, Any]:
        # `source` names the kind of thing an item points at ("Document version"), a word to translate.
        values = dict(params.get("problem_values") or {})
        if "source" in values:
            values["source"] = gettext(str(values["source"]))
            params = {**params, "problem_values": values}
        return super().localize_params(params, gettext)


class EvidenceDraftNotSavedError(InvalidInputError):
    code = "evidence_draft_not_saved"
    status = 409
    template = "Evidence draft {draft_id} has not been saved yet. Save it, then build the pack from the saved draft."


class EvidenceSourceMissingError(InvalidInputError):
    code = "evidence_source_missing"
    status = 409
    template = (
        "Evidence {label} ({name}) cannot be packed: its stored file {sha256} is missing or does not match "
        "its SHA-256. Run 'contract-archive check' and restore the file from a backup."
    )


class EvidencePackFileMissingError(ArchiveError):
    """A built pack's ZIP file is not in the blob store: it was removed outside the archive."""

    code = "evidence_pack_file_missing"
    status = 500
    template = (
        "The ZIP file of evidence pack {pack_id} (SHA-256 {sha256}) is missing from the blob store. "
        "Run `contract-archive check` and restore the file from a backup, or build the pack again."
    )


class OnePackRequiredError(InvalidInputError):
    code = "one_pack_required"
    template = (
        "Send exactly one evidence pack ZIP file, as multipart/form-data in a field named 'file' "
        "(the request had {count})."
    )


class BuildInterruptedError(ArchiveError):
    code = "build_interrupted"
    status = 409
    template = "The pack build stopped without finishing, because the process running it ended. Start the build again."


class PackTooLargeError(FileTooLargeError):
    code = "pack_too_large"
    template = (
        "{file} is larger than the upload limit of {limit_mb} MB. A pack cannot be split without changing it, "
        "so check it on the server with 'contract-archive pack verify', which has no size limit."
    )


class EvidenceRevisionReplacedError(InvalidInputError):
    code = "evidence_revision_replaced"
    status = 409
    template = (
        "Revision {revision} of evidence draft {draft_id} was not built, because the draft was saved again as "
        "revision {current} before the build started. Build the pack again to pack revision {current}."
    )
