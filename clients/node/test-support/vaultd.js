'use strict';

// Starts a real vaultd in a fresh temporary directory for one test file.
// VAULTD names the binary (default: the build tree's). The binary is not
// built here; if it is missing (being rebuilt), start() waits for it.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

const VAULTD = process.env.VAULTD || '/work/main/build/tools/vaultd';

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls `check` (async, truthy when done) every `everyMs` until `deadlineMs`.
async function waitFor(check, { deadlineMs = 15000, everyMs = 25, what = 'condition' } = {}) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(everyMs);
  }
}

function healthOk(socketPath) {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/v1/health', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.setTimeout(1000, () => req.destroy());
  });
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch (_) {
    return false;
  }
}

// Starts vaultd with `args` added to --data-dir and --socket. Resolves
// {socketPath, dir, pid, stderr(), stop()} once GET /v1/health answers 200.
async function startVaultd(args = [], { deadlineMs = 20000 } = {}) {
  // Another engineer may be rebuilding the binary: wait for it to reappear.
  await waitFor(() => isExecutable(VAULTD), { deadlineMs: 60000, everyMs: 200, what: `${VAULTD}` });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-node-'));
  const socketPath = path.join(dir, 's.sock');
  const child = spawn(VAULTD, ['--data-dir', path.join(dir, 'data'), '--socket', socketPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout.resume();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`vaultd exited (${JSON.stringify(exited)}): ${stderr}`);
        return fs.existsSync(socketPath) && (await healthOk(socketPath));
      },
      { deadlineMs, what: 'vaultd to answer GET /v1/health' },
    );
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    socketPath,
    dir,
    pid: child.pid,
    stderr: () => stderr,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exitPromise;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startVaultd, waitFor, VAULTD };
