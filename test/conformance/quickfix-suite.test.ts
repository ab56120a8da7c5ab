// QuickFIX's own FIX 4.4 acceptance suite (the 59 .def files in quickfix-fix44/, under QuickFIX's licence),
// played by the project's runner (fixat, a separate process, as a counterparty would be) against the acceptance
// server on a free loopback port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAcceptanceServer } from '../../src/cli/acceptance-server.js';

const fixat = fileURLToPath(new URL('./fixat.js', import.meta.url));
export const SUITE_DIR = fileURLToPath(new URL('../../../test/conformance/quickfix-fix44/', import.meta.url));

test('QuickFIX FIX 4.4 acceptance suite: 59 passed, 0 failed', { timeout: 300_000 }, async () => {
  const logDir = mkdtempSync(path.join(tmpdir(), 'fixgw-at-'));
  const acceptor = await startAcceptanceServer({ port: 0, logDir });
  try {
    const child = spawn(process.execPath, [fixat, '--host', '127.0.0.1', '--port', String(acceptor.port), SUITE_DIR], {
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
