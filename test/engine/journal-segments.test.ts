// The journal as segment files on real disks: roll-over at a batch boundary by size, replay across segments, a
// restart from a snapshot that opens only the segments it needs, damage rules per segment,
// JournalRetention=snapshot deleting exactly the segments the oldest kept snapshot covers, and the zeros a writer
// preallocates under fsync always (only ever after the last record of the last segment).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { journalDirOf, openEngine, replayDataDir, snapshotDirOf, type OpenedEngine } from '../../src/engine/data-dir.js';
import { eventsDigest } from '../../src/engine/digest.js';
import { exportEngineState } from '../../src/engine/engine-state.js';
import {
  JournalCorruptError, JournalTrimmedError, RECORD_HEADER_BYTES, listSegments, readJournalDir, segmentName, type JournalSegment,
} from '../../src/engine/journal.js';
import { listSnapshots } from '../../src/engine/snapshot.js';
import { testConfig } from './harness.js';
import { applyInMemory, runLive, tempDataDir } from './data-dir-support.js';
import { randomCommands, type TimedCommand } from './random-commands.js';

const config = testConfig((f) => {
  for (const inst of f.instruments) { inst.circuitBreakerBps = 300; inst.circuitBreakerWindowMs = 10_000; inst.priceBandBps = 1000; }
  f.limits.doneOrdersMax = 300;
  f.accounts.overrides = { 'ACC-A': { maxOpenOrders: 25, maxPositionQty: '400', creditLimit: '100000' } };
});

const SEGMENT_BYTES = 16 * 1024;
/** runLive's default: commands submitted per event-loop turn, i.e. per journal batch. */
const BURST = 37;

const segmentsOf = (dataDir: string): JournalSegment[] => listSegments(journalDirOf(dataDir));

/** Byte offset of every record in a segment file. */
function recordOffsets(path: string): number[] {
  const buf = readFileSync(path);
  const out: number[] = [];
  for (let at = 0; at < buf.length; at += RECORD_HEADER_BYTES + buf.readUInt32LE(at)) out.push(at);
  return out;
}

function inMemory(commands: readonly TimedCommand[]): { digest: string; state: ReturnType<typeof exportEngineState> } {
  const d = eventsDigest();
  const engine = applyInMemory(config, commands, d.add);
  return { digest: d.hex(), state: exportEngineState(engine) };
}

test('the journal rolls to a new segment at the first batch boundary past the segment size, named by its first seq, and keeps every record', async () => {
  const dir = tempDataDir('roll');
  const commands = randomCommands(41, 3000);
  const live = await runLive(dir, config, commands, { journalSegmentBytes: SEGMENT_BYTES });
  const segments = segmentsOf(dir);
  assert.ok(segments.length >= 5, `${segments.length} segments`);
  let nextSeq = 1;
  segments.forEach((seg, i) => {
    assert.match(basename(seg.path), /^journal-\d{20}\.log$/);
    assert.equal(seg.firstSeq, nextSeq, `${seg.path}: named by its first seq, right after the segment before`);
    assert.equal((seg.firstSeq - 1) % BURST, 0, `${seg.path}: starts with the first command of a batch`);
    const offsets = recordOffsets(seg.path);
    nextSeq += offsets.length;
    if (i < segments.length - 1) {
      const lastSeq = nextSeq - 1;
      const lastBatchFirstSeq = lastSeq - ((lastSeq - 1) % BURST);
      assert.ok(statSync(seg.path).size >= SEGMENT_BYTES, `${seg.path}: full`);
      assert.ok(offsets[lastBatchFirstSeq - seg.firstSeq]! < SEGMENT_BYTES, `${seg.path}: was below the size when its last batch came`);
    }
  });
  assert.equal(nextSeq - 1, 3000);
  const read = readJournalDir(journalDirOf(dir));
  assert.deepEqual(read.records.map((r) => r.seq), Array.from({ length: 3000 }, (_, i) => i + 1));
  const memory = inMemory(commands);
  assert.equal(live.digest, memory.digest, 'the segments hold exactly the commands submitted, with their times');
});

test('with fsync always the writer preallocates: zeros only after the last segment\'s last record while it runs, none after close', async () => {
  const dir = tempDataDir('prealloc');
  const commands = randomCommands(43, 3000);
  let nowMs = commands[0]!.timeMs;
  const opened = await openEngine({ dataDir: dir, config, fsync: 'always', clock: () => nowMs, journalSegmentBytes: SEGMENT_BYTES });
  const { sequencer } = opened;
  const digest = eventsDigest();
  sequencer.onEvents(digest.add);
  let zerosSeen = 0;
  for (let i = 0; i < commands.length; i++) {
    nowMs = commands[i]!.timeMs;
    sequencer.submit(commands[i]!.cmd);
    if ((i + 1) % BURST !== 0) continue;
    await sequencer.flush();
    const read = readJournalDir(journalDirOf(dir)); // a segment left with zeros after its records would be corrupt
    assert.equal(read.records.length, i + 1);
    read.scan.read.slice(0, -1).forEach((r) => assert.equal(r.tornBytes, 0, `${r.path}: ends with its last record`));
    if (read.tornBytes > 0) {
      assert.ok(read.scan.tornZeros, 'what follows the last record is zeros, never anything else');
      zerosSeen++;
    }
  }
  await sequencer.flush();
  const journal = opened.journal;
  assert.ok(journal.preallocations > 0 && zerosSeen > 0, `preallocated ${journal.preallocations} times, zeros seen ${zerosSeen} times`);
  assert.equal(journal.preallocationError, null);
  assert.ok(segmentsOf(dir).length >= 5, 'rolled over several times');
  await sequencer.close();
  const closed = readJournalDir(journalDirOf(dir));
  assert.equal(closed.tornBytes, 0, 'close cuts the zeros off');
  assert.equal(closed.records.length, 3000);
  assert.equal(digest.hex(), inMemory(commands).digest, 'the journal and the events are those of the commands submitted');
  // a restart continues in the last segment, and preallocates again
  const again = await openEngine({ dataDir: dir, config, fsync: 'always', clock: () => nowMs, journalSegmentBytes: SEGMENT_BYTES });
  assert.equal(again.recovery.lastSeq, 3000);
  assert.equal(again.recovery.tornBytes, 0);
  await again.sequencer.close();
});

test('a replay across many segments equals a replay of the same commands from one segment, event for event', async () => {
  const commands = randomCommands(42, 2500);
  const one = tempDataDir('one');
  const many = tempDataDir('many');
  await runLive(one, config, commands);
  await runLive(many, config, commands, { journalSegmentBytes: 4096 });
  assert.equal(segmentsOf(one).length, 1);
  assert.ok(segmentsOf(many).length > 20);
  const d1 = eventsDigest();
  const d2 = eventsDigest();
  const r1 = replayDataDir(one, config, { useSnapshot: false, onEvents: d1.add });
  const r2 = replayDataDir(many, config, { useSnapshot: false, onEvents: d2.add });
  assert.equal(r2.journal.read.length, segmentsOf(many).length, 'a full replay reads every segment');
  assert.equal(d2.count, d1.count);
  const oneDigest = d1.hex();
  assert.equal(d2.hex(), oneDigest);
  assert.deepEqual(exportEngineState(r2.engine), exportEngineState(r1.engine));
  assert.equal(oneDigest, inMemory(commands).digest);
});

test('a restart from a snapshot opens only the segments that can hold later commands, decodes from the seq after it, and equals a full replay', async () => {
  const dir = tempDataDir('snap-tail');
  const commands = randomCommands(43, 3000);
  const live = await runLive(dir, config, commands, { journalSegmentBytes: SEGMENT_BYTES, snapshotAfter: 2000 });
  assert.equal(live.snapshotSeq, 2000);
  const segments = segmentsOf(dir);
  const needed = segments.filter((_, i) => (segments[i + 1]?.firstSeq ?? Number.POSITIVE_INFINITY) > 2001);
  assert.ok(needed.length >= 2 && needed.length < segments.length - 3, `${needed.length} of ${segments.length} segments hold seq 2001 on`);
  const tail = eventsDigest();
  let firstDecoded = 0;
  const fromSnapshot = replayDataDir(dir, config, { onEvents: (sc, events) => { firstDecoded ||= sc.seq; tail.add(sc, events); } });
  assert.deepEqual(fromSnapshot.journal.read.map((r) => r.path), needed.map((s) => s.path), 'only those segments were opened');
  assert.equal(firstDecoded, 2001);
  assert.equal(fromSnapshot.journal.read[0]!.skipped, 2001 - needed[0]!.firstSeq, 'records up to the snapshot only checked');
  assert.equal(fromSnapshot.replayedCommands, 1000);
  assert.equal(tail.hex(), live.tailDigest);
  const full = replayDataDir(dir, config, { useSnapshot: false });
  assert.deepEqual(exportEngineState(fromSnapshot.engine), exportEngineState(full.engine), 'snapshot + tail = full replay');
  assert.deepEqual(exportEngineState(full.engine), live.state);

  // proof that the early segments are not read at restart: damage one; the restart does not notice, a full replay does
  const victim = segments[1]!.path;
  const offsets = recordOffsets(victim);
  const buf = readFileSync(victim);
  buf[offsets[3]! + RECORD_HEADER_BYTES + 4]! ^= 0x01;
  writeFileSync(victim, buf);
  assert.throws(() => replayDataDir(dir, config, { useSnapshot: false }), (err: unknown) =>
    err instanceof JournalCorruptError && err.path === victim && err.offset === offsets[3] && /checksum mismatch/.test(err.message));
  const reopened = await openEngine({ dataDir: dir, config, fsync: 'none', journalSegmentBytes: SEGMENT_BYTES });
  assert.equal(reopened.recovery.snapshotSeq, 2000);
  assert.equal(reopened.recovery.replayedCommands, 1000);
  assert.deepEqual(exportEngineState(reopened.engine), live.state);
  await reopened.sequencer.close();
});

test('a torn tail of the last segment is truncated on open, and appends continue in that segment', async () => {
  const dir = tempDataDir('torn-last');
  const commands = randomCommands(44, 1500);
  await runLive(dir, config, commands, { journalSegmentBytes: SEGMENT_BYTES });
  const segments = segmentsOf(dir);
  const last = segments.at(-1)!.path;
  const cleanSize = statSync(last).size;
  appendFileSync(last, Buffer.from([0x40, 0, 0, 0, 9, 9, 9, 9, 1, 2, 3]));
  const read = readJournalDir(journalDirOf(dir));
  assert.equal(read.records.length, 1500);
  assert.equal(read.tornBytes, 11);
  const opened = await openEngine({ dataDir: dir, config, fsync: 'always', journalSegmentBytes: 1024 * 1024, clock: () => commands.at(-1)!.timeMs });
  assert.equal(opened.recovery.tornBytes, 11);
  assert.equal(statSync(last).size, cleanSize, 'torn tail cut off');
  assert.equal(opened.sequencer.submit({ type: 'ExpireSweep' }), 1501);
  await opened.sequencer.close();
  assert.deepEqual(segmentsOf(dir).map((s) => s.path), segments.map((s) => s.path), 'appended to the last segment, no new one');
  const after = readJournalDir(journalDirOf(dir));
  assert.equal(after.records.length, 1501);
  assert.equal(after.tornBytes, 0);
});

test('a segment that is not the last and ends in a torn record is corruption naming that file and offset, and nothing is truncated', async () => {
  const dir = tempDataDir('torn-middle');
  await runLive(dir, config, randomCommands(45, 1500), { journalSegmentBytes: SEGMENT_BYTES });
  const segments = segmentsOf(dir);
  const victim = segments[2]!.path;
  const offsets = recordOffsets(victim);
  const size = statSync(victim).size;
  truncateSync(victim, size - 5);
  const check = (err: unknown): boolean => {
    assert.ok(err instanceof JournalCorruptError);
    assert.equal(err.path, victim);
    assert.equal(err.offset, offsets.at(-1));
    assert.ok(err.message.startsWith(`${victim}: journal corrupt at byte offset ${offsets.at(-1)}: record of `), err.message);
    assert.match(err.message, /not the last one/);
    return true;
  };
  assert.throws(() => readJournalDir(journalDirOf(dir)), check);
  assert.throws(() => replayDataDir(dir, config), check);
  await assert.rejects(openEngine({ dataDir: dir, config, fsync: 'none' }), check);
  assert.equal(statSync(victim).size, size - 5, 'nothing truncated');

  // a flipped byte in the middle of a segment that is not the last
  const dir2 = tempDataDir('flip-middle');
  await runLive(dir2, config, randomCommands(45, 1500), { journalSegmentBytes: SEGMENT_BYTES });
  const victim2 = segmentsOf(dir2)[1]!.path;
  const offsets2 = recordOffsets(victim2);
  const buf = readFileSync(victim2);
  buf[offsets2[5]! + RECORD_HEADER_BYTES + 1]! ^= 0x40;
  writeFileSync(victim2, buf);
  assert.throws(() => readJournalDir(journalDirOf(dir2)), (err: unknown) =>
    err instanceof JournalCorruptError && err.path === victim2 && err.offset === offsets2[5] && /checksum mismatch/.test(err.message));
});

test('a missing segment is a seq gap naming the segment that ends early and the byte offset where it ends', async () => {
  const dir = tempDataDir('gap');
  await runLive(dir, config, randomCommands(46, 1500), { journalSegmentBytes: SEGMENT_BYTES });
  const segments = segmentsOf(dir);
  unlinkSync(segments[3]!.path);
  const before = segments[2]!;
  const endSeq = segments[3]!.firstSeq - 1;
  assert.throws(() => readJournalDir(journalDirOf(dir)), (err: unknown) => {
    assert.ok(err instanceof JournalCorruptError);
    assert.equal(err.path, before.path);
    assert.equal(err.offset, statSync(before.path).size);
    assert.match(err.message, new RegExp(`segment ends at seq ${endSeq} but the next one, .*journal-0*${segments[4]!.firstSeq}\\.log, starts at seq ${segments[4]!.firstSeq}`));
    return true;
  });
  await assert.rejects(openEngine({ dataDir: dir, config, fsync: 'none' }), JournalCorruptError);
});

/** Feeds commands to an opened engine, one batch per event-loop turn, with their times. */
async function feed(opened: OpenedEngine, commands: readonly TimedCommand[], setNow: (ms: number) => void): Promise<void> {
  for (let i = 0; i < commands.length; i++) {
    setNow(commands[i]!.timeMs);
    opened.sequencer.submit(commands[i]!.cmd);
    if ((i + 1) % BURST === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await opened.sequencer.flush();
}

test('with retention snapshot each snapshot deletes exactly the segments the oldest kept snapshot covers, and a restart from that snapshot works', async () => {
  const dir = tempDataDir('retention');
  const commands = randomCommands(49, 3600);
  let nowMs = commands[0]!.timeMs;
  const setNow = (ms: number): void => { nowMs = ms; };
  const options = { dataDir: dir, config, fsync: 'none' as const, clock: () => nowMs, journalSegmentBytes: SEGMENT_BYTES, journalRetention: 'snapshot' as const };
  const opened = await openEngine(options);
  let deletedTotal = 0;
  for (let chunk = 0; chunk < 6; chunk++) {
    await feed(opened, commands.slice(chunk * 600, (chunk + 1) * 600), setNow);
    const before = segmentsOf(dir);
    opened.snapshot();
    const oldest = listSnapshots(snapshotDirOf(dir))[0]!.seq;
    const expected = before.filter((_, i) => i === before.length - 1 || before[i + 1]!.firstSeq - 1 > oldest);
    const after = segmentsOf(dir);
    assert.deepEqual(after.map((s) => s.path), expected.map((s) => s.path), `snapshot ${chunk}: deleted exactly the covered segments`);
    assert.ok(after[0]!.firstSeq <= oldest + 1, `snapshot ${chunk}: the segment holding seq ${oldest + 1} is kept`);
    deletedTotal += before.length - after.length;
  }
  await opened.sequencer.close();
  assert.equal(listSnapshots(snapshotDirOf(dir)).length, 3);
  assert.ok(deletedTotal >= 5, `${deletedTotal} segments deleted`);
  const firstSeq = segmentsOf(dir)[0]!.firstSeq;
  assert.ok(firstSeq > 1);

  // a full replay is impossible and says so
  assert.throws(() => replayDataDir(dir, config, { useSnapshot: false }), (err: unknown) =>
    err instanceof JournalTrimmedError && err.firstSeq === firstSeq && /starts at seq \d+ .*trimmed/.test(err.message));
  // restart from the OLDEST kept snapshot (the newer two gone): every segment it needs is still there
  const expected = exportEngineState(applyInMemory(config, commands));
  const snaps = listSnapshots(snapshotDirOf(dir));
  for (const s of snaps.slice(1)) unlinkSync(s.path);
  const restarted = await openEngine(options);
  assert.equal(restarted.recovery.snapshotSeq, snaps[0]!.seq);
  assert.equal(restarted.recovery.replayedCommands, 3600 - snaps[0]!.seq);
  assert.deepEqual(exportEngineState(restarted.engine), expected);
  setNow(commands.at(-1)!.timeMs);
  assert.equal(restarted.sequencer.submit({ type: 'ExpireSweep' }), 3601);
  await restarted.sequencer.close();
  assert.equal(replayDataDir(dir, config).lastSeq, 3601);
});

test('with retention all (the default) snapshots delete no segment', async () => {
  const dir = tempDataDir('retention-all');
  const commands = randomCommands(50, 1800);
  let nowMs = commands[0]!.timeMs;
  const opened = await openEngine({ dataDir: dir, config, fsync: 'none', clock: () => nowMs, journalSegmentBytes: SEGMENT_BYTES });
  const seen = new Set<string>();
  for (let chunk = 0; chunk < 6; chunk++) {
    await feed(opened, commands.slice(chunk * 300, (chunk + 1) * 300), (ms) => { nowMs = ms; });
    opened.snapshot();
    for (const s of segmentsOf(dir)) seen.add(s.path);
  }
  await opened.sequencer.close();
  assert.deepEqual(segmentsOf(dir).map((s) => s.path), [...seen].sort());
  assert.equal(segmentsOf(dir)[0]!.firstSeq, 1);
  assert.equal(replayDataDir(dir, config, { useSnapshot: false }).lastSeq, 1800);
});
