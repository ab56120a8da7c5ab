// What each part of the R3 command path costs, one command at a time on a 3-replica stream of the bench's NATS
// cluster: publish → JetStream ack (stored on a quorum), submit → applied on the submitting node (ack, then the
// consumer delivers it back), submit → applied on another node, and the engine's apply alone.
import * as hdr from 'hdr-histogram-js';
import { JetStreamCommandLog } from '../src/cluster/command-log.js';
import { ClusterConnection } from '../src/cluster/connection.js';
import type { LocalNatsCluster } from '../src/cluster/local-nats.js';
import { clusterSettings } from '../src/cluster/settings.js';
import { Engine, Sequencer, loadEngineConfig, type NewOrderCommand, type SequencedCommand } from '../src/engine/index.js';
import { testEngineConfigPath } from '../harness/engine-config.js';

const COMMANDS = 2000;
const histogram = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
let n = 0;
/** Resting orders far from each other's prices, so nothing trades. */
const order = (): NewOrderCommand => ({ type: 'NewOrder', session: `FIX.4.4:GW->P${n % 4}`, clOrdId: `p${n++}`, symbol: 'AAPL',
  side: n % 2 === 0 ? 'Buy' : 'Sell', ordType: 'Limit', price: n % 2 === 0 ? '90.00' : '110.00', orderQty: '1' });

async function openLog(nats: LocalNatsCluster, nodeId: string): Promise<{ conn: ClusterConnection; log: JetStreamCommandLog }> {
  const conn = await ClusterConnection.open({ natsUrls: nats.urls, nodeId, connectTimeoutMs: 5000 });
  return { conn, log: await JetStreamCommandLog.open(conn, clusterSettings(nats.urls, nodeId, { stream: 'BENCH_PATH', replicas: 3 })) };
}

/** Commands per second through the publisher alone with `perMessage` command records in each message (4 submitters,
 *  100 messages in flight each): what batching several commands per message would gain. */
async function publishRate(nats: LocalNatsCluster, perMessage: number): Promise<number> {
  const { conn, log } = await openLog(nats, `batch${perMessage}`);
  const body = Buffer.alloc(110 * perMessage, 7); // a NewOrder record is about 110 bytes
  const messages = Math.ceil(20_000 / perMessage);
  let sent = 0;
  let id = 0;
  const t0 = performance.now();
  const submitter = async (): Promise<void> => {
    const inFlight = new Set<Promise<unknown>>();
    while (sent < messages || inFlight.size > 0) {
      while (inFlight.size < 100 && sent < messages) {
        sent++;
        const p: Promise<unknown> = conn.publisher.publish(`${log.names.commandStream}_BATCH.x`, body, { msgID: `b${perMessage}:${++id}`, timeoutMs: 2000, retryMs: 20_000 })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await Promise.race(inFlight);
    }
  };
  await Promise.all([submitter(), submitter(), submitter(), submitter()]);
  const rate = Math.round((messages * perMessage) / ((performance.now() - t0) / 1000));
  await conn.close();
  return rate;
}

export async function pathCosts(nats: LocalNatsCluster): Promise<Record<string, number>> {
  const config = loadEngineConfig(testEngineConfigPath());
  const ack = await openLog(nats, 'ack');
  const ackUs = histogram();
  for (let i = 0; i < COMMANDS; i++) {
    const t0 = process.hrtime.bigint();
    ack.log.stage(i + 1, Date.now(), order());
    await ack.log.append(1);
    ackUs.recordValue(Number(process.hrtime.bigint() - t0) / 1000);
  }
  await ack.conn.close();
  const [a, b] = [await openLog(nats, 'A'), await openLog(nats, 'B')];
  const seqA = new Sequencer(new Engine(config), { log: a.log });
  const seqB = new Sequencer(new Engine(config), { log: b.log });
  const { lastSeq } = await a.log.bounds();
  while (seqA.lastAppliedSeq < lastSeq || seqB.lastAppliedSeq < lastSeq) await new Promise((r) => setTimeout(r, 10));
  const [onA, onB] = [histogram(), histogram()];
  let t0 = 0n;
  let seenByB: (() => void) | null = null;
  seqB.onEvents(() => { onB.recordValue(Number(process.hrtime.bigint() - t0) / 1000); seenByB?.(); });
  for (let i = 0; i < COMMANDS; i++) {
    const waitB = new Promise<void>((r) => { seenByB = r; });
    t0 = process.hrtime.bigint();
    seqA.submit(order());
    await seqA.flush();
    onA.recordValue(Number(process.hrtime.bigint() - t0) / 1000);
    await waitB;
  }
  const records: SequencedCommand[] = [];
  await a.log.read(0, (sc) => records.push(sc));
  await seqA.close();
  await seqB.close();
  await a.conn.close();
  await b.conn.close();
  const engine = new Engine(config);
  const applyStart = process.hrtime.bigint();
  for (const sc of records) engine.apply(sc);
  const applyUs = Number(process.hrtime.bigint() - applyStart) / 1000 / records.length;
  const p50 = (h: hdr.Histogram): number => Math.round(h.getValueAtPercentile(50));
  const batching: Record<string, number> = {};
  await ensureBatchStream(nats);
  for (const k of [1, 8, 32]) batching[`r3_publish_${k}_per_message_commands_per_s`] = await publishRate(nats, k);
  return {
    ...batching,
    r3_publish_ack_p50_us: p50(ackUs), r3_publish_ack_p99_us: Math.round(ackUs.getValueAtPercentile(99)),
    r3_submit_to_applied_p50_us: p50(onA), r3_submit_to_applied_other_node_p50_us: p50(onB),
    r3_consume_p50_us: p50(onA) - p50(ackUs), engine_apply_us: Math.round(applyUs * 100) / 100,
  };
}

/** A 3-replica stream for the batching measurement (raw bytes, not command records: no node reads it). */
async function ensureBatchStream(nats: LocalNatsCluster): Promise<void> {
  const conn = await ClusterConnection.open({ natsUrls: nats.urls, nodeId: 'batch', connectTimeoutMs: 5000 });
  await conn.jsm.streams.add({ name: 'BENCH_PATH_BATCH', subjects: ['BENCH_PATH_BATCH.x'], num_replicas: 3, duplicate_window: 120_000_000_000 });
  await conn.close();
}
