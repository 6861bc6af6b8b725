// Type declarations of @transcript-vault/client (hand-written; see README.md).
// Self-contained: they need no @types/node. Objects returned are vaultd's
// JSON as sent (docs/api.md; encoders in vault/wire/*.cc), snake_case.
/// <reference lib="es2018.asyncgenerator" />
/// <reference lib="es2018.asynciterable" />

/** An RFC 3339 time as vaultd writes it: UTC with milliseconds. */
export type Timestamp = string;

/** A Buffer under Node (with @types/node), a Uint8Array otherwise. */
export type Bytes = typeof globalThis extends { Buffer: { alloc(size: number): infer B } } ? B : Uint8Array;

export type Sender = 'visitor' | 'agent' | 'system';
export type IdentifierKind = 'ref' | 'email' | 'phone' | 'ip';

// --- options ---------------------------------------------------------------

export interface VaultClientOptions {
  /** Default: env VAULT_SOCKET, else /run/transcript-vault/vaultd.sock. */
  socketPath?: string;
  /** Most connections at once (default 16). */
  maxSockets?: number;
  /** Most idle connections kept (default maxSockets). */
  maxFreeSockets?: number;
  /** How long an idle connection is kept, in ms (default 25000); a shorter
   * `Keep-Alive: timeout=N` from vaultd wins (N s minus 1 s). */
  freeSocketTimeoutMs?: number;
  /** Inactivity timeout of a request, in ms (default 60000; 0: none). */
  timeoutMs?: number;
  /** An http.Agent of your own (keep-alive), instead of the client's. */
  agent?: object;
}

export interface VisitorInput {
  name?: string | null;
  ip?: string | null;
  location?: string | null;
  userAgent?: string | null;
  device?: string | null;
  ref?: string | null;
  email?: string | null;
  phone?: string | null;
}

export interface OpenTranscriptOptions {
  service: string;
  visitor?: VisitorInput | null;
  /** Sent as the `Idempotency-Key` header (docs/api.md 2.2.1): 1 to 255
   * visible ASCII characters, '!' to '~' (TypeError/RangeError otherwise,
   * nothing sent), e.g. a UUID made when the chat starts. With a key, the
   * open is resent once like an idempotent call, and repeating it with the
   * same key and fields answers the same transcript (`replayed: true`). */
  idempotencyKey?: string | null;
}

export interface MessageInput {
  seq: number;
  from: Sender;
  text: string;
  /** RFC 3339 with a time zone; a Date is sent as its toISOString(). */
  sentAt: string | Date;
}

export interface Identifiers {
  ref?: string;
  email?: string;
  phone?: string;
  ip?: string;
}

export interface SubjectQuery {
  identifiers: Identifiers;
  services?: string[];
  /** The open register entry this call carries out. */
  request?: string;
}

export interface RectificationQuery extends SubjectQuery {
  /** A string replaces the field, null removes it. */
  visitor: VisitorInput;
}

export type RightsKind = 'access' | 'rectification' | 'erasure' | 'restriction' | 'objection';

// --- answers ---------------------------------------------------------------

export interface Health {
  status: 'ok';
  version: string;
}

export interface CreatedTranscript {
  id: string;
  expires_at: Timestamp;
  /** Added by the client: vaultd answered `Idempotent-Replayed: true` (an
   * earlier open with the same idempotencyKey made this transcript). */
  replayed: boolean;
}

export interface AppendResult {
  seq: number;
  /** Present (true) when vaultd answered 200 duplicate. */
  duplicate?: true;
  /** Added by the client: 'duplicate' when `duplicate` is true. */
  outcome: 'stored' | 'duplicate';
  /** Added by the client: the answer came from the one resend. */
  retried: boolean;
}

export interface BatchItemResult {
  seq: number;
  duplicate?: true;
}

export interface BatchAppendResult {
  stored: number;
  duplicates: number;
  results: BatchItemResult[];
  /** Added by the client: the answer came from the one resend. */
  retried: boolean;
}

export interface ClosedTranscript {
  id: string;
  state: 'closed';
  expires_at: Timestamp;
}

export interface ErasedTranscript {
  id: string;
  state: 'erased';
}

export interface MonitoringCounted {
  id: string;
  counted: true;
}

export interface Visitor {
  name?: string;
  ip?: string;
  location?: string;
  user_agent?: string;
  device?: string;
  ref?: string;
  email?: string;
  phone?: string;
}

export interface Statement {
  text: string;
  added_at: Timestamp;
}

export interface StoredMessage {
  seq: number;
  from: Sender;
  text: string;
  sent_at: string;
  /** Present only when the message has supplementary statements. */
  statements?: Statement[];
}

export interface Transcript {
  id: string;
  service: string;
  state: 'open' | 'closed';
  created_at: Timestamp;
  /** Present only when state is 'closed'. */
  closed_at?: Timestamp;
  last_activity: Timestamp;
  expires_at: Timestamp;
  message_count: number;
  visitor: Visitor;
  messages: StoredMessage[];
}

export interface TranscriptPage extends Transcript {
  /** Present when more messages follow: the fromSeq of the next page. */
  next_from_seq?: number;
}

export interface HistoryEntryReadable {
  id: string;
  state: 'open' | 'closed';
  created_at: Timestamp;
  closed_at?: Timestamp;
  expires_at: Timestamp;
  message_count: number;
  matched: IdentifierKind[];
}

export interface HistoryEntryHeld {
  id: string;
  state: 'held';
  held_at: Timestamp;
  matched: IdentifierKind[];
}

export interface HistoryEntryRestricted {
  id: string;
  state: 'restricted';
  matched: IdentifierKind[];
}

export type HistoryEntry = HistoryEntryReadable | HistoryEntryHeld | HistoryEntryRestricted;

export interface HistoryPage {
  transcripts: HistoryEntry[];
  /** Present when another page follows: pass it as `after`. */
  next?: string;
}

export interface PrivacyStatement {
  controller: string;
  purposes: string[];
  legal_basis: string[];
  recipients: string[];
  retention: string;
}

export interface RecordedAccess {
  seq: number;
  time: Timestamp;
  uid: number;
  role: string;
  action: string;
  outcome: string;
  purpose?: string;
}

export interface SubjectAccessDisclosed {
  id: string;
  matched: IdentifierKind[];
  withheld: false;
  restricted: boolean;
  transcript: Transcript;
  accesses: RecordedAccess[];
}

export interface SubjectAccessWithheld {
  id: string;
  matched: IdentifierKind[];
  withheld: true;
  held_at: Timestamp;
}

export interface SubjectAccessAnswer {
  format: 'transcript-vault-subject-access-v1';
  answered_at: Timestamp;
  audit_seq: number;
  request: string;
  searched: IdentifierKind[];
  services: string[];
  statement: PrivacyStatement;
  transcripts: Array<SubjectAccessDisclosed | SubjectAccessWithheld>;
}

export interface SubjectErasureAnswer {
  answered_at: Timestamp;
  audit_seq: number;
  searched: IdentifierKind[];
  services: string[];
  erased: string[];
  withheld: string[];
  request: string;
}

export interface SubjectRestrictionAnswer {
  answered_at: Timestamp;
  audit_seq: number;
  request: string;
  searched: IdentifierKind[];
  services: string[];
  restricted: string[];
  withheld: string[];
}

export interface SubjectRectificationAnswer {
  answered_at: Timestamp;
  audit_seq: number;
  request: string;
  searched: IdentifierKind[];
  services: string[];
  fields: string[];
  rectified: string[];
  withheld: string[];
}

export interface StatementAdded {
  id: string;
  seq: number;
  added_at: Timestamp;
  request: string;
}

export type TouchOutcome = 'disclosed' | 'erased' | 'withheld' | 'restricted' | 'lifted' | 'gone' | 'rectified';

export interface RightsRequest {
  id: string;
  kind: RightsKind;
  state: 'open' | 'done' | 'refused';
  services: string[];
  registered_at: Timestamp;
  received_at: Timestamp;
  /** YYYY-MM-DD (UTC). */
  due: string;
  due_at: Timestamp;
  overdue: boolean;
  extension?: { months: number; reason: string; at: Timestamp };
  closed_at?: Timestamp;
  refusal_reason?: string;
  decision?: { decision: string; reason?: string };
  lifted?: { at: Timestamp; reason: string };
  touched: Array<{ id: string; outcome: TouchOutcome }>;
}

export interface RightsRequestList {
  requests: RightsRequest[];
}

export interface StatisticsTable {
  name: string;
  title: string;
  rows: string[];
  columns: string[];
  /** cells[row][column]; null: suppressed. */
  cells: Array<Array<number | null>>;
  total: number | null;
}

export interface StatisticsReport {
  service: string;
  period: string;
  kind: 'week' | 'month' | 'quarter' | 'year';
  first_day: string;
  last_day: string;
  utc_offset: string;
  threshold: number;
  tables: StatisticsTable[];
}

export interface AuditStatus {
  origin: string;
  genesis_key: string;
  size: number;
  checkpoint: string;
  segments: Array<{ number: number; bytes: number }>;
}

export interface AccessPayload {
  actor: { uid: number; role: string; officer?: string };
  action: string;
  objects: string[];
  outcome: string;
  request?: string;
  details?: { [key: string]: string };
}

interface AuditRecordBase {
  seq: number;
  time: Timestamp;
  /** Hex SHA-256 of the previous record, and of this one. */
  prev: string;
  hash: string;
}

/** A payload that is not JSON is given as a string. */
export type AuditRecord =
  | (AuditRecordBase & { type: 'genesis'; payload: { origin: string; key: string; checkpoint_interval_ms: number } | string })
  | (AuditRecordBase & { type: 'segment'; payload: { segment: number } | string })
  | (AuditRecordBase & { type: 'access'; payload: AccessPayload | string })
  | (AuditRecordBase & { type: 'checkpoint'; payload: { note: string } | string })
  | (AuditRecordBase & { type: 'start'; payload: { previous_stop: 'clean' | 'crash'; version: string } | string })
  | (AuditRecordBase & {
      type: 'recovery';
      payload: { cut_bytes: number; reason: string; removed_segment?: number } | string;
    })
  | (AuditRecordBase & { type: 'stop'; payload: { [key: string]: unknown } | string });

export interface AuditRecordsPage {
  records: AuditRecord[];
  /** The `from` of the next page. */
  next: number;
}

export interface RetentionStatus {
  now: Timestamp;
  epoch_ms: number;
  base_epoch: number;
  last_shred_at: Timestamp | null;
  last_run_at: Timestamp | null;
  shredded_total: number;
  overdue: number;
  damaged: number;
}

export interface BackupDone {
  dir: string;
}

export interface Officer {
  id: string;
  key: string;
  fingerprint: string;
  enrolled_at: Timestamp;
  enrolled_by: number;
  revoked_at: Timestamp | null;
  active: boolean;
  compromised: boolean;
}

export interface OfficerList {
  vault: string;
  officers: Officer[];
  share_health: { stranded: string[]; at_threshold: string[]; reshare_advised: string[] };
}

export interface ClientStats {
  /** Attempts sent (a resend counts again). */
  requests: number;
  /** New connections opened. */
  connections: number;
  /** Attempts sent on a kept-alive connection. */
  reusedConnections: number;
  /** Attempts resent on a fresh connection. */
  retries: number;
}

// --- the client ------------------------------------------------------------

export const MAX_BATCH_MESSAGES: 1000;
export const MAX_PAGE_MESSAGES: 10000;
export const DEFAULT_SOCKET: string;

// --- the event feed (GET /v1/events) ---------------------------------------

export type TranscriptEventType =
  | 'transcript.idle_closed'
  | 'transcript.expired'
  | 'transcript.erased'
  | 'transcript.held';

/** Writers: what happened to a transcript of their services. */
export interface TranscriptEventData {
  id: string;
  type: TranscriptEventType;
  at: Timestamp;
  transcript: string;
  service: string;
}
/** Auditors and admins: one run of the shredder ended. */
export interface RetentionRunEventData {
  id: string;
  type: 'retention.run';
  at: Timestamp;
  outcome: string;
  shredded: number;
}
/** Auditors and admins: a call was refused for the caller's rights. */
export interface AccessRefusedEventData {
  id: string;
  type: 'access.refused';
  at: Timestamp;
  uid: number;
  role: string;
  action: string;
  outcome: string;
  /** Its audit record's number. */
  record: number;
}

/** Events were missed (vaultd restarted, or the reader fell behind): reconcile. */
export interface ResetEventData {
  id: string;
  type: 'reset';
  at: Timestamp;
  reason: 'restart' | 'overflow';
}
export type VaultEventData = TranscriptEventData | RetentionRunEventData | AccessRefusedEventData | ResetEventData;

/** One event: `id` is what to resume from (Last-Event-ID); narrow on `type`. */
export type VaultEvent =
  | { id: string; type: TranscriptEventType; data: TranscriptEventData }
  | { id: string; type: 'retention.run'; data: RetentionRunEventData }
  | { id: string; type: 'access.refused'; data: AccessRefusedEventData }
  | { id: string; type: 'reset'; data: ResetEventData };

/** An AbortSignal (structurally: no DOM or @types/node needed). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface EventsOptions {
  /** Resume after this event (the id of the last one processed). */
  lastEventId?: string | null;
  /** Aborting closes the feed: the iteration ends (done), no error. */
  signal?: AbortSignalLike;
  /** No byte (event or heartbeat) for this long: the connection is dead
   * (ETIMEDOUT). Default 0: wait for ever. Choose more than vaultd's
   * --event-heartbeat (15 s), e.g. 45000. */
  readTimeoutMs?: number;
  /** Until the response header (default: the client's timeoutMs). */
  connectTimeoutMs?: number;
  /** Reconnect by itself with Last-Event-ID after the connection ends
   * (default false: the iteration ends, or throws the connection error). */
  reconnect?: boolean;
  /** Wait before reconnecting (default: the server's retry:, 3000 ms). */
  reconnectDelayMs?: number | null;
  /** Failed reconnects in a row before the error is thrown (default: none). */
  maxReconnectAttempts?: number | null;
}

export interface SseMessage {
  id: string;
  event: string;
  data: string;
  /**
   * An id: field and no data: only the last event id moved (vaultd sends one
   * with a heartbeat when the feed's position passed events this reader does
   * not get); `event` and `data` are '' and it is not an event.
   */
  idOnly?: true;
}

/** An incremental text/event-stream parser. */
export class SseParser {
  constructor();
  /** The last `id:` seen ('' if none). */
  readonly lastEventId: string;
  /** The last valid `retry:` in ms, or null. */
  readonly retryMs: number | null;
  /** Comment lines seen (heartbeats). */
  readonly comments: number;
  /** Bytes or text split anywhere; returns the messages it completes, id-only ones included, in order. */
  push(chunk: Uint8Array | string): SseMessage[];
}

/** The event feed on a connection of its own. */
export class EventStream implements AsyncIterableIterator<VaultEvent> {
  private constructor();
  readonly socketPath: string;
  /**
   * The id of the last event handed out (or the one given), or of a later
   * id-only message once every event ahead of it was handed out: the
   * Last-Event-ID to resume with. A blank `id:` does not clear it.
   */
  readonly lastEventId: string | null;
  /** The server's retry: in ms (3000 until it says otherwise). */
  readonly retryMs: number;
  readonly heartbeats: number;
  readonly reconnects: number;
  /** X-Request-Id of the current connection's response. */
  readonly requestId: string | null;
  readonly closed: boolean;
  /** Connects now; rejects with the error before the stream, if any. */
  open(): Promise<this>;
  close(): void;
  next(): Promise<IteratorResult<VaultEvent, undefined>>;
  return(): Promise<IteratorResult<VaultEvent, undefined>>;
  [Symbol.asyncIterator](): this;
}

export class VaultClient {
  constructor(options?: VaultClientOptions);
  readonly socketPath: string;
  /** The http.Agent requests go through. */
  readonly agent: any;
  readonly stats: ClientStats;
  close(): void;

  /** GET /v1/events (writer, auditor, admin): the event feed. */
  events(options?: EventsOptions): EventStream;

  health(): Promise<Health>;
  metrics(): Promise<string>;

  openTranscript(options: OpenTranscriptOptions): Promise<CreatedTranscript>;
  appendMessage(id: string, message: MessageInput): Promise<AppendResult>;
  /** At most MAX_BATCH_MESSAGES (RangeError above). */
  appendMessages(id: string, messages: MessageInput[]): Promise<BatchAppendResult>;
  closeTranscript(id: string): Promise<ClosedTranscript>;
  eraseTranscript(id: string, options?: { reason?: 'visitor_request' }): Promise<ErasedTranscript>;
  submitMonitoring(id: string, answers: { [question: string]: string }): Promise<MonitoringCounted>;

  getTranscript(id: string): Promise<Transcript>;
  getTranscriptPage(id: string, options?: { fromSeq?: number; limit?: number }): Promise<TranscriptPage>;
  messages(id: string, options?: { pageSize?: number; fromSeq?: number }): AsyncGenerator<StoredMessage, void, undefined>;
  history(id: string, options?: { limit?: number; after?: string }): Promise<HistoryPage>;
  iterateHistory(id: string, options?: { pageSize?: number }): AsyncGenerator<HistoryEntry, void, undefined>;

  subjectAccess(query: SubjectQuery): Promise<SubjectAccessAnswer>;
  subjectErasure(query: SubjectQuery): Promise<SubjectErasureAnswer>;
  subjectRestriction(query: SubjectQuery): Promise<SubjectRestrictionAnswer>;
  subjectObjection(query: SubjectQuery): Promise<SubjectRestrictionAnswer>;
  subjectRectification(query: RectificationQuery): Promise<SubjectRectificationAnswer>;
  addStatement(id: string, statement: { seq: number; text: string; request?: string }): Promise<StatementAdded>;

  registerRightsRequest(options: {
    kind: RightsKind;
    receivedAt?: string | Date;
    services?: string[] | null;
  }): Promise<RightsRequest>;
  listRightsRequests(options?: { state?: 'open' | 'overdue' | 'all' }): Promise<RightsRequestList>;
  getRightsRequest(id: string): Promise<RightsRequest>;
  extendRightsRequest(id: string, options: { months: 1 | 2; reason: 'complex' | 'numerous' }): Promise<RightsRequest>;
  completeRightsRequest(id: string): Promise<RightsRequest>;
  refuseRightsRequest(
    id: string,
    options: { reason: 'manifestly_unfounded' | 'excessive' | 'identity_not_verified' | 'exemption' },
  ): Promise<RightsRequest>;
  liftRightsRequest(
    id: string,
    options: { reason: 'accuracy_verified' | 'objection_rejected' | 'visitor_withdrew' | 'no_longer_applies' },
  ): Promise<RightsRequest>;
  decideRightsRequest(
    id: string,
    options:
      | { decision: 'upheld_erase' | 'upheld_restricted' }
      | { decision: 'rejected'; reason: 'compelling_legitimate_grounds' | 'legal_claims' },
  ): Promise<RightsRequest>;

  statistics(options: { service: string; period: string }): Promise<StatisticsReport>;
  statisticsCsv(options: { service: string; period: string }): Promise<string>;

  auditStatus(): Promise<AuditStatus>;
  auditCheckpoint(): Promise<string>;
  auditRecords(options?: { from?: number; limit?: number }): Promise<AuditRecordsPage>;
  iterateAuditRecords(options?: { from?: number; pageSize?: number }): AsyncGenerator<AuditRecord, void, undefined>;
  auditSegment(number: number): Promise<Bytes>;

  retentionStatus(): Promise<RetentionStatus>;
  backup(dir: string): Promise<BackupDone>;
  listOfficers(): Promise<OfficerList>;
}

// --- errors ----------------------------------------------------------------

/** vaultd answered with an error status. */
export class VaultError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** The vault's error code (docs/api.md section 4), or 'bad_response'. */
  readonly code: string;
  /** X-Request-Id of the answer, or null. */
  readonly requestId: string | null;
  /** The answer came from the client's one resend. */
  readonly retried: boolean;
}
/** 400, 415, 422. */
export class BadRequestError extends VaultError {}
/** 403. */
export class ForbiddenError extends VaultError {}
/** 404. */
export class NotFoundError extends VaultError {}
/** 405. */
export class MethodNotAllowedError extends VaultError {}
/** 409. */
export class ConflictError extends VaultError {}
/** 410: expired or erased. */
export class GoneError extends VaultError {}
/** 413, 431. */
export class PayloadTooLargeError extends VaultError {}
/** 500. */
export class InternalServerError extends VaultError {}
/** 503, 507. */
export class UnavailableError extends VaultError {}

/** No complete answer arrived. */
export class VaultConnectionError extends Error {
  /** errno-style: ECONNRESET, EPIPE, ENOENT, ECONNREFUSED, ETIMEDOUT, ... */
  readonly code: string;
  /** False only when no connection was made: nothing reached vaultd. */
  readonly mayHaveBeenApplied: boolean;
  /** Attempts made: 1, or 2 after a resend. */
  readonly attempts: number;
}
