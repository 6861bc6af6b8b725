'use strict';

// openTranscript with an idempotencyKey (docs/api.md 2.2.1), against a real
// vaultd of its own (run as root with no [access] section: every role).

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');

const { VaultClient, ConflictError, NotFoundError, GoneError } = require('..');
const { startVaultd } = require('../test-support/vaultd');

let vault;
let client;

test.before(async () => {
  vault = await startVaultd();
  client = new VaultClient({ socketPath: vault.socketPath });
});

test.after(async () => {
  if (client) client.close();
  if (vault) await vault.stop();
});

// vault_transcripts{state="open"} from GET /metrics.
async function openCount() {
  const text = await client.metrics();
  const m = /^vault_transcripts\{state="open"\} (\d+)$/m.exec(text);
  assert.ok(m, `no vault_transcripts{state="open"} in:\n${text}`);
  return Number(m[1]);
}

// The transcript.open audit records of transcript `id`.
async function openRecords(id) {
  const found = [];
  for await (const r of client.iterateAuditRecords({ pageSize: 1000 })) {
    if (r.type !== 'access' || typeof r.payload !== 'object') continue;
    if (r.payload.action === 'transcript.open' && r.payload.objects.includes(id)) found.push(r.payload);
  }
  return found;
}

test('the same key twice: the same transcript, replayed, and only one opened', { timeout: 30000 }, async () => {
  const key = crypto.randomUUID();
  const visitor = { name: 'Sam', ref: 'visitor-8841', userAgent: 'Mozilla/5.0', email: 'sam@example.org' };
  const before = await openCount();
  const first = await client.openTranscript({ service: 'webchat', visitor, idempotencyKey: key });
  assert.match(first.id, /^[0-9a-f]{32}$/);
  assert.equal(first.replayed, false);
  // Field by field, not byte by byte: another key order is the same request.
  const reordered = { email: visitor.email, userAgent: visitor.userAgent, ref: visitor.ref, name: visitor.name };
  const second = await client.openTranscript({ service: 'webchat', visitor: reordered, idempotencyKey: key });
  assert.deepEqual(second, { ...first, replayed: true });
  assert.equal(await openCount(), before + 1);

  // Both are audited as opens of the one transcript, the second as replayed.
  const records = await openRecords(first.id);
  assert.equal(records.length, 2);
  assert.equal(records[0].details.replayed, undefined);
  assert.equal(records[1].details.replayed, 'true');
  assert.equal(JSON.stringify(records).includes(key), false, 'the key is never audited');

  // A transcript it opened is an ordinary one.
  const appended = await client.appendMessage(first.id, {
    seq: 0,
    from: 'visitor',
    text: 'hello',
    sentAt: '2026-11-22T10:00:00Z',
  });
  assert.equal(appended.outcome, 'stored');
});

test('without a key: replayed is false, and each open is a new transcript', { timeout: 30000 }, async () => {
  const before = await openCount();
  const a = await client.openTranscript({ service: 'webchat' });
  const b = await client.openTranscript({ service: 'webchat', idempotencyKey: null });
  assert.equal(a.replayed, false);
  assert.equal(b.replayed, false);
  assert.notEqual(a.id, b.id);
  assert.equal(await openCount(), before + 2);
});

test('the same key with another body: ConflictError idempotency_key_reused, nothing opened', { timeout: 30000 }, async () => {
  const key = `chat-${crypto.randomUUID()}`;
  const first = await client.openTranscript({ service: 'webchat', visitor: { ref: 'v-1' }, idempotencyKey: key });
  const before = await openCount();
  const reused = (e) => {
    assert.ok(e instanceof ConflictError, String(e));
    assert.equal(e.status, 409);
    assert.equal(e.code, 'idempotency_key_reused');
    assert.equal(e.retried, false);
    return true;
  };
  await assert.rejects(client.openTranscript({ service: 'webchat', visitor: { ref: 'v-2' }, idempotencyKey: key }), reused);
  await assert.rejects(client.openTranscript({ service: 'helpline', visitor: { ref: 'v-1' }, idempotencyKey: key }), reused);
  await assert.rejects(client.openTranscript({ service: 'webchat', idempotencyKey: key }), reused);
  assert.equal(await openCount(), before);
  // The first request is still answered with its transcript.
  const again = await client.openTranscript({ service: 'webchat', visitor: { ref: 'v-1' }, idempotencyKey: key });
  assert.deepEqual(again, { ...first, replayed: true });
});

test('an invalid key is refused by the client, before anything is sent', { timeout: 30000 }, async () => {
  const sentBefore = client.stats.requests;
  const bad = [
    ['', RangeError],
    ['x'.repeat(256), RangeError],
    ['has space', RangeError],
    ['tab\there', RangeError],
    ['line\nbreak', RangeError],
    ['caf\u00e9', RangeError],
    ['del\u007f', RangeError],
    [42, TypeError],
    [{ key: 'k' }, TypeError],
  ];
  for (const [key, type] of bad) {
    await assert.rejects(client.openTranscript({ service: 'webchat', idempotencyKey: key }), type, JSON.stringify(key));
  }
  assert.equal(client.stats.requests, sentBefore);

  // The edges are accepted by the client and by vaultd.
  const longest = `${'!~'.repeat(127)}z`;
  assert.equal(longest.length, 255);
  for (const key of ['!', '~', longest]) {
    const first = await client.openTranscript({ service: 'webchat', idempotencyKey: key });
    const second = await client.openTranscript({ service: 'webchat', idempotencyKey: key });
    assert.equal(second.id, first.id);
    assert.equal(second.replayed, true);
  }
});

test('erasing the transcript forgets its key: the same key opens a new one', { timeout: 30000 }, async () => {
  const key = crypto.randomUUID();
  const first = await client.openTranscript({ service: 'webchat', idempotencyKey: key });
  await client.eraseTranscript(first.id);
  await assert.rejects(client.getTranscript(first.id), (e) => e instanceof GoneError || e instanceof NotFoundError);
  const second = await client.openTranscript({ service: 'webchat', idempotencyKey: key });
  assert.notEqual(second.id, first.id);
  assert.equal(second.replayed, false);
});
