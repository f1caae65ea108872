"""The contract-archive command line."""

from __future__ import annotations

import getpass
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from archive.context import Archive, open_archive
from archive.errors import ArchiveError, InvalidSettingError, render_error
from archive.i18n import get_translations, pick_locale
from archive.settings import Settings
from archive.times import format_local
from archive.notices import localize_evidence, localize_notice, localize_reason
from cli.audit import audit_app
from cli.packs import pack_app
from cli.output import ingest_table, print_json_line, snippet_markup
from cli.performance import alerts_app, export_app, records_app
from cli.users import group_app, user_app

app = typer.Typer(add_completion=False, no_args_is_help=True, help="contract-archive: contracts, clauses and their performance.")
console = Console()
err_console = Console(stderr=True)

# Files a folder walk picks up; files named on the command line are always tried.
DOCUMENT_SUFFIXES = {
    ".pdf", ".docx", ".docm", ".dotx", ".doc", ".wps", ".png", ".jpg", ".jpeg", ".tif", ".tiff",
}
# A batch ingest commits the search index after this many files (and at the end).
INDEX_BATCH_FILES = 50


class State:
    settings: Settings
    locale = "zh_CN"
    gettext = staticmethod(lambda s: s)


state = State()


@app.callback()
def configure(
    lang: Annotated[Optional[str], typer.Option(help="Language of messages: zh_CN or en.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    state.gettext = get_translations(pick_locale(lang or os.environ.get("CONTRACT_ARCHIVE_LANGUAGE", "zh_CN"))).gettext
    try:
        state.settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "_".join(str(part) for part in problem["loc"]).upper()
            invalid = InvalidSettingError(
                variable=f"CONTRACT_ARCHIVE_{name}", problem=problem["msg"], value=problem.get("input", "")
            )
            err_console.print(f"[bold red]{escape(invalid.localized(state.gettext))}[/bold red]")
        raise typer.Exit(2) from None
    state.locale = pick_locale(lang or state.settings.language)
    state.gettext = get_translations(state.locale).gettext


def _open() -> Archive:
    return open_archive(state.settings)


def _fail(error: ArchiveError) -> None:
    err_console.print(f"[bold red]{error.localized(state.gettext)}[/bold red]")
    raise typer.Exit(2)


def collect_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Expand folders recursively; return (files to ingest, files skipped as not documents)."""
    files: list[Path] = []
    skipped: list[Path] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(_walk(path)):
                if child.is_dir():
                    files.append(child)  # a folder that cannot be listed: reported as unreadable
                elif not child.name.startswith("."):
                    (files if child.suffix.lower() in DOCUMENT_SUFFIXES else skipped).append(child)
        else:
            files.append(path)
    return files, skipped


def _walk(folder: Path) -> list[Path]:
    """Return every file under `folder`, and each sub-folder that could not be listed."""
    found: list[Path] = []
    unreadable: list[Path] = []

    def on_error(error: OSError) -> None:
        unreadable.append(Path(error.filename))

    for root, _dirs, names in os.walk(folder, onerror=on_error):
        found.extend(Path(root) / name for name in names)
    return found + unreadable


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).", readable=False)],
    contract: Annotated[Optional[int], typer.Option("--contract", help="File every document under this contract ID.")] = None,
    new_version_of: Annotated[Optional[int], typer.Option(help="Store the file as a new version of this document ID.")] = None,
    kind: Annotated[Optional[str], typer.Option(help="Document kind, instead of detecting it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per file.")] = False,
) -> None:
    """Ingest PDF, Word and image files (scans are OCRed): store, read, split into clauses, extract fields, index."""
    from ingest.indexing import index_pending
    from ingest.result import FAILED, IngestResult

    _ = state.gettext
    files, skipped = collect_files(paths)
    missing = [p for p in files if not p.exists()]
    archive = _open()
    results: list[IngestResult] = []
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err_console, disable=as_json or not err_console.is_terminal, transient=True,
        ) as progress:
            task = progress.add_task(_("Ingesting"), total=len(files))
            for path in files:
                progress.update(task, description=path.name[:40])
                if path in missing:
                    result = IngestResult(file=str(path), status=FAILED, error_code="not_found",
                                          error=_("{file} does not exist.").format(file=path))
                else:
                    result = _ingest_one(archive, path, contract, new_version_of, kind)
                    if result.error:
                        result.error = render_error(result.error_code, result.error_params, _, result.error)
                results.append(result)
                if as_json:
                    print_json_line(console, result.as_dict())
                progress.advance(task)
                if len(results) % INDEX_BATCH_FILES == 0:
                    index_pending(archive)
    finally:
        # Whatever happened, the versions stored so far become searchable.
        index_pending(archive)
        archive.close()
    if not as_json:
        console.print(ingest_table(results, _))
        if skipped:
            console.print(_("Skipped {count} files that are not PDF, Word or image files: {names}").format(
                count=len(skipped), names=", ".join(p.name for p in skipped[:10])))
    if any(r.unusable for r in results):
        raise typer.Exit(1)


def _ingest_one(archive: Archive, path: Path, contract: int | None, new_version_of: int | None, kind: str | None):  # type: ignore[no-untyped-def]
    """Ingest one file; an unexpected error fails this file only, never the batch."""
    from ingest.pipeline import ingest_path
    from ingest.result import FAILED, IngestResult

    try:
        return ingest_path(archive, path, contract_id=contract, new_version_of=new_version_of, kind=kind, index=False)
    except Exception as error:  # noqa: BLE001 - reported per file; the batch goes on
        logging.getLogger(__name__).exception("ingest failed file=%s", path)
        return IngestResult(file=str(path), status=FAILED, error_code="internal_error",
                            error=f"{path}: {type(error).__name__}: {error}")


@app.command()
def show(
    version_id: Annotated[int, typer.Argument(help="Document version ID.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a document version with its fields and clauses."""
    from archive.queries import version_detail

    archive = _open()
    try:
        detail = version_detail(archive, version_id)
    except ArchiveError as error:
        _fail(error)
        return
    finally:
        archive.close()
    if as_json:
        print_json_line(console, detail)
        return
    _ = state.gettext
    version = detail["version"]
    console.print(f"[bold]{version['title'] or version['filename']}[/bold]  #{version['id']}  {_(version['state'])}  {_(detail['document']['kind'])}")
    if version["error_code"] or version["error_message"]:
        error = render_error(version["error_code"], version["error_params"], _, version["error_message"] or "")
        console.print(f"  [red]{escape(error)}[/red]")
    ocr_pages = [page for page in (version.get("quality") or {}).get("pages", []) if page.get("ocr")]
    if ocr_pages:
        confidences = ", ".join(
            f"{page['page']}: {page['ocr_confidence']:g}" for page in ocr_pages if page.get("ocr_confidence") is not None
        )
        console.print("  " + _("OCR mean word confidence by page: {confidences}").format(confidences=confidences))
    for page in (version.get("quality") or {}).get("pages", []):
        if page.get("needs_ocr") and page.get("reason"):
            reason = localize_reason(page["reason"], _)
            console.print("  [yellow]" + escape(_("Page {page} needs OCR: {reason}").format(page=page["page"], reason=reason)) + "[/yellow]")
    for name, values in detail["fields"].items():
        console.print(f"  {_(name)}: " + "; ".join(v["display"] for v in values))
    for warning in version["warnings"]:
        console.print(f"  [yellow]! {escape(localize_notice(warning, _))}[/yellow]")
    for candidate in version["link_candidates"]:
        console.print("  " + _("Possible contract {id}: {reasons}").format(
            id=candidate["contract_id"], reasons=localize_evidence("; ".join(candidate["reasons"]), _)))
    for clause in detail["clauses"]:
        pages = _page_span(clause["page_start"], clause["page_end"])
        label = clause["number"] or _(clause["role"])
        console.print(f"{'  ' * clause['level']}[bold]{label}[/bold] {clause['heading'] or ''} [dim]{pages}[/dim]")


def _page_span(start: int | None, end: int | None) -> str:
    if not start:
        return ""
    return f"p.{start}" if not end or end == start else f"p.{start}-{end}"


@app.command(context_settings={"ignore_unknown_options": True})
def search(
    query: Annotated[str, typer.Argument(help="Words, a \"quoted phrase\", -excluded words.")],
    contract: Annotated[Optional[int], typer.Option("--contract", help="Only this contract ID.")] = None,
    kind: Annotated[Optional[str], typer.Option(help="Only this document kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Number of hits.")] = 10,
    offset: Annotated[int, typer.Option(min=0, help="Hits to skip, for paging.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per hit.")] = False,
) -> None:
    """Search clause text across all contracts."""
    from archive.queries import search_clauses
    from archive.services.contracts import get_contract_or_raise
    from ingest.indexing import index_pending
    from archive.services.documents import validate_kind

    archive = _open()
    try:
        if kind is not None:
            validate_kind(kind)
        if contract is not None:
            with archive.session() as session:
                get_contract_or_raise(session, contract)
        index_pending(archive)  # versions not yet indexed (after an upgrade or an interrupted run)
        page = search_clauses(archive, query, contract_id=contract, kind=kind, limit=limit, offset=offset)
    except ArchiveError as error:
        _fail(error)
        return
    finally:
        archive.close()
    if as_json:
        for hit in page["hits"]:
            print_json_line(console, hit)
        return
    _ = state.gettext
    console.print(_("{total} matching clauses").format(total=page["total"]))
    for hit in page["hits"]:
        snippet = snippet_markup(hit["snippet"])
        console.print(f"[bold]{hit['number'] or ''}[/bold] [dim]{_('Contract')} {hit['contract_id']} · {_('Version')} {hit['document_version_id']} · {hit['score']:.2f}[/dim]")
        console.print("  " + snippet, highlight=False)


@app.command()
def reindex() -> None:
    """Rebuild the search index from the database."""
    from ingest.indexing import reindex_all

    archive = _open()
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err_console,
                      disable=not err_console.is_terminal) as progress:
            task = progress.add_task(state.gettext("Reindexing"), total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            count = reindex_all(archive, progress=report)
    finally:
        archive.close()
    console.print(state.gettext("Indexed {count} clauses.").format(count=count))


@app.command()
def retry(version_id: Annotated[int, typer.Argument(help="Document version ID that failed or is pending.")]) -> None:
    """Read a stored version again (after a failure or an interrupted run)."""
    from ingest.pipeline import retry_version

    archive = _open()
    try:
        result = retry_version(archive, version_id)
    except ArchiveError as error:
        _fail(error)
        return
    finally:
        archive.close()
    if result.error:
        result.error = render_error(result.error_code, result.error_params, state.gettext, result.error)
    console.print(ingest_table([result], state.gettext))
    if result.unusable:
        raise typer.Exit(1)


@app.command()
def check(
    repair: Annotated[bool, typer.Option("--repair", help="Re-index what the search index lacks or should not contain. Blobs are never changed.")] = False,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Skip re-hashing every stored blob, which reads all of them.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Compare the database, the blob store and the search index. Exit 1 when problems remain."""
    from archive.services import consistency
    from ingest import indexing

    _ = state.gettext
    archive = _open()
    try:
        report = _run_check(archive, indexing, verify_hashes=not no_verify, quiet=as_json)
        result = consistency.repair(archive, report, indexing=indexing) if repair else None
    except ArchiveError as error:
        _fail(error)
        return
    finally:
        archive.close()
    remaining = result.remaining if result is not None else report.findings
    if as_json:
        payload = report.as_dict(_)
        payload["repair"] = result.as_dict(_) if result is not None else None
        print_json_line(console, payload)
    else:
        _print_check(report, result, _)
    if remaining:
        raise typer.Exit(1)


def _run_check(archive: Archive, indexing, *, verify_hashes: bool, quiet: bool):  # type: ignore[no-untyped-def]
    """Run the consistency check with a progress bar over the blobs it re-hashes."""
    from archive.services.consistency import check as check_archive

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, disable=quiet or not err_console.is_terminal, transient=True) as progress:
        task = progress.add_task(state.gettext("Verifying blobs"), total=None)

        def report_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return check_archive(archive, indexing=indexing, verify_hashes=verify_hashes, progress=report_progress)


def _print_check(report, result, _) -> None:  # type: ignore[no-untyped-def]
    from cli.output import findings_table

    if not report.hashes_verified:
        console.print(_("Blob hashes were not verified (--no-verify)."))
    if report.findings:
        console.print(findings_table(report.findings, _, title=_("Consistency problems")))
    if result is None:
        if report.clean:
            console.print(_("No problems found: {blobs} blobs and {clauses} clauses checked.").format(
                blobs=report.blobs_listed, clauses=report.clauses_checked))
        else:
            console.print(_("Problems found: {count}.").format(count=len(report.findings)))
        return
    if result.index_rebuilt:
        console.print(_("Rebuilt the search index from the database: {clauses} clauses.").format(clauses=result.clauses_indexed))
    else:
        console.print(_("Search index repaired. Versions indexed again: {versions}. Clauses indexed: {clauses}. Versions removed from the index: {removed}.").format(
            versions=len(result.versions_reindexed), clauses=result.clauses_indexed, removed=len(result.versions_removed_from_index)))
    if result.remaining:
        console.print(findings_table(result.remaining, _, title=_("Problems that remain after repair")))
        console.print(_("Problems remaining: {count}. Repair changes only the search index and never deletes or rewrites blobs.").format(
            count=len(result.remaining)))
    else:
        console.print(_("No problems remain."))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Run the web application and API."""
    import uvicorn

    from api.app import create_app

    _announce_first_admin()
    uvicorn.run(create_app(served_settings(state.settings, host, port)), host=host, port=port)


def served_settings(settings: Settings, host: str, port: int) -> Settings:
    """Point links in calendar feeds and e-mails at this server unless CONTRACT_ARCHIVE_PUBLIC_URL is set."""
    if "public_url" in settings.model_fields_set:
        return settings
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return settings.model_copy(update={"public_url": f"http://{shown}:{port}"})


def _announce_first_admin() -> None:
    """On first start, create the administrator and show the generated password once, on this terminal only."""
    from cli.users import ensure_first_admin

    archive = _open()
    try:
        created = ensure_first_admin(archive)
    finally:
        archive.close()
    if created is not None:
        username, password = created
        err_console.print(state.gettext(
            "First start: administrator {user} was created with the password below. It is shown only now. "
            "Sign in and replace it with `contract-archive user reset-password {user}`."
        ).format(user=username))
        err_console.print(f"[bold]{escape(password)}[/bold]", highlight=False)


hold_app = typer.Typer(help="Place, lift and list legal holds on contracts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(group_app, name="group")
app.add_typer(audit_app, name="audit")
app.add_typer(hold_app, name="hold")
app.add_typer(alerts_app, name="alerts")
app.add_typer(records_app, name="records")
app.add_typer(export_app, name="export")
app.add_typer(pack_app, name="pack")


@hold_app.command("place")
def hold_place(
    contract_id: Annotated[int, typer.Argument(help="Contract whose files are held.")],
    reason: Annotated[str, typer.Option(help="The dispute or case the files are held for.")],
) -> None:
    """Hold every file of a contract, so that it cannot be removed. New files of the contract are held too."""
    from archive.services.holds import place_hold

    archive = _open()
    try:
        hold = place_hold(archive, contract_id, reason=reason, actor=_local_actor())
    except ArchiveError as error:
        _fail(error)
        return
    finally:
        archive.close()
    console.print(state.gettext("Legal hold {id} placed on contract {contract}.").format(id=hold.id, contract=contract_id))


@hold_app.command("lift")
def hold_lift(
    hold_id: Annotated[int, typer.Argument(help="Legal hold to lift.")],
    reason: Annotated[str, typer.Option(help="Why the files need no longer be held.")],
) -> None:
    """Lift a legal hold (an administrator's action: this command runs on the server)."""
    from archive.services.holds import lift_hold

    archive = _open()
    try:
        # A person with a shell on the server administers the archive.
        hold = lift_hold(archive, hold_id, reason=reason, actor=_local_actor(), is_admin=True)
    except ArchiveError as error:
        _fail(error)
        return
    finally:
        archive.close()
    console.print(state.gettext("Legal hold {id} lifted.").format(id=hold.id))


@hold_app.command("list")
def hold_list(contract_id: Annotated[Optional[int], typer.Argument(help="Only this contract's holds.")] = None) -> None:
    """List legal holds, active and lifted."""
    from archive.services.holds import list_holds

    _ = state.gettext
    archive = _open()
    try:
        with archive.session() as session:
            rows = list_holds(session, contract_id)
            table = Table(title=_("Legal holds"))
            for heading in (_("Hold"), _("Contract"), _("State"), _("Reason"), _("Placed"), _("Lifted")):
                table.add_column(heading, overflow="fold")
            for hold in rows:
                zone = state.settings.time_zone
                placed = f"{hold.placed_by} {format_local(hold.placed_at, zone)}"
                lifted = f"{hold.lifted_by} {format_local(hold.lifted_at, zone)}" if hold.lifted_at else ""
                table.add_row(str(hold.id), str(hold.contract_id), _("active") if hold.active else _("lifted"),
                              escape(hold.reason), placed, lifted)
    finally:
        archive.close()
    console.print(table)


def _local_actor() -> str:
    """Name the person at the server's shell in the audit log."""
    return f"cli:{getpass.getuser()}"


@app.command()
def migrate() -> None:
    """Bring the database schema (and the job queue's, for worker processes) up to date, then exit."""
    archive = _open()
    archive.close()
    if state.settings.job_backend == "procrastinate":
        from ingest.jobs.queue import ensure_schema

        try:
            ensure_schema(state.settings)
        except ArchiveError as error:
            _fail(error)
    console.print(state.gettext("The database schema is up to date."))


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="Jobs this worker runs at once.")] = 1,
) -> None:
    """Run a worker that reads uploaded files and updates the search index (job_backend=procrastinate)."""
    from ingest.jobs.queue import run_worker

    if state.settings.job_backend != "procrastinate":
        console.print(state.gettext(
            "Jobs run inside each command because CONTRACT_ARCHIVE_JOB_BACKEND is inprocess; "
            "set it to procrastinate to run workers."
        ))
        raise typer.Exit(2)
    try:
        run_worker(state.settings, concurrency=concurrency)
    except ArchiveError as error:
        _fail(error)


@app.command()
def demo(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Documents to load; sample documents when omitted.")] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the documents and exit.")] = False,
) -> None:
    """Load documents (or generated samples), then serve the web application."""
    from cli.samples import write_samples
    from ingest.pipeline import ingest_path

    _ = state.gettext
    if not paths:
        paths = [write_samples(state.settings.data_dir / "samples")]
    files, _skipped = collect_files(paths)
    archive = _open()
    try:
        results = [ingest_path(archive, path) for path in files]
        # The alerts page starts current; the scheduler or cron keeps it so in production.
        from archive.services.alerts import alert_settings, run_alerts

        with archive.session() as session:
            run_alerts(session, settings=alert_settings(archive.settings))
    finally:
        archive.close()
    console.print(ingest_table(results, _))
    if not no_serve:
        console.print(_("Open http://{host}:{port}/ in a browser.").format(host=host, port=port))
        serve(host=host, port=port)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except ArchiveError as error:
        # A setting or a backend that cannot be used (database, S3, Meilisearch): one message, no traceback.
        err_console.print(f"[bold red]{escape(error.localized(state.gettext))}[/bold red]")
        sys.exit(2)
