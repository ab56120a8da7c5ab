// Hostile input on the market-data WebSocket (/ws) of a live `fixgw serve`: malformed JSON and frames,
// protocol violations on the raw socket, oversized frames, subscription and connection floods. Throughout,
// a well-behaved subscriber keeps an unbroken delta chain while a FIX client trades, and RSS stays bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { Client } from '../gateway/support.js';
import { waitFor } from '../support/fix-harness.js';
import { rssBytes, seededRandom, serve, type Served } from '../support/served.js';

const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const RSS_MAX_BYTES = 400 * 1024 * 1024;
type Msg = Record<string, unknown>;

class Feed {
  readonly messages: Msg[] = [];
  closeCode: number | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => { this.messages.push(JSON.parse(data.toString()) as Msg); });
    ws.on('close', (code) => { this.closeCode = code; });
    ws.on('error', () => undefined);
  }
  static async open(port: number): Promise<Feed> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    return new Feed(ws);
  }
  async next(pred: (m: Msg) => boolean, timeoutMs = 5000): Promise<Msg> {
    let found: Msg | undefined;
    await waitFor('ws message', () => (found = this.messages.find(pred)) !== undefined, timeoutMs);
    this.messages.splice(this.messages.indexOf(found!), 1);
    return found!;
  }
}

/** Opens /ws on a raw socket (client handshake by hand) so the test can send frames ws would never produce. */
async function rawUpgrade(port: number): Promise<{ sock: net.Socket; data: () => Buffer; closed: () => boolean }> {
  const sock = net.connect({ host: '127.0.0.1', port });
  let buf = Buffer.alloc(0);
  let closed = false;
  sock.on('data', (b: Buffer) => { buf = Buffer.concat([buf, b]); });
  sock.on('close', () => { closed = true; });
  sock.on('error', () => { closed = true; });
  await new Promise((r) => sock.once('connect', r));
  sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await waitFor('101 Switching Protocols', () => buf.includes('\r\n\r\n'), 5000);
  assert.match(buf.toString('latin1'), /^HTTP\/1\.1 101/);
  buf = buf.subarray(buf.indexOf('\r\n\r\n') + 4);
  return { sock, data: () => buf, closed: () => closed };
}

/** The close code in a server close frame (opcode 8) in `buf`, or null. */
function closeCodeIn(buf: Buffer): number | null {
  for (let i = 0; i + 3 < buf.length; i++) if (buf[i] === 0x88 && buf[i + 1]! >= 2 && buf[i + 1]! < 126) return buf.readUInt16BE(i + 2);
  return null;
}

function maskedFrame(opcode: number, payload: Buffer, opts: { fin?: boolean; rsv?: number; mask?: boolean } = {}): Buffer {
  const fin = opts.fin ?? true;
  const head = [(fin ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opcode];
  const mask = opts.mask ?? true;
  const len = payload.length;
  if (len < 126) head.push((mask ? 0x80 : 0) | len);
  else { head.push((mask ? 0x80 : 0) | 126, len >> 8, len & 0xff); }
  const key = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([Buffer.from(head), mask ? key : Buffer.alloc(0), body]);
}

test('hostile WebSocket input gets error replies or the close code RFC 6455 names, and a well-behaved subscriber is not disturbed', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-wsfuzz-'));
  let gw: Served | undefined;
  const rnd = seededRandom(SEED);
  let trader: Client | undefined;
  let tradeTimer: NodeJS.Timeout | undefined;
  let rssPeak = 0;
  let rssTimer: NodeJS.Timeout | undefined;
  const extra: Feed[] = [];
  try {
    gw = await serve(dir, 0);
    const http = gw.httpPort;
    const pid = gw.pid;
    rssTimer = setInterval(() => { try { rssPeak = Math.max(rssPeak, rssBytes(pid)); } catch { /* gone */ } }, 100);
    const up = () => assert.equal(gw!.proc.exitCode, null, gw!.output().slice(-2000));

    // The well-behaved subscriber, and a FIX client moving the IBM book all along.
    const calm = await Feed.open(http);
    calm.ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol: 'IBM', depth: 10 }));
    const snap = await calm.next((m) => m['type'] === 'snapshot');
    let lastSeq = snap['seq'] as number;
    let deltas = 0;
    const chainBreaks: string[] = [];
    calm.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      if (m['type'] !== 'delta') return;
      if (m['prevSeq'] !== lastSeq) chainBreaks.push(`${String(m['prevSeq'])} after ${lastSeq}`);
      lastSeq = m['seq'] as number;
      deltas++;
    });
    trader = await Client.logon(gw.fixPort, 'WSTRADER');
    let n = 0;
    tradeTimer = setInterval(() => {
      const cents = 18000 + Math.floor(rnd() * 20) - 10;
      trader!.order(`W${++n}`, { symbol: 'IBM', side: rnd() < 0.5 ? '1' : '2', qty: '1', price: (cents / 100).toFixed(2) });
    }, 20);

    await t.test('malformed JSON, binary frames, unknown ops and over-long messages get error replies; the connection stays', async () => {
      const f = await Feed.open(http);
      const bad: Array<[string | Buffer, string]> = [
        ['{"op":', 'bad_json'], ['[]', 'bad_request'], ['"subscribe"', 'bad_request'], ['{"op":"hack"}', 'unknown_op'],
        ['{"op":"subscribe","channel":"x","symbol":"IBM"}', 'unknown_channel'], ['{"op":"subscribe","channel":"book","symbol":"NOPE"}', 'unknown_symbol'],
        ['{"op":"subscribe","channel":"book","symbol":"IBM","depth":1e9}', 'bad_depth'], [Buffer.from([0xff, 0x00, 0x13]), 'bad_json'],
        [JSON.stringify({ op: 'subscribe', pad: 'x'.repeat(10_000) }), 'frame_too_large'],
      ];
      for (const [payload, code] of bad) {
        f.ws.send(payload);
        const err = await f.next((m) => m['type'] === 'error');
        assert.equal(err['code'], code, `reply to ${String(payload).slice(0, 60)}`);
      }
      f.ws.send(JSON.stringify({ op: 'ping', id: 7 }));
      assert.deepEqual(await f.next((m) => m['type'] === 'pong'), { type: 'pong', id: 7 });
      f.ws.close();
    });

    await t.test('a frame over the size limit closes the connection with 1009', async () => {
      const f = await Feed.open(http);
      f.ws.send(Buffer.alloc(200_000, 0x20));
      await waitFor('closed', () => f.closeCode !== null, 5000);
      assert.equal(f.closeCode, 1009);
    });

    await t.test('protocol violations on the raw socket (unmasked frame, reserved bits, bad opcode, fragmented control frame) close with 1002', async () => {
      const cases: Array<[string, Buffer]> = [
        ['unmasked', maskedFrame(1, Buffer.from('{"op":"ping"}'), { mask: false })],
        ['rsv bits', maskedFrame(1, Buffer.from('{}'), { rsv: 7 })],
        ['opcode 3', maskedFrame(3, Buffer.from('x'))],
        ['fragmented ping', maskedFrame(9, Buffer.from('x'), { fin: false })],
        ['continuation first', maskedFrame(0, Buffer.from('x'))],
      ];
      for (const [what, frame] of cases) {
        const r = await rawUpgrade(http);
        r.sock.write(frame);
        await waitFor(`${what}: closed`, () => r.closed() || closeCodeIn(r.data()) !== null, 5000);
        assert.equal(closeCodeIn(r.data()), 1002, what);
        r.sock.destroy();
      }
      // random junk after the handshake: closed with a protocol error, never a crash
      for (let k = 0; k < 30; k++) {
        const r = await rawUpgrade(http);
        const junk = Buffer.alloc(1 + Math.floor(rnd() * 2000));
        for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rnd() * 256);
        r.sock.write(junk);
        await new Promise((res) => setTimeout(res, 20));
        r.sock.destroy();
      }
      up();
    });

    await t.test('a subscription flood on one connection is answered within the subscription limit and costs bounded memory', async () => {
      const f = await Feed.open(http);
      const symbols = ['AAPL', 'MSFT', 'IBM', 'GOOG', 'NOPE'];
      const channels = ['book', 'trades', 'bbo', 'status'];
      for (let k = 0; k < 20_000; k++) {
        const op = rnd() < 0.6 ? 'subscribe' : 'unsubscribe';
        f.ws.send(JSON.stringify({ op, channel: channels[k % 4], symbol: symbols[Math.floor(rnd() * 5)], depth: 1 + Math.floor(rnd() * 1000) }));
      }
      f.ws.send(JSON.stringify({ op: 'ping', id: 'end' }));
      await waitFor('the flood answered (or the slow consumer cut off)', () => f.closeCode !== null || f.messages.some((m) => m['id'] === 'end'), 30_000);
      assert.ok(f.closeCode === null || f.closeCode === 1008, `closed with ${f.closeCode}`);
      assert.ok(rssBytes(pid) < RSS_MAX_BYTES);
      f.ws.close();
    });

    await t.test('500 connections subscribing at once all get their snapshot', async () => {
      const feeds = await Promise.all(Array.from({ length: 500 }, () => Feed.open(http)));
      extra.push(...feeds);
      for (const f of feeds) f.ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol: 'IBM', depth: 5 }));
      await waitFor('every snapshot', () => feeds.every((f) => f.messages.some((m) => m['type'] === 'snapshot')), 30_000);
      for (const f of feeds) f.ws.close();
      await waitFor('closed', () => feeds.every((f) => f.closeCode !== null), 10_000);
    });

    up();
    const health = await fetch(`http://127.0.0.1:${http}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(chainBreaks, [], 'the calm subscriber saw an unbroken delta chain');
    assert.ok(deltas > 10, `the calm subscriber kept receiving deltas (${deltas})`);
    assert.equal(calm.closeCode, null, 'the calm subscriber is still connected');
    assert.ok(rssPeak < RSS_MAX_BYTES, `peak RSS ${rssPeak}`);
    t.diagnostic(`ws-fuzz ${JSON.stringify({ seed: SEED, calmDeltas: deltas, peakRssMiB: Math.round(rssPeak / 1048576) })}`);
    calm.ws.close();
  } finally {
    if (tradeTimer) clearInterval(tradeTimer);
    if (rssTimer) clearInterval(rssTimer);
    for (const f of extra) f.ws.terminate();
    await trader?.stop().catch(() => undefined);
    gw?.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
