// The fixgw command answers --help and --version and refuses unknown verbs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

test('fixgw --help names the command', () => {
  const out = execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
  assert.match(out, /Usage: fixgw/);
});

test('fixgw with an unknown verb exits non-zero with a message', () => {
  const r = spawnSync(process.execPath, [cli, 'no-such-verb'], { encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /^error: /);
});
