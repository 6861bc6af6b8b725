'use strict';

// HTTP/1.1 over vaultd's Unix socket, with a keep-alive agent and the retry
// rules of docs/api.md section 4.1. See README.md, "Retries and connection
// reuse", for the exact rules; they are implemented in Transport#request.

const http = require('node:http');
const { VaultConnectionError, errorFromResponse } = require('./errors');

const DEFAULT_SOCKET = '/run/transcript-vault/vaultd.sock';

// Errors that mean "the connection was closed or reset under this request".
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE']);

// How a request may be repeated after a connection failure.
//   'safe':  idempotent (also an open with an Idempotency-Key). Repeated
//            once, on a fresh connection, when a reused
//            (kept-alive) connection failed with ECONNRESET/EPIPE/"socket
//            hang up" before any byte of the response arrived.
//   'seq':   an append, idempotent per seq. Repeated once, on a fresh
//            connection, whenever the connection failed with
//            ECONNRESET/EPIPE/"socket hang up", reused or not, before the
//            whole response arrived.
//   'never': not idempotent. Never repeated.
const RETRY_MODES = new Set(['safe', 'seq', 'never']);

class Transport {
  constructor(options = {}) {
    this.socketPath = options.socketPath || process.env.VAULT_SOCKET || DEFAULT_SOCKET;
    this.timeoutMs = options.timeoutMs === undefined ? 60000 : options.timeoutMs;
    this.ownAgent = !options.agent;
    this.agent =
      options.agent ||
      new http.Agent({
        keepAlive: true,
        maxSockets: options.maxSockets || 16,
        maxFreeSockets: options.maxFreeSockets || options.maxSockets || 16,
        // How long an idle connection is kept. vaultd closes one after its
        // --idle-timeout (30 s by default) without notice; Node's agent also
        // reads the `Keep-Alive: timeout=N` header of each response and
        // drops an idle socket one second before N (or at once when N <= 1).
        timeout: options.freeSocketTimeoutMs === undefined ? 25000 : options.freeSocketTimeoutMs,
        scheduling: 'lifo',
      });
    this.stats = { requests: 0, connections: 0, reusedConnections: 0, retries: 0 };
  }

  destroy() {
    if (this.ownAgent) this.agent.destroy();
  }

  // Destroys the idle sockets of the agent: after one of them turned out to
  // be dead (vaultd restarted or timed it out), the others likely are too.
  dropIdleSockets() {
    for (const list of Object.values(this.agent.freeSockets)) {
      for (const socket of [...list]) socket.destroy();
    }
  }

  // Sends one request. `body`: an object sent as JSON, or undefined;
  // `headers`: extra request headers (sent on every attempt), or undefined.
  // Resolves {status, headers, body: Buffer, requestId, retried} for a 2xx;
  // rejects with a VaultError for an error status, a VaultConnectionError
  // when no complete answer arrived.
  async request({ method, path, body, retry, headers: extraHeaders }) {
    if (!RETRY_MODES.has(retry)) throw new TypeError(`bad retry mode ${retry}`);
    const payload = body === undefined ? null : Buffer.from(JSON.stringify(body), 'utf8');
    let mayHaveBeenApplied = false;
    let lastFailure = null;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const fresh = attempt > 1;
      if (fresh) this.stats.retries++;
      const outcome = await this.attemptOnce(method, path, payload, fresh, extraHeaders);
      if (outcome.response) {
        const { status, headers, body: bytes } = outcome.response;
        const requestId = headers['x-request-id'] || null;
        if (status >= 200 && status < 300) {
          return { status, headers, body: bytes, requestId, retried: fresh };
        }
        throw errorFromResponse(status, bytes, { requestId, retried: fresh });
      }
      const f = outcome.failure;
      lastFailure = f;
      const sent = f.connected; // bytes of the request may have left
      if (sent) mayHaveBeenApplied = true;
      const lost = CONNECTION_LOST.has(f.code) && !f.timedOut;
      let again = false;
      if (!fresh && lost) {
        if (retry === 'seq') again = true;
        if (retry === 'safe' && f.reused && !f.responseStarted) again = true;
      }
      if (lost && f.reused) this.dropIdleSockets();
      if (!again) break;
    }
    const f = lastFailure;
    const what = f.timedOut
      ? `no answer from vaultd within ${this.timeoutMs} ms`
      : f.connected
        ? 'the connection to vaultd failed before a complete answer'
        : 'could not connect to vaultd';
    throw new VaultConnectionError(`${what} (${method} ${path.split('?')[0]}): ${f.error.message}`, {
      code: f.timedOut ? 'ETIMEDOUT' : f.code,
      mayHaveBeenApplied,
      attempts: f.attempt,
      cause: f.error,
    });
  }

  // One attempt. Resolves {response} or {failure}; never rejects.
  attemptOnce(method, path, payload, fresh, extraHeaders) {
    this.stats.requests++;
    return new Promise((resolve) => {
      const headers = { ...extraHeaders };
      if (payload) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = payload.length;
      } else if (method !== 'GET') {
        headers['Content-Length'] = 0;
      }
      const state = {
        attempt: fresh ? 2 : 1,
        reused: false,
        connected: false,
        responseStarted: false,
        timedOut: false,
        bytesReadAtStart: 0,
        socket: null,
      };
      let settled = false;
      const settle = (value) => {
        if (!settled) {
          settled = true;
          resolve(value);
        }
      };
      const fail = (error) => {
        if (state.socket && state.socket.bytesRead > state.bytesReadAtStart) {
          state.responseStarted = true;
        }
        settle({
          failure: { ...state, error, code: error && error.code ? error.code : 'ECONNECTION' },
        });
      };
      const req = http.request({
        socketPath: this.socketPath,
        method,
        path,
        headers,
        // A retry goes on a new connection of its own (closed after it).
        agent: fresh ? false : this.agent,
      });
      req.on('socket', (socket) => {
        state.socket = socket;
        state.bytesReadAtStart = socket.bytesRead;
        state.reused = Boolean(req.reusedSocket);
        if (state.reused) {
          this.stats.reusedConnections++;
          state.connected = true;
        } else {
          this.stats.connections++;
          if (!socket.connecting) state.connected = true;
          else socket.once('connect', () => (state.connected = true));
        }
      });
      if (this.timeoutMs > 0) {
        req.setTimeout(this.timeoutMs, () => {
          state.timedOut = true;
          const err = new Error(`timed out after ${this.timeoutMs} ms`);
          err.code = 'ETIMEDOUT';
          req.destroy(err);
        });
      }
      req.on('error', fail);
      req.on('response', (res) => {
        state.responseStarted = true;
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', fail);
        res.on('aborted', () => {
          const err = new Error('the connection closed in the middle of the response');
          err.code = 'ECONNRESET';
          fail(err);
        });
        res.on('end', () => {
          if (!res.complete) {
            const err = new Error('the connection closed in the middle of the response');
            err.code = 'ECONNRESET';
            fail(err);
            return;
          }
          settle({
            response: { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) },
          });
        });
      });
      req.end(payload || undefined);
    });
  }
}

module.exports = { Transport, DEFAULT_SOCKET };
