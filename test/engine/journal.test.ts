// Journal, replay and snapshots on real files: replay equality (live = replay = snapshot + tail = after a torn
// tail), corruption named by offset, fsync policies, durable before visible, and a real SIGKILL mid-write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEngineConfig } from '../../src/engine/config.js';
import { journalDirOf, openEngine, replayDataDir, snapshotDirOf } from '../../src/engine/data-dir.js';
import { eventsDigest } from '../../src/engine/digest.js';
import { exportEngineState } from '../../src/engine/engine-state.js';
import { crc32 } from 'node:zlib';
import { JournalCorruptError, RECORD_HEADER_BYTES, listSegments, payloadChecksum, readJournalDir, type FsyncPolicy } from '../../src/engine/journal.js';
import { CONFIG_PATH, testConfig } from './harness.js';
import { applyInMemory, runLive, tempDataDir } from './data-dir-support.js';
import { randomCommands } from './random-commands.js';

const config = testConfig((f) => {
  for (const inst of f.instruments) { inst.circuitBreakerBps = 300; inst.circuitBreakerWindowMs = 10_000; inst.priceBandBps = 1000; }
  f.limits.doneOrdersMax = 300;
  f.accounts.overrides = { 'ACC-A': { maxOpenOrders: 25, maxPositionQty: '400', creditLimit: '100000' } };
});

/** Byte offset of every record in a journal file. */
function recordOffsets(path: string): number[] {
  const buf = readFileSync(path);
  const out: number[] = [];
  for (let at = 0; at < buf.length; at += RECORD_HEADER_BYTES + buf.readUInt32LE(at)) out.push(at);
  return out;
}

function digestOfInMemory(commands: ReturnType<typeof randomCommands>): { digest: string; state: ReturnType<typeof exportEngineState> } {
  const d = eventsDigest();
  const engine = applyInMemory(config, commands, d.add);
  return { digest: d.hex(), state: exportEngineState(engine) };
}

/** A data dir holding a clean journal of `count` random commands; returns its dir and the commands. */
async function journaledDir(seed: number, count: number): Promise<{ dir: string; commands: ReturnType<typeof randomCommands> }> {
  const dir = tempDataDir('journal');
  const commands = randomCommands(seed, count);
  await runLive(dir, config, commands);
  return { dir, commands };
}

function recordWithBadChecksum(json: string): Buffer {
  const payload = Buffer.from(json);
  const head = Buffer.alloc(RECORD_HEADER_BYTES);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(0x01020304, 4);
  return Buffer.concat([head, payload]);
}

function copyDataDir(from: string): string {
  const to = tempDataDir('copy');
  cpSync(journalDirOf(from), journalDirOf(to), { recursive: true });
  return to;
}

/** The journal's last (here: only) segment file. */
function journalPathOf(dataDir: string): string {
  const segments = listSegments(journalDirOf(dataDir));
  assert.equal(segments.length, 1, 'a small journal is one segment');
  return segments[0]!.path;
}

/** Every record of a data directory's journal. */
function readJournal(dataDir: string): ReturnType<typeof readJournalDir> {
  return readJournalDir(journalDirOf(dataDir));
}

test('the payload checksum is zlib\'s CRC-32 of exactly the bytes asked for, short (plain JS) or long (zlib)', () => {
  // a slice of a bigger buffer, so that the view's byteOffset is not 0
  const whole = Buffer.alloc(1200);
  for (let i = 0; i < whole.length; i++) whole[i] = (i * 7919 + 13) & 0xff;
  const buf = whole.subarray(7);
  for (const [from, to] of [[0, 0], [0, 1], [5, 96], [3, 194], [3, 195], [2, 196], [0, 1193]] as const) {
    assert.equal(payloadChecksum(buf, from, to), crc32(buf.subarray(from, to)), `bytes [${from}, ${to})`);
  }
  assert.equal(payloadChecksum(Buffer.from('123456789'), 0, 9), 0xcbf43926); // the CRC-32 check value
  const flipped = Buffer.from(buf.subarray(5, 96));
  flipped[40]! ^= 1;
  assert.notEqual(payloadChecksum(flipped, 0, flipped.length), payloadChecksum(buf, 5, 96));
});

test('replaying the journal rebuilds the same state and re-emits the same events, byte for byte', async () => {
  const dir = tempDataDir('replay');
  const commands = randomCommands(11, 3000);
  const live = await runLive(dir, config, commands);
  assert.equal(live.lastSeq, 3000);
  assert.ok(live.batches > 1 && live.batches < 3000, `group commit: ${live.batches} batches for 3000 commands`);
  const d = eventsDigest();
  const replay = replayDataDir(dir, config, { useSnapshot: false, onEvents: d.add });
  assert.equal(replay.lastSeq, 3000);
  assert.equal(replay.replayedCommands, 3000);
  assert.equal(replay.tornBytes, 0);
  assert.equal(d.count, live.events);
  assert.equal(d.hex(), live.digest, 'same event stream');
  assert.deepEqual(exportEngineState(replay.engine), live.state, 'same state');
  const memory = digestOfInMemory(commands);
  assert.equal(memory.digest, live.digest, 'the journal holds exactly the commands submitted, with their times');
  assert.deepEqual(memory.state, live.state);
});

test('a snapshot plus the journal tail equals a full replay, in state and in the tail events', async () => {
  const dir = tempDataDir('snap');
  const commands = randomCommands(12, 2500);
  const live = await runLive(dir, config, commands, { snapshotAfter: 1700 });
  assert.equal(live.snapshotSeq, 1700);
  assert.deepEqual(readdirSync(snapshotDirOf(dir)), ['snapshot-0000000000001700.json'], 'written atomically: no temp file left');
  const tail = eventsDigest();
  const fromSnapshot = replayDataDir(dir, config, { onEvents: tail.add });
  assert.equal(fromSnapshot.snapshotSeq, 1700);
  assert.equal(fromSnapshot.replayedCommands, 800);
  assert.equal(tail.hex(), live.tailDigest, 'tail events identical');
  assert.deepEqual(exportEngineState(fromSnapshot.engine), live.state);
  const full = replayDataDir(dir, config, { useSnapshot: false });
  assert.deepEqual(exportEngineState(full.engine), live.state);
  // restart on the data dir: recovery uses the snapshot and carries on with the next seq
  const reopened = await openEngine({ dataDir: dir, config, fsync: 'none' });
  assert.equal(reopened.recovery.snapshotSeq, 1700);
  assert.equal(reopened.sequencer.submit({ type: 'ExpireSweep' }), 2501);
  await reopened.sequencer.close();
  assert.equal(replayDataDir(dir, config).lastSeq, 2501);
});

test('a snapshot written with another engine config is refused', async () => {
  const dir = tempDataDir('snapcfg');
  await runLive(dir, config, randomCommands(13, 200), { snapshotAfter: 100 });
  const other = testConfig((f) => { f.instruments[0]!.priceBandBps = 1234; });
  assert.throws(() => replayDataDir(dir, other), /different engine config/);
});

test('a torn last record is truncated on open, the state equals the commands before it, and appends continue', async () => {
  const { dir, commands } = await journaledDir(14, 500);
  const path = journalPathOf(dir);
  const offsets = recordOffsets(path);
  const size = statSync(path).size;
  truncateSync(path, size - 5); // crash in the middle of the last record
  const read = readJournal(dir);
  assert.equal(read.records.length, 499);
  assert.equal(read.scan.read.at(-1)!.validBytes, offsets[499]);
  assert.equal(read.tornBytes, size - 5 - offsets[499]!);
  const d = eventsDigest();
  const replay = replayDataDir(dir, config, { onEvents: d.add });
  const before = digestOfInMemory(commands.slice(0, 499));
  assert.equal(d.hex(), before.digest);
  assert.deepEqual(exportEngineState(replay.engine), before.state);

  let nowMs = commands[499]!.timeMs;
  const opened = await openEngine({ dataDir: dir, config, fsync: 'always', clock: () => nowMs });
  assert.equal(opened.recovery.tornBytes, size - 5 - offsets[499]!);
  assert.equal(statSync(path).size, offsets[499], 'torn tail cut off');
  for (const c of commands.slice(499, 600)) { nowMs = c.timeMs; opened.sequencer.submit(c.cmd); }
  await opened.sequencer.close();
  const after = digestOfInMemory(commands.slice(0, 600));
  const d2 = eventsDigest();
  const replay2 = replayDataDir(dir, config, { onEvents: d2.add });
  assert.equal(replay2.tornBytes, 0);
  assert.equal(d2.hex(), after.digest, 'the resubmitted commands got the same seqs and the same events');
  assert.deepEqual(exportEngineState(replay2.engine), after.state);
});

test('garbage, zeros or a half record after the last record are a torn tail, not corruption', async () => {
  const { dir } = await journaledDir(15, 300);
  const cleanSize = statSync(journalPathOf(dir)).size;
  const header = Buffer.alloc(8);
  header.writeUInt32LE(1000, 0);
  header.writeUInt32LE(12345, 4);
  const tails: Array<[string, Buffer]> = [
    ['random bytes', Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) % 251 + 1))],
    ['zeros', Buffer.alloc(4096)],
    ['five bytes of a header', Buffer.from([0x10, 0x00, 0x00, 0x00, 0x99])],
    ['a header promising 1000 bytes, then 10', Buffer.concat([header, Buffer.from('{"seq":301')])],
    ['a whole record with a wrong checksum', recordWithBadChecksum('{"seq":301,"timeMs":1700000000000,"cmd":{"type":"ExpireSweep"}}')],
  ];
  for (const [what, tail] of tails) {
    const copy = copyDataDir(dir);
    appendFileSync(journalPathOf(copy), tail);
    const read = readJournal(copy);
    assert.equal(read.records.length, 300, what);
    assert.equal(read.tornBytes, tail.length, what);
    const opened = await openEngine({ dataDir: copy, config, fsync: 'none' });
    assert.equal(opened.recovery.lastSeq, 300, what);
    await opened.sequencer.close();
    assert.equal(statSync(journalPathOf(copy)).size, cleanSize, `${what}: truncated back to the last record`);
  }
});

test('damage in the middle of the journal is an error naming its byte offset, and recovery refuses to start', async () => {
  const { dir } = await journaledDir(16, 300);
  const offsets = recordOffsets(journalPathOf(dir));
  const victim = offsets[120]!;
  const damages: Array<[string, (b: Buffer) => void, RegExp]> = [
    ['a flipped payload byte', (b) => { b[victim + RECORD_HEADER_BYTES + 3]! ^= 0x20; }, /checksum mismatch/],
    ['a length out of bounds', (b) => { b.writeUInt32LE(0xfffffff0, victim); }, /record length 4294967280 out of bounds/],
    ['a zeroed record', (b) => { b.fill(0, victim, offsets[121]); }, /record length 0 out of bounds/],
  ];
  for (const [what, damage, reason] of damages) {
    const copy = copyDataDir(dir);
    const path = journalPathOf(copy);
    const buf = readFileSync(path);
    damage(buf);
    writeFileSync(path, buf);
    assert.throws(() => readJournal(copy), (err: unknown) => {
      assert.ok(err instanceof JournalCorruptError, what);
      assert.equal(err.offset, victim, what);
      assert.match(err.message, new RegExp(`journal corrupt at byte offset ${victim}: `), what);
      assert.match(err.message, reason, what);
      assert.ok(err.message.startsWith(path), 'names the file');
      return true;
    });
    assert.throws(() => replayDataDir(copy, config), JournalCorruptError, what);
    await assert.rejects(openEngine({ dataDir: copy, config, fsync: 'none' }), JournalCorruptError, what);
    assert.equal(statSync(path).size, buf.length, `${what}: nothing truncated`);
  }
});

test('a journal whose seqs jump is corrupt at the record that jumps', async () => {
  const { dir } = await journaledDir(17, 50);
  const path = journalPathOf(dir);
  const offsets = recordOffsets(path);
  const buf = readFileSync(path);
  // drop record 20: record 21 then follows 19
  writeFileSync(path, Buffer.concat([buf.subarray(0, offsets[19]), buf.subarray(offsets[20])]));
  assert.throws(() => readJournal(dir), (err: unknown) => err instanceof JournalCorruptError && err.offset === offsets[19] && /seq 21 follows 19/.test(err.message));
});

for (const fsync of ['always', 'none'] as FsyncPolicy[]) {
  test(`events are delivered only after their command is in the journal file (fsync ${fsync})`, async () => {
    const dir = tempDataDir(`visible-${fsync}`);
    const commands = randomCommands(18, 400);
    let nowMs = commands[0]!.timeMs;
    const opened = await openEngine({ dataDir: dir, config, fsync, clock: () => nowMs });
    let delivered = 0;
    let checked = 0;
    opened.sequencer.onEvents((sc) => {
      delivered++;
      const onDisk = readJournal(dir).records;
      assert.ok(onDisk.length >= sc.seq && onDisk[sc.seq - 1]!.seq === sc.seq, `seq ${sc.seq} visible before it was written`);
      checked++;
    });
    for (let i = 0; i < commands.length; i++) {
      nowMs = commands[i]!.timeMs;
      opened.sequencer.submit(commands[i]!.cmd);
      assert.equal(opened.engine.lastSeq, delivered, 'submit applies nothing by itself');
      if (i % 50 === 49) await opened.sequencer.flush(); // 50 commands per batch
    }
    await opened.sequencer.close();
    assert.equal(checked, 400);
    const journal = opened.journal;
    if (fsync === 'always') assert.equal(journal.syncs, journal.batches, 'one fdatasync per batch');
    else assert.equal(journal.syncs, 0, 'page cache only');
    assert.equal(journal.batches, 8, 'the 50 commands of each turn went out as one batch');
  });
}

const childScript = fileURLToPath(new URL('./journal-child.js', import.meta.url));

test('fsync policy as the kernel sees it: fdatasync per batch with always, none with none (strace when installed)', () => {
  const hasStrace = spawnSync('strace', ['-V']).status === 0;
  const counts: Record<string, number> = {};
  for (const fsync of ['always', 'none']) {
    const dir = tempDataDir(`strace-${fsync}`);
    if (!hasStrace) {
      const r = spawnSync(process.execPath, [childScript, dir, '19', '3000', fsync], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      counts[fsync] = -1;
      continue;
    }
    const r = spawnSync('strace', ['-f', '-c', '-e', 'trace=fdatasync', process.execPath, childScript, dir, '19', '3000', fsync], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /done\n$/);
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?fdatasync$/m.exec(r.stderr);
    counts[fsync] = m === null ? 0 : Number(m[1]);
    assert.equal(readJournal(dir).records.length, 3000);
  }
  if (hasStrace) {
    assert.ok(counts.always! >= 1, `fdatasync calls with always: ${counts.always}`);
    assert.equal(counts.none, 0, 'no fdatasync with none');
  }
});

// fsync always: batches of up to 20,000 commands (about 2 MB) into segments of 5 MiB, so the child rolls over, and
// preallocates zeros ahead of its records, before it is killed
for (const [fsync, segmentBytes, killAfter] of [['none', 256 * 1024, 40_000], ['always', 5 * 1024 * 1024, 120_000]] as const) {
test(`a process killed with SIGKILL mid-write recovers exactly what it journaled across its segments, and everything it showed was durable (fsync ${fsync})`, async (t) => {
  const dir = tempDataDir(`sigkill-${fsync}`);
  const count = 400_000;
  const child = spawn(process.execPath, [childScript, dir, '20', String(count), fsync, String(segmentBytes)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let maxShown = 0;
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  let buffered = '';
  let killScheduled = false;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      buffered += c.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^applied (\d+)$/.exec(line);
        if (m !== null) maxShown = Math.max(maxShown, Number(m[1]));
      }
      if (maxShown >= killAfter && !killScheduled) {
        killScheduled = true;
        // a few ms later the child is busy encoding and writing its next 20,000-command batch
        setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 15);
      }
    });
    child.on('exit', () => (maxShown >= killAfter ? resolve() : reject(new Error(`child exited early: ${stderr}`))));
  });
  assert.equal(await exited, 'SIGKILL');
  const read = readJournal(dir); // a torn tail is fine; corruption would throw
  const segments = listSegments(journalDirOf(dir));
  assert.ok(segments.length > 1, `rolled over: ${segments.length} segments`);
  const path = segments.at(-1)!.path;
  const lastSeq = read.records.at(-1)!.seq;
  t.diagnostic(`killed after showing seq ${maxShown}; journal holds ${lastSeq} records in ${segments.length} segments, ` +
    `torn tail ${read.tornBytes} bytes${read.scan.tornZeros ? ' (zeros)' : ''}`);
  assert.ok(lastSeq >= maxShown, `seq ${maxShown} was visible but the journal ends at ${lastSeq}`);
  assert.ok(lastSeq < count, 'killed before the end');
  const commands = randomCommands(20, lastSeq);
  read.records.forEach((sc, i) => {
    if (sc.seq !== i + 1 || sc.timeMs !== commands[i]!.timeMs || JSON.stringify(sc.cmd) !== JSON.stringify(commands[i]!.cmd)) {
      assert.fail(`record ${i + 1} differs from the command submitted`);
    }
  });
  const defaultConfig = loadEngineConfig(CONFIG_PATH);
  const opened = await openEngine({ dataDir: dir, config: defaultConfig, fsync });
  assert.equal(opened.recovery.lastSeq, lastSeq);
  assert.equal(statSync(path).size, read.scan.read.at(-1)!.validBytes);
  const expected = applyInMemory(defaultConfig, commands);
  assert.deepEqual(exportEngineState(opened.engine), exportEngineState(expected));
  await opened.sequencer.close();
});
}
