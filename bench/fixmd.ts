// FIX market-data benchmark: the real gateway (FIX acceptor + engine, journal without fsync) in this process; the
// project's load generator (simulator/load.ts, 4 sessions × window 100, closed loop, four symbols) in a child process;
// N FIX market-data sessions (default 100), each subscribed to the full book of the four symbols, in another.
// The load runs twice: without subscribers, then with them. Prints ONE JSON line: the delay from the engine event
// (the sequencer's listener in this process, after the journal write) to a subscriber reading the X that carries it
// (every event a conflated X covers counts, from its own time; sampled on every 10th session), p50/p99 in µs, and
// the order→ack p99 of the load without and with the subscribers.
//
//   npm run bench:fixmd [-- --subscribers 100 --orders 60000]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import hdr from 'hdr-histogram-js';
import { startGateway, parseGatewaySettings } from '../src/gateway/index.js';
import { Dictionary } from '../src/fix/dictionary.js';
import type { FixMessage } from '../src/fix/message.js';
import { Initiator } from '../src/session/initiator.js';
import { MemoryStore } from '../src/session/store.js';
import { NullLog } from '../src/session/message-log.js';
import { SESSION_DEFAULTS } from '../src/session/session.js';
import { runLoad, type LoadReport } from '../simulator/load.js';
import { gatewayCfg } from '../harness/served.js';

const SELF = fileURLToPath(import.meta.url);
const SYMBOLS = [{ symbol: 'AAPL', midTicks: 19000 }, { symbol: 'MSFT', midTicks: 42000 }, { symbol: 'IBM', midTicks: 18000 }, { symbol: 'GOOG', midTicks: 17000 }];
const SAMPLE_EVERY = 10;
/** Epoch ms with sub-ms resolution, comparable across processes. */
const now = (): number => performance.timeOrigin + performance.now();

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

// ------------------------------------------------------------------ child: the FIX market-data sessions

async function subscribers(port: number, n: number): Promise<void> {
  const dictionary = Dictionary.fromXml("<fix type='FIX' major='4' minor='4'><header/><trailer/><messages/><components/><fields><field number='35' name='MsgType' type='STRING'/></fields></fix>", 'bench: no validation');
  let counting = false;
  let xs = 0;
  let gaps = 0;
  const samples: number[] = []; // [symbol index, prevSeq, seq, recvMs] of every SAMPLE_EVERY-th session, while counting
  const initiators: Initiator[] = [];
  for (let id = 0; id < n; id++) {
    const last = new Map<string, number>();
    const ini = new Initiator({
      host: '127.0.0.1', port, dictionary, store: new MemoryStore(Date.now()), log: new NullLog(),
      config: { ...SESSION_DEFAULTS, id: { beginString: 'FIX.4.4', senderCompId: `MD${id}`, targetCompId: 'FIXGW' }, initiator: true, validation: null, heartBtIntS: 30 },
      application: {
        fromApp: (_s, msg: FixMessage) => {
          const t = now();
          const symbol = msg.get(55) ?? '';
          const seq = Number(msg.get(630));
          const prev = last.get(symbol) ?? seq;
          last.set(symbol, seq);
          if (msg.msgType !== 'X' || !counting) return;
          xs++;
          if (seq < prev) gaps++;
          if (id % SAMPLE_EVERY === 0) samples.push(SYMBOLS.findIndex((s) => s.symbol === symbol), prev, seq, t);
        },
      },
    });
    ini.start();
    initiators.push(ini);
  }
  await Promise.all(initiators.map((ini) => ini.waitForLogon(60_000)));
  initiators.forEach((ini, id) => ini.session.send('V', [[262, `SUB${id}`], [263, '1'], [264, '0'], [267, '3'], [269, '0'], [269, '1'], [269, '2'],
    [146, String(SYMBOLS.length)], ...SYMBOLS.map((s): [number, string] => [55, s.symbol])]));
  await new Promise((r) => setTimeout(r, 500));
  process.send!({ t: 'ready' });
  process.on('message', async (m: Msg) => {
    if (m.t === 'start') counting = true;
    if (m.t === 'stop') { counting = false; process.send!({ t: 'report', xs, gaps, samples }); }
    if (m.t === 'exit') { await Promise.all(initiators.map((i) => i.stop(200))); process.exit(0); }
  });
}

// ------------------------------------------------------------------ child: the 4×100 order load

async function load(port: number, orders: number, tag: string): Promise<void> {
  const report = await runLoad({
    host: '127.0.0.1', port, sender: `${tag}{i}`, target: 'FIXGW', sessions: 4, window: 100, orders, warmup: Math.min(5000, orders / 10),
    symbols: SYMBOLS, tick: '0.01', qtyMin: 1, qtyMax: 10, mix: { maker: 1, taker: 1 }, seed: 7, heartBtIntS: 30, timeoutS: 60,
    maxInFlight: 100_000, idPrefix: tag,
  });
  process.send!({ t: 'report', report });
  process.exit(0);
}

// ------------------------------------------------------------------ main

async function runLoadChild(port: number, orders: number, tag: string): Promise<LoadReport> {
  const child = fork(SELF, ['--role', 'load', String(port), String(orders), tag]);
  const m = await waitMsg(child, 'report');
  await new Promise((r) => child.once('exit', r));
  return m.report as LoadReport;
}

async function main(): Promise<void> {
  const subscriberCount = arg('subscribers', 100);
  const orders = arg('orders', 60_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-bench-fixmd-'));
  const gw = await startGateway({ settings: parseGatewaySettings(gatewayCfg({ MaxMessagesPerSecond: 1_000_000 })), fixPort: 0, host: '127.0.0.1', dataDir, fsync: false });
  const eventMs = new Map<string, number>();
  let measuring = false;
  let mdEvents = 0;
  gw.sequencer.onEvents((_sc, events) => {
    if (!measuring) return;
    for (const ev of events) {
      if (ev.kind !== 'md') continue;
      eventMs.set(`${ev.symbol}:${ev.mdSeq}`, now());
      mdEvents++;
    }
  });
  const alone = await runLoadChild(gw.fixPort, orders, 'ALONE');

  const subs = fork(SELF, ['--role', 'subscribers', String(gw.fixPort), String(subscriberCount)]);
  await waitMsg(subs, 'ready');
  measuring = true;
  subs.send({ t: 'start' });
  const t0 = now();
  const withSubs = await runLoadChild(gw.fixPort, orders, 'WITH');
  const seconds = (now() - t0) / 1000;
  measuring = false;
  const reportP = waitMsg(subs, 'report');
  subs.send({ t: 'stop' });
  const sub = await reportP as unknown as { xs: number; gaps: number; samples: number[] };

  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 }); // µs
  for (let i = 0; i < sub.samples.length; i += 4) {
    const symbol = SYMBOLS[sub.samples[i]!]!.symbol;
    for (let k = sub.samples[i + 1]! + 1; k <= sub.samples[i + 2]!; k++) {
      const t = eventMs.get(`${symbol}:${k}`);
      if (t !== undefined) h.recordValue(Math.max(1, Math.round((sub.samples[i + 3]! - t) * 1000)));
    }
  }
  const result = {
    bench: 'fixmd',
    node: process.version, cpus: os.cpus().length, loadavg_1m: Number(os.loadavg()[0]!.toFixed(2)),
    load: '4x100 closed loop (simulator/load.ts), AAPL MSFT IBM GOOG, journal fsync off',
    subscribers: subscriberCount, subscription: 'full book of the 4 symbols each',
    orders_per_s_without: alone.orders_per_s, orders_per_s_with: withSubs.orders_per_s,
    order_ack_p99_us_without: alone.ack_p99_us, order_ack_p99_us_with: withSubs.ack_p99_us,
    md_events_per_s: Math.round(mdEvents / seconds), x_msgs_per_s: Math.round(sub.xs / seconds),
    event_to_subscriber_us_p50: h.totalCount > 0 ? h.getValueAtPercentile(50) : null,
    event_to_subscriber_us_p99: h.totalCount > 0 ? h.getValueAtPercentile(99) : null,
    latency_samples: h.totalCount, subscriber_seq_regressions: sub.gaps,
    ...(alone.error !== undefined || withSubs.error !== undefined ? { error: alone.error ?? withSubs.error } : {}),
  };
  subs.send({ t: 'exit' });
  await new Promise((r) => subs.once('exit', r));
  await gw.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(result) + '\n');
}

const role = process.argv.indexOf('--role') >= 0 ? process.argv[process.argv.indexOf('--role') + 1] : 'main';
if (role === 'subscribers') await subscribers(Number(process.argv[4]), Number(process.argv[5]));
else if (role === 'load') await load(Number(process.argv[4]), Number(process.argv[5]), process.argv[6]!);
else await main();
