// The command log on a real 3-node JetStream cluster: two nodes appending at once read one and the same sequence,
// a repeated Nats-Msg-Id is stored once, kill -9 of the stream's leader under appends loses no acknowledged record
// and enters none twice, and a reader that starts late catches up from any sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JetStreamCommandLog } from '../../src/cluster/command-log.js';
import { CommandLogUnavailableError } from '../../src/cluster/command-appender.js';
import type { CommandRecord } from '../../src/cluster/command-record.js';
import { ClusterConnection, ClusterUnreachableError } from '../../src/cluster/connection.js';
import { freePorts } from '../../src/cluster/local-nats.js';
import { ClusterSettingsError } from '../../src/cluster/settings.js';
import type { NewOrderCommand } from '../../src/engine/types.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { connectNode, order, until } from './nodes.js';

const nats = await startNatsCluster();

/** Every record of `log`'s stream from `fromSeq` up to the stream's last sequence now, as the reader hands them on. */
async function readAll(log: JetStreamCommandLog, fromSeq = 1): Promise<Array<{ record: CommandRecord; ref: number | undefined }>> {
  const { lastSeq } = await log.bounds();
  const got: Array<{ record: CommandRecord; ref: number | undefined }> = [];
  let error: Error | null = null;
  const reader = await log.read(fromSeq, (record, ref) => got.push({ record, ref }), (err) => { error = err; });
  await until(`records up to ${lastSeq}`, () => error !== null || reader.lastSeq >= lastSeq);
  await reader.stop();
  if (error !== null) throw error;
  return got;
}

test('two nodes appending at once read the same records in the same order, each with refs only for its own', async () => {
  const a = await connectNode(nats.urls, 'A', { stream: 'TWO' });
  const b = await connectNode(nats.urls, 'B', { stream: 'TWO' });
  const logA = await JetStreamCommandLog.open(a.conn, a.settings);
  const logB = await JetStreamCommandLog.open(b.conn, b.settings);
  const seenA: Array<{ seq: number; clOrdId: string; ref: number | undefined }> = [];
  const seenB: typeof seenA = [];
  const see = (into: typeof seenA) => (r: CommandRecord, ref: number | undefined) => into.push({ seq: r.seq, clOrdId: (r.cmd as NewOrderCommand).clOrdId, ref });
  const fail = (err: Error) => assert.fail(err);
  await logA.read(1, see(seenA), fail);
  await logB.read(1, see(seenB), fail);
  const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => {
    const [log, node] = i % 2 === 0 ? [logA, 'A'] : [logB, 'B'];
    return log.append(order(`FIX.4.4:GW->${node}`, `${node}${i}`), 1_700_000_000_000 + i, { ref: i, dedupeId: `t1:${node}:${i}` });
  }));
  await until('both readers at 200', () => seenA.length === 200 && seenB.length === 200);
  assert.deepEqual(seenA.map((s) => s.seq), Array.from({ length: 200 }, (_, i) => i + 1), 'every sequence once, in order');
  assert.deepEqual(seenA.map((s) => s.clOrdId), seenB.map((s) => s.clOrdId), 'both nodes read the same commands in the same order');
  for (const s of seenA) assert.equal(s.ref, s.clOrdId.startsWith('A') ? Number(s.clOrdId.slice(1)) : undefined, `A's ref for ${s.clOrdId}`);
  for (const s of seenB) assert.equal(s.ref, s.clOrdId.startsWith('B') ? Number(s.clOrdId.slice(1)) : undefined, `B's ref for ${s.clOrdId}`);
  acks.forEach((ack, i) => assert.equal(seenA[ack.seq - 1]!.clOrdId, `${i % 2 === 0 ? 'A' : 'B'}${i}`, 'the ack names the record\'s sequence'));
  await logA.close();
  await logB.close();
});

test('a node whose duplicate window differs from the stream\'s is refused at start, naming the key', async () => {
  const c = await connectNode(nats.urls, 'C', { stream: 'TWO', duplicateWindowMs: 60_000 });
  await assert.rejects(JetStreamCommandLog.open(c.conn, c.settings), (err: Error) => err instanceof ClusterSettingsError && /ClusterDuplicateWindowSeconds: 60, but stream TWO has 120/.test(err.message));
});

test('a repeated Nats-Msg-Id is stored once: the repeat is acknowledged as a duplicate of the first record', async () => {
  const a = await connectNode(nats.urls, 'A', { stream: 'DEDUPE' });
  const log = await JetStreamCommandLog.open(a.conn, a.settings);
  const first = await log.append(order('FIX.4.4:GW->C', 'X1'), 1, { dedupeId: 'fix:C:1:7' });
  const other = await log.append(order('FIX.4.4:GW->C', 'X2'), 2, { dedupeId: 'fix:C:1:8' });
  const again = await log.append(order('FIX.4.4:GW->C', 'X1'), 3, { dedupeId: 'fix:C:1:7' });
  assert.deepEqual(first, { seq: 1, duplicate: false });
  assert.deepEqual(other, { seq: 2, duplicate: false });
  assert.deepEqual(again, { seq: 1, duplicate: true });
  assert.deepEqual((await readAll(log)).map((r) => (r.record.cmd as NewOrderCommand).clOrdId), ['X1', 'X2']);
});

test('kill -9 of the stream leader under appends from two nodes loses no acknowledged record and stores none twice', async () => {
  const a = await connectNode(nats.urls, 'A', { stream: 'KILL' });
  const b = await connectNode(nats.urls, 'B', { stream: 'KILL' });
  const logs = [await JetStreamCommandLog.open(a.conn, a.settings), await JetStreamCommandLog.open(b.conn, b.settings)];
  const acked = new Map<string, number>();
  let refused = 0;
  let stop = false;
  let n = 0;
  const worker = async (log: JetStreamCommandLog, node: string): Promise<void> => {
    while (!stop) {
      const id = `${node}${n++}`;
      try {
        const ack = await log.append(order(`FIX.4.4:GW->${node}`, id), Date.now(), { dedupeId: `kill:${id}` });
        acked.set(id, ack.seq);
      } catch (err) {
        if (!(err instanceof CommandLogUnavailableError)) throw err;
        refused++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const workers = logs.flatMap((log, k) => Array.from({ length: 8 }, () => worker(log, k === 0 ? 'A' : 'B')));
  await until('appends under way', () => acked.size >= 200);
  const leader = (await a.conn.jsm.streams.info('KILL')).cluster!.leader!;
  const victim = nats.names.indexOf(leader);
  await nats.kill(victim);
  const atKill = acked.size;
  await until('appends acknowledged by a new leader', () => acked.size >= atKill + 200, 20_000);
  await nats.restart(victim);
  stop = true;
  await Promise.all(workers);
  const records = await readAll(logs[0]!);
  const seqOf = new Map<string, number>();
  for (const { record } of records) {
    const id = (record.cmd as NewOrderCommand).clOrdId;
    assert.ok(!seqOf.has(id), `${id} stored twice (seqs ${seqOf.get(id)} and ${record.seq})`);
    seqOf.set(id, record.seq);
  }
  for (const [id, seq] of acked) assert.equal(seqOf.get(id), seq, `acknowledged ${id} is at seq ${seq}`);
  assert.ok(acked.size >= atKill + 200, `${acked.size} acknowledged, ${refused} refused while a connection was down`);
});

test('a reader that starts late catches up from the first record or from any later sequence', async () => {
  const a = await connectNode(nats.urls, 'A', { stream: 'LATE' });
  const log = await JetStreamCommandLog.open(a.conn, a.settings);
  await Promise.all(Array.from({ length: 3000 }, (_, i) => log.append(order('FIX.4.4:GW->C', `L${i}`), i)));
  const all = await readAll(log);
  assert.deepEqual(all.map((r) => r.record.seq), Array.from({ length: 3000 }, (_, i) => i + 1));
  assert.deepEqual(all.map((r) => r.record.timeMs).slice(0, 3), [0, 1, 2], 'the submitter\'s time travels with the record');
  const tail = await readAll(log, 2501);
  assert.deepEqual(tail.map((r) => (r.record.cmd as NewOrderCommand).clOrdId), Array.from({ length: 500 }, (_, i) => `L${2500 + i}`));
});

test('a stream with one replica takes the same appends and reads', async () => {
  const a = await connectNode(nats.urls, 'A', { stream: 'ONE', replicas: 1 });
  const log = await JetStreamCommandLog.open(a.conn, a.settings);
  const acks = await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(order('FIX.4.4:GW->C', `R${i}`), i, { ref: i })));
  assert.deepEqual(acks.map((x) => x.seq).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i + 1));
  const info = await a.conn.jsm.streams.info('ONE');
  assert.equal(info.config.num_replicas, 1);
  assert.deepEqual((await readAll(log)).map((r) => r.ref), Array.from({ length: 100 }, (_, i) => i));
});

test('NATS unreachable at start: a clear error that names every URL', async () => {
  const ports = await freePorts(2);
  const urls = ports.map((p) => `nats://127.0.0.1:${p}`);
  await assert.rejects(ClusterConnection.open({ natsUrls: urls, nodeId: 'A', connectTimeoutMs: 500 }), (err: Error) => {
    assert.ok(err instanceof ClusterUnreachableError, err.name);
    for (const u of urls) assert.match(err.message, new RegExp(u.replace(/[.]/g, '\\.')));
    return true;
  });
});
