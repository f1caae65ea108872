"""Commands of `contract-archive pack`, which list evidence drafts and build, download and verify evidence packs."""

from __future__ import annotations

import getpass
import shutil
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from archive.access import Actor
from archive.errors import ArchiveError
from archive.models import ADMIN
from archive.times import format_local

pack_app = typer.Typer(help="Build, download and verify evidence packs (证据包).", no_args_is_help=True)
# `pack verify` exit code for a pack whose files match its manifest when the archive could not be reached.
UNCONFIRMED_EXIT_CODE = 3


def _cli():  # type: ignore[no-untyped-def]
    # cli.main imports this module, so it is imported only when a command runs.
    from cli import main

    return main


def _actor() -> Actor:
    # A person with a shell on the server administers the archive, so the CLI acts as an admin.
    # Audit events name the operating system user.
    return Actor(user_id=None, username=f"cli:{getpass.getuser()}", role=ADMIN)


@pack_app.command("drafts")
def drafts(
    contract: Annotated[Optional[int], typer.Option(help="Only drafts that draw on this contract.")] = None,
) -> None:
    """List evidence drafts with their saved revision and the packs built from them."""
    from archive.services.evidence_drafts import draft_items, list_drafts
    from archive.services.evidence_packs import list_packs

    cli = _cli()
    _ = cli.state.gettext
    archive = cli._open()
    try:
        with archive.session() as session:
            table = Table(title=_("Evidence drafts"))
            for heading in (_("Draft"), _("Case name"), _("Items"), _("Saved revision"), _("Saved at"), _("Packs")):
                table.add_column(heading, overflow="fold")
            for draft in list_drafts(session, actor=_actor(), contract_id=contract):
                saved = format_local(draft.saved_at, cli.state.settings.time_zone) if draft.saved_at else _("not saved")
                table.add_row(str(draft.id), escape(draft.case_name), str(len(draft_items(session, draft.id))),
                              str(draft.revision or ""), saved, str(len(list_packs(session, draft.id))))
    finally:
        archive.close()
    cli.console.print(table)


@pack_app.command("build")
def build(
    draft: Annotated[int, typer.Argument(help="The draft whose last saved revision is packed.")],
    out: Annotated[Optional[Path], typer.Option(help="Also write the pack to this file.", dir_okay=False)] = None,
) -> None:
    """Build the pack of a saved draft, store it under a legal hold and record its hashes in the audit log."""
    from archive.services.evidence_packs import build_pack

    cli = _cli()
    _ = cli.state.gettext
    archive = cli._open()
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                      console=cli.err_console, transient=True) as progress:
            prepare = progress.add_task(_("Preparing the bundle"), total=None)
            write = progress.add_task(_("Writing the pack"), total=None, visible=False)

            def report(step: str, done: int, total: int) -> None:
                if step == "prepare":
                    progress.update(prepare, completed=done, total=total)
                else:
                    progress.update(prepare, visible=False)
                    progress.update(write, completed=done, total=total, visible=True)

            built = build_pack(archive, draft, actor=_actor(), progress=report)
        if out is not None:
            _write_copy(archive, built, out, cli)
    except ArchiveError as error:
        cli._fail(error)
    except OSError as error:
        # The spool or the blob store could not be written, such as a full disk. Nothing was stored.
        message = _("The pack could not be built: {reason}. Nothing was stored.").format(
            reason=error.strerror or error)
        cli.err_console.print(f"[bold red]{escape(message)}[/bold red]", soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        archive.close()
    cli.console.print(_("Pack {id} built from revision {revision} of draft {draft}: {files} files, {size} bytes.").format(
        id=built.id, revision=built.draft_revision, draft=built.draft_id, files=built.file_count, size=built.size),
        soft_wrap=True)
    cli.console.print(f"manifest.json SHA-256: {built.manifest_sha256}", soft_wrap=True, highlight=False)
    cli.console.print(f"ZIP SHA-256: {built.blob_sha256}", soft_wrap=True, highlight=False)
    if out is not None:
        cli.console.print(_("Written to {file}.").format(file=escape(str(out))), soft_wrap=True)


@pack_app.command("download")
def download(
    pack: Annotated[int, typer.Argument(help="The pack's number, as 'pack build' printed it.")],
    out: Annotated[Path, typer.Argument(help="The file to write.", dir_okay=False)],
) -> None:
    """Write a stored pack to a file, byte for byte as it was built."""
    from archive.services.evidence_packs import get_pack

    cli = _cli()
    _ = cli.state.gettext
    archive = cli._open()
    try:
        _write_copy(archive, get_pack(archive, pack, actor=_actor()), out, cli)
    except ArchiveError as error:
        cli._fail(error)
    finally:
        archive.close()
    cli.console.print(_("Written to {file}.").format(file=escape(str(out))), soft_wrap=True)


def _write_copy(archive, built, out: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Copy a stored pack to `out` byte for byte; print a write error and exit with status 1."""
    from archive.services.evidence_packs import open_pack

    try:
        with open_pack(archive, built, actor=_actor()) as stream, out.open("wb") as target:
            shutil.copyfileobj(stream, target, 1 << 20)
    except OSError as error:
        message = cli.state.gettext("Cannot write {file}: {reason}").format(file=out,
                                                                           reason=error.strerror or error)
        cli.err_console.print(f"[bold red]{escape(message)}[/bold red]", soft_wrap=True)
        raise typer.Exit(1) from None


@pack_app.command("verify")
def verify(
    pack: Annotated[Path, typer.Argument(help="The pack's ZIP file.", exists=False, dir_okay=False)],
    offline: Annotated[bool, typer.Option(
        "--offline", help="Check the files only, without connecting to the archive.")] = False,
) -> None:
    """Check every file of a pack against its manifest, and the manifest against the archive when it can be reached.

    The exit code is 0 when everything matches, or with --offline when the files match. It is 1
    when anything differs, and 3 when the files match but the archive could not be reached.
    """
    from sqlalchemy.orm import Session

    from archive.evidence.verify import verify_against_archive, verify_pack
    from archive.services.evidence_packs import DatabaseLookup

    cli = _cli()
    _ = cli.state.gettext
    report = verify_pack(pack)
    for problem in report.problems:
        cli.console.print(f"[bold red]{problem.kind}[/bold red] {escape(problem.message(_))}", highlight=False,
                          soft_wrap=True)
    cli.console.print(report.summary(_), soft_wrap=True, highlight=False)
    ok = report.intact
    unconfirmed = False
    if offline:
        cli.console.print(_("Not compared with the archive (--offline)."), soft_wrap=True)
    else:
        engine, reason = _open_existing_database(cli.state.settings, _)
        if engine is None:
            unconfirmed = True
            cli.console.print(_("The archive cannot be reached, so only the files were checked: {reason}").format(
                reason=escape(reason)), soft_wrap=True, highlight=False)
        else:
            try:
                with Session(engine) as session:
                    check = verify_against_archive(report, DatabaseLookup(session))
            finally:
                engine.dispose()
            for problem in check.problems:
                cli.console.print(f"[bold red]{problem.kind}[/bold red] {escape(problem.message(_))}",
                                  highlight=False, soft_wrap=True)
            cli.console.print(check.summary(_), soft_wrap=True, highlight=False)
            ok = ok and check.confirmed
    if not ok:
        raise typer.Exit(1)
    if unconfirmed:
        raise typer.Exit(UNCONFIRMED_EXIT_CODE)


def _open_existing_database(settings, _):  # type: ignore[no-untyped-def]
    """Connect to the configured database if it exists and has the evidence pack table.

    Returns (engine, None) on success and (None, reason) otherwise. Verifying must never create
    an empty archive, database or bucket where the settings point by mistake, because an empty
    archive would report a genuine pack as unknown. So this opens neither the blob store nor
    migrations, and it returns a reason instead of opening a SQLite file that does not exist.
    """
    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from archive.db.engine import make_engine

    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        return None, _("the database file {file} does not exist").format(file=url.database)
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            known = inspect(connection).has_table("evidence_pack")
    except SQLAlchemyError as error:
        engine.dispose()
        return None, str(getattr(error, "orig", None) or error).strip().splitlines()[0]
    if not known:
        engine.dispose()
        return None, _("the database has no evidence packs; run 'contract-archive migrate' if it is an older archive")
    return engine, None
