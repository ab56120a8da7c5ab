// The cluster's command path on a local 3-server NATS cluster it starts itself: what a publish ack costs with one
// and with three replicas, and what the whole path costs (submit on node A → JetStream → read and applied on node A's
// engine, and on node B's). Prints one JSON line. Everything runs on this one machine: the three servers, the
// nodes and the bench share its cores, so read the figures as costs on this box, not as a deployment's.
//
//   1×1:   one append at a time (latency: publish → JetStream ack; submit → applied on the submitting node).
//   4×100: four submitters each keeping 100 appends in flight (throughput).
// Knobs: BENCH_LATENCY_COMMANDS (2000), BENCH_THROUGHPUT_COMMANDS (20000). Run: npm run build && node dist/bench/cluster.js
// (the end-to-end fields of the full bench, with gateway nodes and FIX clients, come with cluster mode in `fixgw serve`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as hdr from 'hdr-histogram-js';
import { JetStreamCommandLog } from '../src/cluster/command-log.js';
import { ClusterConnection } from '../src/cluster/connection.js';
import { LocalNatsCluster } from '../src/cluster/local-nats.js';
import { clusterSettings } from '../src/cluster/settings.js';
import { Engine, Sequencer } from '../src/engine/index.js';
import { defaultEngineConfigPath, loadEngineConfig } from '../src/engine/config.js';
import type { NewOrderCommand } from '../src/engine/types.js';

const LATENCY_COMMANDS = Number(process.env.BENCH_LATENCY_COMMANDS ?? 2000);
const THROUGHPUT_COMMANDS = Number(process.env.BENCH_THROUGHPUT_COMMANDS ?? 20_000);
const config = loadEngineConfig(defaultEngineConfigPath());

const histogram = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
let n = 0;
/** Resting orders far from each other's prices, so no run builds a book that trades. */
const order = (): NewOrderCommand => ({ type: 'NewOrder', session: `FIX.4.4:GW->B${n % 4}`, clOrdId: `c${n++}`, symbol: 'AAPL',
  side: n % 2 === 0 ? 'Buy' : 'Sell', ordType: 'Limit', price: n % 2 === 0 ? '90.00' : '110.00', orderQty: '1' });

async function openNode(nats: LocalNatsCluster, nodeId: string, stream: string, replicas: number, observe?: (us: number) => void) {
  const settings = clusterSettings(nats.urls, nodeId, { stream, replicas, publishInFlightMax: 1000 });
  const conn = await ClusterConnection.open({ natsUrls: nats.urls, nodeId, connectTimeoutMs: 5000 });
  const log = await JetStreamCommandLog.open(conn, settings, observe ? { observeAckLatencyUs: observe } : {});
  return { conn, log };
}

/** Appends one at a time (stage + append, no replica); returns the publish → ack histogram (µs). */
async function ackLatency(log: JetStreamCommandLog): Promise<hdr.Histogram> {
  const h = histogram();
  for (let i = 0; i < LATENCY_COMMANDS + 200; i++) {
    const t0 = process.hrtime.bigint();
    log.stage(i + 1, Date.now(), order());
    await log.append(1);
    if (i >= 200) h.recordValue(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return h;
}

/** Node A submits one at a time through its sequencer; submit → applied on A, and on B (µs). */
async function applyLatency(a: Sequencer, b: Sequencer): Promise<{ onA: hdr.Histogram; onB: hdr.Histogram }> {
  const onA = histogram();
  const onB = histogram();
  let t0 = 0n;
  let waitB: (() => void) | null = null;
  b.onEvents(() => { onB.recordValue(Number(process.hrtime.bigint() - t0) / 1000); waitB?.(); });
  for (let i = 0; i < LATENCY_COMMANDS; i++) {
    const seenByB = new Promise<void>((r) => { waitB = r; });
    t0 = process.hrtime.bigint();
    a.submit(order());
    await a.flush();
    onA.recordValue(Number(process.hrtime.bigint() - t0) / 1000);
    await seenByB;
  }
  return { onA, onB };
}

/** Four submitters, each keeping 100 appends in flight, until THROUGHPUT_COMMANDS are acknowledged; appends/s. */
async function throughput(log: JetStreamCommandLog): Promise<number> {
  let sent = 0;
  let entry = 1_000_000;
  const t0 = performance.now();
  const submitter = async (): Promise<void> => {
    const inFlight = new Set<Promise<unknown>>();
    while (sent < THROUGHPUT_COMMANDS || inFlight.size > 0) {
      while (inFlight.size < 100 && sent < THROUGHPUT_COMMANDS) {
        sent++;
        log.stage(++entry, Date.now(), order());
        const p: Promise<unknown> = log.append(1).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await Promise.race(inFlight);
    }
  };
  await Promise.all([submitter(), submitter(), submitter(), submitter()]);
  return Math.round(THROUGHPUT_COMMANDS / ((performance.now() - t0) / 1000));
}

const us = (h: hdr.Histogram, p: number): number => Math.round(h.getValueAtPercentile(p));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fixgw-bench-cluster-'));
  const nats = await LocalNatsCluster.start({ dir });
  const out: Record<string, number | string> = { machine: 'shared; NATS servers, nodes and bench on one box' };
  try {
    for (const replicas of [1, 3]) {
      const a = await openNode(nats, 'A', `BENCH_R${replicas}`, replicas);
      const b = await openNode(nats, 'B', `BENCH_R${replicas}`, replicas);
      const ack = await ackLatency(a.log);
      out[`r${replicas}_1x1_publish_ack_p50_us`] = us(ack, 50);
      out[`r${replicas}_1x1_publish_ack_p99_us`] = us(ack, 99);
      const seqA = new Sequencer(new Engine(config), { log: a.log });
      const seqB = new Sequencer(new Engine(config), { log: b.log });
      const { lastSeq } = await a.log.bounds(); // both replicas first apply what the ack run appended
      while (seqA.lastAppliedSeq < lastSeq || seqB.lastAppliedSeq < lastSeq) await new Promise((r) => setTimeout(r, 10));
      const { onA, onB } = await applyLatency(seqA, seqB);
      out[`r${replicas}_1x1_submit_to_applied_p50_us`] = us(onA, 50);
      out[`r${replicas}_1x1_submit_to_applied_p99_us`] = us(onA, 99);
      out[`r${replicas}_1x1_submit_to_applied_other_node_p50_us`] = us(onB, 50);
      await seqA.close();
      await seqB.close();
      out[`r${replicas}_4x100_appends_per_s`] = await throughput(a.log);
      await a.conn.close();
      await b.conn.close();
    }
  } finally {
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify(out));
}

await main();
