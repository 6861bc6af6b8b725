'use strict';

// @transcript-vault/client: a Node.js client of vaultd's HTTP/1.1 JSON API
// over its Unix socket (docs/api.md). No dependencies.

const { VaultClient, MAX_BATCH_MESSAGES, MAX_PAGE_MESSAGES } = require('./lib/client');
const errors = require('./lib/errors');
const { DEFAULT_SOCKET } = require('./lib/transport');
const { EventStream, SseParser } = require('./lib/events');

module.exports = {
  VaultClient,
  MAX_BATCH_MESSAGES,
  MAX_PAGE_MESSAGES,
  DEFAULT_SOCKET,
  EventStream,
  SseParser,
  VaultError: errors.VaultError,
  BadRequestError: errors.BadRequestError,
  ForbiddenError: errors.ForbiddenError,
  NotFoundError: errors.NotFoundError,
  MethodNotAllowedError: errors.MethodNotAllowedError,
  ConflictError: errors.ConflictError,
  GoneError: errors.GoneError,
  PayloadTooLargeError: errors.PayloadTooLargeError,
  InternalServerError: errors.InternalServerError,
  UnavailableError: errors.UnavailableError,
  VaultConnectionError: errors.VaultConnectionError,
};
