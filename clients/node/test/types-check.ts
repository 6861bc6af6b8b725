/// <reference lib="es2020" />
// Compiled, never run: `tsc --noEmit --strict` on this file checks that
// index.d.ts describes the API as a chat server, a dpo and an auditor use it
// (test/package.test.js runs it).

import {
  VaultClient,
  VaultError,
  NotFoundError,
  VaultConnectionError,
  MAX_BATCH_MESSAGES,
  AppendResult,
  CreatedTranscript,
  AuditRecord,
  HistoryEntry,
  Transcript,
  TranscriptPage,
  SubjectAccessAnswer,
  RightsRequest,
  StatisticsReport,
  Bytes,
  EventStream,
  SseParser,
  VaultEvent,
  BadRequestError,
} from '..';

async function chatServer(client: VaultClient): Promise<void> {
  const { id, expires_at } = await client.openTranscript({
    service: 'webchat',
    visitor: { name: 'Sam', userAgent: 'Mozilla/5.0', email: 'sam@example.org', phone: null },
  });
  const when: string = expires_at;
  const keyed: CreatedTranscript = await client.openTranscript({
    service: 'webchat',
    visitor: { ref: 'visitor-8841' },
    idempotencyKey: '6f1c2a80-chat-8841',
  });
  const replayed: boolean = keyed.replayed;
  await client.openTranscript({ service: 'webchat', idempotencyKey: null });
  const r: AppendResult = await client.appendMessage(id, {
    seq: 0,
    from: 'visitor',
    text: 'hello',
    sentAt: new Date(),
  });
  const stored: boolean = r.outcome === 'stored' && !r.retried && r.duplicate === undefined;
  const batch = await client.appendMessages(id, [{ seq: 1, from: 'agent', text: 'hi', sentAt: '2026-11-22T10:00:00Z' }]);
  const n: number = batch.stored + batch.duplicates + batch.results.length + MAX_BATCH_MESSAGES;
  const closed = await client.closeTranscript(id);
  const state: 'closed' = closed.state;
  await client.submitMonitoring(id, { age: '14-16' });
  const erased = await client.eraseTranscript(id, { reason: 'visitor_request' });
  const gone: 'erased' = erased.state;
  void [when, replayed, stored, n, state, gone];
}

async function agentTool(client: VaultClient, id: string): Promise<void> {
  const t: Transcript = await client.getTranscript(id);
  const closedAt: string | undefined = t.closed_at;
  const ua: string | undefined = t.visitor.user_agent;
  const page: TranscriptPage = await client.getTranscriptPage(id, { fromSeq: 0, limit: 100 });
  const next: number | undefined = page.next_from_seq;
  for await (const m of client.messages(id, { pageSize: 500 })) {
    const s: number = m.seq;
    const st = m.statements ? m.statements[0].added_at : '';
    void [s, st];
  }
  const h = await client.history(id, { limit: 10 });
  const after: string | undefined = h.next;
  for await (const e of client.iterateHistory(id)) {
    const entry: HistoryEntry = e;
    if (entry.state === 'held') {
      const heldAt: string = entry.held_at;
      void heldAt;
    } else if (entry.state !== 'restricted') {
      const count: number = entry.message_count;
      void count;
    }
  }
  void [closedAt, ua, next, after];
}

async function dpo(client: VaultClient): Promise<void> {
  const entry: RightsRequest = await client.registerRightsRequest({ kind: 'erasure', receivedAt: new Date() });
  const access: SubjectAccessAnswer = await client.subjectAccess({ identifiers: { email: 'sam@example.org' } });
  for (const item of access.transcripts) {
    if (item.withheld) {
      const heldAt: string = item.held_at;
      void heldAt;
    } else {
      const messages = item.transcript.messages.length + item.accesses.length;
      void messages;
    }
  }
  const erasure = await client.subjectErasure({ identifiers: { phone: '+44 7700 900123' }, request: entry.id });
  const erasedIds: string[] = erasure.erased;
  await client.extendRightsRequest(entry.id, { months: 2, reason: 'complex' });
  await client.completeRightsRequest(entry.id);
  const list = await client.listRightsRequests({ state: 'overdue' });
  const overdue: boolean = list.requests.every((r) => r.overdue);
  const restriction = await client.subjectRestriction({ identifiers: { ref: 'v-1' }, services: ['webchat'] });
  await client.liftRightsRequest(restriction.request, { reason: 'visitor_withdrew' });
  const objection = await client.subjectObjection({ identifiers: { ip: '192.0.2.7' } });
  await client.decideRightsRequest(objection.request, { decision: 'rejected', reason: 'legal_claims' });
  await client.decideRightsRequest(objection.request, { decision: 'upheld_erase' });
  const rect = await client.subjectRectification({ identifiers: { email: 'a@example.org' }, visitor: { name: null } });
  const fields: string[] = rect.fields;
  const st = await client.addStatement('id', { seq: 1, text: 'correction' });
  const added: string = st.added_at;
  const refused = await client.refuseRightsRequest(entry.id, { reason: 'excessive' });
  const reason: string | undefined = refused.refusal_reason;
  void [erasedIds, overdue, fields, added, reason];
}

async function auditor(client: VaultClient): Promise<void> {
  const status = await client.auditStatus();
  const size: number = status.size + status.segments[0].bytes;
  const note: string = await client.auditCheckpoint();
  const page = await client.auditRecords({ from: 0, limit: 10 });
  const next: number = page.next;
  for await (const record of client.iterateAuditRecords({ pageSize: 100 })) {
    const r: AuditRecord = record;
    if (r.type === 'access' && typeof r.payload !== 'string') {
      const action: string = r.payload.action;
      const pid: string | undefined = r.payload.details ? r.payload.details.pid : undefined;
      void [action, pid];
    }
  }
  const bytes: Bytes = await client.auditSegment(1);
  const length: number = bytes.length;
  const retention = await client.retentionStatus();
  const lastShred: string | null = retention.last_shred_at;
  const officers = await client.listOfficers();
  const active: boolean = officers.officers.every((o) => o.active);
  const report: StatisticsReport = await client.statistics({ service: 'webchat', period: '2026-11' });
  const cell: number | null = report.tables[0].cells[0][0];
  const csv: string = await client.statisticsCsv({ service: 'webchat', period: '2026-q4' });
  const backup = await client.backup('/var/backups/transcript-vault/x');
  void [size, note, next, length, lastShred, active, cell, csv, backup.dir];
}

async function errors(client: VaultClient): Promise<void> {
  try {
    await client.health();
    const metrics: string = await client.metrics();
    void metrics;
  } catch (e) {
    if (e instanceof NotFoundError) {
      const code: string = e.code;
      const status: number = e.status;
      void [code, status];
    } else if (e instanceof VaultError) {
      const retried: boolean = e.retried;
      const rid: string | null = e.requestId;
      void [retried, rid];
    } else if (e instanceof VaultConnectionError) {
      const applied: boolean = e.mayHaveBeenApplied;
      const attempts: number = e.attempts;
      void [applied, attempts];
    }
  }
  const stats = client.stats;
  const total: number = stats.connections + stats.reusedConnections + stats.retries + stats.requests;
  void total;
  client.close();
}

async function eventConsumer(client: VaultClient, open: Set<string>, controller: { signal: {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
} }): Promise<string | null> {
  let last: string | null = null;
  for (;;) {
    const feed: EventStream = client.events({ lastEventId: last, signal: controller.signal, readTimeoutMs: 45000 });
    try {
      for await (const e of feed) {
        const ev: VaultEvent = e;
        switch (ev.type) {
          case 'transcript.idle_closed':
          case 'transcript.expired':
          case 'transcript.erased':
          case 'transcript.held': {
            const id: string = ev.data.transcript;
            const service: string = ev.data.service;
            open.delete(id);
            void service;
            break;
          }
          case 'reset': {
            const reason: 'restart' | 'overflow' = ev.data.reason;
            void reason;
            break;
          }
          case 'retention.run': {
            const shredded: number = ev.data.shredded;
            void shredded;
            break;
          }
          case 'access.refused': {
            const record: number = ev.data.record;
            const uid: number = ev.data.uid;
            void [record, uid];
            break;
          }
        }
        last = ev.id;
      }
      return feed.lastEventId;
    } catch (err) {
      if (err instanceof BadRequestError && err.code === 'unknown_event_id') last = null;
      else throw err;
    }
  }
}

function sse(): number {
  const p = new SseParser();
  const msgs = p.push('data: x\n\n');
  const r: number | null = p.retryMs;
  void r;
  const idOnly: number = msgs.filter((m) => m.idOnly === true).length;
  return msgs.length + idOnly + p.comments + p.lastEventId.length;
}

const client = new VaultClient({ socketPath: '/tmp/s.sock', maxSockets: 4, freeSocketTimeoutMs: 10000, timeoutMs: 5000 });
const socketPath: string = client.socketPath;
void [socketPath, eventConsumer, sse, chatServer, agentTool, dpo, auditor, errors];

// Mistakes the declarations must refuse.
// @ts-expect-error: from must be visitor, agent or system
void client.appendMessage('id', { seq: 1, from: 'bot', text: '', sentAt: '' });
// @ts-expect-error: a rejection needs a reason
void client.decideRightsRequest('id', { decision: 'rejected' });
// @ts-expect-error: service is required
void client.openTranscript({ visitor: {} });
// @ts-expect-error: an idempotency key is a string
void client.openTranscript({ service: 'webchat', idempotencyKey: 42 });
// @ts-expect-error: lastEventId is a string
void client.events({ lastEventId: 42 });
// @ts-expect-error: an EventStream is not made directly
void new EventStream();
