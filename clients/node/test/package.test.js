'use strict';

// The package as published: `npm pack` lists exactly the intended files,
// and the type declarations compile (Debian's tsc, package node-typescript).

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const TSC = '/usr/bin/tsc';

test('npm pack --dry-run lists exactly the intended files', { timeout: 60000 }, () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
  });
  const [pack] = JSON.parse(out);
  assert.equal(pack.name, '@transcript-vault/client');
  assert.deepEqual(pack.files.map((f) => f.path).sort(), [
    'README.md',
    'index.d.ts',
    'index.js',
    'lib/client.js',
    'lib/errors.js',
    'lib/events.js',
    'lib/transport.js',
    'package.json',
  ]);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.types, 'index.d.ts');
  assert.equal(pkg.main, 'index.js');
  assert.equal(pkg.dependencies, undefined);
  assert.equal(pkg.devDependencies, undefined);
});

test('the package has every export its declarations name', () => {
  const api = require('..');
  const declared = fs.readFileSync(path.join(ROOT, 'index.d.ts'), 'utf8');
  for (const [, name] of declared.matchAll(/^export (?:declare )?(?:class|const) (\w+)/gm)) {
    assert.ok(name in api, `${name} is declared but not exported`);
  }
  for (const name of Object.keys(api)) {
    assert.match(declared, new RegExp(`^export (?:class|const) ${name}\\b`, 'm'), `${name} is not declared`);
  }
  // Every method of VaultClient is declared.
  const methods = Object.getOwnPropertyNames(api.VaultClient.prototype).filter(
    (m) => m !== 'constructor' && !m.startsWith('_'),
  );
  for (const m of methods) assert.match(declared, new RegExp(`^  (?:readonly )?${m}[(:]`, 'm'), m);
});

test('the type declarations compile: tsc --noEmit --strict test/types-check.ts', { timeout: 60000 }, (t) => {
  if (!fs.existsSync(TSC)) {
    t.skip(`SKIPPED: ${TSC} is missing (apt-get install -y node-typescript)`);
    return;
  }
  try {
    execFileSync(TSC, ['--noEmit', '--strict', path.join(__dirname, 'types-check.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
