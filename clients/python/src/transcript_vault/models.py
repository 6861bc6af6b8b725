"""Typed request and response objects of the vaultd API (docs/api.md).

Responses are frozen dataclasses built from the JSON ``vaultd`` sends. Times
are kept as the RFC 3339 strings the vault sends (``"2026-12-23T01:37:05.691Z"``;
``sent_at`` exactly as the chat server sent it). Every response object keeps
the decoded JSON it was built from in ``raw``, so fields added by a later
``vaultd`` are not lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

from .errors import VaultProtocolError

__all__ = [
    "Visitor",
    "Identifiers",
    "NewMessage",
    "Health",
    "CreatedTranscript",
    "AppendResult",
    "BatchResult",
    "CloseResult",
    "Statement",
    "Message",
    "Transcript",
    "HistoryEntry",
    "HistoryPage",
    "EraseResult",
    "MonitoringResult",
    "Access",
    "DisclosedTranscript",
    "SubjectAccessAnswer",
    "SubjectErasureAnswer",
    "SubjectRestrictionAnswer",
    "SubjectRectificationAnswer",
    "Touched",
    "RightsRequest",
    "StatementAdded",
    "StatisticsTable",
    "StatisticsReport",
    "AuditSegment",
    "AuditStatus",
    "AuditRecord",
    "AuditRecordsPage",
    "RetentionStatus",
    "BackupResult",
    "Officer",
    "OfficerList",
]

JSON = Dict[str, Any]


# --------------------------------------------------------------------------
# helpers


def _req(obj: Mapping[str, Any], key: str, what: str) -> Any:
    try:
        return obj[key]
    except (KeyError, TypeError):
        raise VaultProtocolError(f"{what}: the response has no '{key}'") from None


def _obj(value: Any, what: str) -> JSON:
    if not isinstance(value, dict):
        raise VaultProtocolError(f"{what}: expected a JSON object")
    return value


def _strs(value: Any) -> List[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


# --------------------------------------------------------------------------
# request objects


@dataclass
class Visitor:
    """The visitor details of a new transcript (docs/api.md 2.2).

    Every field is optional; each is at most 1,024 bytes of UTF-8. ``ref``,
    ``email``, ``phone`` and ``ip`` find the visitor's other transcripts later
    (history, subject access). ``ref`` is the chat platform's own reference.
    """

    name: Optional[str] = None
    ip: Optional[str] = None
    location: Optional[str] = None
    user_agent: Optional[str] = None
    device: Optional[str] = None
    ref: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None

    def to_json(self) -> Dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Identifiers:
    """A visitor's identifiers for the visitors' rights calls (2.5.2): at least one."""

    ref: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    ip: Optional[str] = None

    def to_json(self) -> Dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class NewMessage:
    """One message to append (2.3). ``sender`` is sent as the JSON ``from``:
    ``"visitor"``, ``"agent"`` or ``"system"``. ``sent_at`` is RFC 3339 with a
    time zone and is stored exactly as given."""

    seq: int
    sender: str
    text: str
    sent_at: str

    def to_json(self) -> JSON:
        return {"seq": self.seq, "from": self.sender, "text": self.text,
                "sent_at": self.sent_at}


# --------------------------------------------------------------------------
# responses


@dataclass(frozen=True)
class Health:
    status: str
    version: str
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "Health":
        return cls(str(j.get("status", "")), str(j.get("version", "")), j)


@dataclass(frozen=True)
class CreatedTranscript:
    """The answer to an open (2.2): keep ``id``, it cannot be searched for later.
    ``replayed``: the open carried an ``Idempotency-Key`` that had already
    opened this transcript, so nothing new was opened (the response header
    ``Idempotent-Replayed: true``, 2.2.1)."""

    id: str
    expires_at: str
    raw: JSON = field(repr=False, compare=False)
    replayed: bool = False

    @classmethod
    def from_json(cls, j: JSON) -> "CreatedTranscript":
        return cls(str(_req(j, "id", "open")), str(j.get("expires_at", "")), j)


@dataclass(frozen=True)
class AppendResult:
    """The outcome of one append: ``stored`` (201, written now) or
    ``duplicate`` (200, the same message was already stored under ``seq``)."""

    seq: int
    duplicate: bool
    raw: JSON = field(repr=False, compare=False)
    #: the client sent the message a second time after a connection failure
    #: (then ``duplicate`` may mean the first attempt had stored it)
    retried: bool = False

    @property
    def stored(self) -> bool:
        return not self.duplicate

    @classmethod
    def from_json(cls, j: JSON) -> "AppendResult":
        return cls(int(_req(j, "seq", "append")), bool(j.get("duplicate", False)), j)


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a batch append (2.3.1); ``results`` in the order sent."""

    stored: int
    duplicates: int
    results: List[AppendResult]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "BatchResult":
        return cls(int(j.get("stored", 0)), int(j.get("duplicates", 0)),
                   [AppendResult.from_json(_obj(r, "batch")) for r in j.get("results", [])], j)


@dataclass(frozen=True)
class CloseResult:
    id: str
    state: str
    expires_at: str
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "CloseResult":
        return cls(str(_req(j, "id", "close")), str(j.get("state", "")),
                   str(j.get("expires_at", "")), j)


@dataclass(frozen=True)
class Statement:
    """A supplementary statement attached to a message (2.5.7)."""

    text: str
    added_at: str


@dataclass(frozen=True)
class Message:
    """A stored message. ``sender`` is the JSON ``from``."""

    seq: int
    sender: str
    text: str
    sent_at: str
    statements: List[Statement] = field(default_factory=list)

    @classmethod
    def from_json(cls, j: JSON) -> "Message":
        return cls(int(_req(j, "seq", "message")), str(j.get("from", "")),
                   str(j.get("text", "")), str(j.get("sent_at", "")),
                   [Statement(str(s.get("text", "")), str(s.get("added_at", "")))
                    for s in j.get("statements", []) if isinstance(s, dict)])


@dataclass(frozen=True)
class Transcript:
    """A transcript, or one page of it (2.5). ``message_count`` counts every
    message; ``messages`` holds those of this page; ``next_from_seq`` is set
    when more messages follow the page."""

    id: str
    service: str
    state: str
    created_at: str
    last_activity: str
    expires_at: str
    message_count: int
    visitor: Dict[str, str]
    messages: List[Message]
    closed_at: Optional[str] = None
    next_from_seq: Optional[int] = None
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "Transcript":
        nfs = j.get("next_from_seq")
        return cls(
            id=str(_req(j, "id", "transcript")),
            service=str(j.get("service", "")),
            state=str(j.get("state", "")),
            created_at=str(j.get("created_at", "")),
            last_activity=str(j.get("last_activity", "")),
            expires_at=str(j.get("expires_at", "")),
            message_count=int(j.get("message_count", 0)),
            visitor={str(k): str(v) for k, v in (j.get("visitor") or {}).items()},
            messages=[Message.from_json(_obj(m, "transcript")) for m in j.get("messages", [])],
            closed_at=j.get("closed_at"),
            next_from_seq=int(nfs) if nfs is not None else None,
            raw=j,
        )


@dataclass(frozen=True)
class HistoryEntry:
    """One of the visitor's other transcripts (2.5.1). ``state`` is ``open``,
    ``closed``, ``held`` or ``restricted``; the optional fields are absent for
    held and restricted ones."""

    id: str
    state: str
    matched: List[str]
    created_at: Optional[str] = None
    closed_at: Optional[str] = None
    expires_at: Optional[str] = None
    message_count: Optional[int] = None
    held_at: Optional[str] = None

    @classmethod
    def from_json(cls, j: JSON) -> "HistoryEntry":
        mc = j.get("message_count")
        return cls(str(_req(j, "id", "history")), str(j.get("state", "")),
                   _strs(j.get("matched")), j.get("created_at"), j.get("closed_at"),
                   j.get("expires_at"), int(mc) if mc is not None else None, j.get("held_at"))


@dataclass(frozen=True)
class HistoryPage:
    transcripts: List[HistoryEntry]
    next: Optional[str]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "HistoryPage":
        return cls([HistoryEntry.from_json(_obj(t, "history"))
                    for t in j.get("transcripts", [])], j.get("next"), j)


@dataclass(frozen=True)
class EraseResult:
    id: str
    state: str
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "EraseResult":
        return cls(str(_req(j, "id", "erase")), str(j.get("state", "")), j)


@dataclass(frozen=True)
class MonitoringResult:
    id: str
    counted: bool
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "MonitoringResult":
        return cls(str(_req(j, "id", "monitoring")), bool(j.get("counted", False)), j)


@dataclass(frozen=True)
class Access:
    """An audit record naming a disclosed transcript (subject access)."""

    seq: int
    time: str
    uid: int
    role: str
    action: str
    outcome: str
    purpose: Optional[str] = None

    @classmethod
    def from_json(cls, j: JSON) -> "Access":
        return cls(int(j.get("seq", 0)), str(j.get("time", "")), int(j.get("uid", 0)),
                   str(j.get("role", "")), str(j.get("action", "")),
                   str(j.get("outcome", "")), j.get("purpose"))


@dataclass(frozen=True)
class DisclosedTranscript:
    """One transcript found by a subject access request. Withheld (held under
    legal hold): only ``id``, ``matched`` and ``held_at``."""

    id: str
    matched: List[str]
    withheld: bool
    restricted: bool = False
    transcript: Optional[Transcript] = None
    accesses: List[Access] = field(default_factory=list)
    held_at: Optional[str] = None

    @classmethod
    def from_json(cls, j: JSON) -> "DisclosedTranscript":
        t = j.get("transcript")
        return cls(str(_req(j, "id", "subject access")), _strs(j.get("matched")),
                   bool(j.get("withheld", False)), bool(j.get("restricted", False)),
                   Transcript.from_json(t) if isinstance(t, dict) else None,
                   [Access.from_json(a) for a in j.get("accesses", []) if isinstance(a, dict)],
                   j.get("held_at"))


@dataclass(frozen=True)
class SubjectAccessAnswer:
    """The ``transcript-vault-subject-access-v1`` answer (2.5.2).
    ``raw`` is the whole answer, the portable copy to give the visitor."""

    format: str
    answered_at: str
    audit_seq: int
    request: Optional[str]
    searched: List[str]
    services: List[str]
    statement: JSON
    transcripts: List[DisclosedTranscript]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "SubjectAccessAnswer":
        return cls(str(j.get("format", "")), str(j.get("answered_at", "")),
                   int(j.get("audit_seq", 0)), j.get("request"), _strs(j.get("searched")),
                   _strs(j.get("services")), dict(j.get("statement") or {}),
                   [DisclosedTranscript.from_json(_obj(t, "subject access"))
                    for t in j.get("transcripts", [])], j)


@dataclass(frozen=True)
class SubjectErasureAnswer:
    answered_at: str
    audit_seq: int
    request: Optional[str]
    searched: List[str]
    services: List[str]
    erased: List[str]
    withheld: List[str]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "SubjectErasureAnswer":
        return cls(str(j.get("answered_at", "")), int(j.get("audit_seq", 0)), j.get("request"),
                   _strs(j.get("searched")), _strs(j.get("services")),
                   _strs(j.get("erased")), _strs(j.get("withheld")), j)


@dataclass(frozen=True)
class SubjectRestrictionAnswer:
    """Answer of a restriction or an objection (2.5.5)."""

    answered_at: str
    audit_seq: int
    request: Optional[str]
    searched: List[str]
    services: List[str]
    restricted: List[str]
    withheld: List[str]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "SubjectRestrictionAnswer":
        return cls(str(j.get("answered_at", "")), int(j.get("audit_seq", 0)), j.get("request"),
                   _strs(j.get("searched")), _strs(j.get("services")),
                   _strs(j.get("restricted")), _strs(j.get("withheld")), j)


@dataclass(frozen=True)
class SubjectRectificationAnswer:
    answered_at: str
    audit_seq: int
    request: Optional[str]
    searched: List[str]
    services: List[str]
    fields: List[str]
    rectified: List[str]
    withheld: List[str]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "SubjectRectificationAnswer":
        return cls(str(j.get("answered_at", "")), int(j.get("audit_seq", 0)), j.get("request"),
                   _strs(j.get("searched")), _strs(j.get("services")), _strs(j.get("fields")),
                   _strs(j.get("rectified")), _strs(j.get("withheld")), j)


@dataclass(frozen=True)
class Touched:
    id: str
    outcome: str


@dataclass(frozen=True)
class RightsRequest:
    """An entry of the rights-request register (2.5.4)."""

    id: str
    kind: str
    state: str
    services: List[str]
    registered_at: str
    received_at: str
    due: str
    due_at: str
    overdue: bool
    touched: List[Touched]
    extension: Optional[JSON] = None
    closed_at: Optional[str] = None
    refusal_reason: Optional[str] = None
    decision: Optional[JSON] = None
    lifted: Optional[JSON] = None
    raw: JSON = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "RightsRequest":
        return cls(
            id=str(_req(j, "id", "rights request")), kind=str(j.get("kind", "")),
            state=str(j.get("state", "")), services=_strs(j.get("services")),
            registered_at=str(j.get("registered_at", "")),
            received_at=str(j.get("received_at", "")), due=str(j.get("due", "")),
            due_at=str(j.get("due_at", "")), overdue=bool(j.get("overdue", False)),
            touched=[Touched(str(t.get("id", "")), str(t.get("outcome", "")))
                     for t in j.get("touched", []) if isinstance(t, dict)],
            extension=j.get("extension"), closed_at=j.get("closed_at"),
            refusal_reason=j.get("refusal_reason"), decision=j.get("decision"),
            lifted=j.get("lifted"), raw=j)


@dataclass(frozen=True)
class StatementAdded:
    id: str
    seq: int
    added_at: str
    request: Optional[str]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "StatementAdded":
        return cls(str(_req(j, "id", "statement")), int(j.get("seq", 0)),
                   str(j.get("added_at", "")), j.get("request"), j)


@dataclass(frozen=True)
class StatisticsTable:
    """One table of a statistics report. ``cells[row][column]``; a suppressed
    count (or total) is ``None``, never 0."""

    name: str
    title: str
    rows: List[str]
    columns: List[str]
    cells: List[List[Optional[int]]]
    total: Optional[int]

    @classmethod
    def from_json(cls, j: JSON) -> "StatisticsTable":
        return cls(str(j.get("name", "")), str(j.get("title", "")), _strs(j.get("rows")),
                   _strs(j.get("columns")),
                   [[None if c is None else int(c) for c in row] for row in j.get("cells", [])],
                   None if j.get("total") is None else int(j["total"]))


@dataclass(frozen=True)
class StatisticsReport:
    """A service's anonymous statistics for one completed period (2.14)."""

    service: str
    period: str
    kind: str
    first_day: str
    last_day: str
    utc_offset: str
    threshold: int
    tables: List[StatisticsTable]
    raw: JSON = field(repr=False, compare=False)

    def table(self, name: str) -> StatisticsTable:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    @classmethod
    def from_json(cls, j: JSON) -> "StatisticsReport":
        return cls(str(j.get("service", "")), str(j.get("period", "")), str(j.get("kind", "")),
                   str(j.get("first_day", "")), str(j.get("last_day", "")),
                   str(j.get("utc_offset", "")), int(j.get("threshold", 0)),
                   [StatisticsTable.from_json(_obj(t, "statistics")) for t in j.get("tables", [])],
                   j)


@dataclass(frozen=True)
class AuditSegment:
    number: int
    bytes: int


@dataclass(frozen=True)
class AuditStatus:
    """``GET /v1/audit`` (2.7.1). ``size`` counts the durable records, this
    request's own included."""

    origin: str
    genesis_key: str
    size: int
    checkpoint: str
    segments: List[AuditSegment]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "AuditStatus":
        return cls(str(j.get("origin", "")), str(j.get("genesis_key", "")),
                   int(j.get("size", 0)), str(j.get("checkpoint", "")),
                   [AuditSegment(int(s.get("number", 0)), int(s.get("bytes", 0)))
                    for s in j.get("segments", []) if isinstance(s, dict)], j)


@dataclass(frozen=True)
class AuditRecord:
    """One audit record (2.7.3). ``payload`` is the record's JSON payload
    (an object), or a string when the payload is not JSON."""

    seq: int
    type: str
    time: str
    prev: str
    hash: str
    payload: Any

    @property
    def action(self) -> Optional[str]:
        """``payload["action"]`` of an access record, else ``None``."""
        return self.payload.get("action") if isinstance(self.payload, dict) else None

    @property
    def outcome(self) -> Optional[str]:
        return self.payload.get("outcome") if isinstance(self.payload, dict) else None

    @property
    def objects(self) -> List[str]:
        return _strs(self.payload.get("objects")) if isinstance(self.payload, dict) else []

    @classmethod
    def from_json(cls, j: JSON) -> "AuditRecord":
        return cls(int(_req(j, "seq", "audit record")), str(j.get("type", "")),
                   str(j.get("time", "")), str(j.get("prev", "")), str(j.get("hash", "")),
                   j.get("payload"))


@dataclass(frozen=True)
class AuditRecordsPage:
    records: List[AuditRecord]
    next: int
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "AuditRecordsPage":
        return cls([AuditRecord.from_json(_obj(r, "audit records"))
                    for r in j.get("records", [])], int(_req(j, "next", "audit records")), j)


@dataclass(frozen=True)
class RetentionStatus:
    """The shredder's status (2.10). ``overdue`` must be 0."""

    now: str
    epoch_ms: int
    base_epoch: int
    last_shred_at: Optional[str]
    last_run_at: Optional[str]
    shredded_total: int
    overdue: int
    damaged: int
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "RetentionStatus":
        return cls(str(j.get("now", "")), int(j.get("epoch_ms", 0)), int(j.get("base_epoch", 0)),
                   j.get("last_shred_at"), j.get("last_run_at"),
                   int(j.get("shredded_total", 0)), int(j.get("overdue", 0)),
                   int(j.get("damaged", 0)), j)


@dataclass(frozen=True)
class BackupResult:
    dir: str
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "BackupResult":
        return cls(str(j.get("dir", "")), j)


@dataclass(frozen=True)
class Officer:
    id: str
    key: str
    fingerprint: str
    enrolled_at: str
    enrolled_by: int
    revoked_at: Optional[str]
    active: bool
    compromised: bool

    @classmethod
    def from_json(cls, j: JSON) -> "Officer":
        return cls(str(j.get("id", "")), str(j.get("key", "")), str(j.get("fingerprint", "")),
                   str(j.get("enrolled_at", "")), int(j.get("enrolled_by", 0)),
                   j.get("revoked_at"), bool(j.get("active", False)),
                   bool(j.get("compromised", False)))


@dataclass(frozen=True)
class OfficerList:
    """``GET /v1/officers`` (3.1): the vault id and the enrolled officers."""

    vault: str
    officers: List[Officer]
    share_health: Dict[str, List[str]]
    raw: JSON = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, j: JSON) -> "OfficerList":
        sh = j.get("share_health") or {}
        return cls(str(j.get("vault", "")),
                   [Officer.from_json(o) for o in j.get("officers", []) if isinstance(o, dict)],
                   {str(k): _strs(v) for k, v in sh.items()} if isinstance(sh, dict) else {}, j)
