// Log formats beyond our own (QuickFIX C++/J/Go, raw FIX, '|' separators, CRLF, gzip), sequence-number
// accounting (resends, gap fills, resets, duplicates) and ExecutionReport arithmetic, on hand-built logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { encodeMessage } from '../../src/fix/encode.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import type { FieldList } from '../../src/fix/types.js';
import { runCli, tempDir } from './scenario.js';

const T0 = Date.UTC(2026, 10, 26, 9, 30, 0);

/** A FIX 4.4 message as a session would write it: header tags ascending, PossDup with OrigSendingTime. */
function fix(seq: number, msgType: string, body: FieldList, o: { from?: string; to?: string; atMs?: number; possDup?: boolean } = {}): string {
  const at = o.atMs ?? T0 + seq * 10;
  const header: FieldList = [[34, String(seq)], [49, o.from ?? 'FIXGW'], [52, formatUtcTimestamp(at)], [56, o.to ?? 'CLIENT1']];
  if (o.possDup === true) header.push([43, 'Y'], [122, formatUtcTimestamp(at - 5000)]);
  header.sort((a, b) => a[0] - b[0]);
  return encodeMessage('FIX.4.4', msgType, header, body).toString('latin1');
}
const IN = { from: 'CLIENT1', to: 'FIXGW' };
const logon = (seq: number, o: { from?: string; to?: string; reset?: boolean } = {}): string =>
  fix(seq, 'A', [[98, '0'], [108, '30'], ...(o.reset === true ? [[141, 'Y'] as [number, string]] : [])], o);
const heartbeat = (seq: number, o: { from?: string; to?: string; possDup?: boolean } = {}): string => fix(seq, '0', [], o);
const order = (seq: number, clOrdId: string): string =>
  fix(seq, 'D', [[11, clOrdId], [55, 'AAPL'], [54, '1'], [60, '20261126-09:30:00'], [38, '100'], [40, '2'], [44, '10']], IN);
function er(seq: number, f: { clOrdId: string; orderId: string; execId: string; execType: string; ordStatus: string; qty: string; cum: string; leaves: string; avgPx: string; last?: [string, string]; possDup?: boolean }): string {
  const body: FieldList = [[37, f.orderId], [11, f.clOrdId], [17, f.execId], [150, f.execType], [39, f.ordStatus], [55, 'AAPL'], [54, '1'], [38, f.qty]];
  if (f.last) body.push([32, f.last[0]], [31, f.last[1]]);
  body.push([151, f.leaves], [14, f.cum], [6, f.avgPx]);
  return fix(seq, '8', body, { possDup: f.possDup === true });
}

/** QuickFIX C++ FileLog line: 'YYYYMMDD-HH:MM:SS.sss : <message>'. */
const qf = (raw: string, atMs: number): string => `${formatUtcTimestamp(atMs)} : ${raw}`;

function writeLog(name: string, lines: string[], eol = '\n'): string {
  const file = path.join(tempDir('fmt'), name);
  fs.writeFileSync(file, lines.map((l) => l + eol).join(''), 'latin1');
  return file;
}

function verify(...args: string[]): { status: number | null; stdout: string; findings: string[] } {
  const r = runCli(['audit', 'verify', ...args]);
  assert.equal(r.stderr, '', r.stderr);
  return { status: r.status, stdout: r.stdout, findings: r.stdout.split('\n').filter((l) => / (error|warning) [a-z-]+: /.test(l)) };
}

const session = [
  logon(1, IN), logon(1), order(2, 'C1'),
  er(2, { clOrdId: 'C1', orderId: '7', execId: '7.1', execType: '0', ordStatus: '0', qty: '100', cum: '0', leaves: '100', avgPx: '0' }),
  er(3, { clOrdId: 'C1', orderId: '7', execId: '8.2', execType: 'F', ordStatus: '1', qty: '100', cum: '40', leaves: '60', avgPx: '10', last: ['40', '10'] }),
  heartbeat(3, IN), heartbeat(4),
];

test('a QuickFIX C++ FileLog is read with directions from its file name and verifies clean', () => {
  const file = writeLog('FIX.4.4-FIXGW-CLIENT1.messages.current.log', session.map((m, i) => qf(m, T0 + i * 7)));
  const show = runCli(['audit', 'show', file]);
  assert.equal(show.status, 0);
  const lines = show.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => /^\S+ (IN |OUT) (\S+ #\d+)/.exec(l)!.slice(1).join(' ').replace('IN  ', 'IN ')), [
    'IN FIX.4.4:FIXGW->CLIENT1 #1', 'OUT FIX.4.4:FIXGW->CLIENT1 #1', 'IN FIX.4.4:FIXGW->CLIENT1 #2', 'OUT FIX.4.4:FIXGW->CLIENT1 #2',
    'OUT FIX.4.4:FIXGW->CLIENT1 #3', 'IN FIX.4.4:FIXGW->CLIENT1 #3', 'OUT FIX.4.4:FIXGW->CLIENT1 #4',
  ]);
  assert.equal(lines[0]!.slice(0, 24), '20261126-09:30:00.000000');
  assert.equal(lines[1]!.slice(0, 24), '20261126-09:30:00.007000');
  const r = verify(file);
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /^CLEAN: 7 messages in 1 file/m);
});

test('QuickFIX/J lines with | separators, QuickFIX/Go lines, raw FIX lines and CRLF endings are all read', () => {
  const j = writeLog('session.log', session.map((m, i) => `${formatUtcTimestamp(T0 + i)}: ${m.replaceAll('\x01', '|')}`), '\r\n');
  const go = writeLog('go.log', session.map((m, i) => `2026/11/26 09:30:00.00${i}123 ${m}`));
  const raw = writeLog('raw.fix', session);
  for (const file of [j, go, raw]) {
    const show = runCli(['audit', 'show', file, '--local-comp-id', 'FIXGW', '--json']);
    assert.equal(show.status, 0);
    assert.equal(show.stderr, '', `${file}: ${show.stderr}`);
    const msgs = show.stdout.trim().split('\n').map((l) => JSON.parse(l) as { direction: string; seq: number; time: string; problem: string | null });
    assert.deepEqual(msgs.map((m) => `${m.direction}${m.seq}`), ['IN1', 'OUT1', 'IN2', 'OUT2', 'OUT3', 'IN3', 'OUT4'], file);
    assert.ok(msgs.every((m) => m.problem === null));
    const r = verify(file, '--local-comp-id', 'FIXGW');
    assert.equal(r.status, 0, `${file}: ${r.stdout}`);
  }
  const goTimes = JSON.parse(runCli(['audit', 'show', go, '--json']).stdout.split('\n')[2]!) as { time: string };
  assert.equal(goTimes.time, '20261126-09:30:00.002123');
  const rawTimes = JSON.parse(runCli(['audit', 'show', raw, '--json']).stdout.split('\n')[2]!) as { time: string };
  assert.equal(rawTimes.time, '20261126-09:30:00.020000', 'a raw line is timed by its SendingTime');
});

test('a gzip\'d QuickFIX log in a directory is found and read', () => {
  const dir = tempDir('gzdir');
  fs.writeFileSync(path.join(dir, 'FIX.4.4-FIXGW-CLIENT1.messages.20261126.log.gz'), zlib.gzipSync(Buffer.from(session.map((m) => qf(m, T0) + '\n').join(''), 'latin1')));
  fs.writeFileSync(path.join(dir, 'FIX.4.4-FIXGW-CLIENT1.event.current.log'), 'not a message log\n');
  const r = verify(dir);
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /^CLEAN: 7 messages in 1 file/m);
});

test('a gap filled by PossDup resends and a SequenceReset-GapFill is no finding', () => {
  const file = writeLog('FIX.4.4-FIXGW-CLIENT1.messages.log', [
    logon(1, IN), logon(1), heartbeat(2, IN),
    heartbeat(5), // 2..4 missing for now
    fix(3, '2', [[7, '2'], [16, '0']], IN),
    heartbeat(2, { possDup: true }), // a resend
    fix(3, '4', [[36, '5'], [123, 'Y']], { possDup: true }), // gap fill 3..4
    heartbeat(6),
  ].map((m) => qf(m, T0)));
  const r = verify(file);
  assert.equal(r.status, 0, r.stdout);
});

test('a Logon with ResetSeqNumFlag and a SequenceReset-Reset restart the numbering without findings', () => {
  const file = writeLog('FIX.4.4-FIXGW-CLIENT1.messages.log', [
    logon(1, IN), logon(1), heartbeat(2, IN), heartbeat(2),
    logon(1, { ...IN, reset: true }), logon(1, { reset: true }), heartbeat(2, IN), heartbeat(2),
    fix(3, '4', [[36, '10']]), heartbeat(10), heartbeat(3, IN),
  ].map((m) => qf(m, T0)));
  const r = verify(file);
  assert.equal(r.status, 0, r.stdout);
});

test('a repeated MsgSeqNum without PossDup is a duplicate; a gap never filled is reported where it opened', () => {
  const lines = [logon(1, IN), logon(1), heartbeat(2, IN), heartbeat(2, IN), heartbeat(2), heartbeat(6), heartbeat(3, IN)].map((m) => qf(m, T0));
  const file = writeLog('FIX.4.4-FIXGW-CLIENT1.messages.log', lines);
  const r = verify(file);
  assert.equal(r.status, 1);
  assert.deepEqual(r.findings, [
    `${file}:4: error seq-duplicate: FIX.4.4:CLIENT1->FIXGW: MsgSeqNum 2 again (expected 3) without PossDupFlag`,
    `${file}:6: error seq-gap: FIX.4.4:FIXGW->CLIENT1: MsgSeqNums 3..5 are missing (not resent or gap-filled by the end of the logs)`,
  ]);
});

test('an inbound message with a bad checksum is noted (the client\'s mistake), uses no sequence number, and its resend fills the place', () => {
  const bad = heartbeat(3, IN).replace(/10=\d{3}\x01$/, '10=000\x01');
  const file = writeLog('FIX.4.4-FIXGW-CLIENT1.messages.log', [
    logon(1, IN), logon(1), heartbeat(2, IN), bad, heartbeat(4, IN), fix(2, '2', [[7, '3'], [16, '0']]), heartbeat(3, { ...IN, possDup: true }),
  ].map((m) => qf(m, T0)));
  const r = verify(file);
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(r.findings, []);
  assert.match(r.stdout.replace(/computed \d+/, 'computed N'),
    new RegExp(`^${file.replace(/[.]/g, '\\.')}:4: info bad-checksum: CheckSum mismatch: computed N \\(inbound: dropped unanswered, as FIX prescribes for a garbled message\\)$`, 'm'));
  // the same damage on an outbound message is the gateway's (or its log's) and stays an error
  const out = writeLog('FIX.4.4-FIXGW-CLIENT1.messages.log', [logon(1, IN), logon(1), heartbeat(2).replace(/10=\d{3}\x01$/, '10=000\x01')].map((m) => qf(m, T0)));
  const r2 = verify(out);
  assert.equal(r2.status, 1);
  assert.match(r2.findings.join('\n'), /:3: error bad-checksum: /);
});

test('ExecutionReport arithmetic: a fill that does not add up and an AvgPx that is not the fills\' average are found', () => {
  const base = { clOrdId: 'C1', orderId: '7', qty: '100' };
  const file = writeLog('FIX.4.4-FIXGW-CLIENT1.messages.log', [
    logon(1, IN), logon(1),
    er(2, { ...base, execId: '7.1', execType: '0', ordStatus: '0', cum: '0', leaves: '100', avgPx: '0' }),
    er(3, { ...base, execId: '8.1', execType: 'F', ordStatus: '1', cum: '40', leaves: '60', avgPx: '10', last: ['40', '10'] }),
    er(4, { ...base, execId: '9.1', execType: 'F', ordStatus: '2', cum: '100', leaves: '0', avgPx: '10.5', last: ['60', '11'] }),
    er(5, { clOrdId: 'C2', orderId: '12', qty: '50', execId: '12.1', execType: '0', ordStatus: '0', cum: '0', leaves: '50', avgPx: '0' }),
    er(6, { clOrdId: 'C2', orderId: '12', qty: '50', execId: '13.1', execType: 'F', ordStatus: '1', cum: '30', leaves: '20', avgPx: '5', last: ['20', '5'] }),
    er(7, { clOrdId: 'C2', orderId: '12', qty: '50', execId: '14.1', execType: '4', ordStatus: '4', cum: '30', leaves: '20', avgPx: '5' }),
  ].map((m) => qf(m, T0)));
  const r = verify(file);
  assert.equal(r.status, 1);
  assert.deepEqual(r.findings, [
    `${file}:5: error cum-qty: ClOrdID C1 ExecID 9.1: AvgPx 10.5 but the fills average 10.6`,
    `${file}:7: error cum-qty: ClOrdID C2 ExecID 13.1: CumQty 30 != previous CumQty 0 + LastQty 20`,
    `${file}:8: error cum-qty: ClOrdID C2 ExecID 14.1: LeavesQty 20 on a done order (OrdStatus 4)`,
  ]);
});

test('a Logon whose Password was masked in our log verifies clean; a message with a line break is read from its base64 line', () => {
  const withPassword = fix(1, 'A', [[98, '0'], [108, '30'], [554, 'secret']], IN);
  const masked = withPassword.replace('554=secret', '554=******');
  const textWithNewline = fix(2, 'B', [[148, 'Halt'], [33, '1'], [58, 'line one\nline two']]);
  const file = writeLog('FIX.4.4-FIXGW-CLIENT1.messages.log', [
    `20261126-09:30:00.000001 IN ${masked}`,
    `20261126-09:30:00.000002 OUT ${logon(1)}`,
    `20261126-09:30:00.000003 OUT64 ${Buffer.from(textWithNewline, 'latin1').toString('base64')}`,
  ]);
  const r = verify(file);
  assert.equal(r.status, 0, r.stdout);
  const show = runCli(['audit', 'show', file, '--msgtype', 'B', '--fields']);
  assert.match(show.stdout, /^20261126-09:30:00\.000003 OUT FIX\.4\.4:FIXGW->CLIENT1 #2 News\(B\)/m);
  assert.match(show.stdout, /^ {6}\[1\] Text\(58\)="line one\\nline two"$/m);
});

test('usage errors exit 2 with a message; findings exit 1', () => {
  const none = runCli(['audit', 'verify']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /^fixgw audit: name at least one LOG file or directory, or --data-dir/);
  const missing = runCli(['audit', 'show', '/no/such/log']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /ENOENT.*\/no\/such\/log/);
  const file = writeLog('x.log', ['garbage']);
  assert.equal(runCli(['audit', 'verify', file]).status, 1);
});
