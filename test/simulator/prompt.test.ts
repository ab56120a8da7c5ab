// `fixgw sim connect` as a person at a terminal meets it: a gateway that logs it out and comes back, the one-line
// ExecutionReport summaries and the `verbose` toggle, the prompt drawn again under a message that arrives while
// one types (a real pseudo-terminal, from util-linux `script`), and the defaults (127.0.0.1:9876, FIXGW) or a
// gateway .cfg (--config) saying where to connect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, Prompt, runCli } from './support.js';
import { freePort, gatewayCfg, serve } from '../support/served.js';

test('after the gateway logs the simulator out, connect just works again, and a later refusal is not explained by the old Logout', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-sim-'));
  const port = await freePort();
  let gw = await serve(dir, port);
  const prompt = new Prompt(['--port', String(port), '--sender', 'BACKAGAIN']);
  try {
    await prompt.waitFor(/^logged on BACKAGAIN -> FIXGW at 127\.0\.0\.1:\d+/);
    gw.proc.kill('SIGTERM');
    assert.equal(await gw.exited, 0);
    await prompt.waitFor(/^disconnected \(Logout: Gateway shutting down\); type connect to log on again, or quit$/);
    prompt.send('connect');
    await until('the refusal', () => prompt.stderr.includes('error: '), () => prompt.stderr);
    assert.match(prompt.stderr, /^error: BACKAGAIN->FIXGW: cannot connect to 127\.0\.0\.1:\d+: connection refused/m);
    assert.doesNotMatch(prompt.stdout + prompt.stderr, /already connected|logon refused: Gateway shutting down/);
    gw = await serve(dir, port);
    prompt.send('connect');
    await prompt.waitFor(/^logged on BACKAGAIN -> FIXGW/, 2);
    prompt.send('buy 1 IBM @ 180.00 id=AGAIN1');
    await prompt.waitFor(/^<- ExecutionReport #\d+ 0:NEW 0:NEW IBM 1:BUY cum\/leaves 0\/1 ClOrdID=AGAIN1$/);
    prompt.send('quit');
    assert.equal(await prompt.exit(), 0);
  } finally {
    prompt.child.kill();
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ExecutionReports print as one line by default; verbose toggles every field (and back)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-sim-'));
  const gw = await serve(dir, 0);
  const seller = new Prompt(['--port', String(gw.fixPort), '--sender', 'SUMSELL']);
  const buyer = new Prompt(['--port', String(gw.fixPort), '--sender', 'SUMBUY']);
  try {
    await seller.waitFor(/^logged on/);
    await buyer.waitFor(/^logged on/);
    seller.send('sell 10 GOOG @ 171.00 id=SS1');
    await seller.waitFor(/^<- ExecutionReport #2 0:NEW 0:NEW GOOG 2:SELL cum\/leaves 0\/10 ClOrdID=SS1$/);
    buyer.send('buy 4 GOOG @ 171.00 ioc id=SB1');
    await buyer.waitFor(/^<- ExecutionReport #\d+ F:TRADE 2:FILLED GOOG 1:BUY 4@171\.00 cum\/leaves 4\/0 ClOrdID=SB1$/);
    await seller.waitFor(/^<- ExecutionReport #3 F:TRADE 1:PARTIALLY_FILLED GOOG 2:SELL 4@171\.00 cum\/leaves 4\/6 ClOrdID=SS1$/);
    buyer.send('buy 1 NOPE @ 1 id=SB2');
    await buyer.waitFor(/^<- ExecutionReport #\d+ 8:REJECTED 8:REJECTED NOPE 1:BUY cum\/leaves 0\/0 ClOrdID=SB2 OrdRejReason=1:UNKNOWN_SYMBOL Text="unknown symbol NOPE"$/);
    seller.send('verbose');
    await seller.waitFor(/^verbose: every field of every message/);
    seller.send('cancel SS1 id=SS2');
    await seller.waitFor(/^<- ExecutionReport\(8\) #4 OrderID\(37\)=\d+ ClOrdID\(11\)=SS2 OrigClOrdID\(41\)=SS1 .*ExecType\(150\)=4:CANCELED OrdStatus\(39\)=4:CANCELED/);
    seller.send('verbose');
    await seller.waitFor(/^verbose off: ExecutionReports as one-line summaries/);
    seller.send('sell 1 GOOG @ 172.00 id=SS3');
    await seller.waitFor(/^<- ExecutionReport #5 0:NEW 0:NEW GOOG 2:SELL cum\/leaves 0\/1 ClOrdID=SS3$/);
    seller.send('quit');
    buyer.send('quit');
    assert.equal(await seller.exit(), 0);
    assert.equal(await buyer.exit(), 0);
  } finally {
    seller.child.kill();
    buyer.child.kill();
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `fixgw sim connect` on a pseudo-terminal (util-linux `script`), so readline runs as it does for a person. */
function onTerminal(args: string[]): { write: (text: string) => void; output: () => string; exited: Promise<number | null> } {
  const command = [process.execPath, cli, 'sim', 'connect', '--timeout', '30', ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, TERM: 'xterm', NO_COLOR: '1' } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return { write: (text) => child.stdin.write(text), output: () => out, exited: new Promise((resolve) => child.on('close', resolve)) };
}

/** The terminal output without its control sequences (cursor moves, clears), as far as the eye cares. */
function visible(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

async function until(what: string, cond: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; terminal output:\n${JSON.stringify(output())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('on a terminal, a report that arrives while one types is printed above the prompt, which is drawn again with the typing', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-sim-'));
  const gw = await serve(dir, 0);
  const term = onTerminal(['--port', String(gw.fixPort), '--sender', 'TTYSELL']);
  const buyer = new Prompt(['--port', String(gw.fixPort), '--sender', 'TTYBUY']);
  try {
    await until('the prompt', () => term.output().includes('TTYSELL> '), term.output);
    term.write('sell 5 MSFT @ 421.00 id=T1\r');
    await until('the ack', () => /ExecutionReport #2 0:NEW 0:NEW MSFT/.test(term.output()), term.output);
    await until('the next prompt', () => visible(term.output()).endsWith('TTYSELL> '), term.output);
    term.write('buy 7 MS'); // typed, not sent
    await until('the echo of the typing', () => visible(term.output()).endsWith('TTYSELL> buy 7 MS'), term.output);
    await buyer.waitFor(/^logged on/);
    buyer.send('buy 2 MSFT @ 421.00 ioc');
    await until('the fill', () => /F:TRADE 1:PARTIALLY_FILLED MSFT 2:SELL 2@421\.00/.test(term.output()), term.output);
    await until('the prompt drawn again', () => visible(term.output()).endsWith('TTYSELL> buy 7 MS'), term.output);
    const screen = term.output();
    const fill = screen.lastIndexOf('<- ExecutionReport #3 F:TRADE');
    // the line with the prompt and the typing is cleared (ESC[2K, then the cursor to column 1) before the report,
    // and drawn again, typing included, on the line under it
    assert.ok(screen.slice(0, fill).endsWith('\x1b[2K\x1b[1G'), JSON.stringify(screen.slice(fill - 40, fill)));
    assert.match(visible(screen.slice(fill)), /^<- ExecutionReport #3 F:TRADE 1:PARTIALLY_FILLED MSFT 2:SELL 2@421\.00 cum\/leaves 2\/3 ClOrdID=T1\r?\nTTYSELL> buy 7 MS$/);
    term.write('\x15quit\r'); // Ctrl-U clears the typing
    assert.equal(await term.exited, 0, term.output());
    buyer.send('quit');
    assert.equal(await buyer.exit(), 0);
  } finally {
    buyer.child.kill();
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without options the simulator looks for the gateway at 127.0.0.1:9876 as FIXGW; --config takes both from the gateway .cfg', async () => {
  // Whether or not something listens on 9876 here, the address it tried is in what it says.
  const plain = await runCli(['sim', 'connect', '--timeout', '3'], { input: 'quit\n' });
  assert.match(plain.stdout + plain.stderr, /127\.0\.0\.1:9876/);
  assert.match(plain.stdout + plain.stderr, /SIM(->| -> )FIXGW/);
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-sim-'));
  const fixPort = await freePort();
  const cfg = gatewayCfg({ SocketAcceptPort: fixPort, SenderCompID: 'OTHERGW' });
  const gw = await serve(dir, fixPort, { cfg });
  try {
    writeFileSync(path.join(dir, 'client-view.cfg'), cfg);
    const r = await runCli(['sim', 'connect', '--config', path.join(dir, 'client-view.cfg'), '--timeout', '30'], { input: 'buy 1 AAPL @ 190\nwait 300\nquit\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^logged on SIM -> OTHERGW at 127\\.0\\.0\\.1:${fixPort} `, 'm'));
    assert.match(r.stdout, /^<- ExecutionReport #2 0:NEW 0:NEW AAPL 1:BUY/m);
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
