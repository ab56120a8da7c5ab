// The sequencer over a replaceable command log: the in-memory log standing in for a replicated one (seqs assigned by
// the log, acknowledged in a later turn, several nodes appending to one stream, deduplication, append failures), and
// the replica digest that proves nodes agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryCommandLog, MemoryLogStream } from '../../src/engine/command-log-memory.js';
import { Engine } from '../../src/engine/engine.js';
import { engineDigest } from '../../src/engine/digest.js';
import { exportEngineState, importEngineState, type EngineState } from '../../src/engine/engine-state.js';
import { JournalRecordTooLargeError, JournalTrimmedError } from '../../src/engine/journal.js';
import { Sequencer, SequencerStoppedError } from '../../src/engine/sequencer.js';
import type { EngineEvent, ExecReport, NewOrderCommand, SequencedCommand } from '../../src/engine/types.js';
import { S1, S2, testConfig } from './harness.js';

const config = testConfig();
const order = (session: string, clOrdId: string, side: 'Buy' | 'Sell', price = '99.00'): NewOrderCommand => ({
  type: 'NewOrder', session, clOrdId, symbol: 'AAPL', side, ordType: 'Limit', price, orderQty: '10' });

interface Seen { seq: number; ref: number | undefined; clOrdId: string; execTypes: string[]; timesMs: number[] }

/** A node: its own engine and sequencer on the shared stream, recording what its listeners get. */
function node(stream: MemoryLogStream, clock: () => number) {
  const engine = new Engine(config);
  const sequencer = new Sequencer(engine, { log: stream.open(), clock });
  const seen: Seen[] = [];
  sequencer.onEvents((sc: SequencedCommand, events: EngineEvent[], ref) => {
    const execs = events.filter((e): e is ExecReport => e.kind === 'exec');
    seen.push({ seq: sc.seq, ref, clOrdId: (sc.cmd as NewOrderCommand).clOrdId, execTypes: execs.map((e) => e.execType),
      timesMs: events.map((e) => e.timeMs) });
  });
  return { engine, sequencer, seen };
}

test('a command comes back with its ref, only after the log acknowledged it, and a too large one is refused at submit', async () => {
  const stream = new MemoryLogStream({ ack: 'async' });
  const a = node(stream, () => 1_700_000_000_000);
  assert.equal(a.sequencer.submit(order(S1, 'A1', 'Buy'), { ref: 11 }), 0, 'the log assigns the seq later');
  a.sequencer.submit(order(S1, 'A2', 'Buy'), { ref: 12 });
  a.sequencer.submit(order(S1, 'A3', 'Buy'));
  assert.throws(() => a.sequencer.submit(order(S1, 'x'.repeat(70_000), 'Buy'), { ref: 13 }), JournalRecordTooLargeError);
  assert.equal(a.sequencer.pendingCount, 3, 'the refused command was not queued');
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(a.engine.lastSeq, 0, 'nothing applied before the acknowledgement');
  await a.sequencer.flush();
  assert.deepEqual(a.seen.map((s) => [s.seq, s.ref, s.clOrdId]), [[1, 11, 'A1'], [2, 12, 'A2'], [3, undefined, 'A3']]);
  assert.equal(a.sequencer.pendingCount, 0);
  assert.equal(a.sequencer.lastAppliedSeq, 3);
  await a.sequencer.close();
});

test('two nodes on one log apply every record in the log\'s order; each sees its own refs and none on the other\'s', async () => {
  const stream = new MemoryLogStream({ ack: 'async' });
  let clockA = 1_700_000_000_500;
  const a = node(stream, () => clockA);
  const b = node(stream, () => 1_700_000_000_000); // B's clock lags A's
  a.sequencer.submit(order(S1, 'A1', 'Buy', '100.00'), { ref: 1 });
  b.sequencer.submit(order(S2, 'B1', 'Sell', '100.00'), { ref: 101 });
  a.sequencer.submit(order(S1, 'A2', 'Buy', '98.00'), { ref: 2 });
  await Promise.all([a.sequencer.flush(), b.sequencer.flush()]);
  clockA -= 400; // and A's clock steps back
  b.sequencer.submit(order(S2, 'B2', 'Sell', '98.00'), { ref: 102 });
  a.sequencer.submit(order(S1, 'A3', 'Buy', '97.00'), { ref: 3 });
  await Promise.all([a.sequencer.flush(), b.sequencer.flush()]);
  assert.equal(stream.lastSeq, 5);
  assert.deepEqual(a.seen.map((s) => s.clOrdId), b.seen.map((s) => s.clOrdId), 'the same order on both nodes');
  assert.deepEqual(a.seen.map((s) => s.seq), [1, 2, 3, 4, 5]);
  for (const s of a.seen) assert.equal(s.ref, s.clOrdId.startsWith('A') ? Number(s.clOrdId.slice(1)) : undefined, `A's view of ${s.clOrdId}`);
  for (const s of b.seen) assert.equal(s.ref, s.clOrdId.startsWith('B') ? 100 + Number(s.clOrdId.slice(1)) : undefined, `B's view of ${s.clOrdId}`);
  assert.deepEqual(a.seen.find((s) => s.clOrdId === 'B1')!.execTypes, ['New', 'Trade', 'Trade'], 'B1 crossed A1: both sides filled');
  assert.deepEqual(exportEngineState(a.engine), exportEngineState(b.engine), 'replicas agree');
  // applied time: never back, the same on both nodes although the submitters' clocks disagree
  const times = a.seen.map((s) => s.timesMs[0]!);
  assert.deepEqual(times, b.seen.map((s) => s.timesMs[0]!));
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, `time ${times[i]} after ${times[i - 1]}`);
  assert.equal(a.engine.lastTimeMs, 1_700_000_000_500);
  await Promise.all([a.sequencer.close(), b.sequencer.close()]);
});

test('a second submit of the same inbound message is stored once; its submitter is told which record holds it', async () => {
  const stream = new MemoryLogStream({ ack: 'async' });
  const a = node(stream, () => 1_700_000_000_000);
  const b = node(stream, () => 1_700_000_000_000);
  const duplicates: Array<[number | undefined, number]> = [];
  b.sequencer.onDuplicate((ref, seq) => duplicates.push([ref, seq]));
  a.sequencer.submit(order(S1, 'A1', 'Buy'), { ref: 1, dedupeId: 'S1/7' });
  await a.sequencer.flush();
  b.sequencer.submit(order(S1, 'A1', 'Buy'), { ref: 55, dedupeId: 'S1/7' }); // a resend through another node
  b.sequencer.submit(order(S2, 'B1', 'Buy'), { ref: 56, dedupeId: 'S2/1' });
  assert.equal(b.sequencer.pendingCount, 2);
  await b.sequencer.flush();
  assert.equal(b.sequencer.pendingCount, 0);
  assert.deepEqual(duplicates, [[55, 1]]);
  assert.deepEqual(b.seen.map((s) => [s.seq, s.clOrdId, s.ref]), [[1, 'A1', undefined], [2, 'B1', 56]]);
  await Promise.all([a.sequencer.close(), b.sequencer.close()]);
});

test('a node that joins later applies the whole log from its start, or from a snapshot once the log is trimmed, and agrees', async () => {
  const stream = new MemoryLogStream();
  const a = node(stream, () => 1_700_000_000_000);
  let stateAt10: EngineState | null = null;
  a.sequencer.onEvents((sc) => { if (sc.seq === 10) stateAt10 = exportEngineState(a.engine); });
  for (let i = 0; i < 20; i++) a.sequencer.submit(order(i % 2 === 0 ? S1 : S2, `O${i}`, i % 2 === 0 ? 'Buy' : 'Sell', (95 + (i % 7)).toFixed(2)));
  await a.sequencer.flush();
  assert.ok(stateAt10 !== null);
  const late = node(stream, () => 1_700_000_000_000);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(late.engine.lastSeq, 20, 'caught up once it started following');
  assert.deepEqual(late.seen.map((s) => [s.seq, s.ref]), a.seen.map((s) => [s.seq, undefined]), 'its listeners saw every record, none as its own');
  assert.deepEqual(exportEngineState(late.engine), exportEngineState(a.engine));
  // retention: once the stream is trimmed below a snapshot, a node must start from one
  await a.sequencer.log.trim(10);
  assert.throws(() => node(stream, () => 0), (err: unknown) => err instanceof JournalTrimmedError && err.neededSeq === 1 && err.firstSeq === 11);
  const fromSnapshot = new Sequencer(importEngineState(config, stateAt10), { log: stream.open() });
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(engineDigest(fromSnapshot.engine), engineDigest(a.engine), 'a snapshot at 10 plus the tail agrees');
  assert.equal(await a.sequencer.log.read(10, () => undefined), 20, 'the tail after the snapshot reads back');
  await Promise.all([a.sequencer.close(), late.sequencer.close(), fromSnapshot.close()]);
});

test('an append failure is fatal: nothing of the batch is applied or shown, flush rejects, submit throws', async () => {
  const stream = new MemoryLogStream({ ack: 'async' });
  const a = node(stream, () => 1_700_000_000_000);
  a.sequencer.submit(order(S1, 'A1', 'Buy'), { ref: 1 });
  await a.sequencer.flush();
  const fatal: Error[] = [];
  a.sequencer.onFatal((err) => fatal.push(err));
  stream.failAppends(new Error('quorum lost'));
  a.sequencer.submit(order(S1, 'A2', 'Buy'), { ref: 2 });
  a.sequencer.submit(order(S1, 'A3', 'Buy'), { ref: 3 });
  await assert.rejects(a.sequencer.flush(), /quorum lost/);
  assert.deepEqual(fatal.map((e) => e.message), ['quorum lost']);
  assert.equal(a.sequencer.error, fatal[0]);
  assert.deepEqual(a.seen.map((s) => s.clOrdId), ['A1'], 'nothing of the failed batch was shown');
  assert.equal(a.engine.lastSeq, 1);
  assert.throws(() => a.sequencer.submit(order(S1, 'A4', 'Buy')), SequencerStoppedError);
  await assert.rejects(a.sequencer.close(), /quorum lost/);
});

test('the replica digest: engines fed the same records agree, one more command changes it, a snapshot keeps it', async () => {
  const stream = new MemoryLogStream();
  const a = node(stream, () => 1_700_000_000_000);
  const b = node(stream, () => 1_700_000_000_000);
  for (let i = 0; i < 30; i++) a.sequencer.submit(order(i % 2 === 0 ? S1 : S2, `O${i}`, i % 3 === 0 ? 'Sell' : 'Buy', (96 + (i % 5)).toFixed(2)));
  await a.sequencer.flush();
  assert.equal(b.engine.lastSeq, 30);
  const digest = engineDigest(a.engine);
  assert.match(digest, /^[0-9a-f]{64}$/);
  assert.equal(engineDigest(b.engine), digest);
  assert.equal(engineDigest(importEngineState(config, exportEngineState(a.engine))), digest, 'a restored snapshot has the same digest');
  b.sequencer.submit({ type: 'Cancel', session: S1, clOrdId: 'X1', origClOrdId: 'O0', symbol: 'AAPL' });
  await b.sequencer.flush();
  assert.notEqual(engineDigest(a.engine), digest, 'one more command changes it');
  assert.equal(engineDigest(a.engine), engineDigest(b.engine));
  await Promise.all([a.sequencer.close(), b.sequencer.close()]);
});

test('a retried append whose first attempt was stored is the submitter\'s own command, not a duplicate', async () => {
  const stream = new MemoryLogStream({ ack: 'async' });
  const a = node(stream, () => 1_700_000_000_000);
  const duplicates: Array<[number | undefined, number]> = [];
  a.sequencer.onDuplicate((ref, seq) => duplicates.push([ref, seq]));
  stream.loseAcks(1);
  a.sequencer.submit(order(S1, 'A1', 'Buy'), { ref: 1, dedupeId: 'S1/1' });
  a.sequencer.submit(order(S1, 'A2', 'Buy'), { ref: 2, dedupeId: 'S1/2' });
  await a.sequencer.flush();
  assert.deepEqual(a.seen.map((s) => [s.seq, s.ref]), [[1, 1], [2, 2]], 'each came back once, with its ref');
  assert.deepEqual(duplicates, []);
  assert.equal(a.sequencer.pendingCount, 0);
  assert.equal(a.sequencer.error, null);
  await a.sequencer.close();
});
