// Load generator: N sessions send a deterministic mix of market-maker orders (passive Day limits a few
// ticks off mid, they rest) and taker orders (IOC limits priced through mid, they trade), in one of two
// modes, and measure order→ack (first ExecutionReport) and order→fill (first Trade) with HdrHistogram.
//
// - closed loop (--window W): each session keeps at most W orders waiting for their first report;
//   latency is measured from the moment the order was written.
// - open loop (--rate R): orders are due at fixed times t0 + k/R whatever the gateway does, and latency
//   is measured from that intended time, so a gateway (or client) that falls behind shows up as latency
//   instead of being hidden by a slower send rate (no coordinated omission).
import { performance } from 'node:perf_hooks';
import hdr from 'hdr-histogram-js';
import type { FixMessage } from '../src/fix/message.js';
import type { FieldList } from '../src/fix/types.js';
import { formatUtcTimestamp } from '../src/fix/time.js';
import { SimSession, ConnectError } from './sim-session.js';
import { compIdFor } from './comp-id.js';

export interface LoadSymbol {
  symbol: string;
  /** Mid price in ticks. */
  midTicks: number;
  /** This symbol's tick size as a decimal string, when it differs from LoadOptions.tick. */
  tick?: string;
}

export interface LoadOptions {
  host: string;
  port: number;
  /** SenderCompID pattern; `{i}` is the 1-based session number. */
  sender: string;
  target: string;
  sessions: number;
  /** Measured orders in total (split over the sessions); undefined with `durationS`. */
  orders?: number;
  /** Stop sending after this many seconds (with or without `orders`). */
  durationS?: number;
  /** Open loop: orders per second over all sessions. */
  rate?: number;
  /** Closed loop: orders per session awaiting their first report. */
  window: number;
  warmup: number;
  symbols: LoadSymbol[];
  /** Tick size as a decimal string, e.g. '0.01'. */
  tick: string;
  /** Order quantities: qtyMin × k for k in 1..qtyMax/qtyMin. */
  qtyMin: number;
  qtyMax: number;
  /** Relative weights of the two profiles. */
  mix: { maker: number; taker: number };
  seed: number;
  heartBtIntS: number;
  /** Abort when no report arrives for this long while orders are outstanding. */
  timeoutS: number;
  /** Orders in flight at most (open loop; a bound on memory, counted as backlog, latency still from due time). */
  maxInFlight: number;
  idPrefix: string;
  onProgress?: (p: LoadProgress) => void;
}

export interface LoadProgress {
  phase: 'warmup' | 'run';
  elapsedS: number;
  sent: number;
  total: number | null;
  answered: number;
  fills: number;
  rejects: number;
  ackP50Us: number;
  ackP99Us: number;
  answeredPerS: number;
}

export interface LoadReport {
  mode: 'closed' | 'open';
  sessions: number;
  window: number | null;
  rate: number | null;
  warmup: number;
  orders: number;
  acks: number;
  rejects: number;
  fills: number;
  partial_fills: number;
  exec_reports: number;
  seconds: number;
  orders_per_s: number;
  ack_p50_us: number | null;
  ack_p90_us: number | null;
  ack_p99_us: number | null;
  ack_p999_us: number | null;
  ack_max_us: number | null;
  ack_mean_us: number | null;
  filled_orders: number;
  fill_p50_us: number | null;
  fill_p90_us: number | null;
  fill_p99_us: number | null;
  fill_p999_us: number | null;
  fill_max_us: number | null;
  /** Orders whose fill could not be timed because the tracking map was full. */
  untracked: number;
  client_cpu_s: number;
  error?: string;
}

/** Orders remembered (until done) for fill timing, per run; oldest forgotten first. */
const TRACKED_ORDERS_MAX = 1_000_000;
const TICK_MS = 1;

interface Tracked {
  /** µs (performance.now() × 1000): send time (closed loop) or due time (open loop). */
  t0Us: number;
  measured: boolean;
  answered: boolean;
  filled: boolean;
}

interface LoadClient {
  index: number;
  sim: SimSession;
  rng: () => number;
  inFlight: number;
  quota: number;
  /** MsgSeqNum → ClOrdID of orders with no report yet (to resolve session/business rejects). */
  bySeq: Map<number, string>;
  pumpScheduled: boolean;
}

class Stats {
  acks = 0;
  rejects = 0;
  fills = 0;
  partialFills = 0;
  execReports = 0;
  answered = 0;
  filledOrders = 0;
  readonly ack = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  readonly fill = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const openLoop = o.rate !== undefined;
  const tracked = new Map<string, Tracked>();
  let untracked = 0;
  let stats = new Stats();
  let measuring = false;
  let phaseTotal: number | null = 0;
  let phaseSent = 0;
  let phaseAnswered = 0;
  let sendingDone = false;
  let phaseDone: (() => void) | null = null;
  let firstSendUs = 0;
  let lastAnswerUs = 0;
  let lastActivityMs = Date.now();
  let abortReason: string | undefined;
  let abortWake: (() => void) | null = null;
  const abort = (why: string) => {
    abortReason ??= why;
    abortWake?.();
  };

  const priceTexts = o.symbols.map((sym) => priceFormatter(sym.tick ?? o.tick));
  let tsMs = -1;
  let tsText = '';
  const transactTime = (): string => {
    const ms = Date.now();
    if (ms !== tsMs) { tsMs = ms; tsText = formatUtcTimestamp(ms); }
    return tsText;
  };
  const qtySteps = Math.max(1, Math.floor(o.qtyMax / o.qtyMin));
  const makerShare = o.mix.maker / (o.mix.maker + o.mix.taker);

  const onReport = (client: LoadClient, msg: FixMessage): void => {
    const nowUs = performance.now() * 1000;
    lastActivityMs = Date.now();
    const type = msg.msgType;
    if (type === '8') {
      stats.execReports++;
      const execType = msg.get(150);
      const isFill = execType === 'F' || execType === '1' || execType === '2';
      if (isFill) {
        stats.fills++;
        if (msg.get(39) === '1') stats.partialFills++;
      }
      const clOrdId = msg.get(11);
      const t = clOrdId === undefined ? undefined : tracked.get(clOrdId);
      if (!t) return;
      if (!t.answered) {
        t.answered = true;
        client.bySeq.delete(seqOfOrder(clOrdId!));
        if (execType === '8') stats.rejects++;
        else stats.acks++;
        answered(client, t, nowUs);
      }
      if (isFill && !t.filled) {
        t.filled = true;
        if (t.measured) {
          stats.filledOrders++;
          stats.fill.recordValue(Math.max(1, Math.round(nowUs - t.t0Us)));
        }
      }
      const status = msg.get(39);
      if (status === '2' || status === '4' || status === '8' || status === 'C') tracked.delete(clOrdId!);
    } else if (type === '3' || type === 'j') {
      const refSeq = msg.getInt(45);
      const clOrdId = refSeq === undefined ? undefined : client.bySeq.get(refSeq);
      if (clOrdId === undefined) return;
      client.bySeq.delete(refSeq!);
      const t = tracked.get(clOrdId);
      if (!t || t.answered) return;
      t.answered = true;
      tracked.delete(clOrdId);
      stats.rejects++;
      answered(client, t, nowUs);
    }
  };

  // ClOrdIDs carry their MsgSeqNum: '<prefix>-<session>-<seq>' keeps bySeq cleanup free of a second map.
  const seqOfOrder = (clOrdId: string): number => Number(clOrdId.slice(clOrdId.lastIndexOf('-') + 1));

  const answered = (client: LoadClient, t: Tracked, nowUs: number): void => {
    client.inFlight--;
    if (t.measured) {
      stats.answered++;
      stats.ack.recordValue(Math.max(1, Math.round(nowUs - t.t0Us)));
      lastAnswerUs = nowUs;
    }
    if (t.measured === measuring) phaseAnswered++;
    // Refill the window once per inbound chunk (after every report in it is counted), in one write.
    if (!openLoop && !client.pumpScheduled) {
      client.pumpScheduled = true;
      queueMicrotask(() => {
        client.pumpScheduled = false;
        client.sim.batch(() => pump(client));
      });
    }
    checkPhaseDone();
  };

  const checkPhaseDone = (): void => {
    if (phaseDone && sendingDone && phaseAnswered >= phaseSent) {
      const done = phaseDone;
      phaseDone = null;
      done();
    }
  };

  const sendOrder = (client: LoadClient, t0Us: number | null): void => {
    const r = client.rng;
    const symIndex = Math.floor(r() * o.symbols.length);
    const sym = o.symbols[symIndex]!;
    const buy = r() < 0.5;
    const maker = r() < makerShare;
    const off = 1 + Math.floor(r() * 5);
    const qty = o.qtyMin * (1 + Math.floor(r() * qtySteps));
    const ticks = maker ? (buy ? sym.midTicks - off : sym.midTicks + off) : (buy ? sym.midTicks + 5 + off : sym.midTicks - 5 - off);
    const seq = client.sim.session!.nextSenderSeq;
    const clOrdId = `${o.idPrefix}${measuring ? '' : 'w'}-${client.index}-${seq}`;
    const body: FieldList = [
      [11, clOrdId], [55, sym.symbol], [54, buy ? '1' : '2'], [60, transactTime()], [38, String(qty)],
      [40, '2'], [44, priceTexts[symIndex]!(ticks)], [59, maker ? '0' : '3'],
    ];
    const sentUs = performance.now() * 1000;
    if (tracked.size >= TRACKED_ORDERS_MAX) {
      const oldest = tracked.keys().next().value;
      if (oldest !== undefined) {
        const t = tracked.get(oldest)!;
        if (!t.answered) throw new Error(`more than ${TRACKED_ORDERS_MAX} orders without a report`);
        tracked.delete(oldest);
        untracked++;
      }
    }
    tracked.set(clOrdId, { t0Us: t0Us ?? sentUs, measured: measuring, answered: false, filled: false });
    client.bySeq.set(seq, clOrdId);
    if (measuring && firstSendUs === 0) firstSendUs = t0Us ?? sentUs;
    client.sim.send('D', body);
    client.inFlight++;
    client.quota--;
    phaseSent++;
  };

  const pump = (client: LoadClient): void => {
    if (sendingDone || !client.sim.isLoggedOn) return;
    while (client.quota > 0 && client.inFlight < o.window && !sendingDone) sendOrder(client, null);
    if (phaseTotal !== null && phaseSent >= phaseTotal) sendingDone = true;
  };

  // ---- sessions
  const clients: LoadClient[] = [];
  for (let i = 1; i <= o.sessions; i++) {
    const client: LoadClient = { index: i, sim: null as unknown as SimSession, rng: mulberry32(seedFor(o.seed, i)), inFlight: 0, quota: 0, bySeq: new Map(), pumpScheduled: false };
    client.sim = new SimSession({
      host: o.host, port: o.port, sender: compIdFor(o.sender, i, o.sessions), target: o.target,
      heartBtIntS: o.heartBtIntS, persistMessages: false,
      onApp: (msg) => onReport(client, msg),
      onLogout: () => { if (phaseDone) abort(`${client.sim.options.sender}: session logged out during the run${client.sim.lastLogoutText ? `: ${client.sim.lastLogoutText}` : ''}`); },
    });
    clients.push(client);
  }
  const connected = await Promise.allSettled(clients.map((c) => c.sim.connect()));
  const failed = connected.find((c): c is PromiseRejectedResult => c.status === 'rejected');
  if (failed) {
    await Promise.all(clients.map((c) => c.sim.close()));
    throw failed.reason instanceof ConnectError ? failed.reason : new ConnectError(String(failed.reason));
  }

  // ---- phases
  const startedMs = Date.now();
  const progressTimer = o.onProgress ? setInterval(() => {
    const elapsedS = (Date.now() - startedMs) / 1000;
    const runS = firstSendUs > 0 ? (performance.now() * 1000 - firstSendUs) / 1e6 : 0;
    o.onProgress!({
      phase: measuring ? 'run' : 'warmup', elapsedS, sent: phaseSent, total: phaseTotal, answered: phaseAnswered,
      fills: stats.fills, rejects: stats.rejects,
      ackP50Us: stats.ack.totalCount ? stats.ack.getValueAtPercentile(50) : 0,
      ackP99Us: stats.ack.totalCount ? stats.ack.getValueAtPercentile(99) : 0,
      answeredPerS: measuring && runS > 0 ? stats.answered / runS : 0,
    });
  }, 1000) : null;
  const watchdog = setInterval(() => {
    if (phaseDone && Date.now() - lastActivityMs > o.timeoutS * 1000) abort(`no ExecutionReport for ${o.timeoutS} s with ${phaseSent - phaseAnswered} orders outstanding`);
  }, 250);

  const runPhase = (total: number | null, durationS: number | undefined): Promise<void> => new Promise((resolve) => {
    phaseTotal = total;
    phaseSent = 0;
    phaseAnswered = 0;
    sendingDone = total === 0;
    lastActivityMs = Date.now();
    phaseDone = resolve;
    abortWake = () => { phaseDone = null; resolve(); };
    const split = splitEven(total ?? Number.MAX_SAFE_INTEGER, clients.length);
    clients.forEach((c, i) => { c.quota = split[i]!; });
    const endAtMs = durationS !== undefined ? Date.now() + durationS * 1000 : Infinity;
    if (durationS !== undefined) {
      const timer = setTimeout(() => { sendingDone = true; checkPhaseDone(); }, durationS * 1000);
      timer.unref();
    }
    if (openLoop) {
      const t0Us = performance.now() * 1000;
      const intervalUs = 1e6 / o.rate!;
      let next = 0;
      let rr = 0;
      const tick = () => {
        if (!phaseDone) return;
        if (sendingDone || Date.now() >= endAtMs) { sendingDone = true; checkPhaseDone(); return; }
        const nowUs = performance.now() * 1000;
        const due = Math.floor((nowUs - t0Us) / intervalUs) + 1;
        // Orders past their due time go out as soon as the in-flight bound allows; their latency counts from `due`.
        // One write per session per tick.
        const corked = clients.map((c) => c.sim.cork());
        while (next < due && (total === null || next < total)) {
          let sent = false;
          for (let k = 0; k < clients.length && !sent; k++) {
            const c = clients[(rr + k) % clients.length]!;
            if (c.quota > 0 && c.sim.isLoggedOn && totalInFlight() < o.maxInFlight) {
              sendOrder(c, t0Us + next * intervalUs);
              rr = (rr + k + 1) % clients.length;
              sent = true;
            }
          }
          if (!sent) break;
          next++;
        }
        for (const socket of corked) socket?.uncork();
        if (total !== null && next >= total) { sendingDone = true; checkPhaseDone(); return; }
        setTimeout(tick, TICK_MS);
      };
      tick();
    } else {
      for (const c of clients) c.sim.batch(() => pump(c));
      checkPhaseDone();
    }
  });
  const totalInFlight = (): number => clients.reduce((n, c) => n + c.inFlight, 0);

  try {
    if (o.warmup > 0) {
      measuring = false;
      await runPhase(o.warmup, undefined);
    }
    if (abortReason === undefined) {
      measuring = true;
      stats = new Stats();
      firstSendUs = 0;
      lastAnswerUs = 0;
      await runPhase(o.orders ?? null, o.durationS);
    }
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    clearInterval(watchdog);
  }
  const endUs = lastAnswerUs > 0 ? lastAnswerUs : performance.now() * 1000;
  const seconds = firstSendUs > 0 ? (endUs - firstSendUs) / 1e6 : 0;
  const ordersSent = measuring ? phaseSent : 0;
  const answeredCount = stats.answered;
  // Reports that trail the last ack (fills of resting orders) arrive before the gateway's Logout reply.
  await Promise.all(clients.map((c) => c.sim.close()));
  const cpu = process.cpuUsage();
  const pct = (h: typeof stats.ack, p: number): number | null => (h.totalCount > 0 ? h.getValueAtPercentile(p) : null);
  const report: LoadReport = {
    mode: openLoop ? 'open' : 'closed',
    sessions: o.sessions,
    window: openLoop ? null : o.window,
    rate: o.rate ?? null,
    warmup: o.warmup,
    orders: ordersSent,
    acks: stats.acks,
    rejects: stats.rejects,
    fills: stats.fills,
    partial_fills: stats.partialFills,
    exec_reports: stats.execReports,
    seconds: round(seconds, 6),
    orders_per_s: seconds > 0 ? round(answeredCount / seconds, 1) : 0,
    ack_p50_us: pct(stats.ack, 50),
    ack_p90_us: pct(stats.ack, 90),
    ack_p99_us: pct(stats.ack, 99),
    ack_p999_us: pct(stats.ack, 99.9),
    ack_max_us: stats.ack.totalCount > 0 ? stats.ack.maxValue : null,
    ack_mean_us: stats.ack.totalCount > 0 ? round(stats.ack.mean, 1) : null,
    filled_orders: stats.filledOrders,
    fill_p50_us: pct(stats.fill, 50),
    fill_p90_us: pct(stats.fill, 90),
    fill_p99_us: pct(stats.fill, 99),
    fill_p999_us: pct(stats.fill, 99.9),
    fill_max_us: stats.fill.totalCount > 0 ? stats.fill.maxValue : null,
    untracked,
    client_cpu_s: round((cpu.user + cpu.system) / 1e6, 3),
    ...(abortReason !== undefined ? { error: abortReason } : {}),
  };
  return report;
}

/** Ticks → decimal text for one tick size ('0.01': 19005 → '190.05'), exact for ticks of up to 15 digits. */
function priceFormatter(tick: string): (ticks: number) => string {
  const tickDecimals = (tick.split('.')[1] ?? '').length;
  const tickUnits = Math.round(Number(tick) * 10 ** tickDecimals);
  return (ticks) => {
    const units = String(ticks * tickUnits);
    if (tickDecimals === 0) return units;
    const padded = units.padStart(tickDecimals + 1, '0');
    return `${padded.slice(0, -tickDecimals)}.${padded.slice(-tickDecimals)}`;
  };
}

function round(x: number, places: number): number {
  const f = 10 ** places;
  return Math.round(x * f) / f;
}

function splitEven(total: number, parts: number): number[] {
  if (total >= Number.MAX_SAFE_INTEGER) return new Array(parts).fill(Number.MAX_SAFE_INTEGER);
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

function seedFor(seed: number, index: number): number {
  return (Math.imul(seed, 0x9e3779b1) ^ Math.imul(index, 0x85ebca6b)) >>> 0;
}

/** mulberry32: a small deterministic PRNG, one stream per session. */
function mulberry32(a: number): () => number {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The final report as a table for people. */
export function formatLoadReport(r: LoadReport): string {
  const us = (v: number | null) => (v === null ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : `${v} µs`);
  const lines = [
    `mode          ${r.mode} loop${r.mode === 'open' ? ` at ${r.rate} orders/s` : `, window ${r.window} per session`}, ${r.sessions} session(s), warmup ${r.warmup}`,
    `orders        ${r.orders} sent, ${r.acks} acked, ${r.rejects} rejected, ${r.fills} fills (${r.partial_fills} partial), ${r.exec_reports} execution reports`,
    `throughput    ${r.orders_per_s} orders/s over ${r.seconds.toFixed(3)} s`,
    '',
    '              p50        p90        p99        p99.9      max',
    `order→ack     ${[r.ack_p50_us, r.ack_p90_us, r.ack_p99_us, r.ack_p999_us, r.ack_max_us].map((v) => us(v).padEnd(11)).join('')}`.trimEnd(),
    `order→fill    ${[r.fill_p50_us, r.fill_p90_us, r.fill_p99_us, r.fill_p999_us, r.fill_max_us].map((v) => us(v).padEnd(11)).join('')}`.trimEnd() + `  (${r.filled_orders} orders filled)`,
  ];
  if (r.error) lines.push('', `ERROR         ${r.error}`);
  return lines.join('\n');
}
