// JournalTail follows a journal another writer appends to: records in seq order across rolled segments, an
// incomplete record at the end is "not yet" (never truncated), reading is bounded by the seq asked for, and records
// written over the zeros a preallocating writer put ahead of them are read, though the tail read those zeros first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeRecords, JournalTrimmedError, JournalWriter, listSegments, type SequencedCommand } from '../../src/engine/index.js';
import { JournalTail } from '../../src/gateway/journal-tail.js';
import { tempDirs } from '../support/temp-dirs.js';

const tmpDir = tempDirs('fixgw-tail-');

function cmd(seq: number): SequencedCommand {
  return { seq, timeMs: 1_700_000_000_000 + seq, cmd: { type: 'Halt', symbol: `S${seq}` } } as SequencedCommand;
}
function range(from: number, to: number): SequencedCommand[] {
  return Array.from({ length: to - from + 1 }, (_, i) => cmd(from + i));
}

test('the tail reads records in seq order across rolled segments, up to the seq asked for and no further', async () => {
  const dir = tmpDir();
  const w = await JournalWriter.openDir(dir, 'none', { segmentBytes: 300 });
  for (let b = 0; b < 10; b++) w.appendSync(encodeRecords(range(b * 5 + 1, b * 5 + 5)), b * 5 + 1);
  assert.ok(listSegments(dir).length > 2, 'several segments');
  const tail = new JournalTail(dir, 0);
  const seen: number[] = [];
  assert.equal(tail.read(23, 1000, (sc) => seen.push(sc.seq)), 23);
  assert.equal(tail.read(1000, 10, (sc) => seen.push(sc.seq)), 10, 'at most recordsMax at a time');
  assert.equal(tail.read(1000, 1000, (sc) => seen.push(sc.seq)), 17);
  assert.deepEqual(seen, range(1, 50).map((c) => c.seq));
  assert.equal(tail.read(1000, 1000, () => assert.fail('nothing more')), 0);
  // the writer goes on (and rolls): the tail follows
  w.appendSync(encodeRecords(range(51, 60)), 51);
  assert.equal(tail.read(1000, 1000, (sc) => seen.push(sc.seq)), 10);
  assert.equal(seen.at(-1), 60);
  tail.close();
  await w.close();

  // starting after a seq (a snapshot): earlier records are skipped
  const from = new JournalTail(dir, 37);
  const after: number[] = [];
  from.read(45, 1000, (sc) => after.push(sc.seq));
  assert.deepEqual(after, range(38, 45).map((c) => c.seq));
  from.close();
});

test('an incomplete record at the end is not yet readable and is left alone; once complete it is read', async () => {
  const dir = tmpDir();
  const w = await JournalWriter.openDir(dir, 'none');
  w.appendSync(encodeRecords(range(1, 3)), 1);
  await w.close();
  const seg = listSegments(dir)[0]!.path;
  const next = encodeRecords([cmd(4)]);
  appendFileSync(seg, next.subarray(0, 5)); // header cut short
  const tail = new JournalTail(dir, 0);
  const seen: number[] = [];
  assert.equal(tail.read(10, 100, (sc) => seen.push(sc.seq)), 3);
  appendFileSync(seg, next.subarray(5, next.length - 3)); // payload cut short
  assert.equal(tail.read(10, 100, (sc) => seen.push(sc.seq)), 0);
  const size = statSync(seg).size;
  appendFileSync(seg, next.subarray(next.length - 3));
  assert.equal(statSync(seg).size, size + 3, 'nothing truncated');
  assert.equal(tail.read(10, 100, (sc) => seen.push(sc.seq)), 1);
  assert.deepEqual(seen, [1, 2, 3, 4]);
  tail.close();
});

test('records a preallocating writer (fsync always) writes over zeros the tail has already read are read', async () => {
  const dir = tmpDir();
  const w = await JournalWriter.openDir(dir, 'always', { segmentBytes: 1 << 20, preallocateBytes: 64 * 1024 });
  await w.append(encodeRecords(range(1, 5)), 1);
  for (let waited = 0; w.preallocations < 1; waited += 5) {
    assert.ok(waited < 10_000, 'the zero-fill ahead of the records finished');
    await sleep(5);
  }
  const seg = listSegments(dir)[0]!.path;
  const recordBytes = encodeRecords(range(1, 5)).length;
  assert.equal(statSync(seg).size, recordBytes + 64 * 1024, 'zeros after the records');
  const tail = new JournalTail(dir, 0);
  const seen: number[] = [];
  assert.equal(tail.read(100, 100, (sc) => seen.push(sc.seq)), 5); // reads on into the zeros: "not yet"
  assert.equal(tail.read(100, 100, () => assert.fail('zeros are no record')), 0);
  await w.append(encodeRecords(range(6, 10)), 6);
  assert.equal(tail.read(100, 100, (sc) => seen.push(sc.seq)), 5, 'the records now where the zeros were');
  assert.deepEqual(seen, range(1, 10).map((c) => c.seq));
  await w.close();
  assert.equal(statSync(seg).size, recordBytes + encodeRecords(range(6, 10)).length, 'close cuts the zeros off');
  assert.equal(tail.read(100, 100, () => assert.fail('nothing more')), 0);
  tail.close();
});

test('a tail that needs records the journal no longer holds fails with JournalTrimmedError', async () => {
  const dir = tmpDir();
  const w = await JournalWriter.openDir(dir, 'none', { segmentBytes: 100 });
  for (let b = 0; b < 4; b++) w.appendSync(encodeRecords(range(b * 3 + 1, b * 3 + 3)), b * 3 + 1);
  await w.close();
  rmSync(listSegments(dir)[0]!.path);
  const tail = new JournalTail(dir, 0);
  assert.throws(() => tail.read(100, 100, () => undefined), JournalTrimmedError);
  tail.close();
});
