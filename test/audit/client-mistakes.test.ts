// Bad input from a client, answered as FIX prescribes, is information for `audit verify`, not a fault of the gateway:
// exit 0. Also: `audit show` of several logs reads as one story in time order, and never prints a password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { encodeMessage } from '../../src/fix/encode.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import type { FieldList } from '../../src/fix/types.js';
import { BASE_CFG, Client, startTestGateway } from '../gateway/support.js';
import { runCli, tempDir } from './scenario.js';
import { testEngineConfigPath } from '../support/test-engine-config.js';

const T0 = Date.UTC(2026, 10, 26, 9, 30, 0);

function fix(seq: number, msgType: string, body: FieldList, o: { from?: string; to?: string; atMs?: number } = {}): string {
  const header: FieldList = [[34, String(seq)], [49, o.from ?? 'FIXGW'], [52, formatUtcTimestamp(o.atMs ?? T0 + seq * 10)], [56, o.to ?? 'CLIENT1']];
  return encodeMessage('FIX.4.4', msgType, header, body).toString('latin1');
}
const IN = { from: 'CLIENT1', to: 'FIXGW' };
const logon = (seq: number, o: { from?: string; to?: string; atMs?: number } = {}): string => fix(seq, 'A', [[98, '0'], [108, '30']], o);
/** A NewOrderSingle without Side(54): the dictionary says 373=1, tag 54. */
const sideless = (seq: number): string => fix(seq, 'D', [[11, `N${seq}`], [55, 'AAPL'], [60, '20261126-09:30:00'], [38, '1'], [40, '2'], [44, '10']], IN);
const reject = (seq: number, refSeq: number, reason: string): string =>
  fix(seq, '3', [[45, String(refSeq)], [58, 'Required tag missing'], [371, '54'], [372, 'D'], [373, reason]]);
/** fixgw's own message log line: '<UTC time µs> <IN|OUT> <raw FIX>'. */
const line = (direction: 'IN' | 'OUT', raw: string, atMs: number, us = 0): string => `${formatUtcTimestamp(atMs)}${String(us).padStart(3, '0')} ${direction} ${raw}`;

function writeLog(dir: string, name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''), 'latin1');
  return file;
}

test('on the real gateway, an order without Side gets a Reject and a garbled frame is dropped: verify is clean, with both noted', async () => {
  const dataDir = tempDir('mistakes');
  const gw = await startTestGateway({ cfg: BASE_CFG, dataDir });
  const c = await Client.logon(gw.fixPort, 'CLUMSY');
  try {
    c.send('D', [[11, 'NOSIDE'], [55, 'AAPL'], [60, '20260101-00:00:00'], [38, '1'], [40, '2'], [44, '190.00']]);
    const rej = await c.next('3');
    assert.deepEqual([rej.get(373), rej.get(371)], ['1', '54']);
    c.order('OK1', { side: '1', qty: '1', price: '190.00' });
    await c.reports('OK1', 1);
  } finally {
    await c.stop();
    await gw.close();
  }
  // A frame with a wrong CheckSum, as it would be logged had it arrived: the gateway drops it and asks for nothing.
  const log = path.join(dataDir, 'log', 'FIX.4.4-FIXGW-CLUMSY.messages.log');
  const lines = fs.readFileSync(log, 'latin1').split('\n').filter((l) => l !== '');
  const garbled = fix(99, '0', [], { from: 'CLUMSY' }).replace(/10=\d{3}\x01$/, '10=000\x01');
  lines.splice(lines.length - 1, 0, line('IN', garbled, Date.now()));
  fs.writeFileSync(log, lines.map((l) => `${l}\n`).join(''), 'latin1');

  const r = runCli(['audit', 'verify', '--data-dir', dataDir, '--engine-config', testEngineConfigPath()]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /: info invalid-rejected: IN 35=D #2 fails the dictionary: Required tag missing \(tag 54\) \[373=1\]; the gateway answered it with Reject 35=3 #2 373=1$/m);
  assert.match(r.stdout, /: info bad-checksum: .*\(inbound: dropped unanswered, as FIX prescribes for a garbled message\)$/m);
  assert.match(r.stdout, /^CLEAN: .* 0 error\(s\), 0 warning\(s\); 2 bad input\(s\) from clients answered as FIX prescribes \((invalid-rejected 1, bad-checksum 1|bad-checksum 1, invalid-rejected 1)\)/m);
  const strict = runCli(['audit', 'verify', '--data-dir', dataDir, '--engine-config', testEngineConfigPath(), '--strict']);
  assert.equal(strict.status, 0, 'information never fails a run, --strict or not');
});

test('an invalid inbound message nobody rejected is an error; one rejected for another reason is a warning', () => {
  const dir = tempDir('mistakes-logs');
  const unanswered = writeLog(dir, 'FIX.4.4-FIXGW-CLIENT1.messages.log', [
    line('IN', logon(1, IN), T0), line('OUT', logon(1), T0 + 1), line('IN', sideless(2), T0 + 2), line('IN', sideless(3), T0 + 3),
    line('OUT', reject(2, 3, '5'), T0 + 4),
  ]);
  const r = runCli(['audit', 'verify', unanswered]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /:3: error invalid: IN 35=D #2 fails the dictionary: Required tag missing \(tag 54\) \[373=1\]; no Reject answered it$/m);
  assert.match(r.stdout, /:4: warning invalid-rejected: .*answered it with Reject 35=3 #2 373=5 where the dictionary says 373=1$/m);
});

test('show of several logs merges them in time order', () => {
  const dir = tempDir('merge');
  const a = writeLog(dir, 'FIX.4.4-FIXGW-CLIENT1.messages.log', [
    line('IN', logon(1, { ...IN, atMs: T0 }), T0), line('OUT', logon(1, { atMs: T0 + 20 }), T0 + 20),
  ]);
  const b = writeLog(dir, 'FIX.4.4-FIXGW-CLIENT2.messages.log', [
    line('IN', logon(1, { from: 'CLIENT2', to: 'FIXGW', atMs: T0 + 10 }), T0 + 10), line('OUT', logon(1, { to: 'CLIENT2', atMs: T0 + 30 }), T0 + 30),
  ]);
  const r = runCli(['audit', 'show', a, b]);
  assert.equal(r.status, 0, r.stderr);
  const sessions = r.stdout.trim().split('\n').map((l) => /^\S+ (IN|OUT) +(\S+)/.exec(l)!.slice(1).join(' '));
  assert.deepEqual(sessions, ['IN FIX.4.4:FIXGW->CLIENT1', 'IN FIX.4.4:FIXGW->CLIENT2', 'OUT FIX.4.4:FIXGW->CLIENT1', 'OUT FIX.4.4:FIXGW->CLIENT2']);
  const times = r.stdout.trim().split('\n').map((l) => l.split(' ')[0]!);
  assert.deepEqual(times, [...times].sort());
});

test('show --fields and --json mask Password(554) and NewPassword(925) that another engine logged in clear', () => {
  const dir = tempDir('mask');
  const withPassword = fix(1, 'A', [[98, '0'], [108, '30'], [554, 'hunter2'], [925, 'hunter3']], IN);
  const file = writeLog(dir, 'FIX.4.4-FIXGW-CLIENT1.messages.log', [`${formatUtcTimestamp(T0)} : ${withPassword}`]);
  const fields = runCli(['audit', 'show', '--fields', file]);
  assert.equal(fields.status, 0, fields.stderr);
  assert.match(fields.stdout, /^ {4}Password\(554\)=\*{8}$/m);
  assert.match(fields.stdout, /^ {4}NewPassword\(925\)=\*{8}$/m);
  const json = runCli(['audit', 'show', '--json', file]);
  for (const out of [fields.stdout, json.stdout]) assert.doesNotMatch(out, /hunter/);
});
