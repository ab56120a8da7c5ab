// Security settings end to end through `fixgw serve`: TLS for FIX, passwords kept out of every file and
// log, connection limits per source address, LogonTimeout, the dynamic-session bound, and running out of
// file descriptors without crashing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Client } from '../gateway/support.js';
import { RawClient, waitFor } from '../support/fix-harness.js';
import { kill, serve, SERVE_CFG } from '../support/served.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

function withDefaults(lines: string): string {
  return SERVE_CFG.replace('[SESSION]', `${lines}\n[SESSION]`);
}

async function logonRaw(port: number, compId: string, extra: Array<[number, string]> = []): Promise<RawClient> {
  const c = await RawClient.connect(port);
  c.send('A', 1, [[98, '0'], [108, '30'], [141, 'Y'], ...extra], { sender: compId });
  return c;
}

test('through fixgw serve, SocketUseSSL=Y speaks FIX over TLS only, a wrong password is refused, and no password reaches any file or log', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-sec-'));
  const password = 'pw-Secret-4711';
  const cfg = withDefaults([
    'SocketUseSSL=Y',
    `SocketPrivateKeyFile=${path.join(fixtures, 'tls-key.pem')}`,
    `SocketCertificateFile=${path.join(fixtures, 'tls-cert.pem')}`,
    `Password=${password}`,
  ].join('\n'));
  const gw = await serve(dir, 0, { cfg });
  const clients: Client[] = [];
  try {
    const good = await Client.logon(gw.fixPort, 'TLSGOOD', { tls: { rejectUnauthorized: false }, password });
    clients.push(good);
    good.order('T1', { symbol: 'IBM', side: '1', qty: '5', price: '180.00' });
    assert.equal((await good.reports('T1'))[0]!.get(150), '0');

    const bad = new Client(gw.fixPort, 'TLSBAD', { tls: { rejectUnauthorized: false }, password: 'wrong-password' });
    clients.push(bad);
    const logout = await bad.next('5', () => true, 1, 10_000);
    assert.match(logout.get(58) ?? '', /Invalid username or password/);
    assert.equal(bad.session.isLoggedOn, false);

    // A client speaking plain TCP to the TLS port gets no FIX message back: the handshake fails and it is closed.
    const plain = await RawClient.connect(gw.fixPort);
    plain.send('A', 1, [[98, '0'], [108, '30'], [554, password]], { sender: 'PLAIN' });
    await waitFor('plain TCP connection closed', () => plain.closed, 10_000);
    assert.deepEqual(plain.received, []);

    for (const c of clients) await c.stop();
    clients.length = 0;
    assert.equal(await kill(gw, 'SIGTERM'), 0);
    let sawMaskedPassword = false;
    for (const file of filesUnder(dir).filter((f) => f !== path.join(dir, 'gateway.cfg'))) {
      const text = readFileSync(file).toString('latin1');
      assert.ok(!text.includes(password), `${path.relative(dir, file)} contains the password`);
      const base64 = [...text.matchAll(/ (?:IN|OUT)64 (\S+)/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('latin1')).join('\n');
      assert.ok(!base64.includes(password), `${path.relative(dir, file)} contains the password in base64`);
      if (/554=\*{14}\x01/.test(text) || /554=\*{14}\x01/.test(base64)) sawMaskedPassword = true;
    }
    assert.ok(sawMaskedPassword, 'the message log shows the Logon with 554 masked');
    assert.ok(!gw.output().includes(password), 'the process log does not contain the password');
  } finally {
    for (const c of clients) await c.stop().catch(() => undefined);
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MaxConnectionsPerAddress closes connections beyond the limit at once, and LogonTimeout closes a silent one', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-sec-'));
  const gw = await serve(dir, 0, { cfg: withDefaults('MaxConnectionsPerAddress=3\nLogonTimeout=1') });
  const sockets: net.Socket[] = [];
  try {
    const closedAt = new Map<number, number>();
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) {
      const sock = net.connect({ host: '127.0.0.1', port: gw.fixPort });
      sock.on('error', () => undefined);
      sock.on('close', () => closedAt.set(i, Date.now() - t0));
      sockets.push(sock);
      await new Promise((r) => sock.once('connect', r));
      await sleep(20);
    }
    await waitFor('the two connections over the limit closed', () => closedAt.has(3) && closedAt.has(4), 2000);
    assert.ok(closedAt.get(4)! < 800, 'over the limit: closed at once');
    await waitFor('silent connections closed by LogonTimeout', () => closedAt.size === 5, 5000);
    assert.ok(closedAt.get(0)! >= 900, `a silent connection within the limit waits LogonTimeout (closed after ${closedAt.get(0)} ms)`);
    assert.match(gw.output(), /more than 3 open connections/);
    assert.match(gw.output(), /no Logon within 1000 ms/);
    // The slots are free again: a real client logs on.
    const c = await Client.logon(gw.fixPort, 'AFTERLIMIT');
    await c.stop();
  } finally {
    for (const s of sockets) s.destroy();
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('MaxDynamicSessions refuses a Logon for one CompID more with a Logout while all are connected; a logged-out one makes room', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-sec-'));
  const gw = await serve(dir, 0, { cfg: withDefaults('MaxDynamicSessions=3') });
  const held: RawClient[] = [];
  try {
    for (const id of ['DYN1', 'DYN2', 'DYN3']) {
      const c = await logonRaw(gw.fixPort, id);
      await c.next('A');
      held.push(c);
    }
    const extra = await logonRaw(gw.fixPort, 'DYN4');
    await waitFor('DYN4 refused', () => extra.closed, 5000);
    assert.deepEqual(extra.received.map((m) => [m.msgType, m.get(58)]), [['5', 'Logon refused: no capacity for another session now']]);
    assert.match(gw.output(), /more than 3 dynamic sessions/);
    held.shift()!.close(); // DYN1 goes: its session may be released for DYN4 (once the gateway has seen it go)
    let loggedOn = false;
    for (const deadline = Date.now() + 10_000; !loggedOn && Date.now() < deadline; await sleep(100)) {
      const again = await logonRaw(gw.fixPort, 'DYN4');
      await waitFor('DYN4 answered', () => again.received.length > 0 || again.closed, 5000);
      loggedOn = again.received.some((m) => m.msgType === 'A');
      again.close();
    }
    assert.ok(loggedOn, 'DYN4 logged on in the place DYN1 left');
  } finally {
    for (const c of held) c.close();
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('out of file descriptors, a Logon for a new CompID is refused and the gateway keeps serving its sessions', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-sec-'));
  const gw = await serve(dir, 0, { fileDescriptorsMax: 160 });
  const trader = await Client.logon(gw.fixPort, 'FDTRADER');
  try {
    let refused = 0;
    for (let i = 0; i < 60; i++) {
      const c = await logonRaw(gw.fixPort, `FDFLOOD${i}`);
      await waitFor('answered or closed', () => c.closed || c.received.length > 0, 5000);
      if (c.received.some((m) => m.msgType === '5' && /no capacity/.test(m.get(58) ?? ''))) refused++;
      c.close();
      assert.equal(gw.proc.exitCode, null, `gateway exited:\n${gw.output().slice(-2000)}`);
    }
    assert.ok(refused > 0, 'some Logons were refused for lack of file descriptors');
    assert.match(gw.output(), /Out of file descriptors: new connections and Logons refused/);
    trader.order('FD1', { symbol: 'IBM', side: '1', qty: '1', price: '180.00' });
    assert.equal((await trader.reports('FD1'))[0]!.get(150), '0');
  } finally {
    await trader.stop();
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('HttpsPrivateKeyFile and HttpsCertificateFile serve the HTTP API over HTTPS and the tap over WSS, and nothing in clear', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-sec-'));
  const gw = await serve(dir, 0, { cfg: withDefaults(
    `HttpsPrivateKeyFile=${path.join(fixtures, 'tls-key.pem')}\nHttpsCertificateFile=${path.join(fixtures, 'tls-cert.pem')}`) });
  try {
    const body = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: gw.httpPort, path: '/api/v1/book/IBM', rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (b: Buffer) => { text += b.toString(); });
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      }).on('error', reject);
    });
    assert.match(body, /^200 \{"symbol":"IBM"/);
    await assert.rejects(fetch(`http://127.0.0.1:${gw.httpPort}/health`), 'plain HTTP is not served');
    const ws = new WebSocket(`wss://127.0.0.1:${gw.httpPort}/ws`, { rejectUnauthorized: false });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol: 'IBM' })));
      ws.once('message', (data: Buffer) => resolve(data.toString()));
      ws.once('error', reject);
    });
    assert.match(first, /"type":"subscribed"/);
    ws.close();
  } finally {
    gw.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
