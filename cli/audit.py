"""`contract-archive audit ...`: verify the audit log's hash chain and export events to CSV."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

audit_app = typer.Typer(help="Verify the tamper-evident audit log and export it.", no_args_is_help=True)


# Lines are printed with soft_wrap so hashes and file paths stay whole for copying.


def _cli():  # type: ignore[no-untyped-def]
    # cli.main imports this module, so it is imported only when a command runs.
    from cli import main

    return main


@audit_app.command("verify")
def verify() -> None:
    """Check every audit event's hash and link and the chain head. Exit code 1 when anything was altered."""
    from archive.services.audit import verify_chain

    cli = _cli()
    _ = cli.state.gettext
    archive = cli._open()
    try:
        with archive.session() as session:
            report = verify_chain(session)
    finally:
        archive.close()

    if report.intact:
        cli.console.print(_("Audit log intact: {count} events checked. Chain head: event {seq}, hash {hash}.").format(
            count=report.events_checked, seq=report.head_seq, hash=report.head_hash
        ), soft_wrap=True)
        return
    for finding in report.findings:
        # The kind is a stable English code, like an error code, so scripts can match it.
        cli.console.print(f"[bold red]{finding.kind}[/bold red] {escape(finding.message(_))}", highlight=False, soft_wrap=True)
    cli.console.print(_("Audit log altered: {problems} problems found in {count} events.").format(
        problems=len(report.findings), count=report.events_checked
    ), soft_wrap=True)
    raise typer.Exit(1)


@audit_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="CSV file to write (UTF-8 with a byte order mark, for Excel).", dir_okay=False)],
    since: Annotated[Optional[datetime], typer.Option(help="Only events at or after this time (UTC unless a zone is given).")] = None,
    until: Annotated[Optional[datetime], typer.Option(help="Only events before this time (UTC unless a zone is given).")] = None,
    actor: Annotated[Optional[str], typer.Option(help="Only events by this actor.")] = None,
    action: Annotated[Optional[str], typer.Option(help="Only events with this action, such as download.")] = None,
) -> None:
    """Write audit events in seq order to a CSV file, with their hashes."""
    from archive.services.audit import export_events_csv

    cli = _cli()
    _ = cli.state.gettext
    archive = cli._open()
    try:
        with archive.session() as session, file.open("w", encoding="utf-8", newline="") as stream:
            count = export_events_csv(session, stream, since=since, until=until, actor=actor, action=action)
    except OSError as error:
        message = _("Cannot write {file}: {reason}").format(file=escape(str(file)), reason=escape(error.strerror or str(error)))
        cli.err_console.print(f"[bold red]{message}[/bold red]")
        raise typer.Exit(1) from None
    finally:
        archive.close()
    cli.console.print(_("Exported {count} audit events to {file}.").format(count=count, file=escape(str(file))), soft_wrap=True)
