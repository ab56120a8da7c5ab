// The sequencer on real files: group commit, fsync per batch, oversize commands refused at submit, and a real
// write failure (ENOSPC from /dev/full) stopping it before anything becomes visible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { journalDirOf, openEngine } from '../../src/engine/data-dir.js';
import { Engine } from '../../src/engine/engine.js';
import { JournalRecordTooLargeError, JournalTrimmedError, JournalWriter, readJournalDir, type FsyncPolicy } from '../../src/engine/journal.js';
import { Sequencer, SequencerStoppedError } from '../../src/engine/sequencer.js';
import { JournalCommandLog } from '../../src/engine/command-log-journal.js';
import { MemoryCommandLog } from '../../src/engine/command-log-memory.js';
import type { NewOrderCommand } from '../../src/engine/types.js';
import { S1, testConfig } from './harness.js';
import { tempDataDir } from './data-dir-support.js';

const config = testConfig();
const order = (clOrdId: string, price = '99.00'): NewOrderCommand => ({ type: 'NewOrder', session: S1, clOrdId, symbol: 'AAPL', side: 'Buy',
  ordType: 'Limit', price, orderQty: '10' });

test('commands submitted in one event-loop turn are written as one batch with one fdatasync, then applied', async () => {
  const dir = tempDataDir('seq-batch');
  const { sequencer, engine, journal } = await openEngine({ dataDir: dir, config, fsync: 'always', clock: () => 1_700_000_000_000 });
  const seen: number[] = [];
  sequencer.onEvents((sc) => seen.push(sc.seq));
  for (let i = 0; i < 100; i++) sequencer.submit(order(`A${i}`));
  assert.equal(engine.lastSeq, 0, 'nothing applied inside submit');
  await sequencer.flush();
  assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i + 1), 'events in seq order');
  assert.equal(journal.batches, 1);
  assert.equal(journal.syncs, 1);
  for (let i = 0; i < 10; i++) sequencer.submit(order(`B${i}`));
  await sequencer.close();
  assert.equal(journal.batches, 2);
  assert.equal(readJournalDir(journalDirOf(dir)).records.length, 110);
});

test('a command too large for a journal record is refused at submit; nothing is queued and the sequencer carries on', async () => {
  const dir = tempDataDir('seq-large');
  const { sequencer } = await openEngine({ dataDir: dir, config, fsync: 'none' });
  assert.throws(() => sequencer.submit(order('x'.repeat(70_000))), JournalRecordTooLargeError);
  assert.equal(sequencer.lastSubmittedSeq, 0, 'no seq used');
  assert.equal(sequencer.submit(order('OK')), 1);
  await sequencer.close();
  const records = readJournalDir(journalDirOf(dir)).records;
  assert.deepEqual(records.map((r) => (r.cmd as NewOrderCommand).clOrdId), ['OK']);
});

for (const fsync of ['always', 'none'] as FsyncPolicy[]) {
  test(`a journal write failure (ENOSPC) stops the sequencer before anything is applied or shown (fsync ${fsync})`, async () => {
    assert.ok(existsSync('/dev/full'), 'this test writes the journal to /dev/full');
    const journal = await JournalWriter.open('/dev/full', fsync);
    assert.equal(journal.writesSynchronously, fsync === 'none');
    const engine = new Engine(config);
    const sequencer = new Sequencer(engine, { log: new JournalCommandLog(journal, 0) });
    const fatal: Error[] = [];
    let delivered = 0;
    sequencer.onFatal((err) => fatal.push(err));
    sequencer.onEvents(() => { delivered++; });
    sequencer.submit(order('A'));
    sequencer.submit(order('B'));
    await assert.rejects(sequencer.flush(), /ENOSPC/);
    assert.equal(fatal.length, 1);
    assert.match(fatal[0]!.message, /ENOSPC/);
    assert.equal(delivered, 0, 'no event of an unwritten batch is visible');
    assert.equal(engine.lastSeq, 0, 'and the engine did not apply it');
    assert.throws(() => sequencer.submit(order('C')), SequencerStoppedError);
    await journal.close();
  });
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('with fsync none a batch is written to the OS and delivered in the turn it is drained, with no thread-pool round trip', async () => {
  const dir = tempDataDir('seq-sync');
  const { sequencer, engine, journal } = await openEngine({ dataDir: dir, config, fsync: 'none' });
  const path = journalDirOf(dir);
  const onDiskWhenSeen: number[] = [];
  sequencer.onEvents((sc) => onDiskWhenSeen.push(readJournalDir(path).records.filter((r) => r.seq === sc.seq).length));
  for (let i = 0; i < 20; i++) sequencer.submit(order(`A${i}`));
  assert.equal(engine.lastSeq, 0, 'nothing applied inside submit');
  await nextTurn(); // the drain was scheduled before this immediate: it ran, wrote, applied and delivered in that turn
  assert.equal(engine.lastSeq, 20, 'applied in the turn the batch was drained');
  assert.deepEqual(onDiskWhenSeen, Array(20).fill(1), 'each command was in the journal file when its events were delivered');
  assert.equal(journal.batches, 1);
  assert.equal(journal.syncs, 0, 'no fdatasync');
  await sequencer.close();
  assert.equal(readJournalDir(path).records.length, 20);
});

test('with fsync always the write and the fdatasync run off the event loop: the loop turns while the batch is on its way', async () => {
  const dir = tempDataDir('seq-async');
  const { sequencer, engine, journal } = await openEngine({ dataDir: dir, config, fsync: 'always' });
  assert.equal(journal.writesSynchronously, false);
  assert.throws(() => journal.appendSync(Buffer.alloc(0), 1), /would block the event loop/);
  let delivered = 0;
  sequencer.onEvents(() => { delivered++; });
  for (let i = 0; i < 20; i++) sequencer.submit(order(`A${i}`));
  await nextTurn(); // the drain ran and handed the write to the thread pool; its completion comes in a later turn
  assert.equal(delivered, 0, 'not visible before the write and fdatasync completed');
  assert.equal(engine.lastSeq, 0);
  await sequencer.flush();
  assert.equal(delivered, 20);
  assert.equal(journal.syncs, 1);
  await sequencer.close();
});

test('a listener that throws does not stop the engine or the other listeners', async () => {
  const sequencer = new Sequencer(new Engine(config), { log: new MemoryCommandLog() });
  const errors: unknown[] = [];
  const seen: number[] = [];
  sequencer.onListenerError((err) => errors.push(err));
  sequencer.onEvents(() => { throw new Error('consumer bug'); });
  sequencer.onEvents((sc) => seen.push(sc.seq));
  sequencer.submit(order('A'));
  sequencer.submit(order('B'));
  await sequencer.flush();
  assert.deepEqual(seen, [1, 2]);
  assert.equal(errors.length, 2);
  assert.equal(sequencer.engine.lastSeq, 2);
});

test('the journal as a command log: it counts the seqs itself, reads back from a seq, and refuses a read from before its first segment', async () => {
  const dir = tempDataDir('seq-log');
  const { sequencer, log } = await openEngine({ dataDir: dir, config, fsync: 'none', journalSegmentBytes: 2048, journalRetention: 'snapshot' });
  const seqs: number[] = [];
  const refs: Array<number | undefined> = [];
  sequencer.onEvents((_sc, _events, ref) => refs.push(ref));
  for (let i = 0; i < 60; i++) {
    seqs.push(sequencer.submit(order(`A${i}`), { ref: 1000 + i }));
    if (i % 10 === 9) await sequencer.flush(); // batches of 10: the small segments roll over
  }
  assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => i + 1), 'the seq of each command is known at submit');
  assert.deepEqual(refs, Array.from({ length: 60 }, (_, i) => 1000 + i));
  const read: number[] = [];
  assert.equal(await log.read(40, (sc) => read.push(sc.seq)), 60);
  assert.deepEqual(read, Array.from({ length: 20 }, (_, i) => 41 + i));
  await log.trim(50);
  await assert.rejects(log.read(0, () => undefined), JournalTrimmedError);
  await sequencer.close();
});
