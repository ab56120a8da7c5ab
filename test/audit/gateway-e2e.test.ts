// End to end: the real gateway (startGateway) on a free port with a temp data directory, clients on the
// project's Initiator, then `fixgw audit` as a child process over what the gateway left behind.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_CFG, startTestGateway, Client } from '../gateway/support.js';
import { copyDir, logLines, runCli, tempDir, writeLines } from './scenario.js';
import path from 'node:path';
import fs from 'node:fs';
import { testEngineConfigPath } from '../support/test-engine-config.js';

const ENGINE_CONFIG = testEngineConfigPath();

const CFG = `${BASE_CFG}
[SESSION]
TargetCompID=DROP1
SessionType=dropcopy
DropCopyAccounts=*
`;

let dataDir: string;

before(async () => {
  dataDir = tempDir('e2e');
  const gw = await startTestGateway({ cfg: CFG, dataDir });
  const dc = await Client.logon(gw.fixPort, 'DROP1');
  const t1 = await Client.logon(gw.fixPort, 'TRADER1');
  const t2 = await Client.logon(gw.fixPort, 'TRADER2');
  try {
    t1.order('A1', { side: '1', qty: '100', price: '190.00' });
    await t1.reports('A1', 1);
    t2.order('B1', { side: '2', qty: '40', price: '190.00' });
    await t1.reports('A1', 2);
    t1.send('G', [[11, 'A2'], [41, 'A1'], [55, 'AAPL'], [54, '1'], [60, '20260101-00:00:00'], [38, '150'], [40, '2'], [44, '190.00']]);
    await t1.reports('A2', 1);
    t2.order('B2', { side: '2', qty: '30', price: '190.00' });
    await t1.reports('A2', 2);
    t1.send('F', [[11, 'A3'], [41, 'A2'], [55, 'AAPL'], [54, '1'], [60, '20260101-00:00:00'], [38, '150']]);
    await t1.reports('A3', 1);
    t1.order('R1', { symbol: 'NOPE', qty: '10', price: '5.00' });
    await t1.reports('R1', 1);
    t1.send('F', [[11, 'X1'], [41, 'NOSUCH'], [55, 'AAPL'], [54, '1'], [60, '20260101-00:00:00'], [38, '1']]);
    await t1.next('9');
    await dc.next('8', (m) => m.get(11) === 'R1');
  } finally {
    await t1.stop();
    await t2.stop();
    await dc.stop();
    await gw.close();
  }
});

test('the real gateway\'s data directory verifies clean: every ExecutionReport matches the journal replay', () => {
  const r = runCli(['audit', 'verify', '--data-dir', dataDir]);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /^CLEAN: \d+ messages in 3 file\(s\); 0 error\(s\), 0 warning\(s\); journal: 9 commands, 10 engine reports, 10 logged reports matched, 10 drop copies checked, 1 of 1 cancel rejects matched$/m);
});

test('audit order reconstructs an order\'s life through its replace and cancel from the real gateway\'s files', () => {
  const r = runCli(['audit', 'order', 'A1', '--data-dir', dataDir, '--session', 'TRADER1']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^OrderID 1; ClOrdIDs .*TRADER1 A1.*TRADER1 A2.*TRADER1 A3/);
  const kinds = lines.slice(1).map((l) => {
    const er = / OUT .*ExecutionReport\(8\).* ExecID=(\S+) .*ExecType=(\w)/.exec(l);
    if (er !== null) return `OUT ER ${er[1]} ${er[2]}`;
    const inbound = / IN +\S+ (#\d+)/.exec(l);
    if (inbound !== null) return `IN ${inbound[1]}`;
    const journal = / JOURNAL seq \d+ (\w+)/.exec(l);
    if (journal !== null) return `JOURNAL ${journal[1]}`;
    const engine = / ENGINE +seq \d+ (\w+ \S+ \w+)/.exec(l);
    return engine === null ? l : `ENGINE ${engine[1]}`;
  });
  assert.deepEqual(kinds, [
    'IN #2', 'JOURNAL NewOrder', 'ENGINE exec 1.1 New', 'OUT ER 1.1 0',
    'JOURNAL NewOrder', 'ENGINE exec 2.3 Trade', 'ENGINE trade 1 40', 'OUT ER 2.3 F',
    'IN #3', 'JOURNAL Replace', 'ENGINE exec 3.1 Replaced', 'OUT ER 3.1 5',
    'JOURNAL NewOrder', 'ENGINE exec 4.3 Trade', 'ENGINE trade 2 30', 'OUT ER 4.3 F',
    'IN #4', 'JOURNAL Cancel', 'ENGINE exec 5.1 Canceled', 'OUT ER 5.1 4',
  ]);
  assert.match(lines[9]!, / IN +FIX\.4\.4:FIXGW->TRADER1 #3 OrderCancelReplaceRequest\(G\) ClOrdID=A2 OrigClOrdID=A1 /);
  assert.match(lines[17]!, / IN +FIX\.4\.4:FIXGW->TRADER1 #4 OrderCancelRequest\(F\) ClOrdID=A3 OrigClOrdID=A2 /);
});

test('audit verify on the real gateway\'s files finds a removed fill report', () => {
  const dir = copyDir(dataDir, 'e2e-missing');
  const file = path.join(dir, 'log', 'FIX.4.4-FIXGW-TRADER1.messages.log');
  const lines = logLines(file);
  const i = lines.findIndex((l) => l.includes(' OUT ') && l.includes('\x0117=2.3\x01'));
  assert.ok(i >= 0);
  lines.splice(i, 1);
  writeLines(file, lines);
  const r = runCli(['audit', 'verify', '--data-dir', dir]);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stdout, /error seq-gap: FIX\.4\.4:FIXGW->TRADER1: MsgSeqNum 3 is missing/);
  assert.match(r.stdout, /journal-\d{20}\.log@seq 2: error er-missing: engine report ExecID 2\.3 .* was sent as MsgSeqNum 3/);
});

test('audit stats and show read the real gateway\'s logs', () => {
  const stats = runCli(['audit', 'stats', '--data-dir', dataDir, '--json']);
  assert.equal(stats.status, 0, stats.stderr);
  const s = JSON.parse(stats.stdout) as { byType: Record<string, { IN: number; OUT: number }>; latency: Record<string, { count: number }>; rejects: Record<string, number> };
  assert.equal(s.byType['D']!.IN, 4);
  assert.equal(s.latency['NewOrderSingle(D)']!.count, 4);
  assert.equal(s.rejects['OUT ExecutionReport(8) 103=1 UNKNOWN_SYMBOL'], 2, JSON.stringify(s.rejects)); // the owner's and the drop copy
  const show = runCli(['audit', 'show', '--data-dir', dataDir, '--session', 'TRADER1', '--clordid', 'A2', '--msgtype', '8', '--fields']);
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /^\d{8}-[\d:.]+ OUT FIX\.4\.4:FIXGW->TRADER1 #\d+ ExecutionReport\(8\) ClOrdID=A2 OrigClOrdID=A1 /m);
  assert.match(show.stdout, /^ {4}ExecType\(150\)=5 \(REPLACED\)$/m);
  assert.match(show.stdout, /^ {4}OrdStatus\(39\)=1 \(PARTIALLY_FILLED\)$/m);
});

test('audit verify --config takes the data directory and engine config from the gateway\'s settings file', () => {
  const cfg = path.join(copyDir(dataDir, 'e2e-cfg'), 'gateway.cfg');
  fs.writeFileSync(cfg, `${CFG.replace('[DEFAULT]', `[DEFAULT]\nDataDirectory=${path.dirname(cfg)}\nEngineConfig=${ENGINE_CONFIG}`)}`);
  const r = runCli(['audit', 'verify', '--config', cfg]);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /^CLEAN: \d+ messages in 3 file\(s\); 0 error\(s\), 0 warning\(s\); journal: 9 commands, 10 engine reports, 10 logged reports matched/);
});
