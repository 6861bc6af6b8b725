'use strict';

// A chat server's, an agent's and an admin's use of the client against a
// real vaultd (run as root with no [access] section: every role).

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const fs = require('node:fs');

const {
  VaultClient,
  VaultError,
  NotFoundError,
  BadRequestError,
  ConflictError,
  GoneError,
  MAX_BATCH_MESSAGES,
} = require('..');
const { startVaultd } = require('../test-support/vaultd');

let vault;
let client;

test.before(async () => {
  vault = await startVaultd(['--statistics.question', 'age | How old are you? | 11-13 | 14-16 | 17-18']);
  client = new VaultClient({ socketPath: vault.socketPath });
});

test.after(async () => {
  if (client) client.close();
  if (vault) await vault.stop();
});

const T0 = Date.parse('2026-11-22T10:00:00Z');
function msg(seq, text = `message ${seq}`, from = seq % 2 ? 'agent' : 'visitor') {
  return { seq, from, text, sentAt: new Date(T0 + seq * 1000).toISOString() };
}

test('health and metrics', { timeout: 30000 }, async () => {
  const health = await client.health();
  assert.equal(health.status, 'ok');
  assert.equal(typeof health.version, 'string');
  const metrics = await client.metrics();
  assert.match(metrics, /^# HELP vault_build_info /m);
});

test('a chat server flow: open with visitor details, stream messages, close, read back', { timeout: 30000 }, async () => {
  const created = await client.openTranscript({
    service: 'webchat',
    visitor: {
      name: 'Sam',
      ip: '198.51.100.4',
      location: 'Leeds, UK',
      userAgent: 'Mozilla/5.0 (Android 14)',
      device: 'mobile',
      ref: 'visitor-8841',
      email: 'sam@example.org',
      phone: '+44 7700 900123',
    },
  });
  assert.match(created.id, /^[0-9a-f]{32}$/);
  assert.equal(typeof created.expires_at, 'string');

  const first = await client.appendMessage(created.id, msg(1, 'hello, is anyone there?', 'visitor'));
  assert.deepEqual(first, { seq: 1, outcome: 'stored', retried: false });
  const second = await client.appendMessage(created.id, msg(2, 'Hi, I am here.', 'agent'));
  assert.equal(second.outcome, 'stored');
  // A replay of the same seq and bytes is a duplicate, and success.
  const replay = await client.appendMessage(created.id, msg(2, 'Hi, I am here.', 'agent'));
  assert.deepEqual(replay, { seq: 2, duplicate: true, outcome: 'duplicate', retried: false });
  // A Date for sentAt is sent as its ISO string.
  const third = await client.appendMessage(created.id, {
    seq: 3,
    from: 'system',
    text: 'the visitor left',
    sentAt: new Date(T0 + 3000),
  });
  assert.equal(third.outcome, 'stored');

  // The same seq with other content is a conflict.
  await assert.rejects(client.appendMessage(created.id, msg(2, 'something else', 'agent')), (e) => {
    assert.ok(e instanceof ConflictError);
    assert.equal(e.status, 409);
    assert.equal(e.code, 'seq_conflict');
    return true;
  });

  const closed = await client.closeTranscript(created.id);
  assert.equal(closed.id, created.id);
  assert.equal(closed.state, 'closed');
  // Closing is idempotent and returns the first close's expiry.
  assert.deepEqual(await client.closeTranscript(created.id), closed);

  // Appending a new message to the closed transcript is refused; a replay
  // of an old one is still a duplicate.
  await assert.rejects(client.appendMessage(created.id, msg(4)), (e) => {
    assert.ok(e instanceof ConflictError);
    assert.equal(e.code, 'transcript_closed');
    assert.equal(typeof e.message, 'string');
    assert.match(e.requestId, /^[0-9a-f]{16}$/);
    return true;
  });
  assert.equal((await client.appendMessage(created.id, msg(1, 'hello, is anyone there?', 'visitor'))).outcome, 'duplicate');

  const t = await client.getTranscript(created.id);
  assert.equal(t.id, created.id);
  assert.equal(t.service, 'webchat');
  assert.equal(t.state, 'closed');
  assert.equal(t.closed_at, t.last_activity);
  assert.equal(t.expires_at, closed.expires_at);
  assert.equal(t.message_count, 3);
  assert.deepEqual(t.visitor, {
    name: 'Sam',
    ip: '198.51.100.4',
    location: 'Leeds, UK',
    user_agent: 'Mozilla/5.0 (Android 14)',
    device: 'mobile',
    ref: 'visitor-8841',
    email: 'sam@example.org',
    phone: '+44 7700 900123',
  });
  assert.deepEqual(t.messages, [
    { seq: 1, from: 'visitor', text: 'hello, is anyone there?', sent_at: '2026-11-22T10:00:01.000Z' },
    { seq: 2, from: 'agent', text: 'Hi, I am here.', sent_at: '2026-11-22T10:00:02.000Z' },
    { seq: 3, from: 'system', text: 'the visitor left', sent_at: '2026-11-22T10:00:03.000Z' },
  ]);
  assert.equal('next_from_seq' in t, false);
});

test('250 messages: batches, pages and async iteration', { timeout: 30000 }, async () => {
  const { id } = await client.openTranscript({ service: 'webchat' });
  for (let start = 0; start < 250; start += 100) {
    const batch = [];
    for (let seq = start; seq < Math.min(start + 100, 250); seq++) batch.push(msg(seq));
    const r = await client.appendMessages(id, batch);
    assert.equal(r.stored, batch.length);
    assert.equal(r.duplicates, 0);
    assert.deepEqual(r.results, batch.map((m) => ({ seq: m.seq })));
  }

  const page = await client.getTranscriptPage(id, { fromSeq: 0, limit: 100 });
  assert.equal(page.message_count, 250);
  assert.equal(page.messages.length, 100);
  assert.equal(page.messages[0].seq, 0);
  assert.equal(page.next_from_seq, 100);
  const last = await client.getTranscriptPage(id, { fromSeq: 200, limit: 100 });
  assert.equal(last.messages.length, 50);
  assert.equal('next_from_seq' in last, false);

  const seen = [];
  for await (const m of client.messages(id, { pageSize: 60 })) seen.push(m.seq);
  assert.deepEqual(seen, Array.from({ length: 250 }, (_, i) => i));
  const tail = [];
  for await (const m of client.messages(id, { pageSize: 7, fromSeq: 240 })) tail.push(m);
  assert.deepEqual(
    tail.map((m) => m.seq),
    [240, 241, 242, 243, 244, 245, 246, 247, 248, 249],
  );
  assert.equal(tail[0].text, 'message 240');

  await assert.rejects(client.getTranscriptPage(id, { limit: 0 }), (e) => {
    assert.ok(e instanceof BadRequestError);
    assert.equal(e.code, 'invalid_query');
    return true;
  });
});

test('a batch is atomic and idempotent', { timeout: 30000 }, async () => {
  const { id } = await client.openTranscript({ service: 'webchat' });
  const batch = [msg(10), msg(11), msg(12)];
  const stored = await client.appendMessages(id, batch);
  assert.deepEqual(stored, {
    stored: 3,
    duplicates: 0,
    results: [{ seq: 10 }, { seq: 11 }, { seq: 12 }],
    retried: false,
  });
  // A replay of the whole buffer is all duplicates.
  const replay = await client.appendMessages(id, batch);
  assert.deepEqual(replay, {
    stored: 0,
    duplicates: 3,
    results: [
      { seq: 10, duplicate: true },
      { seq: 11, duplicate: true },
      { seq: 12, duplicate: true },
    ],
    retried: false,
  });
  // Mixed: new ones stored, old ones duplicates.
  const mixed = await client.appendMessages(id, [msg(12), msg(13)]);
  assert.equal(mixed.stored, 1);
  assert.equal(mixed.duplicates, 1);

  // One conflicting message: nothing of the batch is stored.
  await assert.rejects(client.appendMessages(id, [msg(14), msg(11, 'changed')]), (e) => {
    assert.ok(e instanceof ConflictError);
    assert.equal(e.code, 'seq_conflict');
    return true;
  });
  // One invalid message: nothing stored either.
  await assert.rejects(client.appendMessages(id, [msg(15), { ...msg(16), from: 'bot' }]), (e) => {
    assert.ok(e instanceof BadRequestError);
    assert.equal(e.status, 400);
    assert.equal(e.code, 'invalid_from');
    return true;
  });
  const t = await client.getTranscript(id);
  assert.deepEqual(
    t.messages.map((m) => m.seq),
    [10, 11, 12, 13],
  );

  await assert.rejects(client.appendMessages(id, []), (e) => e.code === 'empty_batch');

  // Over the documented maximum: refused before anything is sent.
  const before = client.stats.requests;
  const tooMany = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) => msg(i));
  await assert.rejects(client.appendMessages(id, tooMany), RangeError);
  assert.equal(client.stats.requests, before);
  // Exactly the maximum is accepted.
  const full = await client.appendMessages(
    id,
    Array.from({ length: MAX_BATCH_MESSAGES }, (_, i) => msg(1000 + i, 'x')),
  );
  assert.equal(full.stored, MAX_BATCH_MESSAGES);
});

test('typed errors carry the vault code', { timeout: 30000 }, async () => {
  const unknown = '0123456789abcdef0123456789abcdef';
  await assert.rejects(client.getTranscript(unknown), (e) => {
    assert.ok(e instanceof NotFoundError);
    assert.ok(e instanceof VaultError);
    assert.equal(e.status, 404);
    assert.equal(e.code, 'not_found');
    assert.equal(e.message, 'no transcript with this id');
    return true;
  });
  await assert.rejects(client.appendMessage(unknown, msg(1)), (e) => e instanceof NotFoundError && e.code === 'not_found');
  // An id with path characters is sent encoded, as one segment.
  await assert.rejects(client.getTranscript('../audit'), (e) => e instanceof NotFoundError && e.code === 'not_found');
  await assert.rejects(client.closeTranscript(unknown), (e) => e.code === 'not_found');

  await assert.rejects(client.openTranscript({ service: 'no spaces allowed' }), (e) => {
    assert.ok(e instanceof BadRequestError);
    assert.equal(e.code, 'invalid_service');
    return true;
  });
  await assert.rejects(client.openTranscript({ service: 'webchat', visitor: { email: 'not-an-email' } }), (e) => {
    assert.ok(e instanceof BadRequestError);
    assert.equal(e.code, 'invalid_email');
    return true;
  });
  await assert.rejects(client.openTranscript({ service: 'webchat', visitor: { colour: 'red' } }), (e) => {
    return e instanceof BadRequestError && e.code === 'unknown_field';
  });
  const { id } = await client.openTranscript({ service: 'webchat' });
  await assert.rejects(client.appendMessage(id, { ...msg(1), seq: -1 }), (e) => {
    assert.ok(e instanceof BadRequestError);
    assert.equal(e.code, 'invalid_seq');
    return true;
  });
  await assert.rejects(client.appendMessage(id, { ...msg(1), sentAt: 'yesterday' }), (e) => e.code === 'invalid_sent_at');

  await client.eraseTranscript(id);
  await assert.rejects(client.getTranscript(id), (e) => {
    assert.ok(e instanceof GoneError);
    assert.equal(e.status, 410);
    assert.equal(e.code, 'erased');
    return true;
  });
});

test('erase at the visitor request, monitoring form, statistics', { timeout: 30000 }, async () => {
  const { id } = await client.openTranscript({ service: 'webchat', visitor: { device: 'mobile' } });
  await client.appendMessage(id, msg(0));
  await assert.rejects(client.submitMonitoring(id, { age: '14-16' }), (e) => {
    assert.ok(e instanceof ConflictError);
    assert.equal(e.code, 'transcript_open');
    return true;
  });
  await client.closeTranscript(id);
  await assert.rejects(client.submitMonitoring(id, { age: '42' }), (e) => e.code === 'unknown_answer');
  assert.deepEqual(await client.submitMonitoring(id, { age: '14-16' }), { id, counted: true });
  await assert.rejects(client.submitMonitoring(id, { age: '14-16' }), (e) => e.code === 'already_submitted');

  const erased = await client.eraseTranscript(id, { reason: 'visitor_request' });
  assert.deepEqual(erased, { id, state: 'erased' });
  assert.deepEqual(await client.eraseTranscript(id, { reason: 'visitor_request' }), erased);
  await assert.rejects(client.eraseTranscript(id, { reason: 'because' }), (e) => e.code === 'invalid_reason');

  const report = await client.statistics({ service: 'webchat', period: '2025-11' });
  assert.equal(report.service, 'webchat');
  assert.equal(report.period, '2025-11');
  assert.equal(report.kind, 'month');
  assert.equal(report.first_day, '2025-11-01');
  assert.equal(report.last_day, '2025-11-30');
  assert.equal(typeof report.threshold, 'number');
  assert.ok(report.tables.some((t) => t.name === 'question:age'));
  for (const table of report.tables) {
    assert.equal(table.cells.length, table.rows.length);
    for (const row of table.cells) {
      assert.equal(row.length, table.columns.length);
      for (const cell of row) assert.ok(cell === null || typeof cell === 'number');
    }
  }
  const csv = await client.statisticsCsv({ service: 'webchat', period: '2025-11' });
  assert.ok(csv.startsWith('service,period,table,row,column,count\r\n'));
  await assert.rejects(client.statistics({ service: 'webchat', period: '2025-11-w5' }), (e) => e.code === 'invalid_period');
  await assert.rejects(client.statistics({ service: 'webchat', period: '2999' }), (e) => e.code === 'not_published');
});

test('an agent reads a visitor history, page by page', { timeout: 30000 }, async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const { id } = await client.openTranscript({
      service: 'helpline',
      visitor: { email: 'kim@example.org', ref: i % 2 ? 'kim-1' : undefined },
    });
    ids.push(id);
  }
  const other = await client.openTranscript({ service: 'helpline', visitor: { email: 'someone@example.org' } });
  const page = await client.history(ids[0], { limit: 2 });
  assert.equal(page.transcripts.length, 2);
  assert.equal(typeof page.next, 'string');
  for (const entry of page.transcripts) {
    assert.equal(entry.state, 'open');
    assert.deepEqual(entry.matched, ['email']);
    assert.equal(typeof entry.created_at, 'string');
    assert.equal(entry.message_count, 0);
  }
  const all = [];
  for await (const entry of client.iterateHistory(ids[0], { pageSize: 2 })) all.push(entry.id);
  assert.deepEqual([...all].sort(), ids.slice(1).sort());
  assert.ok(!all.includes(other.id));
  await assert.rejects(client.history(ids[0], { after: 'nonsense' }), (e) => e.code === 'invalid_cursor');
});

test('an admin: retention status, backup, officers', { timeout: 30000 }, async () => {
  const retention = await client.retentionStatus();
  assert.equal(retention.epoch_ms, 3600000);
  assert.equal(retention.overdue, 0);
  assert.ok(retention.last_shred_at === null || typeof retention.last_shred_at === 'string');

  const dir = path.join(vault.dir, 'backup-1');
  assert.deepEqual(await client.backup(dir), { dir });
  assert.ok(fs.existsSync(path.join(dir, 'BACKUP.json')));
  await assert.rejects(client.backup(dir), (e) => e instanceof ConflictError && e.code === 'backup_exists');
  await assert.rejects(client.backup('relative/dir'), (e) => e instanceof BadRequestError && e.code === 'invalid_path');

  const officers = await client.listOfficers();
  assert.equal(typeof officers.vault, 'string');
  assert.deepEqual(officers.officers, []);
  assert.deepEqual(officers.share_health, { stranded: [], at_threshold: [], reshare_advised: [] });
});

test('consecutive calls reuse one connection', { timeout: 30000 }, async () => {
  const c = new VaultClient({ socketPath: vault.socketPath });
  // Count the sockets the agent creates, independently of the client's stats.
  let created = 0;
  const original = c.agent.createConnection;
  c.agent.createConnection = function (...args) {
    created++;
    return original.apply(this, args);
  };
  try {
    const { id } = await c.openTranscript({ service: 'webchat' });
    for (let seq = 0; seq < 5; seq++) await c.appendMessage(id, msg(seq));
    await c.getTranscript(id);
    await c.health();
    assert.equal(created, 1);
    assert.deepEqual(c.stats, { requests: 8, connections: 1, reusedConnections: 7, retries: 0 });
    // Node's agent honours vaultd's Keep-Alive: timeout=30: the idle socket
    // is dropped one second before it, or at our own 25 s if earlier.
    const [free] = Object.values(c.agent.freeSockets);
    assert.equal(free.length, 1);
    assert.equal(free[0].timeout, 25000);
    // Parallel calls open more connections, up to maxSockets.
    await Promise.all([c.health(), c.health(), c.health()]);
    assert.ok(created >= 2 && created <= 3);
  } finally {
    c.close();
  }
});
