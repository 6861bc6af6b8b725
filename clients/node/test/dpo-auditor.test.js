'use strict';

// A data-protection officer's and an auditor's use of the client against a
// real vaultd (run as root with no [access] section: every role).

const test = require('node:test');
const assert = require('node:assert/strict');

const { VaultClient, NotFoundError, ConflictError, BadRequestError } = require('..');
const { startVaultd } = require('../test-support/vaultd');

let vault;
let client;

test.before(async () => {
  vault = await startVaultd(['--privacy.controller', 'Example Helpline; dpo@example.org']);
  client = new VaultClient({ socketPath: vault.socketPath });
});

test.after(async () => {
  if (client) client.close();
  if (vault) await vault.stop();
});

async function chat(email, texts, { close = true, service = 'webchat' } = {}) {
  const { id } = await client.openTranscript({ service, visitor: { name: 'Sam', email } });
  for (let seq = 0; seq < texts.length; seq++) {
    await client.appendMessage(id, {
      seq,
      from: seq % 2 ? 'agent' : 'visitor',
      text: texts[seq],
      sentAt: '2026-12-03T13:36:00Z',
    });
  }
  if (close) await client.closeTranscript(id);
  return id;
}

test('dpo: subject access finds every transcript of the visitor', { timeout: 30000 }, async () => {
  const a = await chat('sam@example.org', ['Hello, is anyone there?', "Yes, I'm here."]);
  const b = await chat('sam@example.org', ['me again'], { close: false });
  await chat('other@example.org', ['someone else']);

  const answer = await client.subjectAccess({ identifiers: { email: 'Sam@Example.org' } });
  assert.equal(answer.format, 'transcript-vault-subject-access-v1');
  assert.deepEqual(answer.searched, ['email']);
  assert.deepEqual(answer.services, []);
  assert.match(answer.request, /^[0-9a-f]{32}$/);
  assert.equal(typeof answer.audit_seq, 'number');
  assert.equal(answer.statement.controller, 'Example Helpline; dpo@example.org');
  assert.ok(Array.isArray(answer.statement.purposes));
  assert.deepEqual(answer.transcripts.map((t) => t.id).sort(), [a, b].sort());
  const item = answer.transcripts.find((t) => t.id === a);
  assert.equal(item.withheld, false);
  assert.equal(item.restricted, false);
  assert.deepEqual(item.matched, ['email']);
  assert.equal(item.transcript.id, a);
  assert.equal(item.transcript.visitor.email, 'sam@example.org');
  assert.deepEqual(
    item.transcript.messages.map((m) => m.text),
    ['Hello, is anyone there?', "Yes, I'm here."],
  );
  const actions = item.accesses.map((x) => x.action);
  assert.deepEqual(actions.slice(0, 2), ['transcript.open', 'transcript.close']);
  assert.equal(item.accesses.at(-1).purpose, 'subject_access');

  // The call registered an access entry and completed it.
  const entry = await client.getRightsRequest(answer.request);
  assert.equal(entry.kind, 'access');
  assert.equal(entry.state, 'done');
  assert.deepEqual(entry.touched.map((t) => t.outcome), ['disclosed', 'disclosed']);

  await assert.rejects(client.subjectAccess({ identifiers: {} }), (e) => e instanceof BadRequestError && e.code === 'no_identifier');
  await assert.rejects(client.subjectAccess({ identifiers: { phone: 'call me' } }), (e) => e.code === 'invalid_phone');
});

test('dpo: the rights-request register, all calls', { timeout: 30000 }, async () => {
  const reg = await client.registerRightsRequest({
    kind: 'erasure',
    receivedAt: new Date(Date.now() - 3 * 86400000),
    services: ['webchat'],
  });
  assert.equal(reg.kind, 'erasure');
  assert.equal(reg.state, 'open');
  assert.deepEqual(reg.services, ['webchat']);
  assert.match(reg.due, /^\d{4}-\d{2}-\d{2}$/);
  assert.equal(reg.overdue, false);
  assert.deepEqual(reg.touched, []);

  const extended = await client.extendRightsRequest(reg.id, { months: 2, reason: 'complex' });
  assert.equal(extended.extension.months, 2);
  assert.equal(extended.extension.reason, 'complex');
  await assert.rejects(client.extendRightsRequest(reg.id, { months: 1, reason: 'numerous' }), (e) => {
    return e instanceof ConflictError && e.code === 'already_extended';
  });

  const listed = await client.listRightsRequests();
  assert.ok(listed.requests.some((r) => r.id === reg.id));
  const all = await client.listRightsRequests({ state: 'all' });
  assert.ok(all.requests.length >= listed.requests.length);
  await assert.rejects(client.listRightsRequests({ state: 'weird' }), (e) => e.code === 'invalid_query');

  const victim = await chat('erase-me@example.org', ['please forget me']);
  const erased = await client.subjectErasure({ identifiers: { email: 'erase-me@example.org' }, request: reg.id });
  assert.deepEqual(erased.erased, [victim]);
  assert.deepEqual(erased.withheld, []);
  assert.equal(erased.request, reg.id);
  // With its entry named, a repeat is safe: nothing more to erase.
  const again = await client.subjectErasure({ identifiers: { email: 'erase-me@example.org' }, request: reg.id });
  assert.deepEqual(again.erased, []);
  const done = await client.completeRightsRequest(reg.id);
  assert.equal(done.state, 'done');
  assert.deepEqual(done.touched, [{ id: victim, outcome: 'erased' }]);
  assert.equal(typeof done.closed_at, 'string');
  await assert.rejects(client.completeRightsRequest(reg.id), (e) => e.code === 'request_closed');

  const refused = await client.refuseRightsRequest((await client.registerRightsRequest({ kind: 'access' })).id, {
    reason: 'excessive',
  });
  assert.equal(refused.state, 'refused');
  assert.equal(refused.refusal_reason, 'excessive');

  // Restriction, then lift.
  const restrictedChat = await chat('restrict@example.org', ['a', 'b']);
  const restriction = await client.subjectRestriction({ identifiers: { email: 'restrict@example.org' } });
  assert.deepEqual(restriction.restricted, [restrictedChat]);
  await assert.rejects(client.getTranscript(restrictedChat), (e) => e instanceof ConflictError && e.code === 'restricted');
  const lifted = await client.liftRightsRequest(restriction.request, { reason: 'accuracy_verified' });
  assert.equal(lifted.lifted.reason, 'accuracy_verified');
  assert.equal((await client.getTranscript(restrictedChat)).id, restrictedChat);

  // Objection, then a decision.
  const objection = await client.subjectObjection({ identifiers: { email: 'restrict@example.org' } });
  assert.deepEqual(objection.restricted, [restrictedChat]);
  await assert.rejects(client.completeRightsRequest(objection.request), (e) => e.code === 'decision_required');
  await assert.rejects(client.decideRightsRequest(objection.request, { decision: 'rejected' }), (e) => e.code === 'invalid_reason');
  const decided = await client.decideRightsRequest(objection.request, { decision: 'rejected', reason: 'legal_claims' });
  assert.deepEqual(decided.decision, { decision: 'rejected', reason: 'legal_claims' });
  assert.equal(decided.state, 'done');

  // Rectification and a supplementary statement.
  const rect = await client.subjectRectification({
    identifiers: { email: 'restrict@example.org' },
    visitor: { name: 'Sam Taylor', userAgent: 'Firefox', location: null },
  });
  assert.deepEqual(rect.rectified, [restrictedChat]);
  assert.deepEqual(rect.fields, ['name', 'user_agent', 'location']);
  const statement = await client.addStatement(restrictedChat, { seq: 1, text: 'The visitor says b meant c.' });
  assert.equal(statement.id, restrictedChat);
  assert.equal(statement.seq, 1);
  assert.match(statement.request, /^[0-9a-f]{32}$/);
  const t = await client.getTranscript(restrictedChat);
  assert.equal(t.visitor.name, 'Sam Taylor');
  assert.equal(t.visitor.user_agent, 'Firefox');
  assert.deepEqual(t.messages[1].statements, [{ text: 'The visitor says b meant c.', added_at: statement.added_at }]);
  await assert.rejects(client.addStatement(restrictedChat, { seq: 9, text: 'x' }), (e) => {
    return e instanceof NotFoundError && e.code === 'no_such_message';
  });

  await assert.rejects(client.getRightsRequest('00000000000000000000000000000000'), (e) => {
    return e instanceof NotFoundError && e.code === 'unknown_request';
  });
});

test('auditor: status, checkpoint, records page by page, segments', { timeout: 30000 }, async () => {
  const status = await client.auditStatus();
  assert.match(status.origin, /^transcript-vault\/[0-9a-f]{16}$/);
  assert.equal(typeof status.genesis_key, 'string');
  assert.ok(status.size > 10);
  assert.ok(status.checkpoint.startsWith(`${status.origin}\n`));
  assert.ok(status.segments.length >= 1);

  const checkpoint = await client.auditCheckpoint();
  assert.ok(checkpoint.startsWith(`${status.origin}\n`));
  assert.ok(checkpoint.endsWith('\n'));

  const page = await client.auditRecords({ from: 0, limit: 3 });
  assert.deepEqual(page.records.map((r) => r.seq), [0, 1, 2]);
  assert.equal(page.next, 3);
  assert.equal(page.records[0].type, 'genesis');
  assert.equal(page.records[0].payload.key, status.genesis_key);
  assert.equal(page.records[1].prev, page.records[0].hash);
  await assert.rejects(client.auditRecords({ limit: 5000 }), (e) => e instanceof BadRequestError && e.code === 'invalid_query');

  // Iterate every record; the log grows with each page read, and the
  // iteration still ends, with the last page's own audit.read record.
  const seqs = [];
  const actions = new Set();
  let lastRecord;
  for await (const record of client.iterateAuditRecords({ pageSize: 7 })) {
    seqs.push(record.seq);
    if (record.type === 'access') actions.add(record.payload.action);
    lastRecord = record;
  }
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i));
  assert.ok(seqs.length > status.size);
  for (const action of ['transcript.open', 'transcript.close', 'subject.access', 'rights.register', 'audit.read']) {
    assert.ok(actions.has(action), action);
  }
  assert.equal(lastRecord.payload.action, 'audit.read');
  assert.equal(lastRecord.payload.details.what, 'records');
  // With pages of one record the iteration ends too: at the audit.read
  // record of its own first page read.
  const tail = [];
  for await (const record of client.iterateAuditRecords({ from: seqs.length - 2, pageSize: 1 })) {
    tail.push(record);
  }
  assert.deepEqual(
    tail.map((r) => r.seq),
    Array.from({ length: tail.length }, (_, i) => seqs.length - 2 + i),
  );
  const own = tail.at(-1).payload;
  assert.equal(own.action, 'audit.read');
  assert.equal(own.details.pid, String(process.pid));
  assert.ok(tail.length < 30, `${tail.length} records`);

  const segment = await client.auditSegment(status.segments[0].number);
  assert.ok(Buffer.isBuffer(segment));
  assert.ok(segment.length >= status.segments[0].bytes);
  await assert.rejects(client.auditSegment(999), (e) => e instanceof NotFoundError && e.code === 'not_found');
});
