// QuickFIX's own FIX 4.4 acceptance suite (59 .def files from ../shared/conformance), played by
// ../shared/tools/fixat.mjs against our acceptance server on a free loopback port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAcceptanceServer } from '../../src/cli/acceptance-server.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const shared = path.resolve(repoRoot, '..', 'shared');
const fixat = path.join(shared, 'tools', 'fixat.mjs');
const suite = path.join(shared, 'conformance', 'quickfix-fix44');

test('QuickFIX FIX 4.4 acceptance suite: 59 passed, 0 failed', { timeout: 300_000 }, async () => {
  assert.ok(existsSync(fixat), `the runner is missing: ${fixat} (../shared must sit beside the repo)`);
  const logDir = mkdtempSync(path.join(tmpdir(), 'fixgw-at-'));
  const acceptor = await startAcceptanceServer({ port: 0, logDir });
  try {
    const child = spawn(process.execPath, [fixat, '--host', '127.0.0.1', '--port', String(acceptor.port), suite], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const failures = out.split('\n').filter((l) => l.startsWith('FAIL')).join('\n');
    assert.match(out, /^59 passed, 0 failed$/m, `fixat reported failures (logs in ${logDir}):\n${failures || out}`);
    assert.equal(code, 0);
  } finally {
    await acceptor.stop(200);
  }
});
