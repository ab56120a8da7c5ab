// The acceptance-test runner itself: it must fail a definition the acceptor does not meet, in QuickFIX's words,
// or a passing suite would prove nothing. Mutated copies of real definitions run against the acceptance server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAcceptanceServer } from '../../src/cli/acceptance-server.js';
import type { Acceptor } from '../../src/session/acceptor.js';
import { Comparator, fixify } from './def-text.js';
import { FIXAT_DEFAULTS, runDefFiles, type FileResult } from './fixat.js';

const SUITE = fileURLToPath(new URL('../../../test/conformance/quickfix-fix44/', import.meta.url));
let acceptor: Acceptor;
before(async () => { acceptor = await startAcceptanceServer({ port: 0, logDir: mkdtempSync(path.join(tmpdir(), 'fixgw-fixat-')) }); });
after(async () => { await acceptor.stop(200); });

/** Runs a copy of a suite file with `edit` applied to its text. */
async function runEdited(name: string, edit: (text: string) => string, disconnectMs = 2000): Promise<FileResult> {
  const original = readFileSync(path.join(SUITE, name), 'latin1');
  const edited = edit(original);
  assert.notEqual(edited, original, `the edit changed nothing in ${name}`);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'fixgw-fixat-')), name);
  writeFileSync(file, edited, 'latin1');
  const [result] = await runDefFiles([file], { ...FIXAT_DEFAULTS, port: acceptor.port, timeoutMs: 3000, disconnectMs, probeAttempts: 3 });
  return result!;
}

test('an unedited definition passes', async () => {
  const r = await runEdited('1a_ValidLogonWithCorrectMsgSeqNum.def', (t) => `# unedited\n${t}`);
  assert.equal(r.ok, true, r.msg);
});

test('a wrong expected value fails with the field and both messages', async () => {
  const r = await runEdited('1a_ValidLogonWithCorrectMsgSeqNum.def', (t) => t.replace('\x01108=30\x0110=0', '\x01108=31\x0110=0'));
  assert.equal(r.ok, false);
  assert.match(r.msg!, /Value in field \(108\) should be \(31\) but was \(30\): expected .*\|108=31\|.* got .*\|108=30\|/);
});

test('an expected disconnect that does not come fails; a missing message times out', async () => {
  // Without its Logout the session stays up, so the acceptor never hangs up.
  const hang = await runEdited('1a_ValidLogonWithCorrectMsgSeqNum.def', (t) => t.replace(/\nI[^\n]*35=5[^\n]*\nE[^\n]*35=5[^\n]*/, ''));
  assert.equal(hang.ok, false);
  assert.match(hang.msg!, /Connection hangs after 2 seconds: expected disconnect got <nothing>/);
  const silent = await runEdited('1a_ValidLogonWithCorrectMsgSeqNum.def', (t) => t.replace(/(\nE8=FIX\.4\.4[^\n]*35=A[^\n]*)/, '$1$1'));
  assert.equal(silent.ok, false);
  assert.match(silent.msg!, /timed out after 3000 ms waiting for a message/);
});

test('a syntax error and a file without iCONNECT are reported, not run', async () => {
  const bad = await runEdited('1a_ValidLogonWithCorrectMsgSeqNum.def', (t) => t.replace('\n', '\nxNONSENSE\n'));
  assert.match(bad.msg!, /Syntax error/);
  const noConnect = await runEdited('1a_ValidLogonWithCorrectMsgSeqNum.def', (t) => t.replace(/iCONNECT/g, '#'));
  assert.match(noConnect.msg!, /did not contain iCONNECT/);
});

test('fixify adds BodyLength and CheckSum; the comparator ignores CheckSum and timestamps but counts fields', () => {
  assert.equal(fixify('8=FIX.4.4\x0135=0\x01'), '8=FIX.4.4\x019=5\x0135=0\x0110=163\x01');
  assert.equal(fixify('35=0\x018=FIX.4.4\x01'), '35=0\x018=FIX.4.4\x01', 'text not starting with 8= is sent as it is');
  const c = new Comparator();
  assert.equal(c.compare('8=FIX.4.4\x0152=00000000-00:00:00.000\x0110=0\x01', '8=FIX.4.4\x0152=20261126-01:02:03.456\x0110=123\x01'), null);
  assert.match(c.compare('8=FIX.4.4\x0135=0\x01', '8=FIX.4.4\x0135=0\x01112=X\x01')!, /Number of fields do not match \(expected 2, received 3\)/);
  assert.match(c.compare('8=FIX.4.4\x0135=0\x01', '8=FIX.4.4\x0134=0\x01')!, /Expected field \(35\) but found field \(34\)/);
});
