"""Restricting a contract to named users and groups, and managing the groups.

Restricting a contract needs someone who may see it afterwards: the actor is always added to
the users it is opened to, so that no one hides a contract from themselves by mistake. Each
change is an audit event.
"""

from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from archive.access import Actor, check_contract_visible
from archive.errors import InvalidGroupNameError, NotFoundError
from archive.models import ContractAccess, GroupMember, User, UserGroup
from archive.services.accounts import get_user
from archive.services.audit import record_event
from archive.services.contracts import get_contract_or_raise

GROUP_NAME_PATTERN = re.compile(r"^[^\s/\\<>]{1,100}$")


def restrict_contract(
    session: Session, actor: Actor, contract_id: int, *, usernames: list[str], group_names: list[str]
) -> dict[str, object]:
    """Open the contract only to these users and groups (and the actor); return the new grants."""
    check_contract_visible(session, actor, contract_id)
    contract = get_contract_or_raise(session, contract_id)
    users = [get_user(session, name) for name in usernames]
    if actor.user_id is not None and actor.user_id not in {user.id for user in users}:
        users.append(session.get(User, actor.user_id))  # type: ignore[arg-type]
    groups = [_group(session, name) for name in group_names]
    session.execute(delete(ContractAccess).where(ContractAccess.contract_id == contract_id))
    for user in users:
        session.add(ContractAccess(contract_id=contract_id, user_id=user.id, granted_by=actor.username))
    for group in groups:
        session.add(ContractAccess(contract_id=contract_id, group_id=group.id, granted_by=actor.username))
    contract.restricted = True
    grants = {"users": sorted(user.username for user in users), "groups": sorted(group.name for group in groups)}
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="contract_restricted",
                 object_type="contract", object_id=contract_id, summary=grants)
    return {"contract_id": contract_id, "restricted": True, **grants}


def open_contract(session: Session, actor: Actor, contract_id: int) -> dict[str, object]:
    """Lift a restriction: every signed-in user may see the contract again."""
    check_contract_visible(session, actor, contract_id)
    contract = get_contract_or_raise(session, contract_id)
    session.execute(delete(ContractAccess).where(ContractAccess.contract_id == contract_id))
    contract.restricted = False
    record_event(session, actor=actor.username, actor_id=actor.user_id, action="contract_opened",
                 object_type="contract", object_id=contract_id)
    return {"contract_id": contract_id, "restricted": False, "users": [], "groups": []}


def contract_access(session: Session, actor: Actor, contract_id: int) -> dict[str, object]:
    check_contract_visible(session, actor, contract_id)
    contract = get_contract_or_raise(session, contract_id)
    users = session.scalars(
        select(User.username).join(ContractAccess, ContractAccess.user_id == User.id)
        .where(ContractAccess.contract_id == contract_id)
    ).all()
    groups = session.scalars(
        select(UserGroup.name).join(ContractAccess, ContractAccess.group_id == UserGroup.id)
        .where(ContractAccess.contract_id == contract_id)
    ).all()
    return {"contract_id": contract_id, "restricted": contract.restricted, "users": sorted(users), "groups": sorted(groups)}


def add_group_member(session: Session, group_name: str, username: str, *, actor: str) -> UserGroup:
    """Add a user to a group, creating the group when it does not exist yet."""
    if not GROUP_NAME_PATTERN.match(group_name):
        raise InvalidGroupNameError(name=group_name[:100])
    group = session.scalar(select(UserGroup).where(UserGroup.name == group_name))
    if group is None:
        group = UserGroup(name=group_name)
        session.add(group)
        session.flush()
    user = get_user(session, username)
    if session.get(GroupMember, (group.id, user.id)) is None:
        session.add(GroupMember(group_id=group.id, user_id=user.id))
        record_event(session, actor=actor, action="group_member_added", object_type="group", object_id=group.id,
                     summary={"group": group.name, "username": user.username})
    return group


def remove_group_member(session: Session, group_name: str, username: str, *, actor: str) -> None:
    group = _group(session, group_name)
    user = get_user(session, username)
    member = session.get(GroupMember, (group.id, user.id))
    if member is not None:
        session.delete(member)
        record_event(session, actor=actor, action="group_member_removed", object_type="group", object_id=group.id,
                     summary={"group": group.name, "username": user.username})


def _group(session: Session, name: str) -> UserGroup:
    group = session.scalar(select(UserGroup).where(UserGroup.name == name))
    if group is None:
        raise NotFoundError(object="Group", id=name)
    return group
