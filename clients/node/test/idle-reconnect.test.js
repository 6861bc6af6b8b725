'use strict';

// Connection reuse against a real vaultd that closes idle connections after
// one second (--idle-timeout 1s), without notice.

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');

const { VaultClient } = require('..');
const { startVaultd, waitFor } = require('../test-support/vaultd');

let vault;

test.before(async () => {
  vault = await startVaultd(['--idle-timeout', '1s']);
});

test.after(async () => {
  if (vault) await vault.stop();
});

// An agent that keeps idle sockets whatever the server's Keep-Alive header
// says, as Node's agent did before it read the header, or as happens when a
// request is sent just as the server gives up on the connection.
class HintBlindAgent extends http.Agent {
  keepSocketAlive(socket) {
    socket.setKeepAlive(true, this.keepAliveMsecs);
    socket.unref();
    socket.setTimeout(0);
    return true;
  }
}

function idleSockets(agent) {
  return Object.values(agent.freeSockets).flat();
}

test('Keep-Alive: timeout=1 from vaultd: the agent does not keep the socket', { timeout: 30000 }, async () => {
  const client = new VaultClient({ socketPath: vault.socketPath });
  try {
    const sockets = [];
    const original = client.agent.createConnection;
    client.agent.createConnection = function (...args) {
      const socket = original.apply(this, args);
      sockets.push(socket);
      return socket;
    };
    await client.health();
    // One second minus Node's one-second margin leaves nothing: the socket
    // is closed by the client as soon as the answer is read.
    await waitFor(() => sockets[0].destroyed, { deadlineMs: 5000, what: 'the socket to close' });
    assert.equal(idleSockets(client.agent).length, 0);
    await client.health();
    assert.equal(sockets.length, 2);
    assert.deepEqual(client.stats, { requests: 2, connections: 2, reusedConnections: 0, retries: 0 });
  } finally {
    client.close();
  }
});

test('after vaultd closed an idle connection, the next call succeeds', { timeout: 30000 }, async () => {
  const agent = new HintBlindAgent({ keepAlive: true, maxSockets: 4 });
  const client = new VaultClient({ socketPath: vault.socketPath, agent });
  try {
    const { id } = await client.openTranscript({ service: 'webchat' });
    await client.appendMessage(id, { seq: 0, from: 'visitor', text: 'hi', sentAt: '2026-11-22T10:00:00Z' });
    assert.equal(client.stats.connections, 1);
    assert.equal(client.stats.reusedConnections, 1);
    const [socket] = idleSockets(agent);
    assert.ok(socket, 'the socket is kept idle');
    // Wait until vaultd closes it (end of stream from the server, then close).
    const ended = new Promise((resolve) => socket.once('end', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await ended;
    await closed;
    // The next call goes on a new connection and succeeds.
    const second = await client.appendMessage(id, {
      seq: 1,
      from: 'agent',
      text: 'hello',
      sentAt: '2026-11-22T10:00:01Z',
    });
    assert.equal(second.outcome, 'stored');
    assert.equal(client.stats.connections, 2);
    const t = await client.getTranscript(id);
    assert.equal(t.message_count, 2);
  } finally {
    client.close();
    agent.destroy();
  }
});
