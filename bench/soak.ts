// Soak: `fixgw serve` as a child process with 100 FIX sessions trading and 1,000 WebSocket subscribers for N
// minutes. Prints one JSON line per interval (throughput, order→ack latency percentiles, gateway RSS / heap /
// event-loop lag / open files, WebSocket messages and delta-chain breaks) and a final summary line that says
// whether anything kept growing.
//   npm run soak -- --minutes 30 [--sessions 100] [--subscribers 1000] [--rate 500] [--interval-s 10] [--no-fsync]
//                   [--engine-config FILE]   (e.g. a smaller limits.doneOrdersMax, to see memory level off within the run)
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { Dictionary } from '../src/fix/dictionary.js';
import type { FixMessage } from '../src/fix/message.js';
import { formatUtcTimestamp } from '../src/fix/time.js';
import { DEFAULT_VALIDATION } from '../src/fix/validate.js';
import type { Application } from '../src/session/application.js';
import { Initiator } from '../src/session/initiator.js';
import { NullLog } from '../src/session/message-log.js';
import { SESSION_DEFAULTS, type Session } from '../src/session/session.js';
import { MemoryStore } from '../src/session/store.js';
import { gatewayCfg, serve, type Served } from '../harness/served.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const { values } = parseArgs({ options: {
  minutes: { type: 'string', default: '30' },
  sessions: { type: 'string', default: '100' },
  subscribers: { type: 'string', default: '1000' },
  rate: { type: 'string', default: '500' },
  'interval-s': { type: 'string', default: '10' },
  'no-fsync': { type: 'boolean', default: false },
  'engine-config': { type: 'string' },
} });
const minutes = Number(values.minutes);
const sessionsN = Number(values.sessions);
const subscribersN = Number(values.subscribers);
const ordersPerS = Number(values.rate);
const intervalS = Number(values['interval-s']);
const fsync = !values['no-fsync'];
for (const [k, v] of Object.entries({ minutes, sessionsN, subscribersN, ordersPerS, intervalS })) {
  if (!(v > 0) && !(k === 'subscribersN' && v === 0)) throw new Error(`--${k}: expected a positive number`);
}

const SYMBOLS: Array<[string, number]> = [['AAPL', 19000], ['MSFT', 42000], ['IBM', 18000], ['GOOG', 15000]];
/** Resting orders a session keeps before canceling its oldest: the book stays bounded. */
const RESTING_PER_SESSION_MAX = 20;
const LATENCY_SAMPLES_MAX = 200_000;

const CFG = gatewayCfg({
  JournalFsync: fsync ? 'Y' : 'N', MaxMessagesPerSecond: 100_000, MaxConnectionsPerAddress: sessionsN + 50,
  ...(values['engine-config'] !== undefined ? { EngineConfig: path.resolve(values['engine-config']) } : {}),
});

const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-soak-'));
// Interrupted (Ctrl-C, kill): take the gateway down with us and leave no temp data behind.
let served: Served | null = null;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    served?.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}
served = await serve(dir, 0, { cfg: CFG, env: { LOG_LEVEL: 'info' } });
const gw = served.proc;
const ports = { fixPort: served.fixPort, httpPort: served.httpPort };
const pid = served.pid;

// ---- FIX sessions ------------------------------------------------------------------------------------------
const dictionary = Dictionary.load(path.join(root, 'fix-specs/FIX44.xml'));
const sentAtMs = new Map<string, number>(); // ClOrdID → send time (bounded by the in-flight orders)
let latencies: number[] = [];
const counts = { orders: 0, cancels: 0, acks: 0, fills: 0, rejects: 0, cancelRejects: 0, businessRejects: 0 };

class SoakApp implements Application {
  fromApp(_session: Session, msg: FixMessage): void {
    if (msg.msgType === '8' || msg.msgType === '9') {
      // The first reply to an order or cancel (ExecutionReport or OrderCancelReject) is its ack.
      const id = msg.get(11) ?? '';
      const t0 = sentAtMs.get(id);
      if (t0 !== undefined) {
        sentAtMs.delete(id);
        if (latencies.length < LATENCY_SAMPLES_MAX) latencies.push(performance.now() - t0);
        counts.acks++;
      }
    }
    if (msg.msgType === '8') {
      const execType = msg.get(150);
      if (execType === 'F') counts.fills++;
      if (execType === '8') counts.rejects++;
    } else if (msg.msgType === '9') counts.cancelRejects++;
    else if (msg.msgType === 'j') counts.businessRejects++;
  }
}

interface Trader { initiator: Initiator; resting: string[]; next: number }
const traders: Trader[] = [];
for (let i = 0; i < sessionsN; i++) {
  const initiator = new Initiator({
    host: '127.0.0.1', port: ports.fixPort, dictionary, application: new SoakApp(),
    config: { ...SESSION_DEFAULTS, id: { beginString: 'FIX.4.4', senderCompId: `SOAK${i}`, targetCompId: 'FIXGW' }, initiator: true,
      validation: { ...DEFAULT_VALIDATION }, heartBtIntS: 30, persistMessages: false },
    store: new MemoryStore(Date.now()), log: new NullLog(), reconnectIntervalMs: 1000,
  });
  initiator.start();
  traders.push({ initiator, resting: [], next: 0 });
}
await Promise.all(traders.map((t) => t.initiator.waitForLogon(30_000)));

let rnd = 0x2545f491;
const random = () => { rnd ^= rnd << 13; rnd ^= rnd >>> 17; rnd ^= rnd << 5; return (rnd >>> 0) / 4294967296; };

function sendOrder(t: Trader, k: number): void {
  const s = t.initiator.session;
  if (!s.isLoggedOn) return;
  const now = formatUtcTimestamp(Date.now());
  if (t.resting.length >= RESTING_PER_SESSION_MAX) {
    const [orig, symbol] = t.resting.shift()!.split(' ') as [string, string];
    const id = `S${k}C${++t.next}`;
    sentAtMs.set(id, performance.now());
    s.send('F', [[11, id], [41, orig], [55, symbol], [54, '1'], [60, now]]);
    counts.cancels++;
    return;
  }
  const [symbol, refCents] = SYMBOLS[Math.floor(random() * SYMBOLS.length)]!;
  const side = random() < 0.5 ? '1' : '2';
  const cents = refCents + Math.floor(random() * 21) - 10;
  const id = `S${k}O${++t.next}`;
  sentAtMs.set(id, performance.now());
  s.send('D', [[11, id], [55, symbol], [54, side], [60, now], [38, String(1 + Math.floor(random() * 10))], [40, '2'], [44, (cents / 100).toFixed(2)]]);
  t.resting.push(`${id} ${symbol}`);
  counts.orders++;
}

// ---- WebSocket subscribers ---------------------------------------------------------------------------------
const ws = { connected: 0, messages: 0, bytes: 0, chainBreaks: 0, closed: 0, resyncs: 0 };
const sockets: WebSocket[] = [];
async function openSubscriber(i: number): Promise<void> {
  const sock = new WebSocket(`ws://127.0.0.1:${ports.httpPort}/ws`);
  sockets.push(sock);
  const symbol = SYMBOLS[i % SYMBOLS.length]![0];
  let lastSeq = -1;
  sock.on('message', (data: Buffer) => {
    ws.messages++;
    ws.bytes += data.length;
    const m = JSON.parse(data.toString()) as { type?: string; channel?: string; seq?: number; prevSeq?: number };
    if (m.channel !== 'book') return;
    if (m.type === 'snapshot') lastSeq = m.seq!;
    else if (m.type === 'delta') {
      if (m.prevSeq !== lastSeq) ws.chainBreaks++;
      lastSeq = m.seq!;
    } else if (m.type === 'resync') ws.resyncs++;
  });
  sock.on('close', () => { ws.connected--; ws.closed++; });
  sock.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => { sock.once('open', () => resolve()); sock.once('error', reject); });
  ws.connected++;
  sock.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol, depth: i % 3 === 0 ? 50 : 10 }));
  if (i % 2 === 0) sock.send(JSON.stringify({ op: 'subscribe', channel: 'trades', symbol }));
  if (i % 5 === 0) sock.send(JSON.stringify({ op: 'subscribe', channel: 'bbo', symbol }));
}
for (let i = 0; i < subscribersN; i += 50) await Promise.all(Array.from({ length: Math.min(50, subscribersN - i) }, (_v, k) => openSubscriber(i + k)));

// ---- load and measurement ----------------------------------------------------------------------------------
const ownLoopDelay = monitorEventLoopDelay({ resolution: 10 });
ownLoopDelay.enable();
const tickMs = 10;
let owed = 0;
let cursor = 0;
let lastTickMs = performance.now();
const loadTimer = setInterval(() => {
  // Open loop: what is owed follows the clock, not the number of timer ticks (a late tick sends more).
  const nowTick = performance.now();
  owed = Math.min(owed + (ordersPerS * (nowTick - lastTickMs)) / 1000, ordersPerS);
  lastTickMs = nowTick;
  while (owed >= 1) {
    owed--;
    cursor = (cursor + 1) % traders.length;
    sendOrder(traders[cursor]!, cursor);
  }
}, tickMs);

function procStat(): { rssMiB: number; cpuTicks: number; fds: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rssPages = Number(fields[21]);
  return { rssMiB: Math.round((rssPages * 4096) / 1048576 * 10) / 10, cpuTicks: Number(fields[11]) + Number(fields[12]),
    fds: readdirSync(`/proc/${pid}/fd`).length };
}

async function gatewayMetrics(): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${ports.httpPort}/metrics`)).text();
  const pick = (name: string) => { const m = new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text); return m ? Number(m[1]) : NaN; };
  return {
    loopLagP99Ms: Math.round(pick('nodejs_eventloop_lag_p99_seconds') * 1e4) / 10,
    loopLagMaxMs: Math.round(pick('nodejs_eventloop_lag_max_seconds') * 1e4) / 10,
    heapUsedMiB: Math.round(pick('nodejs_heap_size_used_bytes') / 104857.6) / 10,
    sessionsLoggedOn: pick('fixgw_sessions_logged_on'),
    lastSeq: pick('fixgw_engine_last_seq'),
  };
}

const pct = (sorted: number[], p: number) => sorted.length === 0 ? null : Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
const CLK_TCK = 100;
const startMs = Date.now();
const rows: Array<Record<string, number | null>> = [];
let prev = { ...counts, wsMessages: 0, cpuTicks: procStat().cpuTicks, atMs: startMs };
const endMs = startMs + minutes * 60_000;
while (Date.now() < endMs) {
  await new Promise((r) => setTimeout(r, Math.min(intervalS * 1000, endMs - Date.now())));
  const nowMs = Date.now();
  const secs = (nowMs - prev.atMs) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  latencies = [];
  const st = procStat();
  const gm = await gatewayMetrics();
  const row = {
    t_s: Math.round((nowMs - startMs) / 1000),
    orders_per_s: Math.round((counts.orders + counts.cancels - prev.orders - prev.cancels) / secs),
    acks_per_s: Math.round((counts.acks - prev.acks) / secs),
    fills_per_s: Math.round((counts.fills - prev.fills) / secs),
    ack_p50_ms: pct(sorted, 50), ack_p99_ms: pct(sorted, 99), ack_p999_ms: pct(sorted, 99.9), ack_max_ms: pct(sorted, 100),
    in_flight: sentAtMs.size,
    rejects: counts.rejects + counts.businessRejects,
    gw_rss_mib: st.rssMiB, gw_heap_used_mib: gm.heapUsedMiB!, gw_cpu_pct: Math.round(((st.cpuTicks - prev.cpuTicks) / CLK_TCK / secs) * 100),
    gw_fds: st.fds, gw_loop_lag_p99_ms: gm.loopLagP99Ms!, gw_loop_lag_max_ms: gm.loopLagMaxMs!,
    fix_sessions_logged_on: gm.sessionsLoggedOn!, engine_last_seq: gm.lastSeq!,
    ws_connected: ws.connected, ws_msgs_per_s: Math.round((ws.messages - prev.wsMessages) / secs), ws_chain_breaks: ws.chainBreaks, ws_resyncs: ws.resyncs,
    driver_loop_lag_p99_ms: Math.round(ownLoopDelay.percentile(99) / 1e4) / 100,
    load_avg_1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
  ownLoopDelay.reset();
  rows.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
  prev = { ...counts, wsMessages: ws.messages, cpuTicks: st.cpuTicks, atMs: nowMs };
  if (gw.exitCode !== null) break;
}

clearInterval(loadTimer);
/** Least-squares slope per minute of a column over the second half of the run (warm-up excluded). */
function slopePerMin(key: string): number | null {
  const half = rows.slice(Math.floor(rows.length / 2)).filter((r) => typeof r[key] === 'number');
  if (half.length < 2) return null;
  const xs = half.map((r) => r['t_s']! / 60);
  const ys = half.map((r) => r[key]!);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0; let den = 0;
  for (let i = 0; i < xs.length; i++) { num += (xs[i]! - mx) * (ys[i]! - my); den += (xs[i]! - mx) ** 2; }
  return den === 0 ? null : Math.round((num / den) * 100) / 100;
}
const alive = gw.exitCode === null;
const summary = {
  summary: true, minutes, sessions: sessionsN, subscribers: subscribersN, target_orders_per_s: ordersPerS, fsync,
  gateway_alive: alive,
  orders: counts.orders, cancels: counts.cancels, acks: counts.acks, fills: counts.fills,
  rejects: counts.rejects, cancel_rejects: counts.cancelRejects, business_rejects: counts.businessRejects,
  unanswered_at_end: sentAtMs.size,
  ack_p99_ms_max_interval: Math.max(...rows.map((r) => r['ack_p99_ms'] ?? 0)),
  gw_rss_mib_first: rows[0]?.['gw_rss_mib'] ?? null, gw_rss_mib_last: rows[rows.length - 1]?.['gw_rss_mib'] ?? null,
  gw_rss_mib_per_min_2nd_half: slopePerMin('gw_rss_mib'),
  gw_heap_mib_per_min_2nd_half: slopePerMin('gw_heap_used_mib'),
  gw_fds_per_min_2nd_half: slopePerMin('gw_fds'),
  gw_loop_lag_p99_ms_max: Math.max(...rows.map((r) => r['gw_loop_lag_p99_ms'] ?? 0)),
  ws_msgs: ws.messages, ws_chain_breaks: ws.chainBreaks, ws_resyncs: ws.resyncs, ws_closed: ws.closed,
  journal_mib: Math.round(readdirSync(path.join(dir, 'data', 'journal')).reduce((n, f) => n + statSync(path.join(dir, 'data', 'journal', f)).size, 0) / 104857.6) / 10,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);

for (const s of sockets) s.terminate();
await Promise.all(traders.map((t) => t.initiator.stop(500).catch(() => undefined)));
gw.kill('SIGTERM');
await new Promise((r) => gw.once('exit', r));
rmSync(dir, { recursive: true, force: true });
process.exit(alive ? 0 : 1);
