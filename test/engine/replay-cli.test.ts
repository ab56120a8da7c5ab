// `fixgw replay` as a child process on real data directories written by openEngine + sequencer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { loadEngineConfig } from '../../src/engine/config.js';
import { journalDirOf, openEngine, replayDataDir } from '../../src/engine/data-dir.js';
import { RECORD_HEADER_BYTES, listSegments } from '../../src/engine/journal.js';
import { listSnapshots } from '../../src/engine/snapshot.js';
import type { Command } from '../../src/engine/types.js';
import { CONFIG_PATH, defaultConfigFile } from './harness.js';
import { runLive, tempDataDir } from './data-dir-support.js';
import { randomCommands, type TimedCommand } from './random-commands.js';

const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const config = loadEngineConfig(CONFIG_PATH);

/** The journal's only segment (a small journal is one). */
function journalPathOf(dataDir: string): string {
  const segments = listSegments(journalDirOf(dataDir));
  assert.equal(segments.length, 1);
  return segments[0]!.path;
}

function fixgw(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args, ...(args.includes('--engine-config') ? [] : ['--engine-config', CONFIG_PATH])], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Random traffic, a snapshot at 1500, then a known set of resting orders on top. */
async function dataDir(): Promise<string> {
  const dir = tempDataDir('replay-cli');
  const commands: TimedCommand[] = randomCommands(31, 2000);
  const t = commands.at(-1)!.timeMs;
  const resting = (cmd: Partial<Command> & Record<string, unknown>): TimedCommand => ({ timeMs: t, cmd: { type: 'NewOrder', session: 'FIX.4.4:FIXGW->REST',
    orderQty: '10', ordType: 'Limit', timeInForce: 'GTC', ...cmd } as Command });
  for (let i = 0; i < 5; i++) commands.push(resting({ clOrdId: `MB${i}`, symbol: 'MSFT', side: 'Buy', price: `${400 + i}.00` }));
  for (let i = 0; i < 3; i++) commands.push(resting({ clOrdId: `MS${i}`, symbol: 'MSFT', side: 'Sell', price: '450.00' }));
  commands.push(resting({ clOrdId: 'IB', symbol: 'IBM', side: 'Buy', price: '170.00' }));
  await runLive(dir, config, commands, { snapshotAfter: 1500 });
  return dir;
}

test('fixgw replay prints the orders resting per symbol and the last sequence it rebuilt', async () => {
  const dir = await dataDir();
  const expected = replayDataDir(dir, config).engine;
  const r = fixgw('replay', '--data-dir', dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^last seq\s+2009$/m);
  assert.match(r.stdout, /^snapshot\s+.*snapshot-0000000000001500\.json \(seq 1500\)$/m);
  assert.match(r.stdout, /^replayed\s+509 commands$/m);
  assert.match(r.stdout, /^ {2}MSFT\s+8 resting \(5 bids on 5 levels, 3 asks on 1 levels\), Open$/m);
  assert.match(r.stdout, /^ {2}IBM\s+1 resting \(1 bids on 1 levels, 0 asks on 0 levels\), Open$/m);
  for (const [symbol, n] of Object.entries(expected.restingCounts())) {
    assert.match(r.stdout, new RegExp(`^  ${symbol.replace('-', '\\-')}\\s+${n} resting`, 'm'), symbol);
  }
});

test('fixgw replay --json gives the same figures as one JSON object', async () => {
  const dir = await dataDir();
  const expected = replayDataDir(dir, config);
  const r = fixgw('replay', '--data-dir', dir, '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { lastSeq: number; snapshot: { seq: number }; replayedCommands: number;
    journal: { records: number; tornBytes: number }; symbols: Record<string, { resting: number }> };
  assert.equal(out.lastSeq, 2009);
  assert.equal(out.snapshot.seq, 1500);
  assert.equal(out.replayedCommands, 509);
  assert.equal(out.journal.records, 2009);
  assert.equal(out.journal.tornBytes, 0);
  assert.deepEqual(Object.fromEntries(Object.entries(out.symbols).map(([s, v]) => [s, v.resting])), expected.engine.restingCounts());
});

test('fixgw replay --verify replays twice, compares state, events and the snapshot, and exits 0 when all agree', async () => {
  const dir = await dataDir();
  const r = fixgw('replay', '--data-dir', dir, '--verify');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^verify\s+OK: 2 full replays, \d+ events, digest [0-9a-f]{16}$/m);
  assert.match(r.stdout, /state equal yes; events equal yes; snapshot \+ tail = full replay yes/);
  assert.match(r.stdout, /snapshot seq 1500: matches a full replay/);
  const json = JSON.parse(fixgw('replay', '--data-dir', dir, '--verify', '--json').stdout) as { verify: { ok: boolean; snapshots: unknown[] } };
  assert.equal(json.verify.ok, true);
  assert.equal(json.verify.snapshots.length, 1);
});

test('fixgw replay --verify exits 1 naming the snapshot when it differs from a full replay', async () => {
  const dir = await dataDir();
  const path = listSnapshots(`${dir}/snapshots`)[0]!.path;
  rewriteSnapshotState(path, (state) => { (state as { tradeIdLast: number }).tradeIdLast += 1; }); // well-formed, wrong state
  const r = fixgw('replay', '--data-dir', dir, '--verify');
  assert.equal(r.status, 1);
  assert.match(r.stdout, /^verify\s+MISMATCH/m);
  assert.match(r.stderr, /verification failed/);
  assert.ok(r.stderr.includes(`${path}: state differs from a full replay at seq 1500`), r.stderr);
  assert.match(r.stderr, /latest snapshot \+ journal tail differs from a full replay/);
});

/** Rewrites a snapshot file's state (header bytes and checksum kept right). */
function rewriteSnapshotState(path: string, edit: (state: Record<string, unknown>) => void): void {
  const buf = readFileSync(path);
  const nl = buf.indexOf(10);
  const state = JSON.parse(buf.subarray(nl + 1).toString('utf8')) as Record<string, unknown>;
  edit(state);
  const body = Buffer.from(JSON.stringify(state));
  const header = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { bytes: number; crc32: number };
  writeFileSync(path, JSON.stringify({ ...header, bytes: body.length, crc32: crc32(body) }) + '\n' + body.toString('utf8'));
}

test('fixgw replay exits 2 with the byte offset when the journal is corrupt in the middle', async () => {
  const dir = await dataDir();
  const jp = journalPathOf(dir);
  const buf = readFileSync(jp);
  const second = RECORD_HEADER_BYTES + buf.readUInt32LE(0);
  buf[second + RECORD_HEADER_BYTES + 2]! ^= 0xff;
  writeFileSync(jp, buf);
  const r = fixgw('replay', '--data-dir', dir, '--verify');
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.ok(r.stderr.includes(`fixgw replay: ${jp}: journal corrupt at byte offset ${second}: checksum mismatch`), r.stderr);
});

test('fixgw replay reports a torn tail and leaves the file alone', async () => {
  const dir = await dataDir();
  const jp = journalPathOf(dir);
  appendFileSync(jp, Buffer.from([0x40, 0, 0, 0, 1, 2, 3]));
  const size = statSync(jp).size;
  const r = fixgw('replay', '--data-dir', dir, '--verify');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^torn tail\s+7 bytes after the last complete record/m);
  assert.match(r.stdout, /^last seq\s+2009$/m);
  assert.equal(statSync(jp).size, size, 'read-only');
});

test('fixgw replay calls an all-zero tail (a running journal\'s preallocation) a zeroed tail, not a torn one', async () => {
  const dir = await dataDir();
  const jp = journalPathOf(dir);
  appendFileSync(jp, Buffer.alloc(4096));
  const r = fixgw('replay', '--data-dir', dir, '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { journal: { tornBytes: number; tornZeros: boolean }; lastSeq: number };
  assert.deepEqual([out.journal.tornBytes, out.journal.tornZeros, out.lastSeq], [4096, true, 2009]);
  const human = fixgw('replay', '--data-dir', dir);
  assert.match(human.stdout, /^zeroed tail\s+4096 zero bytes after the last complete record/m);
  assert.doesNotMatch(human.stdout, /^torn tail/m);
});

test('fixgw replay exits 2 with a clear message for a missing data dir or a config that does not match', async () => {
  const missing = fixgw('replay', '--data-dir', '/nonexistent/fixgw-data');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^fixgw replay: \/nonexistent\/fixgw-data: no such data directory$/m);
  const dir = await dataDir();
  const f = defaultConfigFile();
  f.instruments[0]!.priceBandBps = 42;
  const other = `${tempDataDir('cfg')}/engine.json`;
  writeFileSync(other, JSON.stringify(f));
  const r = fixgw('replay', '--data-dir', dir, '--engine-config', other);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /different engine config/);
  const bad = `${tempDataDir('cfg')}/engine.json`;
  f.instruments[0]!.tickSize = 'x';
  writeFileSync(bad, JSON.stringify(f));
  const r2 = fixgw('replay', '--data-dir', dir, '--engine-config', bad);
  assert.equal(r2.status, 2);
  assert.ok(r2.stderr.includes(`${bad}: instruments[0].tickSize`), r2.stderr);
});

test('fixgw replay on a journal trimmed by retention starts from the snapshot and says so; --verify exits 2 because a full replay is impossible', async () => {
  const dir = tempDataDir('replay-trimmed');
  const commands = randomCommands(32, 2000);
  let nowMs = commands[0]!.timeMs;
  const opened = await openEngine({ dataDir: dir, config, fsync: 'none', clock: () => nowMs, journalSegmentBytes: 8192, journalRetention: 'snapshot' });
  for (let i = 0; i < commands.length; i++) {
    nowMs = commands[i]!.timeMs;
    opened.sequencer.submit(commands[i]!.cmd);
    if ((i + 1) % 50 === 0) await opened.sequencer.flush();
    if (i + 1 === 1000 || i + 1 === 1500 || i + 1 === 1800) opened.snapshot();
  }
  await opened.sequencer.close();
  const firstSeq = listSegments(journalDirOf(dir))[0]!.firstSeq;
  assert.ok(firstSeq > 1 && firstSeq <= 1001, `journal starts at seq ${firstSeq}`);

  const r = fixgw('replay', '--data-dir', dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^trimmed\\s+the journal starts at seq ${firstSeq}: earlier segments were trimmed; replayed from the snapshot`, 'm'));
  assert.match(r.stdout, /^snapshot\s+.*snapshot-0000000000001800\.json \(seq 1800\)$/m);
  assert.match(r.stdout, /^replayed\s+200 commands$/m);
  assert.match(r.stdout, /^last seq\s+2000$/m);
  const json = JSON.parse(fixgw('replay', '--data-dir', dir, '--json').stdout) as { journal: { firstSeq: number; trimmed: boolean; records: number } };
  assert.deepEqual([json.journal.firstSeq, json.journal.trimmed, json.journal.records], [firstSeq, true, 2000 - firstSeq + 1]);

  const v = fixgw('replay', '--data-dir', dir, '--verify');
  assert.equal(v.status, 2);
  assert.equal(v.stdout, '');
  assert.ok(v.stderr.includes(`starts at seq ${firstSeq} (earlier segments were trimmed, JournalRetention=snapshot): a full replay is impossible`), v.stderr);

  for (const name of ['1000', '1500', '1800']) unlinkSync(`${dir}/snapshots/snapshot-000000000000${name}.json`);
  const none = fixgw('replay', '--data-dir', dir);
  assert.equal(none.status, 2);
  assert.match(none.stderr, new RegExp(`the journal starts at seq ${firstSeq} .*trimmed.*, and there is no snapshot to start from`));
});
