"""Hash chain over the audit log: the canonical form of an event, and chain verification.

Canonical serialisation (format 1)
----------------------------------
``event_hash`` is the lowercase hexadecimal SHA-256 digest of the UTF-8 bytes of one JSON
object with exactly these ten keys::

    seq             integer, 1 for the first event, then +1 per event
    occurred_at     string "YYYY-MM-DDTHH:MM:SS.ffffffZ": UTC, always six fraction digits
    actor           string
    actor_id        integer or null
    action          string
    object_type     string
    object_id       string
    client_address  string or null
    summary         the stored JSON object
    previous_hash   string of 64 lowercase hex digits ("0" * 64 for the first event)

The object is written the way Python's ``json.dumps(value, sort_keys=True,
separators=(",", ":"), ensure_ascii=False, allow_nan=False)`` writes it. Keys are sorted
by code point at every level, with no whitespace between tokens. Non-ASCII characters are
written as themselves, not as ``\\uXXXX`` escapes. Numbers inside ``summary`` use Python's
shortest round-trip form (``1.5``, ``1e+100``, ``3``), and NaN or infinity is rejected.

An ``occurred_at`` read back without a time zone (SQLite stores none) is taken as UTC,
because ``record_event`` always stores UTC. The summary is normalised through one JSON
round trip before it is hashed and stored, so tuples become lists and integer keys become
strings, exactly as they read back from SQLite or PostgreSQL.

To check one event with another tool, build that object from the row, serialise it as
above and compare the SHA-256 digest with ``event_hash``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models.audit import GENESIS_HASH, AuditChainHead, AuditEvent


def normalize_summary(summary: dict[str, Any] | None) -> dict[str, Any]:
    """Return the summary as it reads back from the database (one JSON round trip).

    Raises ValueError for NaN or infinity and TypeError for values JSON cannot hold.
    """
    if not summary:
        return {}
    return json.loads(json.dumps(summary, ensure_ascii=False, allow_nan=False))


def canonical_timestamp(value: datetime) -> str:
    """Format a timestamp as UTC with microseconds. A naive value is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(
    *,
    seq: int,
    occurred_at: datetime,
    actor: str,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    client_address: str | None,
    summary: Any,
    previous_hash: str,
) -> bytes:
    """Serialise one event's stored fields in the canonical form described in the module docstring."""
    document = {
        "seq": seq,
        "occurred_at": canonical_timestamp(occurred_at),
        "actor": actor,
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "client_address": client_address,
        "summary": summary,
        "previous_hash": previous_hash,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def compute_event_hash(**fields: Any) -> str:
    """Return the SHA-256 hex digest of the canonical form of one event (see canonical_bytes)."""
    return hashlib.sha256(canonical_bytes(**fields)).hexdigest()


# Kinds of finding, in the order a report lists them.
EDITED = "edited"
DELETED = "deleted"
INSERTED = "inserted"
REORDERED = "reordered"
RENUMBERED = "renumbered"
BROKEN_LINK = "broken_link"
TRUNCATED = "truncated"
HEAD_MISSING = "head_missing"
KINDS = (EDITED, DELETED, INSERTED, REORDERED, RENUMBERED, BROKEN_LINK, TRUNCATED, HEAD_MISSING)

# English message ids, which archive/locale translates.
EDITED_MESSAGE = "Event {seq} was edited: its stored hash does not match its content."
DELETED_ONE_MESSAGE = "Event {next} follows event {previous}, so event {first} is missing."
DELETED_MANY_MESSAGE = "Event {next} follows event {previous}, so events {first} to {last} are missing."
DELETED_START_ONE_MESSAGE = "The log starts at event {next}, so event 1 is missing."
DELETED_START_MANY_MESSAGE = "The log starts at event {next}, so events 1 to {last} are missing."
INSERTED_DUPLICATE_MESSAGE = (
    "Event {seq} (id {id}) was inserted: another event (id {other_id}) has the same seq and is the one the chain continues from."
)
INSERTED_FORK_MESSAGE = (
    "Event {seq} (id {id}) was inserted: it claims to follow event {previous}, "
    "but the chain continues from event {previous} through another event."
)
INSERTED_AFTER_HEAD_ONE_MESSAGE = (
    "Event {first} was added after the chain head (event {head_seq}) without going through the audit log."
)
INSERTED_AFTER_HEAD_MANY_MESSAGE = (
    "Events {first} to {last} were added after the chain head (event {head_seq}) without going through the audit log."
)
REORDERED_MESSAGE = (
    "Events {seq} and {other} were swapped: the event stored as {seq} was written as {other}, and the other way round."
)
RENUMBERED_ONE_MESSAGE = "Event {seq} was renumbered: it was written as event {original}."
RENUMBERED_MANY_MESSAGE = (
    "Events {first} to {last} were renumbered: they were written as events {original_first} to {original_last}."
)
BROKEN_LINK_MESSAGE = (
    "Event {seq} does not link to event {previous}: its previous hash names another event, "
    "so one of the two was replaced or an event was inserted between them."
)
BROKEN_START_MESSAGE = "Event 1 does not start the chain: its previous hash is not 64 zeros."
TRUNCATED_ONE_MESSAGE = (
    "The chain head names event {head_seq}, but the last event is {last_seq}, so event {head_seq} was deleted from the end."
)
TRUNCATED_MANY_MESSAGE = (
    "The chain head names event {head_seq}, but the last event is {last_seq}, "
    "so events {first} to {head_seq} were deleted from the end."
)
TRUNCATED_HASH_MESSAGE = (
    "The chain head names event {head_seq} with hash {head_hash}, but that event's hash is {event_hash}, "
    "so the last event was replaced or the chain head was changed."
)
HEAD_MISSING_MESSAGE = "The chain head row is missing, so deletions at the end of the log cannot be detected."


@dataclass(frozen=True)
class ChainFinding:
    """One problem in the chain: its kind, the seq of the event it is about, and a message."""

    kind: str
    seq: int
    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, gettext: Callable[[str], str] = lambda text: text) -> str:
        return gettext(self.template).format(**self.params)


@dataclass
class ChainReport:
    """The result of verify_chain: how many events were read, the head row and every finding."""

    events_checked: int
    head_seq: int | None
    head_hash: str | None
    findings: list[ChainFinding]

    @property
    def intact(self) -> bool:
        return not self.findings


def event_hash_of(event: Any, *, seq: int | None = None) -> str:
    """Recompute the hash of a stored event (an ORM object or a row), optionally as if it had another seq."""
    return compute_event_hash(
        seq=event.seq if seq is None else seq,
        occurred_at=event.occurred_at,
        actor=event.actor,
        actor_id=event.actor_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        client_address=event.client_address,
        summary=event.summary,
        previous_hash=event.previous_hash,
    )



def verify_chain(session: Session) -> ChainReport:
    """Check every audit event against its hash, its neighbours and the chain head, and report every finding.

    Each event's hash covers its seq and previous_hash, so an event whose hash is valid under
    another position than its stored seq was moved, and the previous_hash links show where it
    belongs. Events are checked in the order the links give, so one deletion, insertion or
    swap yields one finding rather than one per later event.
    """
    # NOTE: the whole log is read into memory, so a log of millions of events needs a streaming pass.
    table = AuditEvent.__table__
    events = list(session.execute(select(table).order_by(table.c.seq, table.c.id)))
    head = session.execute(
        select(AuditChainHead.seq, AuditChainHead.event_hash).where(AuditChainHead.id == 1)
    ).one_or_none()
    return ChainReport(
        events_checked=len(events),
        head_seq=head.seq if head is not None else None,
        head_hash=head.event_hash if head is not None else None,
        findings=find_problems(events, head),
    )


def find_problems(events: list[Any], head: Any | None) -> list[ChainFinding]:
    """Return the findings for `events` (sorted by seq, then id) and the head row (seq, event_hash) or None."""
    by_hash: dict[str, Any] = {}
    for event in events:
        by_hash.setdefault(event.event_hash, event)
    from_head = _positions_from_head(by_hash, head)
    from_genesis = _positions_from_genesis(events, by_hash)
    written_seq = {event.id: _written_seq(event, from_head, from_genesis) for event in events}

    findings: list[ChainFinding] = []
    inserted = _inserted_events(events, from_head, findings)
    chain = [event for event in events if event.id not in inserted]
    for event in chain:
        if written_seq[event.id] is None:
            findings.append(ChainFinding(EDITED, event.seq, EDITED_MESSAGE, {"seq": event.seq}))
    findings.extend(_moved_events(chain, written_seq))

    # Walk the remaining events in the order they were written.
    chain.sort(key=lambda event: (_position(event, written_seq), event.id))
    findings.extend(_gaps_and_links(chain, written_seq))
    findings.extend(_head_problems(chain[-1] if chain else None, written_seq, head))
    findings.sort(key=lambda finding: (finding.seq, KINDS.index(finding.kind)))
    return findings


def _position(event: Any, written_seq: dict[int, int | None]) -> int:
    """Return the seq an event was written with, or its stored seq when its hash matches none."""
    written = written_seq[event.id]
    return event.seq if written is None else written


def _written_seq(event: Any, from_head: dict[int, int], from_genesis: dict[int, int | None]) -> int | None:
    """Return the seq under which the event's stored hash is valid, or None when its content was edited."""
    candidates = [event.seq, from_head.get(event.id), from_genesis.get(event.id)]
    tried: set[int] = set()
    for seq in candidates:
        if seq is None or seq < 1 or seq in tried:
            continue
        tried.add(seq)
        if event_hash_of(event, seq=seq) == event.event_hash:
            return seq
    return None


def _positions_from_head(by_hash: dict[str, Any], head: Any | None) -> dict[int, int]:
    """Number the events the head reaches through previous_hash links, counting down from the head's seq."""
    positions: dict[int, int] = {}
    if head is None:
        return positions
    event = by_hash.get(head.event_hash)
    seq = head.seq
    while event is not None and event.id not in positions and seq >= 1:
        positions[event.id] = seq
        seq -= 1
        event = by_hash.get(event.previous_hash)
    return positions


def _positions_from_genesis(events: Iterable[Any], by_hash: dict[str, Any]) -> dict[int, int | None]:
    """Number each event by following previous_hash links back to the first event; None where a link is missing."""
    positions: dict[int, int | None] = {}
    for start in events:
        path: list[Any] = []
        on_path: set[int] = set()
        event = start
        base: int | None = None
        while True:
            if event.id in positions:
                base = positions[event.id]
                break
            if event.id in on_path:
                break  # a cycle of links, which only forged hashes can form
            path.append(event)
            on_path.add(event.id)
            if event.previous_hash == GENESIS_HASH:
                base = 0
                break
            event = by_hash.get(event.previous_hash)
            if event is None:
                break
        for item in reversed(path):
            base = None if base is None else base + 1
            positions[item.id] = base
    return positions


def _inserted_events(events: list[Any], from_head: dict[int, int], findings: list[ChainFinding]) -> set[int]:
    """Find events that are not part of the chain: forks off it, and second events with a taken seq."""
    inserted: set[int] = set()
    # A fork: an event claims the same predecessor as an event the head reaches, but the head does not reach it.
    followed = {event.previous_hash: event for event in events if event.id in from_head}
    by_hash = {event.event_hash: event for event in reversed(events)}
    for event in events:
        genuine = followed.get(event.previous_hash)
        if genuine is None or event.id in from_head:
            continue
        predecessor = by_hash.get(event.previous_hash)
        previous = from_head.get(predecessor.id, predecessor.seq) if predecessor is not None else from_head[genuine.id] - 1
        inserted.add(event.id)
        findings.append(ChainFinding(
            INSERTED, event.seq, INSERTED_FORK_MESSAGE, {"seq": event.seq, "id": event.id, "previous": previous}
        ))

    # Two events with one seq: keep the one the head reaches, else the one another event links to, else the first.
    referenced = {event.previous_hash for event in events}
    by_seq: dict[int, list[Any]] = {}
    for event in events:
        if event.id not in inserted:
            by_seq.setdefault(event.seq, []).append(event)
    for seq, group in by_seq.items():
        if len(group) < 2:
            continue
        kept = min(group, key=lambda event: (event.id not in from_head, event.event_hash not in referenced, event.id))
        for event in group:
            if event is kept:
                continue
            inserted.add(event.id)
            findings.append(ChainFinding(
                INSERTED, seq, INSERTED_DUPLICATE_MESSAGE, {"seq": seq, "id": event.id, "other_id": kept.id}
            ))
    return inserted


def _moved_events(chain: list[Any], written_seq: dict[int, int | None]) -> list[ChainFinding]:
    """Report events stored under another seq than they were written with: swapped pairs, then renumbered runs."""
    moved = [event for event in chain if written_seq[event.id] not in (None, event.seq)]
    by_stored_seq = {event.seq: event for event in moved}
    findings: list[ChainFinding] = []
    paired: set[int] = set()
    for event in moved:
        written = written_seq[event.id]
        partner = by_stored_seq.get(written)  # type: ignore[arg-type]
        if event.id in paired or partner is None or written_seq[partner.id] != event.seq:
            continue
        paired.update({event.id, partner.id})
        first, second = sorted((event.seq, partner.seq))
        findings.append(ChainFinding(REORDERED, first, REORDERED_MESSAGE, {"seq": first, "other": second}))

    # Group the rest into runs of consecutive stored seqs moved by the same offset.
    runs: list[list[Any]] = []
    for event in moved:
        if event.id in paired:
            continue
        offset = event.seq - written_seq[event.id]  # type: ignore[operator]
        if runs:
            last = runs[-1][-1]
            if event.seq == last.seq + 1 and last.seq - written_seq[last.id] == offset:  # type: ignore[operator]
                runs[-1].append(event)
                continue
        runs.append([event])
    for run in runs:
        first, last = run[0], run[-1]
        if len(run) == 1:
            params = {"seq": first.seq, "original": written_seq[first.id]}
            findings.append(ChainFinding(RENUMBERED, first.seq, RENUMBERED_ONE_MESSAGE, params))
        else:
            params = {
                "first": first.seq, "last": last.seq,
                "original_first": written_seq[first.id], "original_last": written_seq[last.id],
            }
            findings.append(ChainFinding(RENUMBERED, first.seq, RENUMBERED_MANY_MESSAGE, params))
    return findings


def _gaps_and_links(chain: list[Any], written_seq: dict[int, int | None]) -> list[ChainFinding]:
    """Report missing positions (deleted events) and previous_hash links that name the wrong event."""
    findings: list[ChainFinding] = []
    previous = None
    for event in chain:
        position = _position(event, written_seq)
        expected = 1 if previous is None else _position(previous, written_seq) + 1
        if position > expected:
            findings.append(_deleted(previous, position, written_seq))
        elif written_seq[event.id] is None:
            pass  # an edited event's previous_hash cannot be trusted, and EDITED already names it
        elif previous is None and event.previous_hash != GENESIS_HASH:
            findings.append(ChainFinding(BROKEN_LINK, position, BROKEN_START_MESSAGE, {}))
        elif previous is not None and event.previous_hash != previous.event_hash:
            params = {"seq": position, "previous": _position(previous, written_seq)}
            findings.append(ChainFinding(BROKEN_LINK, position, BROKEN_LINK_MESSAGE, params))
        previous = event
    return findings


def _deleted(previous: Any | None, position: int, written_seq: dict[int, int | None]) -> ChainFinding:
    if previous is None:
        template = DELETED_START_ONE_MESSAGE if position == 2 else DELETED_START_MANY_MESSAGE
        return ChainFinding(DELETED, 1, template, {"next": position, "last": position - 1})
    before = _position(previous, written_seq)
    template = DELETED_ONE_MESSAGE if position == before + 2 else DELETED_MANY_MESSAGE
    params = {"next": position, "previous": before, "first": before + 1, "last": position - 1}
    return ChainFinding(DELETED, before + 1, template, params)


def _head_problems(last: Any | None, written_seq: dict[int, int | None], head: Any | None) -> list[ChainFinding]:
    """Compare the chain head with the last event: a truncated tail, a replaced last event, or events after the head."""
    if head is None:
        return [ChainFinding(HEAD_MISSING, 0, HEAD_MISSING_MESSAGE, {})]
    last_seq = 0 if last is None else _position(last, written_seq)
    if last_seq < head.seq:
        params = {"head_seq": head.seq, "last_seq": last_seq, "first": last_seq + 1}
        template = TRUNCATED_ONE_MESSAGE if head.seq == last_seq + 1 else TRUNCATED_MANY_MESSAGE
        return [ChainFinding(TRUNCATED, last_seq + 1, template, params)]
    if last_seq > head.seq:
        params = {"first": head.seq + 1, "last": last_seq, "head_seq": head.seq}
        template = INSERTED_AFTER_HEAD_ONE_MESSAGE if last_seq == head.seq + 1 else INSERTED_AFTER_HEAD_MANY_MESSAGE
        return [ChainFinding(INSERTED, head.seq + 1, template, params)]
    if last is not None and last.event_hash != head.event_hash:
        params = {"head_seq": head.seq, "head_hash": head.event_hash, "event_hash": last.event_hash}
        return [ChainFinding(TRUNCATED, head.seq, TRUNCATED_HASH_MESSAGE, params)]
    return []
