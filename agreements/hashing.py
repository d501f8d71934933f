"""Canonical serialisation, content hashes and the verifier of an agreement's chain.

A version's content hash is SHA-256 over a canonical JSON of its sections, criteria
and exceptions plus the hash of the version it amends. Each event's hash covers its
own fields, the previous event's hash and, for a signature, every attribute of the
signature: changing any stored value breaks a hash the verifier recomputes.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementVersion,
    ConfidentialityException,
    Signature,
    SuccessCriterion,
)
from mentorship.models import Role

HASH_SCHEME = "v1"


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        # One form for the same text: NFC, Unix line ends, no trailing spaces.
        text = unicodedata.normalize("NFC", value).replace("\r\n", "\n")
        return "\n".join(line.rstrip() for line in text.split("\n")).strip()
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_normalise(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _normalise(item) for key, item in value.items()}
    return value


def digest(payload: dict[str, Any]) -> str:
    """Return the SHA-256 of the payload's canonical JSON (sorted keys, normalised)."""
    canonical = json.dumps(
        _normalise(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def version_content(version: AgreementVersion) -> dict[str, Any]:
    criteria = [
        {
            "position": c.position,
            **{name: getattr(c, name) for name in SuccessCriterion.FIELDS},
        }
        for c in sorted(version.criteria.all(), key=lambda c: c.position)
    ]
    exceptions = [
        {
            "position": e.position,
            **{name: getattr(e, name) for name in ConfidentialityException.FIELDS},
        }
        for e in sorted(version.exceptions.all(), key=lambda e: e.position)
    ]
    agreement = version.agreement
    return {
        "scheme": HASH_SCHEME,
        # Bound to its agreement, pair and place: equal texts of two pairs, or of two
        # versions, never share a hash (and so never a verification code).
        "agreement": str(agreement.public_id),
        "mentorship": str(agreement.mentorship.public_id),
        "number": version.number,
        "sections": version.content(),
        "criteria": criteria,
        "exceptions": exceptions,
        "amends": version.amends.content_hash if version.amends else "",
        "rationale": version.rationale,
    }


def content_hash(version: AgreementVersion) -> str:
    return digest(version_content(version))


def event_payload(event: AgreementEvent, signature: Signature | None) -> dict[str, Any]:
    payload = {
        "scheme": HASH_SCHEME,
        "agreement": str(event.agreement.public_id),
        "version": event.version.number,
        "sequence": event.sequence,
        "kind": event.kind,
        "actor": event.actor_id,
        "at": event.at,
        "content_hash": event.content_hash,
        "previous_hash": event.previous_hash,
    }
    if signature is not None:
        payload["signature"] = {
            name: getattr(signature, name) for name in Signature.FIELDS
        }
    return payload


def event_hash(event: AgreementEvent, signature: Signature | None = None) -> str:
    return digest(event_payload(event, signature))


@dataclass(frozen=True)
class Verdict:
    intact: bool
    problem: str = ""

    def __bool__(self) -> bool:
        return self.intact


def verify(agreement: Agreement) -> Verdict:
    """Recompute the agreement's chain and report the first break found."""
    events = list(
        agreement.events.select_related("agreement", "version").order_by("sequence")
    )
    signatures = {
        s.event_id: s for s in Signature.objects.filter(version__agreement=agreement)
    }
    previous = ""
    for position, event in enumerate(events, start=1):
        if event.sequence != position:
            return Verdict(False, f"event {position} is missing")
        if event.previous_hash != previous:
            return Verdict(
                False, f"event {position} does not follow event {position - 1}"
            )
        signature = signatures.pop(event.pk, None)
        if (event.kind == AgreementEvent.Kind.SIGNED) != (signature is not None) or (
            signature is not None and signature.version_id != event.version_id
        ):
            return Verdict(False, f"event {position} and its signature do not match")
        if event_hash(event, signature) != event.hash:
            return Verdict(False, f"event {position} was changed")
        previous = event.hash
    if signatures:
        return Verdict(False, "a signature has no event in the chain")
    return _verify_versions(agreement, events)


# The version status each kind of event leaves behind.
STATUS_AFTER: dict[str, str] = {
    AgreementEvent.Kind.PROPOSED: AgreementVersion.Status.PROPOSED,
    AgreementEvent.Kind.WITHDRAWN: AgreementVersion.Status.DRAFT,
    AgreementEvent.Kind.EFFECTIVE: AgreementVersion.Status.EFFECTIVE,
    AgreementEvent.Kind.SUPERSEDED: AgreementVersion.Status.SUPERSEDED,
}


def _verify_versions(agreement: Agreement, events: list[AgreementEvent]) -> Verdict:
    versions = agreement.versions.select_related("amends", "agreement__mentorship")
    for version in versions.prefetch_related("criteria", "exceptions", "signatures"):
        own = [e for e in events if e.version_id == version.pk]
        problem = _version_problem(version, own)
        if problem:
            return Verdict(False, f"version {version.number}: {problem}")
    return Verdict(True)


def _version_problem(version: AgreementVersion, own: list[AgreementEvent]) -> str:
    """Compare a version's stored state with what its events say happened to it."""
    Kind = AgreementEvent.Kind
    changes = [e for e in own if e.kind in STATUS_AFTER]
    expected = (
        STATUS_AFTER[changes[-1].kind] if changes else AgreementVersion.Status.DRAFT
    )
    if version.status != expected:
        return "its status does not follow its events"
    proposals = [e for e in own if e.kind == Kind.PROPOSED]
    if version.round != len(proposals):
        return "its proposal round does not match its events"
    if version.status == AgreementVersion.Status.DRAFT:
        return ""  # a draft is being edited: nothing of it is frozen yet
    last = proposals[-1]
    if content_hash(version) != version.content_hash:
        return "its content was changed"
    if last.content_hash != version.content_hash or version.proposed_at != last.at:
        return "it differs from what was proposed"
    notice = version.amends.notice_days if version.amends else None
    due = last.at + timedelta(days=notice) if notice is not None else None
    if version.earliest_effective_at != due:
        return "its notice period was changed"
    if version.effective_at != _at(own, Kind.EFFECTIVE):
        return "its date of effect was changed"
    if version.superseded_at != _at(own, Kind.SUPERSEDED):
        return "its date of supersession was changed"
    mentorship = version.agreement.mentorship
    waivers = {
        e.actor_id for e in own if e.kind == Kind.NOTICE_WAIVED and e.at >= last.at
    }
    if (version.mentor_waived_notice, version.mentee_waived_notice) != (
        mentorship.mentor_id in waivers,
        mentorship.mentee_id in waivers,
    ):
        return "its notice waivers were changed"
    current = [s for s in version.signatures.all() if s.round == version.round]
    if any(s.content_hash != version.content_hash for s in current):
        return "a signature does not match it"
    pair: dict[str, int] = {
        Role.MENTOR: mentorship.mentor_id,
        Role.MENTEE: mentorship.mentee_id,
    }
    if any(pair.get(s.role) != s.signer_id for s in version.signatures.all()):
        return "a signature is not by the party it names"
    if version.status in AgreementVersion.SIGNED and {s.role for s in current} != set(
        pair
    ):
        return "it took effect without both signatures"
    if (
        version.effective_at
        and due
        and version.effective_at < due
        and not (version.mentor_waived_notice and version.mentee_waived_notice)
    ):
        return "it took effect before its notice ended"
    return ""


def _at(events: list[AgreementEvent], kind: str) -> datetime | None:
    matching = [e.at for e in events if e.kind == kind]
    return matching[-1] if matching else None
