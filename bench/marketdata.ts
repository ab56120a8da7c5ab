// Market-data fan-out benchmark: the real gateway (FIX acceptor + engine, journal without fsync) with the market
// data server on it; 4 FIX sessions each keeping 100 orders in flight (4×100, closed loop, in a child process);
// N WebSocket subscribers of the AAPL book (depth 50) in another child process.
// Prints one JSON line: orders/s, md events/s, book delta messages/s received over all subscribers, and the delay
// from the engine event (sequencer listener, after the journal write) to a subscriber receiving the delta that
// carries it (every event of a conflated delta counts, from its own time), p50/p99/p99.9 in ms.
//
//   npm run bench:marketdata [-- --subscribers 1000 --seconds 8]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import hdr from 'hdr-histogram-js';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { startGateway, parseGatewaySettings } from '../src/gateway/index.js';
import { startHttpServer } from '../src/http/server.js';
import { Dictionary } from '../src/fix/dictionary.js';
import { DEFAULT_VALIDATION } from '../src/fix/validate.js';
import { formatUtcTimestamp } from '../src/fix/time.js';
import type { FixMessage } from '../src/fix/message.js';
import { Initiator } from '../src/session/initiator.js';
import { MemoryStore } from '../src/session/store.js';
import { NullLog } from '../src/session/message-log.js';
import { SESSION_DEFAULTS } from '../src/session/session.js';
import { gatewayCfg } from '../harness/served.js';

const SELF = fileURLToPath(import.meta.url);
const SYMBOL = 'AAPL';
const SESSIONS = 4;
const WINDOW = 100;
const now = (): number => performance.timeOrigin + performance.now();   // epoch ms, sub-ms, comparable across processes

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

type Msg = { t: string; [k: string]: unknown };
function waitMsg(child: ChildProcess, type: string): Promise<Msg> {
  return new Promise((resolve) => {
    const on = (m: Msg): void => { if (m.t === type) { child.off('message', on); resolve(m); } };
    child.on('message', on);
  });
}
const send = (m: Msg): void => { process.send!(m); };

// ------------------------------------------------------------------ child: WebSocket subscribers

async function subscribers(url: string, n: number): Promise<void> {
  let counting = false;
  let deltas = 0;
  let snapshots = 0;
  let resyncs = 0;
  let gaps = 0;
  const SAMPLE_EVERY = 10;
  const samples: number[] = [];   // [prevSeq, seq, recvMs] triples of every SAMPLE_EVERY-th client, while counting
  const sockets: WebSocket[] = [];
  const last = new Array<number>(n).fill(-1);
  for (let i = 0; i < n; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => new Promise<void>((resolve, reject) => {
      const id = i + k;
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.on('open', () => {
        ws.send(JSON.stringify({ op: 'subscribe', channel: 'book', symbol: SYMBOL, depth: 50 }));
      });
      ws.on('message', (data: Buffer) => {
        const t = now();
        const m = JSON.parse(data.toString());
        if (m.channel !== 'book') return;
        if (m.type === 'snapshot') { snapshots++; last[id] = m.seq; resolve(); return; }
        if (m.type === 'resync') { resyncs++; return; }
        if (m.type !== 'delta') return;
        if (m.prevSeq !== last[id]) gaps++;
        last[id] = m.seq;
        if (!counting) return;
        deltas++;
        if (id % SAMPLE_EVERY === 0) samples.push(m.prevSeq, m.seq, t);
      });
      ws.on('error', reject);
      sockets.push(ws);
    })));
  }
  send({ t: 'ready' });
  process.on('message', (m: Msg) => {
    if (m.t === 'start') { counting = true; deltas = 0; }
    if (m.t === 'stop') {
      counting = false;
      send({ t: 'report', deltas, snapshots, resyncs, gaps, samples, sampleEvery: SAMPLE_EVERY });
    }
    if (m.t === 'exit') { for (const ws of sockets) ws.terminate(); process.exit(0); }
  });
}

// ------------------------------------------------------------------ child: 4×100 FIX load

async function fixLoad(port: number): Promise<void> {
  const dictionary = Dictionary.load(fileURLToPath(new URL('../../fix-specs/FIX44.xml', import.meta.url)));
  let running = false;
  let sent = 0;
  let acked = 0;
  let seed = 12345;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000; };
  const initiators: Initiator[] = [];
  const sendOrder = (ini: Initiator, s: number): string => {
    const clOrdId = `L${s}-${++sent}`;
    const buy = rnd() < 0.5;
    const ticks = buy ? 18990 + Math.floor(rnd() * 16) : 18995 + Math.floor(rnd() * 16);
    ini.session.send('D', [[11, clOrdId], [55, SYMBOL], [54, buy ? '1' : '2'], [60, formatUtcTimestamp(Date.now())],
      [38, String(1 + Math.floor(rnd() * 10))], [40, '2'], [44, (ticks / 100).toFixed(2)]]);
    return clOrdId;
  };
  const outstandingOf: Array<Set<string>> = [];
  for (let s = 0; s < SESSIONS; s++) {
    const outstanding = new Set<string>();
    const ini: Initiator = new Initiator({
      host: '127.0.0.1', port,
      config: { ...SESSION_DEFAULTS, id: { beginString: 'FIX.4.4', senderCompId: `LOAD${s}`, targetCompId: 'FIXGW' },
        initiator: true, validation: { ...DEFAULT_VALIDATION }, heartBtIntS: 30 },
      dictionary, store: new MemoryStore(Date.now()), log: new NullLog(),
      application: {
        fromApp: (_session, msg: FixMessage) => {
          if (msg.msgType !== '8') return;
          const id = msg.get(11) ?? '';
          if (!outstanding.delete(id)) return;   // only the first report of an order is its ack
          acked++;
          if (running) outstanding.add(sendOrder(ini, s));
        },
      },
    });
    ini.start();
    await ini.waitForLogon(10_000);
    initiators.push(ini);
    outstandingOf.push(outstanding);
  }
  send({ t: 'ready' });
  process.on('message', async (m: Msg) => {
    if (m.t === 'go') {
      running = true;
      initiators.forEach((ini, s) => { for (let k = 0; k < WINDOW; k++) outstandingOf[s]!.add(sendOrder(ini, s)); });
    }
    if (m.t === 'halt') { running = false; send({ t: 'report', sent, acked }); }
    if (m.t === 'exit') { await Promise.all(initiators.map((i) => i.stop(500))); process.exit(0); }
  });
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const subscribersN = arg('subscribers', 1000);
  const seconds = arg('seconds', 8);
  const warmupS = 2;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-bench-md-'));
  const cfg = gatewayCfg({ MaxMessagesPerSecond: 1_000_000 });
  const registry = new Registry();
  const gw = await startGateway({ settings: parseGatewaySettings(cfg), fixPort: 0, host: '127.0.0.1', dataDir, fsync: false, registry });
  const conflateMaxUs = arg('conflate-max-us', 0);
  const http = await startHttpServer({ port: 0, engine: gw.engine, sequencer: gw.sequencer, registry, isReady: () => gw.ready, conflateMaxUs });
  const eventMs = new Map<number, number>();
  let measuring = false;
  let mdEvents = 0;
  let firstMeasuredSeq = Number.MAX_SAFE_INTEGER;
  gw.sequencer.onEvents((_sc, events) => {
    for (const ev of events) {
      if (ev.kind !== 'md' || ev.symbol !== SYMBOL) continue;
      eventMs.set(ev.mdSeq, now());
      if (measuring) { mdEvents++; if (ev.mdSeq < firstMeasuredSeq) firstMeasuredSeq = ev.mdSeq; }
    }
  });

  const subs = fork(SELF, ['--role', 'subscribers', `ws://127.0.0.1:${http.port}/ws`, String(subscribersN)]);
  await waitMsg(subs, 'ready');
  const load = fork(SELF, ['--role', 'fix', String(gw.fixPort)]);
  await waitMsg(load, 'ready');

  load.send({ t: 'go' });
  await new Promise((r) => setTimeout(r, warmupS * 1000));
  const ordersAtStart = gw.engine.lastSeq;
  subs.send({ t: 'start' });
  measuring = true;
  const t0 = now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsedS = (now() - t0) / 1000;
  const orders = gw.engine.lastSeq - ordersAtStart;
  const subReportP = waitMsg(subs, 'report');
  subs.send({ t: 'stop' });
  const sub = await subReportP as unknown as { deltas: number; snapshots: number; resyncs: number; gaps: number; samples: number[]; sampleEvery: number };
  const loadReportP = waitMsg(load, 'report');
  load.send({ t: 'halt' });
  await loadReportP;

  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });   // µs
  let samples = 0;
  for (let i = 0; i < sub.samples.length; i += 3) {
    const prev = sub.samples[i]!;
    const seq = sub.samples[i + 1]!;
    const recv = sub.samples[i + 2]!;
    for (let k = Math.max(prev + 1, firstMeasuredSeq); k <= seq; k++) {
      const t = eventMs.get(k);
      if (t === undefined) continue;
      h.recordValue(Math.max(1, Math.round((recv - t) * 1000)));
      samples++;
    }
  }
  const metrics = await registry.metrics();
  const metricSum = (name: string): number => metrics.split('\n').filter((l) => l.startsWith(name)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  const result = {
    bench: 'marketdata',
    subscribers: subscribersN,
    conflateMaxUs,
    load: `${SESSIONS}x${WINDOW} FIX closed loop, ${SYMBOL}, journal fsync off`,
    seconds: Number(elapsedS.toFixed(2)),
    ordersPerSec: Math.round(orders / elapsedS),
    mdEventsPerSec: Math.round(mdEvents / elapsedS),
    deltaMsgsPerSec: Math.round(sub.deltas / elapsedS),
    deltaMsgsPerSubscriberPerSec: Number((sub.deltas / elapsedS / subscribersN).toFixed(1)),
    mdEventsPerDelta: Number((mdEvents * subscribersN / Math.max(1, sub.deltas)).toFixed(2)),
    eventToClientMsP50: Number((h.getValueAtPercentile(50) / 1000).toFixed(3)),
    eventToClientMsP99: Number((h.getValueAtPercentile(99) / 1000).toFixed(3)),
    eventToClientMsP999: Number((h.getValueAtPercentile(99.9) / 1000).toFixed(3)),
    delaySamples: samples,
    resyncs: metricSum('fixgw_ws_resyncs_total'),
    drops: metricSum('fixgw_ws_drops_total'),
    clientGaps: sub.gaps,
  };
  subs.send({ t: 'exit' });
  load.send({ t: 'exit' });
  await Promise.all([new Promise((r) => subs.once('exit', r)), new Promise((r) => load.once('exit', r))]);
  await http.close();
  await gw.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(result) + '\n');
}

const role = process.argv.indexOf('--role') >= 0 ? process.argv[process.argv.indexOf('--role') + 1] : 'main';
if (role === 'subscribers') await subscribers(process.argv[4]!, Number(process.argv[5]));
else if (role === 'fix') await fixLoad(Number(process.argv[4]));
else await main();
