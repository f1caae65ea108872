"""`contract-archive user ...`: add, list, disable, enable users and reset passwords on the server.

A person with a shell on the server administers the archive, so these commands need no sign-in.
Each change is an audit event whose actor is `cli:` and the operating-system user name.
Passwords are typed twice without echo, or read as one line from standard input with
--password-stdin, so that they never appear in the shell history or the process list.
"""

from __future__ import annotations

import getpass
import secrets
import sys
from typing import Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from archive.context import Archive
from archive.errors import ArchiveError
from archive.models import ADMIN, ROLES
from archive.services import accounts

user_app = typer.Typer(help="Add, list, disable and enable users, and reset passwords.", no_args_is_help=True)
# The first administrator's generated password: 20 random bytes, about 27 URL-safe characters.
GENERATED_PASSWORD_BYTES = 20


def _cli():  # type: ignore[no-untyped-def]
    from cli import main

    return main


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _read_password(from_stdin: bool) -> str:
    cli = _cli()
    _ = cli.state.gettext
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt(_("Password"), hide_input=True)
    second = typer.prompt(_("Repeat the password"), hide_input=True)
    if first != second:
        cli.err_console.print(f"[bold red]{escape(_('The two passwords differ; nothing was changed.'))}[/bold red]")
        raise typer.Exit(1)
    return first


def _run(change):  # type: ignore[no-untyped-def]
    """Run `change(session)` in one transaction; print a domain error and exit 1 instead of a traceback."""
    cli = _cli()
    archive: Archive = cli._open()
    try:
        with archive.session() as session:
            return change(session)
    except ArchiveError as error:
        cli._fail(error)
    finally:
        archive.close()


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Sign-in name: letters, digits, dots, dashes, underscores.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    display_name: Annotated[Optional[str], typer.Option(help="Name shown in pages and the audit log.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Add a user. The first administrator is added this way, or generated on first start."""
    password = _read_password(password_stdin)
    user = _run(lambda session: accounts.create_user(
        session, username=username, password=password, role=role, display_name=display_name, actor=_actor()
    ))
    _cli().console.print(_cli().state.gettext("User {user} added with role {role}.").format(user=user.username, role=role))


@user_app.command("list")
def user_list() -> None:
    """List users with their role and state."""
    _ = _cli().state.gettext

    def rows(session):  # type: ignore[no-untyped-def]
        return [(u.username, u.display_name or "", u.role, u.disabled_at, u.last_login_at) for u in accounts.list_users(session)]

    table = Table(title=_("Users"))
    for heading in (_("User name"), _("Name"), _("Role"), _("State"), _("Last sign-in")):
        table.add_column(heading, overflow="fold")
    for username, name, role, disabled_at, last_login in _run(rows):
        state = _("disabled") if disabled_at else _("active")
        table.add_row(escape(username), escape(name), _(role), state, f"{last_login:%Y-%m-%d %H:%M}" if last_login else "")
    _cli().console.print(table)


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="User to disable.")]) -> None:
    """Stop a user from signing in; their sessions and API tokens stop working at once."""
    _run(lambda session: accounts.disable_user(session, username, actor=_actor()))
    _cli().console.print(_cli().state.gettext("User {user} disabled.").format(user=username))


@user_app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="User to enable again.")]) -> None:
    """Let a disabled user sign in again (their old API tokens stay revoked)."""
    _run(lambda session: accounts.enable_user(session, username, actor=_actor()))
    _cli().console.print(_cli().state.gettext("User {user} enabled.").format(user=username))


@user_app.command("email")
def user_email(
    username: Annotated[str, typer.Argument(help="User whose e-mail address is set.")],
    address: Annotated[str, typer.Argument(help="Address for the daily digest; an empty string removes it.")],
) -> None:
    """Set where a user's daily digest of alerts and due dates is sent."""
    _run(lambda session: accounts.set_email(session, username, address, actor=_actor()))
    _cli().console.print(_cli().state.gettext("E-mail address of {user} set.").format(user=username))


@user_app.command("reset-password")
def user_reset_password(
    username: Annotated[str, typer.Argument(help="User whose password is replaced.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Set a new password; the user's browser sessions end."""
    password = _read_password(password_stdin)
    _run(lambda session: accounts.reset_password(session, username, password, actor=_actor()))
    _cli().console.print(_cli().state.gettext("Password of {user} replaced.").format(user=username))


def ensure_first_admin(archive: Archive) -> tuple[str, str] | None:
    """Create the administrator `admin` with a random password when the archive has no user yet.

    Return the user name and password to show once, or None when a user exists. No password is
    built in: each archive's first password is generated here, or chosen with `user add`.
    """
    with archive.session() as session:
        if accounts.list_users(session):
            return None
        password = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
        accounts.create_user(session, username="admin", password=password, role=ADMIN, actor="system:first-start")
        return "admin", password


group_app = typer.Typer(help="Put users in groups, which restricted contracts can be opened to.", no_args_is_help=True)


@group_app.command("add-member")
def group_add_member(
    group: Annotated[str, typer.Argument(help="Group name; created when new.")],
    username: Annotated[str, typer.Argument(help="User to add.")],
) -> None:
    """Add a user to a group."""
    from archive.services.restrictions import add_group_member

    _run(lambda session: add_group_member(session, group, username, actor=_actor()))
    _cli().console.print(_cli().state.gettext("User {user} is in group {group}.").format(user=username, group=group))


@group_app.command("remove-member")
def group_remove_member(
    group: Annotated[str, typer.Argument(help="Group name.")],
    username: Annotated[str, typer.Argument(help="User to take out.")],
) -> None:
    """Take a user out of a group."""
    from archive.services.restrictions import remove_group_member

    _run(lambda session: remove_group_member(session, group, username, actor=_actor()))
    _cli().console.print(_cli().state.gettext("User {user} left group {group}.").format(user=username, group=group))


@user_app.command("unlock")
def user_unlock(username: Annotated[str, typer.Argument(help="User whose failed sign-ins are forgotten.")]) -> None:
    """Let a user sign in again at once after too many failed attempts (for example, someone else's guesses)."""
    cleared = _run(lambda session: accounts.clear_failed_sign_ins(session, username, actor=_actor()))
    _cli().console.print(
        _cli().state.gettext("Cleared {count} failed sign-ins of {user}.").format(count=cleared, user=username)
    )
