// `fixgw audit verify` over real logs and a real journal left by a trading story, clean and then damaged.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { copyDir, logLines, messageLog, reframe, runCli, runStory, tempDir, writeLines } from './scenario.js';

let clean: string;

before(async () => {
  clean = tempDir('verify');
  await runStory(clean);
});

function verify(...args: string[]): { status: number | null; stdout: string; findings: string[] } {
  const r = runCli(['audit', 'verify', ...args]);
  assert.equal(r.stderr, '', r.stderr);
  const findings = r.stdout.split('\n').filter((l) => / (error|warning) [a-z-]+: /.test(l));
  return { status: r.status, stdout: r.stdout, findings };
}

/** Index of the first line of `lines` containing all of `parts`. */
function lineWith(lines: string[], ...parts: string[]): number {
  const i = lines.findIndex((l) => parts.every((p) => l.includes(p)));
  assert.ok(i >= 0, `no line with ${parts.join(', ')}`);
  return i;
}

test('logs and journal of a clean trading session verify clean with exit code 0', () => {
  const r = verify('--data-dir', clean);
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(r.findings, []);
  assert.match(r.stdout, /^CLEAN: 28 messages in 2 file\(s\); 0 error\(s\), 0 warning\(s\); journal: 10 commands, 11 engine reports, 11 logged reports matched/m);
});

test('a deleted outbound message is reported as a sequence gap at the line after it', () => {
  const dir = copyDir(clean, 'gap');
  const file = messageLog(dir, 'CLIENT2');
  const lines = logLines(file);
  // Drop a heartbeat-free admin-neutral message: CLIENT2's second outbound ER (a fill report).
  lines.splice(lineWith(lines, ' OUT ', '\x0117=2.2\x01'), 1);
  writeLines(file, lines);
  // The gap shows at the next outbound message, MsgSeqNum 4.
  const next = lineWith(lines, ' OUT ', '\x0134=4\x01') + 1;
  const r = verify(file);
  assert.equal(r.status, 1);
  assert.equal(r.findings.length, 1, r.stdout);
  assert.match(r.findings[0]!, new RegExp(`^${file.replaceAll('.', '\\.')}:${next}: error seq-gap: FIX\\.4\\.4:FIXGW->CLIENT2: MsgSeqNum 3 is missing`));
});

test('with the data directory, a missing ExecutionReport is named by ExecID as well as the gap', () => {
  const dir = copyDir(clean, 'missing-er');
  const file = messageLog(dir, 'CLIENT2');
  const lines = logLines(file);
  lines.splice(lineWith(lines, ' OUT ', '\x0117=2.2\x01'), 1);
  writeLines(file, lines);
  const r = verify('--data-dir', dir);
  assert.equal(r.status, 1);
  assert.ok(r.findings.some((f) => /error seq-gap: .*CLIENT2: MsgSeqNum 3 is missing/.test(f)), r.stdout);
  const missing = r.findings.filter((f) => f.includes('er-missing'));
  assert.equal(missing.length, 1, r.stdout);
  assert.match(missing[0]!, /journal-\d{20}\.log@seq 2: error er-missing: engine report ExecID 2\.2 \(ExecType F, OrdStatus 2, ClOrdID B1, OrderID 2\) for FIX\.4\.4:FIXGW->CLIENT2 was sent as MsgSeqNum 3 \(session store\), but the outbound log, which goes on to 7, does not show it/);
});

test('a tampered field breaks the checksum and is reported at its line', () => {
  const dir = copyDir(clean, 'tamper');
  const file = messageLog(dir, 'CLIENT1');
  const lines = logLines(file);
  const i = lineWith(lines, ' OUT ', '\x0117=2.3\x01');
  lines[i] = lines[i]!.replace('\x0132=40\x01', '\x0132=90\x01');
  writeLines(file, lines);
  const r = verify(file);
  assert.equal(r.status, 1);
  assert.deepEqual(r.findings.map((f) => f.replace(/computed \d+/, 'computed N')), [`${file}:${i + 1}: error bad-checksum: CheckSum mismatch: computed N`]);
});

test('a forged field with a recomputed checksum is caught by the quantities and by the journal', () => {
  const dir = copyDir(clean, 'forge');
  const file = messageLog(dir, 'CLIENT1');
  const lines = logLines(file);
  const i = lineWith(lines, ' OUT ', '\x0117=2.3\x01');
  const [prefix, raw] = [lines[i]!.slice(0, lines[i]!.indexOf('8=FIX')), lines[i]!.slice(lines[i]!.indexOf('8=FIX'))];
  lines[i] = prefix + reframe(raw.replace('\x0114=40\x01', '\x0114=45\x01'));
  writeLines(file, lines);
  const alone = verify(file);
  assert.equal(alone.status, 1);
  assert.ok(alone.findings.some((f) => f.startsWith(`${file}:${i + 1}: error cum-qty: ClOrdID A1 ExecID 2.3: CumQty 45 + LeavesQty 60 != OrderQty 100`)), alone.stdout);
  const withJournal = verify('--data-dir', dir);
  assert.ok(withJournal.findings.some((f) => f.startsWith(`${file}:${i + 1}: error er-mismatch: ExecutionReport ExecID 2.3 differs from the engine event (seq 2): CumQty(14) 45 (engine: 40)`)), withJournal.stdout);
});

test('a file cut in the middle of a message is reported as truncated, and the rest is still checked', () => {
  const dir = copyDir(clean, 'truncated');
  const file = messageLog(dir, 'CLIENT1');
  const bytes = fs.readFileSync(file);
  const lines = logLines(file);
  const last = lines.length; // the line that will be cut
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 40));
  const r = verify(file);
  assert.equal(r.status, 1);
  assert.ok(r.findings.some((f) => f.startsWith(`${file}:${last}: error truncated: last line ends mid-message`)), r.stdout);
  assert.match(r.stdout, /NOT CLEAN: \d+ messages in 1 file/);
});

test('gzip\'d logs are read as they are, and a gzip file cut short is reported, not fatal', () => {
  const dir = copyDir(clean, 'gzip');
  const file = messageLog(dir, 'CLIENT1');
  const gz = zlib.gzipSync(fs.readFileSync(file));
  fs.writeFileSync(`${file}.gz`, gz);
  fs.rmSync(file);
  const ok = verify(path.join(dir, 'log'));
  assert.equal(ok.status, 0, ok.stdout);
  assert.match(ok.stdout, /CLEAN: 28 messages in 2 file/);
  fs.writeFileSync(`${file}.gz`, gz.subarray(0, Math.floor(gz.length * 0.6)));
  const cut = verify(`${file}.gz`);
  assert.equal(cut.status, 1);
  assert.ok(cut.findings.some((f) => / error truncated: (file ends early|last line ends mid-message)/.test(f)), cut.stdout);
});

test('an ExecutionReport the engine never produced is reported as unmatched', () => {
  const dir = copyDir(clean, 'unmatched');
  const file = messageLog(dir, 'CLIENT2');
  const lines = logLines(file);
  const i = lineWith(lines, ' OUT ', '\x0117=8.1\x01');
  const prefix = lines[i]!.slice(0, lines[i]!.indexOf('8=FIX'));
  lines[i] = prefix + reframe(lines[i]!.slice(prefix.length).replace('\x0117=8.1\x01', '\x0117=99.1\x01'));
  writeLines(file, lines);
  const r = verify('--data-dir', dir);
  assert.equal(r.status, 1);
  assert.ok(r.findings.some((f) => f.startsWith(`${file}:${i + 1}: error er-unmatched: ExecutionReport ExecID 99.1 ClOrdID B3`)), r.stdout);
  assert.ok(r.findings.some((f) => /error er-missing: engine report ExecID 8\.1 .* was sent as MsgSeqNum 6/.test(f)), r.stdout);
});

test('a report stored for a client that was away is a warning (exit 0), and an error under --strict', async () => {
  const dir = tempDir('offline');
  await runStory(dir, { offlineFill: true });
  const r = verify('--data-dir', dir);
  assert.equal(r.status, 0, r.stdout);
  assert.equal(r.findings.length, 1, r.stdout);
  assert.match(r.findings[0]!, /journal-\d{20}\.log@seq 10: warning er-undelivered: engine report ExecID 10\.\d \(ExecType F, OrdStatus 2, ClOrdID B3, OrderID 8\) for FIX\.4\.4:FIXGW->CLIENT2 is in the session store but was never sent/);
  assert.equal(verify('--data-dir', dir, '--strict').status, 1);
});

test('a report missed while the client was away and resent when it came back (PossDup) verifies clean', async () => {
  const dir = tempDir('comeback');
  await runStory(dir, { offlineFill: true, comeBack: true });
  const r = verify('--data-dir', dir, '--strict');
  assert.equal(r.status, 0, r.stdout);
  assert.deepEqual(r.findings, []);
  const resent = runCli(['audit', 'show', messageLog(dir, 'CLIENT2'), '--clordid', 'B3', '--msgtype', '8']).stdout.trim().split('\n');
  assert.match(resent[resent.length - 1]!, / OUT FIX\.4\.4:FIXGW->CLIENT2 #\d+ ExecutionReport\(8\) PossDup ClOrdID=B3 .*ExecType=F:TRADE/);
});

test('a forged trade id or symbol on a report, checksum recomputed, differs from the engine event', () => {
  const dir = copyDir(clean, 'forge-trade');
  const file = messageLog(dir, 'CLIENT1');
  const lines = logLines(file);
  const i = lineWith(lines, ' OUT ', '\x0117=4.3\x01');
  const prefix = lines[i]!.slice(0, lines[i]!.indexOf('8=FIX'));
  lines[i] = prefix + reframe(lines[i]!.slice(prefix.length).replace('\x01527=2\x01', '\x01527=9\x01').replace('\x0155=AAPL\x01', '\x0155=MSFT\x01'));
  writeLines(file, lines);
  const r = verify('--data-dir', dir);
  assert.equal(r.status, 1);
  assert.deepEqual(r.findings, [`${file}:${i + 1}: error er-mismatch: ExecutionReport ExecID 4.3 differs from the engine event (seq 4): Symbol(55) MSFT (engine: AAPL), SecondaryExecID(527) 9 (engine: 2)`]);
});

test('verify --json prints each finding as an object and a summary that says whether the logs are clean', () => {
  const dir = copyDir(clean, 'json');
  const file = messageLog(dir, 'CLIENT2');
  const lines = logLines(file);
  lines.splice(lineWith(lines, ' OUT ', '\x0117=2.2\x01'), 1);
  writeLines(file, lines);
  const r = runCli(['audit', 'verify', '--data-dir', dir, '--json']);
  assert.equal(r.status, 1);
  const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const summary = objects.pop()!['summary'] as { clean: boolean; errors: number; byCode: Record<string, number>; journal: { matched: number } };
  assert.deepEqual(objects.map((f) => [f['code'], f['severity'], f['line'] === null ? `seq ${f['seq']}` : 'line']), [['seq-gap', 'error', 'line'], ['er-missing', 'error', 'seq 2']]);
  assert.equal(summary.clean, false);
  assert.equal(summary.errors, 2);
  assert.deepEqual(summary.byCode, { 'seq-gap': 1, 'er-missing': 1 });
  assert.equal(summary.journal.matched, 10);
});

test('an OrderCancelReject is matched to the engine\'s cancel reject: a removed one is missing, a forged one differs', () => {
  const dir = copyDir(clean, 'ocr');
  const file = messageLog(dir, 'CLIENT1');
  const lines = logLines(file);
  const i = lineWith(lines, ' OUT ', '\x0135=9\x01');
  const original = lines[i]!;
  lines.splice(i, 1);
  writeLines(file, lines);
  const removed = verify('--data-dir', dir);
  assert.equal(removed.status, 1);
  assert.ok(removed.findings.some((f) => /journal-\d{20}\.log@seq 7: error ocr-missing: engine cancel reject for ClOrdID X1 \(OrderID NONE, CxlRejReason 1\) for FIX\.4\.4:FIXGW->CLIENT1 was sent as MsgSeqNum 8 \(session store\)/.test(f)), removed.stdout);
  const prefix = original.slice(0, original.indexOf('8=FIX'));
  lines.splice(i, 0, prefix + reframe(original.slice(prefix.length).replace('\x01102=1\x01', '\x01102=0\x01')));
  writeLines(file, lines);
  const forged = verify('--data-dir', dir);
  assert.equal(forged.status, 1);
  assert.deepEqual(forged.findings, [`${file}:${i + 1}: error ocr-mismatch: OrderCancelReject ClOrdID X1 differs from the engine event (seq 7): CxlRejReason(102) 0 (engine: 1)`]);
});
