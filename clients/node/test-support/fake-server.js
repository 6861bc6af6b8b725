'use strict';

// A tiny HTTP/1.1 server on a Unix socket that does what a test tells it:
// for each request, `decide(request)` returns {status, body, headers?} to
// answer (kept alive; `headers`: extra response headers), 'hang' to never
// answer, 'destroy' to drop the connection without a byte of answer, or
// {partial: 'text'} to write those bytes and then drop it. Every request it
// read is kept in `requests` (method, path, headers, body, connection).

const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

async function startFakeServer(decide) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-fake-'));
  const socketPath = path.join(dir, 'fake.sock');
  const requests = [];
  const sockets = new Set();
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString('latin1').split('\r\n');
        const [method, target] = head[0].split(' ');
        const headers = {};
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        const length = Number(headers['content-length'] || 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length).toString('utf8');
        buffered = buffered.subarray(end + 4 + length);
        const request = { method, path: target, headers, body, connection };
        requests.push(request);
        const action = decide(request, requests.length);
        if (action === 'hang') continue;
        if (action === 'destroy') {
          socket.destroy();
          return;
        }
        if (action && action.partial !== undefined) {
          socket.end(action.partial, () => socket.destroy());
          return;
        }
        const text = typeof action.body === 'string' ? action.body : `${JSON.stringify(action.body)}\n`;
        const payload = Buffer.from(text, 'utf8');
        const extra = Object.entries(action.headers || {})
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('');
        socket.write(
          `HTTP/1.1 ${action.status} X\r\nContent-Type: application/json\r\n${extra}` +
            `Keep-Alive: ${action.keepAlive || 'timeout=30'}\r\nX-Request-Id: ${String(requests.length).padStart(16, '0')}\r\n` +
            `Content-Length: ${payload.length}\r\n\r\n`,
        );
        socket.write(payload);
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    socketPath,
    requests,
    get connections() {
      return connections;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startFakeServer };
