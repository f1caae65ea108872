"""`contract-archive alerts|records|export ...`: the daily alert run, e-mail digests, CSV import and exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

alerts_app = typer.Typer(help="Compute risk alerts and send reminders.", no_args_is_help=True)
records_app = typer.Typer(help="Import performance records.", no_args_is_help=True)
export_app = typer.Typer(help="Export the contract ledger and receivables as XLSX or CSV.", no_args_is_help=True)


def _cli():  # type: ignore[no-untyped-def]
    # cli.main imports this module, so it is imported only when a command runs.
    from cli import main

    return main


def _today(value: Optional[str]) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        cli = _cli()
        cli.err_console.print(cli.state.gettext("'{value}' is not a date (use YYYY-MM-DD).").format(value=value))
        raise typer.Exit(2) from None


@alerts_app.command("run")
def run(
    today: Annotated[Optional[str], typer.Option(help="Compute as of this day (YYYY-MM-DD); today when unset.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compute and print the counts, but store nothing.")] = False,
) -> None:
    """Re-date obligations and compute every alert; run it once a day (cron or a systemd timer)."""
    from archive.errors import ArchiveError
    from archive.services.alerts import alert_settings, latest_run_day, run_alerts

    cli = _cli()
    _ = cli.state.gettext
    day = _today(today)
    archive = cli._open()
    try:
        session = archive.session_factory()
        try:
            latest = latest_run_day(session)
            if latest is not None and day < latest and not dry_run:
                # A run for an earlier day would close alerts that staff acknowledged and reopen them as new.
                cli.err_console.print(_(
                    "Alerts were already computed as of {latest}. A run as of the earlier day {today} would close "
                    "and reopen alerts and lose their acknowledgements; add --dry-run to see its counts without storing."
                ).format(latest=latest.isoformat(), today=day.isoformat()))
                raise typer.Exit(2)
            summary = run_alerts(session, today=day, settings=alert_settings(archive.settings))
            if dry_run:
                session.rollback()
            else:
                session.commit()
        finally:
            session.close()
    except ArchiveError as error:
        cli._fail(error)
    finally:
        archive.close()
    message = _("Alerts as of {today}: {contracts} contracts, {computed} alerts ({opened} new, {cleared} cleared).")
    if dry_run:
        message = _("Dry run, nothing stored. Alerts as of {today}: {contracts} contracts, {computed} alerts ({opened} new, {cleared} cleared).")
    cli.console.print(message.format(
        today=summary.today.isoformat(), contracts=summary.contracts, computed=summary.computed,
        opened=summary.opened, cleared=summary.cleared))


@alerts_app.command("digest")
def digest(
    today: Annotated[Optional[str], typer.Option(help="Compose as of this day (YYYY-MM-DD).")] = None,
    days_ahead: Annotated[int, typer.Option(min=0, max=365, help="List due dates this many days ahead.")] = 14,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print who would get a digest instead of sending.")] = False,
) -> None:
    """E-mail each user with an address their open alerts and coming due dates (needs SMTP settings)."""
    from sqlalchemy import select

    from archive.access import actor_for
    from archive.i18n import get_translations, pick_locale
    from archive.models import User
    from archive.reminders.digest import DigestDeliveryError, SmtpOptions, compose_digest, send_digest
    from archive.services import reports

    cli = _cli()
    _ = cli.state.gettext
    day = _today(today)
    archive = cli._open()
    settings = archive.settings
    if settings.smtp_host is None and not dry_run:
        cli.err_console.print(_("No SMTP server is set (CONTRACT_ARCHIVE_SMTP_HOST), so no digest can be sent."))
        archive.close()
        raise typer.Exit(2)
    smtp = SmtpOptions(host=settings.smtp_host or "", port=settings.smtp_port, username=settings.smtp_username,
                       password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                       starttls=settings.smtp_starttls and not settings.smtp_ssl, ssl=settings.smtp_ssl)
    locale = pick_locale(settings.language)
    gettext = get_translations(locale).gettext
    failures = sent = 0
    try:
        with archive.session() as session:
            users = session.scalars(select(User).where(User.disabled_at.is_(None), User.email.is_not(None))).all()
            for user in users:
                actor = actor_for(session, user.id, user.username, user.role)
                alerts = reports.digest_alerts(session, actor=actor, base_url=settings.public_url, gettext=gettext)
                due = reports.due_items(session, actor=actor, base_url=settings.public_url, today=day,
                                        days_ahead=days_ahead, gettext=gettext)
                if not alerts and not due:
                    continue
                message = compose_digest(recipient=user.email, display_name=user.display_name or user.username,
                                         alerts=alerts, due=due, lang=locale, sender=settings.smtp_sender,
                                         today=day, base_url=settings.public_url)
                if dry_run:
                    cli.console.print(f"{escape(user.email)}: {escape(str(message['Subject']))}", highlight=False)
                    continue
                try:
                    send_digest(message, smtp)
                    sent += 1
                except DigestDeliveryError as error:
                    failures += 1
                    cli.err_console.print(escape(error.localized(cli.state.gettext)), highlight=False)
    finally:
        archive.close()
    if not users:
        cli.console.print(_("No user has an e-mail address; set one with `contract-archive user email USER ADDRESS`."))
    elif not dry_run:
        cli.console.print(_("Digests sent: {sent}; failed: {failed}.").format(sent=sent, failed=failures))
    if failures:
        raise typer.Exit(1)


@records_app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(help="CSV with columns kind (类型), occurred_on (日期), amount (金额)...", dir_okay=False)],
    contract: Annotated[Optional[int], typer.Option("--contract", help="Contract ID for every row; else the contract_number column.")] = None,
) -> None:
    """Import performance records from CSV: every row is checked first, and either all are stored or none."""
    from archive.access import SYSTEM
    from archive.errors import ArchiveError
    from archive.services.record_import import import_records

    cli = _cli()
    _ = cli.state.gettext
    try:
        data = file.read_bytes()
    except OSError as error:
        cli.err_console.print(_("Cannot read {file}: {reason}").format(file=file, reason=error.strerror or error))
        raise typer.Exit(2) from None
    archive = cli._open()
    try:
        with archive.session() as session:
            result = import_records(session, data, filename=str(file), actor=SYSTEM, contract_id=contract)
    except ArchiveError as error:
        cli._fail(error)
    finally:
        archive.close()
    cli.console.print(_("Imported {count} records from {file}.").format(count=result.imported, file=file), soft_wrap=True)
    if result.duplicates:
        cli.console.print(_("{count} rows were already recorded and were skipped.").format(count=result.duplicates))


def _write_export(name: str, file: Path) -> None:
    from archive.access import SYSTEM
    from archive.exports.ledger import ledger_csv, ledger_xlsx
    from archive.exports.receivables import receivables_csv, receivables_xlsx
    from archive.i18n import get_translations, pick_locale
    from archive.services import reports

    cli = _cli()
    _ = cli.state.gettext
    fmt = file.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        cli.err_console.print(_("Name the file .xlsx or .csv; {file} is neither.").format(file=file))
        raise typer.Exit(2)
    archive = cli._open()
    locale = pick_locale(archive.settings.language)
    gettext = get_translations(locale).gettext
    try:
        with archive.session() as session:
            if name == "ledger":
                rows = reports.ledger_rows(session, actor=SYSTEM, today=dt.date.today(), gettext=gettext)
                data = ledger_xlsx(rows, locale) if fmt == "xlsx" else ledger_csv(rows, locale)
            else:
                rows = reports.receivable_rows(session, actor=SYSTEM, today=dt.date.today(), gettext=gettext)  # type: ignore[assignment]
                data = receivables_xlsx(rows, locale) if fmt == "xlsx" else receivables_csv(rows, locale)  # type: ignore[arg-type]
    finally:
        archive.close()
    try:
        file.write_bytes(data)
    except OSError as error:
        cli.err_console.print(_("Cannot write {file}: {reason}").format(file=file, reason=error.strerror or error))
        raise typer.Exit(2) from None
    cli.console.print(_("Wrote {count} rows to {file}.").format(count=len(rows), file=file), soft_wrap=True)


@export_app.command("ledger")
def export_ledger(file: Annotated[Path, typer.Argument(help="File to write, .xlsx or .csv.", dir_okay=False)]) -> None:
    """Write the contract ledger (合同台账)."""
    _write_export("ledger", file)


@export_app.command("receivables")
def export_receivables(file: Annotated[Path, typer.Argument(help="File to write, .xlsx or .csv.", dir_okay=False)]) -> None:
    """Write the receivables: amounts due, paid and overdue."""
    _write_export("receivables", file)


def next_run(now: dt.datetime, at: dt.time) -> dt.datetime:
    """Return the next moment at `at` o'clock after `now`, in now's time zone."""
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return candidate if candidate > now else candidate + dt.timedelta(days=1)


def run_daily(job, at: dt.time, *, now=dt.datetime.now, sleep=None, runs: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Call `job` every day at `at`; `runs` limits the number of calls (None: forever)."""
    import time

    sleep = sleep or time.sleep
    done = 0
    while runs is None or done < runs:
        wait = (next_run(now(), at) - now()).total_seconds()
        sleep(max(wait, 0))
        job()
        done += 1


@alerts_app.command("schedule")
def schedule(
    at: Annotated[str, typer.Option(help="Local time of the daily run, HH:MM.")] = "07:00",
) -> None:
    """Run `alerts run`, then `alerts digest` when SMTP is set, every day at the given time (for a container or service)."""
    import logging

    cli = _cli()
    _ = cli.state.gettext
    try:
        daily = dt.time.fromisoformat(at)
    except ValueError:
        cli.err_console.print(_("'{value}' is not a time (use HH:MM).").format(value=at))
        raise typer.Exit(2) from None
    log = logging.getLogger("contract_archive.schedule")

    def job() -> None:
        for command, needed in ((run, True), (digest, cli.state.settings.smtp_host is not None)):
            if not needed:
                continue
            try:
                if command is run:
                    run(today=None, dry_run=False)
                else:
                    digest(today=None, days_ahead=14, dry_run=False)
            except typer.Exit as stopped:
                log.warning("daily %s ended with exit code %s", command.__name__, stopped.exit_code)
            except Exception:  # noqa: BLE001 - the schedule must outlive one failed day
                log.exception("daily %s failed", command.__name__)

    cli.console.print(_("Alerts run every day at {time}.").format(time=daily.strftime("%H:%M")))
    run_daily(job, daily)
