'use strict';

// The retry rules, against a fake server on a Unix socket that drops
// connections when told to.

const test = require('node:test');
const assert = require('node:assert/strict');

const {
  VaultClient,
  VaultConnectionError,
  UnavailableError,
  PayloadTooLargeError,
  InternalServerError,
  ForbiddenError,
  ConflictError,
} = require('..');
const { startFakeServer } = require('../test-support/fake-server');

const ID = '7290a6178f84a5f247c5a9ea295e0ee1';
const HEALTH = { status: 200, body: { status: 'ok', version: 'fake' } };
const MESSAGE = { seq: 7, from: 'visitor', text: 'are you there?', sentAt: '2026-11-22T10:02:00Z' };

// A fake whose answer to the request numbered n (1-based) is script[n - 1];
// past the end of the script it answers `rest`.
async function scripted(script, rest = HEALTH) {
  return startFakeServer((request, n) => (n <= script.length ? script[n - 1] : rest));
}

function only(requests, method, path) {
  return requests.filter((r) => r.method === method && r.path === path);
}

test('openTranscript without a key is never resent: connection dropped on a reused socket', { timeout: 30000 }, async () => {
  const fake = await scripted([HEALTH, 'destroy']);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    await client.health();
    await assert.rejects(client.openTranscript({ service: 'webchat', visitor: { name: 'Sam' } }), (e) => {
      assert.ok(e instanceof VaultConnectionError);
      assert.equal(e.mayHaveBeenApplied, true);
      assert.equal(e.code, 'ECONNRESET');
      assert.equal(e.attempts, 1);
      return true;
    });
    // One more round trip, so that a resend would have arrived by now.
    await client.health();
    assert.equal(only(fake.requests, 'POST', '/v1/transcripts').length, 1);
    assert.equal(fake.requests.length, 3);
    assert.deepEqual(JSON.parse(fake.requests[1].body), { service: 'webchat', visitor: { name: 'Sam' } });
    assert.equal(fake.requests[1].headers['idempotency-key'], undefined);
    assert.equal(client.stats.retries, 0);
  } finally {
    client.close();
    await fake.close();
  }
});

test('openTranscript without a key is never resent: connection dropped on a new socket', { timeout: 30000 }, async () => {
  const fake = await scripted(['destroy']);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    await assert.rejects(client.openTranscript({ service: 'webchat' }), (e) => {
      return e instanceof VaultConnectionError && e.mayHaveBeenApplied === true;
    });
    await client.health();
    assert.equal(only(fake.requests, 'POST', '/v1/transcripts').length, 1);
  } finally {
    client.close();
    await fake.close();
  }
});

const KEY = '6f1c2a80-chat-8841';
const CREATED = { id: ID, expires_at: '2027-01-04T11:20:02.113Z' };

test('openTranscript with a key is resent once, with the same key and body, when a reused socket fails before any answer', { timeout: 30000 }, async () => {
  // The second open is answered as vaultd answers a replay of a keyed open.
  const replay = { status: 201, body: CREATED, headers: { 'Idempotent-Replayed': 'true' } };
  const fake = await scripted([HEALTH, 'destroy', replay]);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    await client.health();
    const created = await client.openTranscript({
      service: 'webchat',
      visitor: { name: 'Sam' },
      idempotencyKey: KEY,
    });
    assert.deepEqual(created, { ...CREATED, replayed: true });
    const opens = only(fake.requests, 'POST', '/v1/transcripts');
    assert.equal(opens.length, 2);
    assert.equal(opens[0].headers['idempotency-key'], KEY);
    assert.equal(opens[1].headers['idempotency-key'], KEY);
    assert.equal(opens[0].body, opens[1].body);
    assert.deepEqual(JSON.parse(opens[1].body), { service: 'webchat', visitor: { name: 'Sam' } });
    // The resend went on a connection of its own.
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path} ${r.connection}`),
      ['GET /v1/health 1', 'POST /v1/transcripts 1', 'POST /v1/transcripts 2'],
    );
    assert.equal(client.stats.retries, 1);
  } finally {
    client.close();
    await fake.close();
  }
});

test('the same open without a key is not resent (same script)', { timeout: 30000 }, async () => {
  const fake = await scripted([HEALTH, 'destroy', { status: 201, body: CREATED }]);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    await client.health();
    await assert.rejects(client.openTranscript({ service: 'webchat', visitor: { name: 'Sam' } }), (e) => {
      assert.ok(e instanceof VaultConnectionError);
      assert.equal(e.mayHaveBeenApplied, true);
      assert.equal(e.attempts, 1);
      return true;
    });
    assert.equal(only(fake.requests, 'POST', '/v1/transcripts').length, 1);
    assert.equal(client.stats.retries, 0);
  } finally {
    client.close();
    await fake.close();
  }
});

test('openTranscript with a key follows the idempotent rule: not resent when a new socket fails, nor after part of an answer', { timeout: 30000 }, async () => {
  const fake = await scripted([
    'destroy',
    HEALTH,
    { partial: 'HTTP/1.1 201 Created\r\nContent-Length: 80\r\n\r\n{"id":' },
  ]);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    await assert.rejects(
      client.openTranscript({ service: 'webchat', idempotencyKey: KEY }),
      (e) => e instanceof VaultConnectionError && e.attempts === 1 && e.mayHaveBeenApplied === true,
    );
    await client.health();
    await assert.rejects(
      client.openTranscript({ service: 'webchat', idempotencyKey: KEY }),
      (e) => e instanceof VaultConnectionError && e.attempts === 1 && e.mayHaveBeenApplied === true,
    );
    assert.equal(fake.requests.length, 3);
    assert.equal(client.stats.retries, 0);
  } finally {
    client.close();
    await fake.close();
  }
});

test('a keyed open: replayed is false without the header; 409 idempotency_key_in_use is not resent', { timeout: 30000 }, async () => {
  const inUse = { status: 409, body: { error: { code: 'idempotency_key_in_use', message: 'in use' } } };
  const fake = await scripted([{ status: 201, body: CREATED }, inUse]);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    const created = await client.openTranscript({ service: 'webchat', idempotencyKey: KEY });
    assert.deepEqual(created, { ...CREATED, replayed: false });
    await assert.rejects(
      client.openTranscript({ service: 'webchat', idempotencyKey: KEY }),
      (e) => e instanceof ConflictError && e.code === 'idempotency_key_in_use' && e.retried === false,
    );
    assert.equal(fake.requests.length, 2);
  } finally {
    client.close();
    await fake.close();
  }
});

test('other calls that are not idempotent are not resent either', { timeout: 30000 }, async () => {
  const fake = await scripted([HEALTH, 'destroy', HEALTH, 'destroy', HEALTH, 'destroy', HEALTH, 'destroy']);
  const client = new VaultClient({ socketPath: fake.socketPath });
  const notApplied = (e) => e instanceof VaultConnectionError && e.mayHaveBeenApplied === true;
  try {
    await client.health();
    await assert.rejects(client.registerRightsRequest({ kind: 'access' }), notApplied);
    await client.health();
    await assert.rejects(client.subjectErasure({ identifiers: { email: 'a@example.org' } }), notApplied);
    await client.health();
    await assert.rejects(client.addStatement(ID, { seq: 1, text: 'x' }), notApplied);
    await client.health();
    await assert.rejects(client.completeRightsRequest(ID), notApplied);
    await client.health();
    assert.equal(fake.requests.length, 9);
    assert.equal(client.stats.retries, 0);
  } finally {
    client.close();
    await fake.close();
  }
});

test('appendMessage is resent once with the same seq and bytes', { timeout: 30000 }, async () => {
  const fake = await scripted(['destroy', { status: 201, body: { seq: 7 } }]);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    const result = await client.appendMessage(ID, MESSAGE);
    assert.deepEqual(result, { seq: 7, outcome: 'stored', retried: true });
    const appends = only(fake.requests, 'POST', `/v1/transcripts/${ID}/messages`);
    assert.equal(appends.length, 2);
    assert.equal(appends[0].body, appends[1].body);
    assert.deepEqual(JSON.parse(appends[0].body), {
      seq: 7,
      from: 'visitor',
      text: 'are you there?',
      sent_at: '2026-11-22T10:02:00Z',
    });
    assert.notEqual(appends[0].connection, appends[1].connection);
    assert.equal(client.stats.retries, 1);
  } finally {
    client.close();
    await fake.close();
  }
});

test('an append whose first attempt was stored: the retry answers duplicate, a success', { timeout: 30000 }, async () => {
  const fake = await scripted([HEALTH, 'destroy', { status: 200, body: { seq: 7, duplicate: true } }]);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    await client.health();
    const result = await client.appendMessage(ID, MESSAGE);
    assert.deepEqual(result, { seq: 7, duplicate: true, outcome: 'duplicate', retried: true });
  } finally {
    client.close();
    await fake.close();
  }
});

test('a batch append is resent once; a second failure is reported', { timeout: 30000 }, async () => {
  const fake = await scripted([
    'destroy',
    { status: 200, body: { stored: 0, duplicates: 1, results: [{ seq: 7, duplicate: true }] } },
    'destroy',
    'destroy',
  ]);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    const r = await client.appendMessages(ID, [MESSAGE]);
    assert.equal(r.duplicates, 1);
    assert.equal(r.retried, true);
    await assert.rejects(client.appendMessage(ID, MESSAGE), (e) => {
      assert.ok(e instanceof VaultConnectionError);
      assert.equal(e.attempts, 2);
      assert.equal(e.mayHaveBeenApplied, true);
      return true;
    });
    assert.equal(fake.requests.length, 4);
  } finally {
    client.close();
    await fake.close();
  }
});

test('an idempotent call is resent once when a reused socket fails before any answer', { timeout: 30000 }, async () => {
  const transcript = { status: 200, body: { id: ID, state: 'closed', expires_at: '2026-12-23T01:37:05.691Z' } };
  const fake = await scripted([HEALTH, 'destroy', transcript, HEALTH, 'destroy', HEALTH]);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    await client.health();
    const closed = await client.closeTranscript(ID);
    assert.equal(closed.state, 'closed');
    assert.equal(client.stats.retries, 1);
    // The retry went on a connection of its own; the next call opens a new
    // pooled one (the idle ones were dropped with the dead one), and the
    // one after reuses it: dropped there, it is resent too.
    await client.health();
    const health = await client.health();
    assert.equal(health.status, 'ok');
    assert.equal(fake.requests.length, 6);
    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path} ${r.connection}`),
      [
        'GET /v1/health 1',
        `POST /v1/transcripts/${ID}/close 1`,
        `POST /v1/transcripts/${ID}/close 2`,
        'GET /v1/health 3',
        'GET /v1/health 3',
        'GET /v1/health 4',
      ],
    );
    assert.equal(client.stats.retries, 2);
  } finally {
    client.close();
    await fake.close();
  }
});

test('an idempotent call is not resent when a new socket fails, nor after part of an answer', { timeout: 30000 }, async () => {
  const fake = await scripted(['destroy', HEALTH, { partial: 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"sta' }]);
  const client = new VaultClient({ socketPath: fake.socketPath });
  try {
    await assert.rejects(client.getTranscript(ID), (e) => e instanceof VaultConnectionError && e.attempts === 1);
    await client.health();
    await assert.rejects(client.health(), (e) => e instanceof VaultConnectionError && e.attempts === 1);
    assert.equal(fake.requests.length, 3);
  } finally {
    client.close();
    await fake.close();
  }
});

test('a timeout is reported, not retried', { timeout: 30000 }, async () => {
  const fake = await scripted(['hang']);
  const client = new VaultClient({ socketPath: fake.socketPath, timeoutMs: 300 });
  try {
    await assert.rejects(client.appendMessage(ID, MESSAGE), (e) => {
      assert.ok(e instanceof VaultConnectionError);
      assert.equal(e.code, 'ETIMEDOUT');
      assert.equal(e.mayHaveBeenApplied, true);
      return true;
    });
    assert.equal(fake.requests.length, 1);
  } finally {
    client.close();
    await fake.close();
  }
});

test('nothing listening: a connection error that says nothing was applied', { timeout: 30000 }, async () => {
  const client = new VaultClient({ socketPath: '/nonexistent/vaultd.sock' });
  try {
    await assert.rejects(client.openTranscript({ service: 'webchat' }), (e) => {
      assert.ok(e instanceof VaultConnectionError);
      assert.equal(e.code, 'ENOENT');
      assert.equal(e.mayHaveBeenApplied, false);
      return true;
    });
  } finally {
    client.close();
  }
});

test('error statuses map to typed errors; the keep-alive hint sets the idle timeout', { timeout: 30000 }, async () => {
  const err = (status, code) => ({ status, body: { error: { code, message: `m ${code}` } } });
  const fake = await scripted([
    err(503, 'audit_unavailable'),
    err(507, 'insufficient_storage'),
    err(413, 'too_large'),
    err(403, 'unknown_caller'),
    { status: 500, body: 'oops, not json' },
    { status: 200, body: 'not json either' },
    { ...HEALTH, keepAlive: 'timeout=5' },
  ]);
  const client = new VaultClient({ socketPath: fake.socketPath, freeSocketTimeoutMs: 60000 });
  try {
    await assert.rejects(client.health(), (e) => e instanceof UnavailableError && e.status === 503 && e.code === 'audit_unavailable' && e.message === 'm audit_unavailable');
    await assert.rejects(client.health(), (e) => e instanceof UnavailableError && e.status === 507 && e.code === 'insufficient_storage');
    await assert.rejects(client.health(), (e) => e instanceof PayloadTooLargeError && e.code === 'too_large');
    await assert.rejects(client.health(), (e) => e instanceof ForbiddenError && e.code === 'unknown_caller');
    await assert.rejects(client.health(), (e) => e instanceof InternalServerError && e.code === 'bad_response');
    await assert.rejects(client.health(), (e) => e.code === 'bad_response' && e.status === 200);
    await client.health();
    // Keep-Alive: timeout=5: Node's agent keeps the idle socket 4 s.
    const [idle] = Object.values(client.agent.freeSockets).flat();
    assert.equal(idle.timeout, 4000);
    assert.equal(client.stats.connections, 1);
  } finally {
    client.close();
    await fake.close();
  }
});
