// The JetStream command log under the shared Sequencer, on a real 3-node JetStream cluster: two nodes submitting at
// once apply one and the same sequence, a repeated dedupe id is entered once, kill -9 of the stream's leader under
// load from two nodes loses no applied command and enters none twice, a node that starts late catches up, and bad
// commands or settings are refused clearly with nothing published.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JetStreamCommandLog } from '../../src/cluster/command-log.js';
import { ClusterConnection, ClusterUnreachableError } from '../../src/cluster/connection.js';
import { freePorts } from '../../src/cluster/local-nats.js';
import { ClusterSettingsError } from '../../src/cluster/settings.js';
import { JournalRecordTooLargeError, SequencerUnavailableError, type NewOrderCommand } from '../../src/engine/index.js';
import { startNatsCluster } from '../support/nats-cluster.js';
import { connectNode, order, readAll, replicaNode, until, type TestReplica } from './nodes.js';

const nats = await startNatsCluster();
const clOrdIdOf = (cmd: unknown): string => (cmd as NewOrderCommand).clOrdId;

test('two nodes submitting at once apply the same commands in the same order, each with refs only for its own', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'TWO' });
  const b = await replicaNode(nats.urls, 'B', { stream: 'TWO' });
  for (let i = 0; i < 200; i++) {
    const [r, node] = i % 2 === 0 ? [a, 'A'] : [b, 'B'];
    r.sequencer.submit(order(`FIX.4.4:GW->${node}`, `${node}${i}`, i % 4 < 2 ? '99.00' : '101.00'), { ref: i, dedupeId: `t1:${node}:${i}` });
  }
  await Promise.all([a.sequencer.flush(), b.sequencer.flush()]);
  await until('both applied 200', () => a.seen.length === 200 && b.seen.length === 200);
  assert.deepEqual(a.seen.map((s) => s.sc.seq), Array.from({ length: 200 }, (_, i) => i + 1), 'every sequence once, in order');
  assert.deepEqual(a.seen.map((s) => clOrdIdOf(s.sc.cmd)), b.seen.map((s) => clOrdIdOf(s.sc.cmd)), 'both nodes applied the same commands in the same order');
  for (const [r, node] of [[a, 'A'], [b, 'B']] as const) {
    for (const s of r.seen) {
      const id = clOrdIdOf(s.sc.cmd);
      assert.equal(s.ref, id.startsWith(node) ? Number(id.slice(1)) : undefined, `${node}'s ref for ${id}`);
    }
  }
  assert.deepEqual(JSON.stringify(a.seen.map((s) => s.events)), JSON.stringify(b.seen.map((s) => s.events)), 'the same events on both');
});

test('a node whose duplicate window differs from the stream\'s is refused at start, naming the key', async () => {
  const c = await connectNode(nats.urls, 'C', { stream: 'TWO', duplicateWindowMs: 60_000 });
  await assert.rejects(JetStreamCommandLog.open(c.conn, c.settings), (err: Error) => err instanceof ClusterSettingsError && /ClusterDuplicateWindowSeconds: 60, but stream TWO has 120/.test(err.message));
});

test('a repeated dedupe id is entered once: the second submit, from any node, is told the seq of the first', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'DEDUPE' });
  const b = await replicaNode(nats.urls, 'B', { stream: 'DEDUPE' });
  a.sequencer.submit(order('FIX.4.4:GW->C', 'X1'), { ref: 1, dedupeId: 'fix:C:1:7' });
  a.sequencer.submit(order('FIX.4.4:GW->C', 'X2'), { ref: 2, dedupeId: 'fix:C:1:8' });
  await a.sequencer.flush();
  a.sequencer.submit(order('FIX.4.4:GW->C', 'X1'), { ref: 3, dedupeId: 'fix:C:1:7' });
  b.sequencer.submit(order('FIX.4.4:GW->C', 'X1'), { ref: 4, dedupeId: 'fix:C:1:7' });
  await Promise.all([a.sequencer.flush(), b.sequencer.flush()]);
  assert.deepEqual(a.duplicates, [[3, 1]]);
  assert.deepEqual(b.duplicates, [[4, 1]]);
  assert.deepEqual((await readAll(a.log)).map((sc) => clOrdIdOf(sc.cmd)), ['X1', 'X2']);
  assert.equal(a.sequencer.pendingCount + b.sequencer.pendingCount, 0);
});

test('kill -9 of the stream leader under load from two nodes loses no applied command and enters none twice', { timeout: 120_000 }, async (t) => {
  const nodes = [await replicaNode(nats.urls, 'A', { stream: 'KILL' }), await replicaNode(nats.urls, 'B', { stream: 'KILL' })];
  const applied = new Map<string, number>();
  for (const r of nodes) r.sequencer.onEvents((sc, _events, ref) => { if (ref !== undefined) applied.set(clOrdIdOf(sc.cmd), sc.seq); });
  let refused = 0;
  let stop = false;
  const worker = async (r: TestReplica, node: string): Promise<void> => {
    for (let n = 0; !stop; n++) {
      try {
        for (let k = 0; k < 20; k++) r.sequencer.submit(order(`FIX.4.4:GW->${node}`, `${node}${n}.${k}`, '99.00'), { ref: n, dedupeId: `kill:${node}${n}.${k}` });
      } catch (err) {
        if (!(err instanceof SequencerUnavailableError)) throw err;
        refused++;
        await new Promise((r) => setTimeout(r, 20));
      }
      await r.sequencer.flush();
    }
  };
  const workers = [worker(nodes[0]!, 'A'), worker(nodes[1]!, 'B')];
  await until('commands under way', () => applied.size >= 400);
  const leader = (await nodes[0]!.node.conn.jsm.streams.info('KILL')).cluster!.leader!;
  const victim = nats.names.indexOf(leader);
  await nats.kill(victim);
  const atKill = applied.size;
  await until('commands applied after a new leader was elected', () => applied.size >= atKill + 400, 30_000);
  await nats.restart(victim);
  stop = true;
  await Promise.all(workers);
  const seqOf = new Map<string, number>();
  for (const sc of await readAll(nodes[0]!.log)) {
    const id = clOrdIdOf(sc.cmd);
    assert.ok(!seqOf.has(id), `${id} entered twice (seqs ${seqOf.get(id)} and ${sc.seq})`);
    seqOf.set(id, sc.seq);
  }
  for (const [id, seq] of applied) assert.equal(seqOf.get(id), seq, `applied ${id} is in the stream at seq ${seq}`);
  const rank = (id: string): number => { const [n, k] = id.slice(1).split('.').map(Number); return n! * 100 + k!; };
  for (const node of ['A', 'B']) {
    const mine = [...seqOf].filter(([id]) => id.startsWith(node)).sort((x, y) => x[1] - y[1]).map(([id]) => rank(id));
    t.diagnostic(`${node}: ${mine.filter((v, i) => i > 0 && v < mine[i - 1]!).length} of ${mine.length} records stored after a later one of the same node`);
  }
  // each worker's flush covers its own node's commands: the other replica may still be reading the last of them
  const { lastSeq } = await nodes[0]!.log.bounds();
  await until('both replicas applied the whole stream', () => nodes.every((r) => r.sequencer.lastAppliedSeq === lastSeq), 30_000);
  assert.ok(applied.size >= atKill + 400, `${applied.size} applied, ${refused} batches refused while a connection was down`);
});

test('a node that starts late catches up from the first record; a read returns any range', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'LATE' });
  for (let i = 0; i < 3000; i++) a.sequencer.submit(order('FIX.4.4:GW->C', `L${i}`, i % 2 === 0 ? '99.00' : '101.00', i % 2 === 0 ? 'Buy' : 'Sell'));
  await a.sequencer.flush();
  const late = await replicaNode(nats.urls, 'L', { stream: 'LATE' });
  await until('the late node applied 3000', () => late.sequencer.lastAppliedSeq === 3000);
  assert.deepEqual(late.seen.map((s) => s.sc.seq), Array.from({ length: 3000 }, (_, i) => i + 1));
  const tail = await readAll(a.log, 2500);
  assert.deepEqual(tail.map((sc) => clOrdIdOf(sc.cmd)), Array.from({ length: 500 }, (_, i) => `L${2500 + i}`));
  const some: string[] = [];
  assert.equal(await a.log.read(10, (sc) => some.push(clOrdIdOf(sc.cmd)), 13), 13);
  assert.deepEqual(some, ['L10', 'L11', 'L12']);
});

test('a trim bounded by a replica that has applied nothing removes nothing; one above it removes only what is below', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'TRIM' });
  for (let i = 0; i < 10; i++) a.sequencer.submit(order('FIX.4.4:GW->C', `T${i}`));
  await a.sequencer.flush();
  await a.log.trim(0);
  assert.deepEqual(await a.log.bounds(), { firstSeq: 1, lastSeq: 10 }, 'the stream is whole');
  await a.log.trim(4);
  assert.deepEqual(await a.log.bounds(), { firstSeq: 5, lastSeq: 10 });
});

test('a stream with one replica takes the same commands', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'ONE', replicas: 1 });
  for (let i = 0; i < 100; i++) a.sequencer.submit(order('FIX.4.4:GW->C', `R${i}`), { ref: i });
  await a.sequencer.flush();
  assert.equal((await a.node.conn.jsm.streams.info('ONE')).config.num_replicas, 1);
  assert.deepEqual(a.seen.map((s) => s.ref), Array.from({ length: 100 }, (_, i) => i));
});

test('a command too large for a record is refused at submit and nothing is published', async () => {
  const a = await replicaNode(nats.urls, 'A', { stream: 'BIG' });
  assert.throws(() => a.sequencer.submit({ ...order('FIX.4.4:GW->C', 'big'), text: 'x'.repeat(70_000) } as NewOrderCommand), JournalRecordTooLargeError);
  a.sequencer.submit(order('FIX.4.4:GW->C', 'small'));
  await a.sequencer.flush();
  assert.deepEqual((await readAll(a.log)).map((sc) => clOrdIdOf(sc.cmd)), ['small']);
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
