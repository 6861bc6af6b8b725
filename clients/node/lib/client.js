'use strict';

// VaultClient: one method per endpoint of docs/api.md that a chat server, an
// agent's tool, a data-protection officer (dpo), an auditor or an admin
// uses. Options are camelCase; the JSON sent is the API's snake_case; the
// objects returned are the API's JSON exactly as vaultd sends it (snake_case),
// except where a method's comment says otherwise (appends add `outcome` and
// `retried`).
//
// The signed legal-hold calls (cases, holds, unseal and release requests,
// approvals, share exports, officer enrolment and revocation) are not here:
// they are made with the vault-officer tool. Only the officer list is.

const { Transport } = require('./transport');
const { VaultError } = require('./errors');
const { EventStream } = require('./events');

// The most messages one batch append may hold (docs/api.md, section 2.3.1).
const MAX_BATCH_MESSAGES = 1000;
// The largest page of messages (docs/api.md, section 2.5).
const MAX_PAGE_MESSAGES = 10000;

function seg(value, what) {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TypeError(`${what} must be a string`);
  }
  return encodeURIComponent(String(value));
}

function query(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function time(value) {
  return value instanceof Date ? value.toISOString() : value;
}

// camelCase visitor fields to the API's names. Only userAgent differs.
function visitorBody(visitor) {
  if (visitor === undefined || visitor === null) return visitor;
  if (typeof visitor !== 'object') throw new TypeError('visitor must be an object');
  const out = {};
  for (const [key, value] of Object.entries(visitor)) {
    if (value === undefined) continue;
    out[key === 'userAgent' ? 'user_agent' : key] = value;
  }
  return out;
}

// The longest Idempotency-Key vaultd accepts (docs/api.md, section 2.2.1).
const MAX_IDEMPOTENCY_KEY = 255;

// An open's idempotency key: undefined or null (none), else 1 to 255 visible
// ASCII characters ('!' to '~'). Checked here so that a bad key is never sent.
function checkIdempotencyKey(key) {
  if (key === undefined || key === null) return undefined;
  if (typeof key !== 'string') throw new TypeError('idempotencyKey must be a string');
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY) {
    throw new RangeError(`idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY} characters; this one has ${key.length}`);
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new RangeError("idempotencyKey must be visible ASCII characters ('!' to '~'), without spaces");
  }
  return key;
}

function messageBody(message) {
  if (!message || typeof message !== 'object') throw new TypeError('a message must be an object');
  return { seq: message.seq, from: message.from, text: message.text, sent_at: time(message.sentAt) };
}

// The body of a visitor's-right call: identifiers, services, request.
function rightsQueryBody(q) {
  if (!q || typeof q !== 'object' || !q.identifiers) {
    throw new TypeError('identifiers are required');
  }
  const body = { identifiers: { ...q.identifiers } };
  for (const k of Object.keys(body.identifiers)) {
    if (body.identifiers[k] === undefined) delete body.identifiers[k];
  }
  if (q.services !== undefined && q.services !== null) body.services = q.services;
  if (q.request !== undefined && q.request !== null) body.request = q.request;
  return body;
}

// Whether an audit record's payload is the audit.read record of one of the
// requests `ids` (X-Request-Id values) of this process. Request ids restart
// at each start of vaultd, so the pid is compared too.
function isOwnAuditRead(p, ids) {
  return (
    p !== null &&
    typeof p === 'object' &&
    p.action === 'audit.read' &&
    ids.has(p.request) &&
    p.details !== null &&
    typeof p.details === 'object' &&
    p.details.what === 'records' &&
    p.details.pid === String(process.pid)
  );
}

function parseJson(result) {
  try {
    return JSON.parse(result.body.toString('utf8'));
  } catch (e) {
    throw new VaultError(result.status, 'bad_response', `vaultd sent a body that is not JSON: ${e.message}`, {
      requestId: result.requestId,
      retried: result.retried,
    });
  }
}

class VaultClient {
  constructor(options = {}) {
    this._transport = new Transport(options);
  }

  get socketPath() {
    return this._transport.socketPath;
  }

  // The keep-alive http.Agent the client sends through.
  get agent() {
    return this._transport.agent;
  }

  // Counters: requests (attempts sent), connections (new connections
  // opened), reusedConnections (attempts sent on a kept-alive connection),
  // retries (attempts repeated on a fresh connection).
  get stats() {
    return { ...this._transport.stats };
  }

  // Closes idle connections (and, with its own agent, the agent). The client
  // should not be used afterwards.
  close() {
    this._transport.destroy();
  }

  async _json(method, path, body, retry) {
    return parseJson(await this._transport.request({ method, path, body, retry }));
  }

  async _text(path) {
    const r = await this._transport.request({ method: 'GET', path, retry: 'safe' });
    return r.body.toString('utf8');
  }

  // --- the event feed (writer: its services' transcripts; auditor, admin) ---

  // GET /v1/events: an EventStream (an async iterator of {id, type, data})
  // on a connection of its own, never the agent's. It connects at the first
  // next() (or open()); errors before the stream reject that, typed as any
  // other call's (BadRequestError invalid_event_id / unknown_event_id,
  // ForbiddenError, VaultError 429 too_many_event_streams).
  events(options = {}) {
    return new EventStream(this._transport.socketPath, {
      connectTimeoutMs: this._transport.timeoutMs,
      ...options,
    });
  }

  // --- everyone ------------------------------------------------------------

  health() {
    return this._json('GET', '/v1/health', undefined, 'safe');
  }

  metrics() {
    return this._text('/metrics');
  }

  // --- chat server (writer) ------------------------------------------------

  // POST /v1/transcripts. Without an idempotencyKey, not idempotent: never
  // repeated by the client. With one (sent as the Idempotency-Key header,
  // docs/api.md 2.2.1), a repeat with the same key and body answers the
  // first open's body, so it is repeated like an idempotent call. Adds
  // `replayed`: vaultd answered `Idempotent-Replayed: true` (this open was
  // made before, by an earlier attempt or call with the same key).
  async openTranscript({ service, visitor, idempotencyKey } = {}) {
    const key = checkIdempotencyKey(idempotencyKey);
    const body = { service };
    if (visitor !== undefined) body.visitor = visitorBody(visitor);
    const r = await this._transport.request({
      method: 'POST',
      path: '/v1/transcripts',
      body,
      retry: key === undefined ? 'never' : 'safe',
      headers: key === undefined ? undefined : { 'Idempotency-Key': key },
    });
    const answer = parseJson(r);
    answer.replayed = String(r.headers['idempotent-replayed'] || '').toLowerCase() === 'true';
    return answer;
  }

  // POST /v1/transcripts/{id}/messages. Repeated once with the same seq and
  // bytes after a connection failure; a duplicate answer is success.
  async appendMessage(id, message) {
    const r = await this._transport.request({
      method: 'POST',
      path: `/v1/transcripts/${seg(id, 'id')}/messages`,
      body: messageBody(message),
      retry: 'seq',
    });
    const answer = parseJson(r);
    answer.outcome = answer.duplicate === true ? 'duplicate' : 'stored';
    answer.retried = r.retried;
    return answer;
  }

  // POST /v1/transcripts/{id}/messages/batch: up to 1,000 messages, stored
  // atomically; repeated like appendMessage.
  async appendMessages(id, messages) {
    if (!Array.isArray(messages)) throw new TypeError('messages must be an array');
    if (messages.length > MAX_BATCH_MESSAGES) {
      throw new RangeError(
        `a batch holds at most ${MAX_BATCH_MESSAGES} messages; this one has ${messages.length}`,
      );
    }
    const r = await this._transport.request({
      method: 'POST',
      path: `/v1/transcripts/${seg(id, 'id')}/messages/batch`,
      body: { messages: messages.map(messageBody) },
      retry: 'seq',
    });
    const answer = parseJson(r);
    answer.retried = r.retried;
    return answer;
  }

  // POST /v1/transcripts/{id}/close. Idempotent.
  closeTranscript(id) {
    return this._json('POST', `/v1/transcripts/${seg(id, 'id')}/close`, undefined, 'safe');
  }

  // POST /v1/transcripts/{id}/erase; {reason: 'visitor_request'} for a
  // writer. Idempotent (an erased transcript answers the same 200).
  eraseTranscript(id, { reason } = {}) {
    const body = reason === undefined ? undefined : { reason };
    return this._json('POST', `/v1/transcripts/${seg(id, 'id')}/erase`, body, 'safe');
  }

  // POST /v1/transcripts/{id}/monitoring with {answers}. A repeat of a
  // counted form answers 409 already_submitted and is never counted twice.
  submitMonitoring(id, answers) {
    return this._json('POST', `/v1/transcripts/${seg(id, 'id')}/monitoring`, { answers }, 'safe');
  }

  // --- reading (writer or agent) -------------------------------------------

  getTranscript(id) {
    return this._json('GET', `/v1/transcripts/${seg(id, 'id')}`, undefined, 'safe');
  }

  // One page: messages with seq >= fromSeq, at most limit. The answer has
  // next_from_seq when more follow.
  getTranscriptPage(id, { fromSeq, limit } = {}) {
    const q = query({ from_seq: fromSeq, limit });
    return this._json('GET', `/v1/transcripts/${seg(id, 'id')}${q}`, undefined, 'safe');
  }

  // Every message from fromSeq on, one page (one audited read) at a time.
  async *messages(id, { pageSize = 1000, fromSeq = 0 } = {}) {
    if (!(pageSize >= 1 && pageSize <= MAX_PAGE_MESSAGES)) {
      throw new RangeError(`pageSize must be 1 to ${MAX_PAGE_MESSAGES}`);
    }
    let from = fromSeq;
    for (;;) {
      const page = await this.getTranscriptPage(id, { fromSeq: from, limit: pageSize });
      for (const m of page.messages) yield m;
      if (page.next_from_seq === undefined) return;
      from = page.next_from_seq;
    }
  }

  // GET /v1/transcripts/{id}/history (agent): one page.
  history(id, { limit, after } = {}) {
    const q = query({ limit, after });
    return this._json('GET', `/v1/transcripts/${seg(id, 'id')}/history${q}`, undefined, 'safe');
  }

  // Every history entry, following `next`.
  async *iterateHistory(id, { pageSize = 100 } = {}) {
    let after;
    for (;;) {
      const page = await this.history(id, { limit: pageSize, after });
      for (const entry of page.transcripts) yield entry;
      if (page.next === undefined) return;
      after = page.next;
    }
  }

  // --- visitors' rights (dpo) ----------------------------------------------
  // Each of these is repeated after a connection failure only when it names
  // its register entry (`request`): without one, a repeat registers a second.

  subjectAccess(q) {
    const body = rightsQueryBody(q);
    return this._json('POST', '/v1/subject-access', body, body.request ? 'safe' : 'never');
  }

  subjectErasure(q) {
    const body = rightsQueryBody(q);
    return this._json('POST', '/v1/subject-erasure', body, body.request ? 'safe' : 'never');
  }

  subjectRestriction(q) {
    const body = rightsQueryBody(q);
    return this._json('POST', '/v1/subject-restriction', body, body.request ? 'safe' : 'never');
  }

  subjectObjection(q) {
    const body = rightsQueryBody(q);
    return this._json('POST', '/v1/subject-objection', body, body.request ? 'safe' : 'never');
  }

  // q.visitor: the fields to change (a string) or remove (null).
  subjectRectification(q) {
    const body = rightsQueryBody(q);
    if (!q.visitor || typeof q.visitor !== 'object') throw new TypeError('visitor is required');
    body.visitor = visitorBody(q.visitor);
    return this._json('POST', '/v1/subject-rectification', body, body.request ? 'safe' : 'never');
  }

  // POST /v1/transcripts/{id}/statements. Never repeated: a repeat attaches
  // a second statement.
  addStatement(id, { seq, text, request } = {}) {
    const body = { seq, text };
    if (request !== undefined && request !== null) body.request = request;
    return this._json('POST', `/v1/transcripts/${seg(id, 'id')}/statements`, body, 'never');
  }

  // The register (2.5.4). Registration and changes are never repeated.
  registerRightsRequest({ kind, receivedAt, services } = {}) {
    const body = { kind };
    if (receivedAt !== undefined && receivedAt !== null) body.received_at = time(receivedAt);
    if (services !== undefined && services !== null) body.services = services;
    return this._json('POST', '/v1/rights-requests', body, 'never');
  }

  listRightsRequests({ state } = {}) {
    return this._json('GET', `/v1/rights-requests${query({ state })}`, undefined, 'safe');
  }

  getRightsRequest(id) {
    return this._json('GET', `/v1/rights-requests/${seg(id, 'id')}`, undefined, 'safe');
  }

  extendRightsRequest(id, { months, reason } = {}) {
    return this._rightsChange(id, 'extend', { months, reason });
  }

  completeRightsRequest(id) {
    return this._rightsChange(id, 'complete', undefined);
  }

  refuseRightsRequest(id, { reason } = {}) {
    return this._rightsChange(id, 'refuse', { reason });
  }

  liftRightsRequest(id, { reason } = {}) {
    return this._rightsChange(id, 'lift', { reason });
  }

  decideRightsRequest(id, { decision, reason } = {}) {
    const body = { decision };
    if (reason !== undefined && reason !== null) body.reason = reason;
    return this._rightsChange(id, 'decide', body);
  }

  _rightsChange(id, action, body) {
    return this._json('POST', `/v1/rights-requests/${seg(id, 'id')}/${action}`, body, 'never');
  }

  // --- statistics (analyst, admin, auditor) --------------------------------

  statistics({ service, period } = {}) {
    return this._json('GET', `/v1/statistics${query({ service, period })}`, undefined, 'safe');
  }

  statisticsCsv({ service, period } = {}) {
    return this._text(`/v1/statistics${query({ service, period, format: 'csv' })}`);
  }

  // --- audit log (auditor) -------------------------------------------------

  auditStatus() {
    return this._json('GET', '/v1/audit', undefined, 'safe');
  }

  auditCheckpoint() {
    return this._text('/v1/audit/checkpoint');
  }

  auditRecords({ from, limit } = {}) {
    return this._json('GET', `/v1/audit/records${query({ from, limit })}`, undefined, 'safe');
  }

  // Every record from `from` to the end of the log. Each page read is itself
  // audited (an audit.read record at the end of the log), so the log grows
  // as it is read; the iteration stops after a page shorter than pageSize,
  // or after the page that holds the audit.read record of one of its own
  // page reads (the end of the log as of that read). So it ends, even with
  // pages of one record. A record is this iterator's own when it is an
  // audit.read of records by this process (details.pid) with the request id
  // (X-Request-Id) of one of its reads.
  async *iterateAuditRecords({ from = 0, pageSize = 1000 } = {}) {
    const ownRequests = new Set();
    let next = from;
    for (;;) {
      const r = await this._transport.request({
        method: 'GET',
        path: `/v1/audit/records${query({ from: next, limit: pageSize })}`,
        retry: 'safe',
      });
      if (r.requestId) ownRequests.add(r.requestId);
      const page = parseJson(r);
      let reachedOwn = false;
      for (const record of page.records) {
        yield record;
        const p = record.payload;
        if (isOwnAuditRead(p, ownRequests)) reachedOwn = true;
      }
      if (reachedOwn || page.records.length < pageSize) return;
      next = page.next;
    }
  }

  // GET /v1/audit/segments/{n}: the segment's bytes, as a Buffer.
  async auditSegment(number) {
    const r = await this._transport.request({
      method: 'GET',
      path: `/v1/audit/segments/${seg(number, 'number')}`,
      retry: 'safe',
    });
    return r.body;
  }

  // --- admin ---------------------------------------------------------------

  retentionStatus() {
    return this._json('GET', '/v1/retention', undefined, 'safe');
  }

  // POST /v1/backup. Never repeated by the client (as the C++ client): after
  // a lost answer, repeat it yourself; 409 backup_exists then means done.
  backup(dir) {
    return this._json('POST', '/v1/backup', { dir }, 'never');
  }

  listOfficers() {
    return this._json('GET', '/v1/officers', undefined, 'safe');
  }
}

module.exports = { VaultClient, MAX_BATCH_MESSAGES, MAX_PAGE_MESSAGES };
