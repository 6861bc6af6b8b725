"""Python client of Transcript Vault (``vaultd``): encrypted live-chat
transcripts for helplines, over an HTTP/1.1 JSON API on a Unix socket.

Quick start::

    from transcript_vault import Client, Visitor

    with Client() as vault:                       # $VAULT_SOCKET or the default
        t = vault.open_transcript("webchat", Visitor(name="Sam", ref="v-1"))
        vault.append_message(t.id, 0, "visitor", "hello", "2026-11-22T10:00:00Z")
        vault.close_transcript(t.id)

See README.md for connection reuse, retries and errors.
"""

from .client import (DEFAULT_SOCKET, MAX_BATCH_MESSAGES, MAX_IDEMPOTENCY_KEY_LENGTH, Client,
                     ClientStats, RawResponse)
from .errors import (BadRequest, Conflict, Forbidden, Gone, HeadersTooLarge,
                     InsufficientStorage, MethodNotAllowed, NotFound, PayloadTooLarge,
                     ServerError, Unavailable, UnsupportedMediaType, VaultClientError,
                     VaultConnectionError, VaultError, VaultProtocolError, VaultTimeout)
from .events import Event, EventStream, SSEMessage, SSEParser
from .models import (Access, AppendResult, AuditRecord, AuditRecordsPage, AuditSegment,
                     AuditStatus, BackupResult, BatchResult, CloseResult, CreatedTranscript,
                     DisclosedTranscript, EraseResult, Health, HistoryEntry, HistoryPage,
                     Identifiers, Message, MonitoringResult, NewMessage, Officer, OfficerList,
                     RetentionStatus, RightsRequest, Statement, StatementAdded,
                     StatisticsReport, StatisticsTable, SubjectAccessAnswer,
                     SubjectErasureAnswer, SubjectRectificationAnswer,
                     SubjectRestrictionAnswer, Touched, Transcript, Visitor)

__version__ = "0.1.0"

__all__ = [
    "Client", "ClientStats", "RawResponse", "DEFAULT_SOCKET", "MAX_BATCH_MESSAGES",
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    # errors
    "VaultClientError", "VaultError", "BadRequest", "Forbidden", "NotFound",
    "MethodNotAllowed", "Conflict", "Gone", "PayloadTooLarge", "UnsupportedMediaType",
    "HeadersTooLarge", "ServerError", "Unavailable", "InsufficientStorage",
    "VaultConnectionError", "VaultTimeout", "VaultProtocolError",
    # the event feed
    "Event", "EventStream", "SSEMessage", "SSEParser",
    # models
    "Visitor", "Identifiers", "NewMessage", "Health", "CreatedTranscript", "AppendResult",
    "BatchResult", "CloseResult", "Statement", "Message", "Transcript", "HistoryEntry",
    "HistoryPage", "EraseResult", "MonitoringResult", "Access", "DisclosedTranscript",
    "SubjectAccessAnswer", "SubjectErasureAnswer", "SubjectRestrictionAnswer",
    "SubjectRectificationAnswer", "Touched", "RightsRequest", "StatementAdded",
    "StatisticsTable", "StatisticsReport", "AuditSegment", "AuditStatus", "AuditRecord",
    "AuditRecordsPage", "RetentionStatus", "BackupResult", "Officer", "OfficerList",
    "__version__",
]
