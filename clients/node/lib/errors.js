'use strict';

// Errors thrown by VaultClient.
//
// VaultError: vaultd answered with an error status. `status` is the HTTP
// status, `code` the vault's machine-readable error code (docs/api.md,
// section 4), `message` its text for people. Subclasses group the statuses.
//
// VaultConnectionError: no complete answer arrived (the connection could not
// be made, was reset or closed, or timed out). `mayHaveBeenApplied` says
// whether the request may have reached vaultd and been carried out.

class VaultError extends Error {
  constructor(status, code, message, details = {}) {
    super(message || code || `HTTP ${status}`);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.requestId = details.requestId === undefined ? null : details.requestId;
    this.retried = Boolean(details.retried);
  }
}

class BadRequestError extends VaultError {}
class ForbiddenError extends VaultError {}
class NotFoundError extends VaultError {}
class MethodNotAllowedError extends VaultError {}
class ConflictError extends VaultError {}
class GoneError extends VaultError {}
class PayloadTooLargeError extends VaultError {}
class InternalServerError extends VaultError {}
class UnavailableError extends VaultError {}

const CLASS_BY_STATUS = new Map([
  [400, BadRequestError],
  [415, BadRequestError],
  [422, BadRequestError],
  [403, ForbiddenError],
  [404, NotFoundError],
  [405, MethodNotAllowedError],
  [409, ConflictError],
  [410, GoneError],
  [413, PayloadTooLargeError],
  [431, PayloadTooLargeError],
  [500, InternalServerError],
  [503, UnavailableError],
  [507, UnavailableError],
]);

class VaultConnectionError extends Error {
  constructor(message, { code, mayHaveBeenApplied, attempts, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'VaultConnectionError';
    this.code = code || 'ECONNECTION';
    this.mayHaveBeenApplied = Boolean(mayHaveBeenApplied);
    this.attempts = attempts || 1;
  }
}

// The error for an HTTP error answer: body is the raw Buffer.
function errorFromResponse(status, body, details) {
  let code = 'bad_response';
  let message = `HTTP ${status} without a vault error body`;
  try {
    const parsed = JSON.parse(body.toString('utf8'));
    if (parsed && parsed.error && typeof parsed.error.code === 'string') {
      code = parsed.error.code;
      message = typeof parsed.error.message === 'string' ? parsed.error.message : code;
    }
  } catch (_) {
    // keep bad_response
  }
  const Cls = CLASS_BY_STATUS.get(status) || VaultError;
  return new Cls(status, code, message, details);
}

module.exports = {
  VaultError,
  BadRequestError,
  ForbiddenError,
  NotFoundError,
  MethodNotAllowedError,
  ConflictError,
  GoneError,
  PayloadTooLargeError,
  InternalServerError,
  UnavailableError,
  VaultConnectionError,
  errorFromResponse,
};
