'use strict';

// The event feed (GET /v1/events): the SSE parser alone, the feed against a
// real vaultd (erasures, idle closes, expiries, resuming with Last-Event-ID,
// errors before the stream), and reconnecting and read timeouts against a
// scripted server.

const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { VaultClient, SseParser, BadRequestError, VaultError, VaultConnectionError } = require('..');
const { startVaultd } = require('../test-support/vaultd');

// --- the parser ---------------------------------------------------------------

const STREAM = Buffer.from(
  '\ufeffretry: 3000\n\n' +
    ': heartbeat\n\n' +
    'id: 17-1\nevent: transcript.erased\n' +
    'data: {"id":"17-1","type":"transcript.erased","transcript":"ab"}\n\n' +
    ': a comment\r\n' +
    'id: 17-2\r\nevent: note\r\ndata: line one\r\ndata:line two\r\ndata\r\n\r\n' +
    'id: 17-3\revent: x\rdata: é ünïcode ☃\r\r' +
    'event: no-data\nid: 17-4\n\n' +
    'data: plain\n\n' +
    'id: bad\0id\ndata: nul id ignored\n\n' +
    'retry: soon\nretry: 1500\nunknown: field\ndata:  two spaces\n\n' +
    'data: never finished',
  'utf8',
);
const EXPECTED = [
  { id: '17-1', event: 'transcript.erased', data: '{"id":"17-1","type":"transcript.erased","transcript":"ab"}' },
  { id: '17-2', event: 'note', data: 'line one\nline two\n' },
  { id: '17-3', event: 'x', data: 'é ünïcode ☃' },
  { id: '17-4', event: '', data: '', idOnly: true },
  { id: '17-4', event: 'message', data: 'plain' },
  { id: '17-4', event: 'message', data: 'nul id ignored' },
  { id: '17-4', event: 'message', data: ' two spaces' },
];

function parseAll(chunks) {
  const p = new SseParser();
  const out = [];
  for (const c of chunks) out.push(...p.push(c));
  return { out, p };
}

test('SSE parser: a whole stream', () => {
  const { out, p } = parseAll([STREAM]);
  assert.deepEqual(out, EXPECTED);
  assert.equal(p.comments, 2);
  assert.equal(p.retryMs, 1500);
});

test('SSE parser: split anywhere (also inside UTF-8 and CRLF)', () => {
  const n = STREAM.length;
  for (let i = 0; i <= n; i++) {
    const { out, p } = parseAll([STREAM.subarray(0, i), STREAM.subarray(i)]);
    assert.deepEqual(out, EXPECTED, `split at ${i}`);
    assert.equal(p.comments, 2);
  }
  for (let i = 0; i <= n; i += 3) {
    for (let j = i; j <= n; j += 5) {
      const { out } = parseAll([STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)]);
      assert.deepEqual(out, EXPECTED, `split at ${i}, ${j}`);
    }
  }
  const bytes = [];
  for (let i = 0; i < n; i++) bytes.push(STREAM.subarray(i, i + 1));
  assert.deepEqual(parseAll(bytes).out, EXPECTED);
});

test('SSE parser: CR and LF of a CRLF in different chunks; comments only', () => {
  const { out } = parseAll(['data: a\r', '\n\r', '\ndata: b\r', '\n', '\r\n']);
  assert.deepEqual(
    out.map((m) => m.data),
    ['a', 'b'],
  );
  const c = parseAll([': heartbeat\n\n: heartbeat\n\n:\n\n']);
  assert.deepEqual(c.out, []);
  assert.equal(c.p.comments, 3);
});

test('SSE parser: id-only messages, in order, split anywhere', () => {
  // an id-only message (vaultd's position moved: "id:" with a heartbeat)
  // comes after the data messages before it; a message with neither data
  // nor id dispatches nothing; a blank id: is reported as it is
  const stream = Buffer.from(
    eventText(5, 1, 'a') +
      eventText(5, 2, 'b') +
      ': heartbeat\nid: 5-9\n\n' +
      'event: nothing\n\n: heartbeat\n\n' +
      'id: 5-10\r\nretry: 20\r\n\r\n' +
      'id\n\n' +
      'id: bad\0\n\n' +
      eventText(5, 11, 'c'),
    'utf8',
  );
  const expected = [
    ['5-1', false],
    ['5-2', false],
    ['5-9', true],
    ['5-10', true],
    ['', true],
    ['5-11', false],
  ];
  const n = stream.length;
  for (let i = 0; i <= n; i++) {
    const bytes = [];
    for (let k = 0; k < i; k++) bytes.push(stream.subarray(k, k + 1));
    for (const chunks of [[stream.subarray(0, i), stream.subarray(i)], [...bytes, stream.subarray(i)]]) {
      const { out, p } = parseAll(chunks);
      assert.deepEqual(
        out.map((m) => [m.id, m.idOnly === true]),
        expected,
        `split at ${i}`,
      );
      assert.equal(p.comments, 2);
      assert.equal(p.retryMs, 20);
    }
  }
  const { out } = parseAll([stream]);
  assert.deepEqual(out[2], { id: '5-9', event: '', data: '', idOnly: true });
  assert.equal('idOnly' in out[1], false);
});

// --- against vaultd -------------------------------------------------------------

let vault;
let client;

test.before(async () => {
  vault = await startVaultd(['--idle-close', '1s', '--retention', '3s', '--epoch', '1s', '--event-heartbeat', '200ms']);
  client = new VaultClient({ socketPath: vault.socketPath, timeoutMs: 20000 });
});

test.after(async () => {
  if (client) client.close();
  if (vault) await vault.stop();
});

// Reads `feed` until done(events) or the deadline.
async function readUntil(feed, done, deadlineMs = 15000) {
  const got = [];
  const timer = setTimeout(() => feed.close(), deadlineMs);
  try {
    for await (const e of feed) {
      got.push(e);
      if (done(got)) return got;
    }
  } finally {
    clearTimeout(timer);
  }
  assert.fail(`the expected events did not come: ${JSON.stringify(got)}`);
}

test('an erased and an idle-closed transcript', { timeout: 30000 }, async () => {
  const feed = await client.events({ readTimeoutMs: 5000 }).open();
  try {
    const idle = (await client.openTranscript({ service: 'webchat' })).id;
    const erased = (await client.openTranscript({ service: 'webchat' })).id;
    await client.eraseTranscript(erased, { reason: 'visitor_request' });
    const got = await readUntil(
      feed,
      (evs) =>
        evs.some((e) => e.type === 'transcript.erased' && e.data.transcript === erased) &&
        evs.some((e) => e.type === 'transcript.idle_closed' && e.data.transcript === idle),
    );
    const mine = got.filter((e) => e.data.transcript === idle || e.data.transcript === erased);
    assert.deepEqual(
      mine.map((e) => e.type),
      ['transcript.erased', 'transcript.idle_closed'],
    );
    for (const e of mine) {
      assert.match(e.id, /^[0-9]+-[0-9]+$/);
      assert.equal(e.data.id, e.id);
      assert.equal(e.data.type, e.type);
      assert.equal(e.data.service, 'webchat');
      assert.match(e.data.at, /^\d{4}-\d\d-\d\dT.*Z$/);
    }
    assert.equal(feed.lastEventId, got[got.length - 1].id);
    assert.equal(feed.retryMs, 3000);
    assert.match(feed.requestId, /^[0-9a-f]{16}$/);
  } finally {
    feed.close();
  }
});

test('an expired transcript', { timeout: 30000 }, async () => {
  const feed = await client.events({ readTimeoutMs: 5000 }).open();
  try {
    const { id } = await client.openTranscript({ service: 'webchat' });
    await client.closeTranscript(id);
    const got = await readUntil(feed, (evs) => evs.some((e) => e.type === 'transcript.expired' && e.data.transcript === id), 20000);
    assert.equal(got[got.length - 1].data.service, 'webchat');
  } finally {
    feed.close();
  }
});

test('resuming with Last-Event-ID gives exactly the later events', { timeout: 30000 }, async () => {
  const first = await client.events({ readTimeoutMs: 5000 }).open();
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await client.openTranscript({ service: 'resume' })).id);
  for (const id of ids) await client.eraseTranscript(id, { reason: 'visitor_request' });
  const seen = await readUntil(
    first,
    (evs) => evs.filter((e) => e.type === 'transcript.erased' && ids.includes(e.data.transcript)).length === 3,
  );
  first.close();
  const start = seen.findIndex((e) => e.data.transcript === ids[0]);
  const after = seen.slice(start + 1);
  const resumed = client.events({ lastEventId: seen[start].id, readTimeoutMs: 5000 });
  try {
    const again = await readUntil(resumed, (evs) => evs[evs.length - 1].id === seen[seen.length - 1].id);
    assert.deepEqual(again, after);
    assert.deepEqual(
      again.filter((e) => e.data.service === 'resume').map((e) => e.data.transcript),
      ids.slice(1),
    );
  } finally {
    resumed.close();
  }
});

test('heartbeats; abort ends the iteration', { timeout: 10000 }, async () => {
  const controller = new AbortController();
  const feed = client.events({ signal: controller.signal, readTimeoutMs: 1000 });
  setTimeout(() => controller.abort(), 1000);
  const got = [];
  for await (const e of feed) got.push(e);
  assert.ok(feed.closed);
  assert.ok(feed.heartbeats >= 2, `heartbeats: ${feed.heartbeats}`);
});

test('errors before the stream are typed', { timeout: 10000 }, async () => {
  await assert.rejects(client.events({ lastEventId: 'not-an-id' }).next(), (e) => {
    assert.ok(e instanceof BadRequestError);
    assert.equal(e.status, 400);
    assert.equal(e.code, 'invalid_event_id');
    return true;
  });
  const origin = Date.now() + 1e9;
  await assert.rejects(
    (async () => {
      for await (const e of client.events({ lastEventId: `${origin}-1` })) void e;
    })(),
    (e) => e instanceof BadRequestError && e.code === 'unknown_event_id',
  );
  assert.throws(() => client.events({ lastEventId: '1-1\r\nX-Evil: 1' }), RangeError);
  assert.equal((await client.health()).status, 'ok');
});

test('too many feeds: 429 too_many_event_streams', { timeout: 15000 }, async () => {
  const feeds = [];
  try {
    // Feeds the earlier tests closed are freed when vaultd reads their end,
    // which under load may come a moment later: until then an open of ours
    // may still be refused, and is tried again (for at most 5 s).
    const deadline = Date.now() + 5000;
    while (feeds.length < 4) {
      try {
        feeds.push(await client.events().open());
      } catch (e) {
        if (!(e instanceof VaultError) || e.status !== 429 || Date.now() > deadline) throw e;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await assert.rejects(client.events().open(), (e) => {
      assert.ok(e instanceof VaultError);
      assert.equal(e.status, 429);
      assert.equal(e.code, 'too_many_event_streams');
      return true;
    });
  } finally {
    for (const f of feeds) f.close();
  }
});

test('a Last-Event-ID from an earlier start gives a reset', { timeout: 10000 }, async () => {
  const feed = client.events({ lastEventId: '1000-5' });
  try {
    const { value } = await feed.next();
    assert.equal(value.type, 'reset');
    assert.equal(value.data.reason, 'restart');
  } finally {
    feed.close();
  }
});

// --- against a scripted server ----------------------------------------------------

const HEAD =
  'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\nX-Request-Id: 00000000000000aa\r\n\r\n';

function eventText(origin, seq, transcript) {
  const id = `${origin}-${seq}`;
  return (
    `id: ${id}\nevent: transcript.erased\n` +
    `data: {"id":"${id}","type":"transcript.erased","at":"2026-01-01T00:00:00Z","transcript":"${transcript}","service":"s"}\n\n`
  );
}

// A Unix-socket server running scripts[i](socket, requestText) for the i-th connection.
async function scripted(t, scripts) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-node-sse-'));
  const socketPath = path.join(dir, 's.sock');
  const requests = [];
  const sockets = new Set();
  let n = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let text = '';
    const script = scripts[n++];
    socket.on('data', function onData(d) {
      text += d.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      requests.push(text);
      if (script) script(socket, text);
      else socket.destroy();
    });
  });
  await new Promise((resolve) => server.listen(socketPath, resolve));
  const close = () => {
    server.close();
    for (const s of sockets) s.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  t.after(close);
  return { socketPath, requests, close };
}

test('reconnects with Last-Event-ID after the connection drops', { timeout: 10000 }, async (t) => {
  const srv = await scripted(t, [
    (s) => s.end(HEAD + 'retry: 50\n\n' + eventText(5, 1, 'a') + eventText(5, 2, 'b') + 'id: 5-3\ndata: {"half'),
    (s) => s.end(HEAD + eventText(5, 3, 'c')),
  ]);
  const c = new VaultClient({ socketPath: srv.socketPath, timeoutMs: 5000 });
  const feed = c.events({ reconnect: true, readTimeoutMs: 5000, maxReconnectAttempts: 2 });
  const got = [];
  for await (const e of feed) {
    got.push(e);
    if (got.length === 3) break;
  }
  assert.deepEqual(
    got.map((e) => e.data.transcript),
    ['a', 'b', 'c'],
  );
  assert.equal(feed.reconnects, 1);
  assert.equal(feed.retryMs, 50);
  assert.equal(feed.lastEventId, '5-3');
  assert.ok(feed.closed);
  assert.doesNotMatch(srv.requests[0], /last-event-id/i);
  assert.match(srv.requests[1], /\r\nlast-event-id: 5-2\r\n/i);
});

test('reconnects from an id-only message (the position moved past unseen events)', { timeout: 10000 }, async (t) => {
  // A, B, then an id-only message X (with a heartbeat), then the drop: the
  // feed resumes from X, not B (which would get a reset)
  const srv = await scripted(t, [
    (s) => s.end(HEAD + 'retry: 50\n\n' + eventText(5, 1, 'a') + eventText(5, 2, 'b') + ': heartbeat\nid: 5-7\n\n'),
    (s) => s.end(HEAD + eventText(5, 8, 'c') + ': heartbeat\nid:\n\n'),
  ]);
  const c = new VaultClient({ socketPath: srv.socketPath, timeoutMs: 5000 });
  const feed = c.events({ reconnect: true, readTimeoutMs: 5000, maxReconnectAttempts: 2 });
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await feed.next()).value.id);
  assert.deepEqual(ids, ['5-1', '5-2', '5-8']);
  assert.equal(feed.reconnects, 1);
  assert.equal(feed.lastEventId, '5-8'); // a blank id: keeps it
  feed.close();
  assert.match(srv.requests[1], /\r\nlast-event-id: 5-7\r\n/i);
});

test('an id-only message waits for the events ahead of it', { timeout: 10000 }, async (t) => {
  const srv = await scripted(t, [(s) => s.write(HEAD + eventText(5, 1, 'a') + eventText(5, 2, 'b') + ': heartbeat\nid: 5-7\n\n')]);
  const c = new VaultClient({ socketPath: srv.socketPath, timeoutMs: 5000 });
  const feed = c.events({ readTimeoutMs: 5000 });
  try {
    assert.equal((await feed.next()).value.id, '5-1');
    assert.equal(feed.lastEventId, '5-1'); // B is not handed out yet
    // Whether X is applied as B is handed out depends on how the bytes were
    // read; it never comes before B (the reconnect test shows X applied).
    assert.equal((await feed.next()).value.id, '5-2');
  } finally {
    feed.close();
  }
});

test('an id-only message is never an event', { timeout: 10000 }, async (t) => {
  const srv = await scripted(t, [(s) => s.end(HEAD + eventText(9, 1, 'a') + 'id: 9-4\n\n: heartbeat\nid: 9-6\n\n')]);
  const c = new VaultClient({ socketPath: srv.socketPath, timeoutMs: 5000 });
  const feed = c.events();
  const ids = [];
  for await (const e of feed) ids.push(e.id);
  assert.deepEqual(ids, ['9-1']);
  assert.equal(feed.lastEventId, '9-6');
});

test('without reconnect the iteration ends with the connection', { timeout: 10000 }, async (t) => {
  const srv = await scripted(t, [(s) => s.end(HEAD + eventText(9, 1, 'a'))]);
  const c = new VaultClient({ socketPath: srv.socketPath, timeoutMs: 5000 });
  const ids = [];
  for await (const e of c.events({ lastEventId: '9-0' })) ids.push(e.id);
  assert.deepEqual(ids, ['9-1']);
  assert.match(srv.requests[0], /\r\nlast-event-id: 9-0\r\n/i);
});

test('a read timeout: no heartbeat within readTimeoutMs', { timeout: 10000 }, async (t) => {
  const srv = await scripted(t, [(s) => s.write(HEAD + ': heartbeat\n\n')]);
  const c = new VaultClient({ socketPath: srv.socketPath, timeoutMs: 5000 });
  const feed = c.events({ readTimeoutMs: 300 });
  const t0 = Date.now();
  await assert.rejects(feed.next(), (e) => e instanceof VaultConnectionError && e.code === 'ETIMEDOUT');
  assert.ok(Date.now() - t0 < 3000);
  assert.equal(feed.heartbeats, 1);
});

test('reconnect after a read timeout; gives up after maxReconnectAttempts', { timeout: 10000 }, async (t) => {
  const srv = await scripted(t, [(s) => s.write(HEAD + eventText(7, 1, 'a'))]);
  const c = new VaultClient({ socketPath: srv.socketPath, timeoutMs: 5000 });
  const feed = c.events({ readTimeoutMs: 300, reconnect: true, reconnectDelayMs: 50, maxReconnectAttempts: 2 });
  assert.equal((await feed.next()).value.id, '7-1');
  srv.close();
  await assert.rejects(feed.next(), (e) => e instanceof VaultConnectionError && !e.mayHaveBeenApplied);
  feed.close();
});

test('an error status before the stream', { timeout: 10000 }, async (t) => {
  const body = '{"error":{"code":"forbidden","message":"no"}}';
  const srv = await scripted(t, [
    (s) =>
      s.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      ),
  ]);
  const c = new VaultClient({ socketPath: srv.socketPath, timeoutMs: 5000 });
  await assert.rejects(c.events().open(), (e) => e.status === 403 && e.code === 'forbidden' && e.constructor.name === 'ForbiddenError');
});
