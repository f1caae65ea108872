"""Permissions of each role, and the contracts each user may see.

Roles: `viewer` reads and searches, `legal` also changes contracts (uploads, corrections,
records, evidence packs), and `admin` also manages users, legal holds and settings.
A restricted contract is visible only to administrators and to the users and groups it was
opened to. To everyone else it does not exist: it is left out of lists, search hits and
their totals, and asking for it by id gives "not found".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from archive.errors import NotFoundError, RoleRequiredError
from archive.models import ADMIN, LEGAL, VIEWER, Contract, ContractAccess, GroupMember


class Permission(str, Enum):
    READ = "read"
    WRITE = "write"
    ADMINISTER = "administer"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    VIEWER: frozenset({Permission.READ}),
    LEGAL: frozenset({Permission.READ, Permission.WRITE}),
    ADMIN: frozenset({Permission.READ, Permission.WRITE, Permission.ADMINISTER}),
}
# The least role with each permission, named in the error message.
REQUIRED_ROLE = {Permission.READ: VIEWER, Permission.WRITE: LEGAL, Permission.ADMINISTER: ADMIN}


@dataclass(frozen=True, slots=True)
class Actor:
    """The signed-in user a request or command acts for."""

    user_id: int | None
    username: str
    role: str
    group_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def allows(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.role, frozenset())

    def require(self, permission: Permission) -> None:
        if not self.allows(permission):
            raise RoleRequiredError(role=self.role, required=REQUIRED_ROLE[permission])


# A person with a shell on the server administers the archive; CLI commands act as this.
SYSTEM = Actor(user_id=None, username="system", role=ADMIN)


def actor_for(session: Session, user_id: int, username: str, role: str) -> Actor:
    groups = frozenset(session.scalars(select(GroupMember.group_id).where(GroupMember.user_id == user_id)))
    return Actor(user_id=user_id, username=username, role=role, group_ids=groups)


def visible_contracts(actor: Actor) -> ColumnElement[bool]:
    """Return a condition on Contract that holds for the contracts `actor` may see."""
    if actor.is_admin:
        return true()
    if actor.user_id is None:
        return Contract.restricted.is_(False)
    granted = select(ContractAccess.contract_id).where(
        or_(
            ContractAccess.user_id == actor.user_id,
            ContractAccess.group_id.in_(actor.group_ids) if actor.group_ids else false(),
        )
    )
    return or_(Contract.restricted.is_(False), Contract.id.in_(granted))


def hidden_contract_ids(session: Session, actor: Actor) -> frozenset[int]:
    """Return the ids of the restricted contracts `actor` may not see (none for an administrator)."""
    if actor.is_admin:
        return frozenset()
    return frozenset(session.scalars(select(Contract.id).where(~visible_contracts(actor))))


def check_contract_visible(
    session: Session, actor: Actor, contract_id: int | None, *, object_name: str = "Contract",
    object_id: int | None = None,
) -> None:
    """Raise NotFoundError for a contract `actor` may not see, as if it (or the object in it) did not exist.

    `object_name` and `object_id` name what was asked for, such as a document version of the
    contract, so that the error reveals nothing about the contract behind it.
    """
    if contract_id is None or actor.is_admin:
        return
    visible = session.scalar(select(Contract.id).where(Contract.id == contract_id, visible_contracts(actor)))
    if visible is None:
        raise NotFoundError(object=object_name, id=object_id if object_id is not None else contract_id)
