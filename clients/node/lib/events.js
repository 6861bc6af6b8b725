'use strict';

// The event feed, GET /v1/events: server-sent events on a connection of
// their own (never the keep-alive agent's). SseParser reads the
// text/event-stream body; EventStream is the async iterator
// VaultClient#events returns.

const http = require('node:http');
const { StringDecoder } = require('node:string_decoder');
const { VaultError, VaultConnectionError, errorFromResponse } = require('./errors');

const EVENTS_PATH = '/v1/events';
const DEFAULT_RETRY_MS = 3000;
// Events buffered before the socket is paused (back-pressure).
const HIGH_WATER = 256;

// An incremental text/event-stream parser (the WHATWG "event stream
// interpretation"). push(chunk) takes a Buffer or string split anywhere and
// returns the messages it completes, in order: {id, event, data}, and for a
// message with an id: field but no data: (vaultd sends one with a heartbeat
// when the feed's position moved past events this reader does not get) an
// id-only message {id, event: '', data: '', idOnly: true}: the last event id
// moved (to '' if the id: was blank), no event. A message with neither data
// nor id dispatches nothing.
class SseParser {
  constructor() {
    this._decoder = new StringDecoder('utf8');
    this._buf = '';
    this._started = false;
    this._skipLf = false;
    this._data = [];
    this._event = '';
    this._idSeen = false; // this message had an (accepted) id: field
    this.lastEventId = '';
    this.retryMs = null;
    this.comments = 0;
  }

  push(chunk) {
    let text = typeof chunk === 'string' ? chunk : this._decoder.write(chunk);
    if (!this._started) {
      if (text === '') return [];
      this._started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const buf = this._buf + text;
    const out = [];
    let pos = 0;
    while (pos < buf.length) {
      if (this._skipLf) {
        this._skipLf = false;
        if (buf[pos] === '\n') {
          pos++;
          continue;
        }
      }
      const cr = buf.indexOf('\r', pos);
      const lf = buf.indexOf('\n', pos);
      if (cr < 0 && lf < 0) break;
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      const line = buf.slice(pos, end);
      if (buf[end] === '\r') this._skipLf = true;
      pos = end + 1;
      const msg = this._line(line);
      if (msg) out.push(msg);
    }
    this._buf = buf.slice(pos);
    return out;
  }

  _line(line) {
    if (line === '') return this._dispatch();
    if (line[0] === ':') {
      this.comments++;
      return null;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (name === 'data') this._data.push(value);
    else if (name === 'event') this._event = value;
    else if (name === 'id') {
      if (!value.includes('\0')) {
        this.lastEventId = value;
        this._idSeen = true;
      }
    } else if (name === 'retry') {
      if (/^[0-9]+$/.test(value)) this.retryMs = Number(value);
    }
    return null;
  }

  _dispatch() {
    const data = this._data;
    const event = this._event;
    const idSeen = this._idSeen;
    this._data = [];
    this._event = '';
    this._idSeen = false;
    if (data.length === 0) {
      // the last event id moved; no event
      return idSeen ? { id: this.lastEventId, event: '', data: '', idOnly: true } : null;
    }
    return { id: this.lastEventId, event: event || 'message', data: data.join('\n') };
  }
}

// The event of a parsed message: {id, type, data} with data the JSON object.
function toEvent(msg) {
  let data;
  try {
    data = JSON.parse(msg.data);
  } catch (e) {
    throw new VaultError(200, 'bad_response', `event ${msg.id}: its data is not JSON: ${e.message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new VaultError(200, 'bad_response', `event ${msg.id}: its data is not a JSON object`);
  }
  return { id: msg.id || String(data.id || ''), type: msg.event, data };
}

// In the stream's queue: an id-only message, between the events around it.
class IdOnly {
  constructor(id) {
    this.id = id;
  }
}

function delay(ms, signal) {
  return new Promise((resolve) => {
    if (signal && signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      if (signal) signal.removeEventListener('abort', done);
      resolve();
    }
    if (signal) signal.addEventListener('abort', done, { once: true });
  });
}

function retryable(e) {
  if (e instanceof VaultConnectionError) return true;
  return e instanceof VaultError && (e.status === 429 || e.status === 503);
}

// The feed: an AsyncIterable of events. Connects on the first next();
// errors before the stream reject it (typed as every other call's).
class EventStream {
  constructor(socketPath, options = {}) {
    const { lastEventId, signal, readTimeoutMs, connectTimeoutMs, reconnect, reconnectDelayMs, maxReconnectAttempts } =
      options;
    if (lastEventId !== undefined && lastEventId !== null) {
      if (typeof lastEventId !== 'string') throw new TypeError('lastEventId must be a string');
      if (/[\r\n\0]/.test(lastEventId)) throw new RangeError('lastEventId must not contain CR, LF or NUL');
    }
    this.socketPath = socketPath;
    this.lastEventId = lastEventId || null;
    this.retryMs = DEFAULT_RETRY_MS;
    this.heartbeats = 0;
    this.reconnects = 0;
    this.requestId = null;
    this._signal = signal || null;
    this._readTimeoutMs = readTimeoutMs || 0;
    this._connectTimeoutMs = connectTimeoutMs === undefined ? 60000 : connectTimeoutMs;
    this._reconnect = Boolean(reconnect);
    this._reconnectDelayMs = reconnectDelayMs === undefined || reconnectDelayMs === null ? null : reconnectDelayMs;
    this._maxReconnectAttempts = maxReconnectAttempts === undefined ? null : maxReconnectAttempts;
    this._closed = false;
    this._req = null;
    this._res = null;
    this._queue = [];
    this._ended = null; // {error} once the current connection has ended
    this._wake = null;
    this._opened = false;
    this._onAbort = () => this.close();
    if (this._signal) {
      if (this._signal.aborted) this._closed = true;
      else this._signal.addEventListener('abort', this._onAbort, { once: true });
    }
  }

  get closed() {
    return this._closed;
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  // Connects now (rather than at the first next()): rejects with the error
  // before the stream, if any.
  async open() {
    if (!this._opened && !this._closed) {
      this._opened = true;
      await this._connect();
    }
    return this;
  }

  close() {
    if (this._closed) return;
    this._closed = true;
    if (this._signal) this._signal.removeEventListener('abort', this._onAbort);
    if (this._req) this._req.destroy();
    this._req = null;
    this._res = null;
    this._notify();
  }

  async return() {
    this.close();
    return { value: undefined, done: true };
  }

  _notify() {
    const wake = this._wake;
    this._wake = null;
    if (wake) wake();
  }

  async next() {
    if (!this._opened && !this._closed) await this.open();
    for (;;) {
      if (this._queue.length > 0) {
        const event = this._queue.shift();
        // An id-only message: resume from its id from now on (every event
        // ahead of it has been handed out); no event of its own.
        if (event instanceof IdOnly) this._advance(event.id);
        else {
          if (event.id) this.lastEventId = event.id;
          // and the id-only messages right behind it
          while (this._queue[0] instanceof IdOnly) this._advance(this._queue.shift().id);
        }
        if (this._res && this._queue.length < HIGH_WATER / 2) this._res.resume();
        if (event instanceof IdOnly) continue;
        return { value: event, done: false };
      }
      if (this._closed) return { value: undefined, done: true };
      if (this._ended) {
        const { error } = this._ended;
        this._ended = null;
        this._req = null;
        this._res = null;
        if (!this._reconnect) {
          this.close();
          if (error) throw error;
          return { value: undefined, done: true };
        }
        await this._reconnectLoop();
        continue;
      }
      await new Promise((resolve) => (this._wake = resolve));
    }
  }

  // An id-only message reached. A blank id (the SSE spec would clear the
  // last event id) keeps the one we have, as an event without an id does.
  _advance(id) {
    if (id) this.lastEventId = id;
  }

  async _reconnectLoop() {
    let failures = 0;
    while (!this._closed) {
      const wait = this._reconnectDelayMs === null ? this.retryMs : this._reconnectDelayMs;
      if (wait > 0) await delay(wait, this._signal);
      if (this._closed) return;
      try {
        await this._connect();
        this.reconnects++;
        return;
      } catch (e) {
        if (!retryable(e)) throw e;
        failures++;
        if (this._maxReconnectAttempts !== null && failures >= this._maxReconnectAttempts) throw e;
      }
    }
  }

  // One connection: resolves once the 200 header arrived (the body then
  // feeds the queue), rejects with the typed error otherwise.
  _connect() {
    return new Promise((resolve, reject) => {
      const headers = { Accept: 'text/event-stream', 'Cache-Control': 'no-store' };
      if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
      const req = http.request({ socketPath: this.socketPath, method: 'GET', path: EVENTS_PATH, headers, agent: false });
      let connected = false;
      let started = false;
      const parser = new SseParser();
      let finished = false;
      // The end of this connection's stream (error null: the server closed it).
      const finish = (error) => {
        if (finished) return;
        finished = true;
        if (this._closed) return;
        this._ended = { error };
        this._notify();
      };
      const fail = (error) => {
        const cause = error instanceof Error ? error : new Error(String(error));
        const timedOut = cause.code === 'ETIMEDOUT';
        const err = new VaultConnectionError(
          `${started ? 'the event feed broke' : 'no event feed'} (GET ${EVENTS_PATH}): ${cause.message}`,
          { code: timedOut ? 'ETIMEDOUT' : cause.code || 'ECONNECTION', mayHaveBeenApplied: connected, cause },
        );
        if (!started) reject(err);
        else finish(err);
      };
      req.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      // Until the header: the connect timeout; then the read timeout.
      req.on('timeout', () => {
        const e = new Error(
          started
            ? `nothing received for ${this._readTimeoutMs} ms (no event, no heartbeat)`
            : `no answer within ${this._connectTimeoutMs} ms`,
        );
        e.code = 'ETIMEDOUT';
        req.destroy(e);
      });
      if (this._connectTimeoutMs > 0) req.setTimeout(this._connectTimeoutMs);
      req.on('error', (e) => fail(e));
      req.on('response', (res) => {
        const requestId = res.headers['x-request-id'] || null;
        if (res.statusCode !== 200) {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => reject(errorFromResponse(res.statusCode, Buffer.concat(chunks), { requestId })));
          res.on('error', (e) => fail(e));
          return;
        }
        const ctype = String(res.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
        if (ctype !== 'text/event-stream') {
          req.destroy();
          reject(new VaultError(200, 'bad_response', `GET ${EVENTS_PATH} answered ${ctype || 'no'} Content-Type, not text/event-stream`, { requestId }));
          return;
        }
        started = true;
        if (this._closed) {
          req.destroy();
          resolve();
          return;
        }
        this._req = req;
        this._res = res;
        this.requestId = requestId;
        req.setTimeout(this._readTimeoutMs || 0);
        res.on('data', (chunk) => {
          if (finished) return;
          let msgs;
          const before = parser.comments;
          try {
            msgs = parser.push(chunk);
          } catch (e) {
            fail(e);
            return;
          }
          this.heartbeats += parser.comments - before;
          if (parser.retryMs !== null) this.retryMs = parser.retryMs;
          for (const m of msgs) {
            try {
              this._queue.push(m.idOnly ? new IdOnly(m.id) : toEvent(m));
            } catch (e) {
              finish(e);
              req.destroy();
              break;
            }
          }
          if (this._queue.length >= HIGH_WATER) res.pause();
          this._notify();
        });
        res.on('end', () => finish(null));
        res.on('error', (e) => fail(e));
        res.on('close', () => {
          if (!finished) {
            const e = new Error('the connection closed');
            e.code = 'ECONNRESET';
            fail(e);
          }
        });
        resolve();
      });
      req.end();
    });
  }
}

module.exports = { EventStream, SseParser, EVENTS_PATH };
