// `fixgw sim` as a user meets it: argument errors, unreachable hosts, and the three modes against the
// echo acceptance server (QuickFIX's "at" acceptor: CompID ISLD, clients TW/TW44, echoes NewOrderSingle).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAcceptanceServer } from '../../src/cli/acceptance-server.js';
import type { Acceptor } from '../../src/session/acceptor.js';
import { runCli, tempDir, Prompt } from './support.js';

/** A port nobody listens on: bind, read it back, close. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

// One echo server for the tests below (it resets sequence numbers on every Logon).
let server: Acceptor;
before(async () => { server = await startAcceptanceServer({ port: 0 }); });
after(async () => { await server.stop(500); });

test('bad arguments get a clear message and exit code 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['sim', 'connect', '--port', 'abc'], /expected a port number 1\.\.65535/],
    [['sim', 'connect', '--port', '5001', '--sender', 'A B'], /'A B' is not a CompID/],
    [['sim', 'load', '--port', '5001', '--sessions', '0'], /--sessions must be a whole number >= 1/],
    [['sim', 'load', '--port', '5001', '--rate', '100', '--window', '5'], /option '--rate <orders\/s>' cannot be used with option '--window <n>'/],
    [['sim', 'load', '--port', '5001', '--mix', 'maker=1,whale=2'], /--mix: 'whale=2' is not maker=N or taker=N/],
    [['sim', 'load', '--port', '5001', '--qty', '10-5'], /--qty must be MIN-MAX/],
    [['sim', 'load', '--port', '5001', '--symbols', 'AAPL:abc'], /mid price 'abc' of AAPL is not a decimal/],
    [['sim', 'run', '--port', '5001', '/no/such/file.yaml'], /\/no\/such\/file\.yaml: no such file or directory/],
    [['sim', 'run', '--port', '5001'], /missing required argument 'scenario'/],
    [['sim', 'frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
  }
});

test('an unreachable host is reported with the cause and exit code 3 in every mode', async () => {
  const port = String(await closedPort());
  const scenarioDir = tempDir();
  try {
    const file = path.join(scenarioDir, 's.yaml');
    writeFileSync(file, 'sessions: { a: { sender: A } }\nsteps:\n  - buy 1 AAPL @ 1\n');
    const connect = await runCli(['sim', 'connect', '--port', port]);
    assert.equal(connect.code, 3);
    assert.match(connect.stderr, /^error: SIM->FIXGW: cannot connect to 127\.0\.0\.1:\d+: connection refused .*\[ECONNREFUSED\]/);
    const run = await runCli(['sim', 'run', '--port', port, file]);
    assert.equal(run.code, 3);
    assert.match(run.stdout, /FAILED before the first step: A->FIXGW: cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    const load = await runCli(['sim', 'load', '--port', port, '--orders', '10', '--json', '--symbols', 'AAPL:190']);
    assert.equal(load.code, 3);
    assert.match(load.stderr, /error: SIM1->FIXGW: cannot connect to .*connection refused/);
    // without mid prices it first asks the gateway's HTTP server for them
    const prices = await runCli(['sim', 'load', '--port', port, '--http-url', `http://127.0.0.1:${port}`, '--orders', '10', '--json']);
    assert.equal(prices.code, 3);
    assert.match(prices.stderr, new RegExp(`^error: cannot read the instruments' prices from http://127\\.0\\.0\\.1:${port}/api/v1/instruments: .*; or give mid prices here`));
    const badHost = await runCli(['sim', 'connect', '--host', 'no-such-host.invalid', '--port', port]);
    assert.equal(badHost.code, 3);
    assert.match(badHost.stderr, /cannot connect to no-such-host\.invalid:\d+: host (not found|name lookup failed)/);
  } finally {
    rmSync(scenarioDir, { recursive: true, force: true });
  }
});

test('a Logon the acceptor will not answer is reported with the CompIDs and exit code 3', async () => {
  const r = await runCli(['sim', 'connect', '--port', String(server.port), '--sender', 'NOPE', '--target', 'ISLD']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^error: NOPE->ISLD: 127\.0\.0\.1:\d+ closed the connection without answering the Logon \(does it know SenderCompID NOPE and TargetCompID ISLD\?\)$/m);
});

test('connect: orders and raw FIX from stdin go out, echoes come back decoded, --log writes the session log', async () => {
  const logDir = tempDir();
  try {
    const prompt = new Prompt(['--port', String(server.port), '--sender', 'TW', '--target', 'ISLD', '--log', logDir]);
    await prompt.waitFor(/^logged on TW -> ISLD at 127\.0\.0\.1:\d+/);
    prompt.send('buy 100 AAPL @ 190.5 ioc id=A1');
    const [echo] = await prompt.waitFor(/^<- NewOrderSingle\(D\) #2 ClOrdID\(11\)=A1 /);
    assert.match(echo!, /Price\(44\)=190\.5 Side\(54\)=1:BUY Symbol\(55\)=AAPL TimeInForce\(59\)=3:IMMEDIATE_OR_CANCEL/);
    prompt.send('raw 35=B|148=hello|33=1|58=hello');
    await prompt.waitFor(/^<- BusinessMessageReject\(j\) #3 RefSeqNum\(45\)=3 Text\(58\)=Unsupported Message Type .*BusinessRejectReason\(380\)=3:UNSUPPORTED_MESSAGE_TYPE/);
    prompt.send('buy lots AAPL');
    await prompt.waitFor(/^error: quantity 'lots' is not a positive decimal/);
    prompt.send('quit');
    assert.equal(await prompt.exit(), 0);
    assert.match(prompt.stdout, /^-> Logout\(5\)/m);
    assert.match(prompt.stdout, /^<- Logout\(5\)/m);
    const messages = readFileSync(path.join(logDir, readdirSync(logDir).find((f) => f.endsWith('.messages.log'))!), 'latin1');
    assert.match(messages, / OUT 8=FIX\.4\.4\x019=\d+\x0135=D\x01.*\x0111=A1\x01/);
    assert.match(messages, / IN 8=FIX\.4\.4\x019=\d+\x0135=j\x01/);
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
});

test('run: a failed expectation stops the scenario with exit 1 and a field-by-field diff with the file line', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'echo.yaml');
    writeFileSync(file, [
      'name: echo check',
      'target: ISLD',
      'sessions:',
      '  tw: { sender: TW }',
      'steps:',
      '  - buy 100 AAPL @ 190.50 id=E1',
      '  - expect 35=D 11=E1 44=190.5 38=100',
      '  - sell 7 IBM @ 180 id=E2',
      '  - expect 35=D 11=E2 54=1 38=7.0 !59',
      '  - buy 1 IBM @ 1 id=E3',
      '',
    ].join('\n'));
    const r = await runCli(['sim', 'run', '--port', String(server.port), file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}ok +2 tw: expect 35=D 11=E1 44=190\.5 38=100$/m);
    assert.match(r.stdout, /^ {2}FAIL +4 tw: expect 35=D 11=E2 54=1 38=7\.0 !59$/m);
    assert.match(r.stdout, new RegExp(`FAILED at step 4 \\(${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:9\\): the next message on 'tw' does not match \\(tags 54\\)`));
    assert.match(r.stdout, /received NewOrderSingle \(35=D, 34=3\):/);
    assert.match(r.stdout, /FAIL\s+54\s+Side\s+1 \(BUY\)\s+2 \(SELL\)/);
    assert.match(r.stdout, /ok\s+38\s+OrderQty\s+7\.0\s+7/);
    assert.doesNotMatch(r.stdout, /step 5/);
    const json = await runCli(['sim', 'run', '--json', '--port', String(server.port), file]);
    const result = JSON.parse(json.stdout.trim()) as { passed: boolean; stepsRun: number; failure: { step: { index: number; line: number }; diff: string } };
    assert.equal(json.code, 1);
    assert.equal(result.passed, false);
    assert.equal(result.stepsRun, 4);
    assert.equal(result.failure.step.line, 9);
    assert.match(result.failure.diff, /FAIL\s+54/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: an expectation that nothing answers fails after timeoutMs, naming the session state', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'silent.yaml');
    // The echo server only echoes D, d and C: a cancel request gets a BusinessMessageReject, then nothing more.
    writeFileSync(file, 'target: ISLD\ntimeoutMs: 300\nsessions: { tw: { sender: TW } }\nsteps:\n  - cancel X1 AAPL buy\n  - expect 35=j 380=3\n  - expect 35=8\n');
    const r = await runCli(['sim', 'run', '--port', String(server.port), file]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAILED at step 3 .*: no message arrived on 'tw' within 300 ms \(session still logged on\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run: values captured with TAG=$name are used by later steps; an unset one fails the step', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'vars.yaml');
    writeFileSync(file, [
      'target: ISLD',
      'sessions: { tw: { sender: TW } }',
      'steps:',
      '  - buy 3 IBM @ 180 id=V1',
      '  - expect 35=D 11=$first 55=$sym',
      '  - sell 2 $sym @ 181 id=$first-again',
      '  - expect 35=D 11=V1-again 55=IBM 54=2',
      '  - buy 1 IBM @ 180 id=$never',
      '',
    ].join('\n'));
    const r = await runCli(['sim', 'run', '--port', String(server.port), file]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}ok +4 tw: expect 35=D 11=V1-again 55=IBM 54=2$/m);
    assert.match(r.stdout, /FAILED at step 5 .*: \$never is not set \(capture it first with expect TAG=\$never\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
