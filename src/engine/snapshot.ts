// Snapshots: the full engine state at sequence N, written atomically (temp file, fsync, rename, fsync dir).
// File snapshot-<seq 16 digits>.json holds a header line {"version","seq","bytes","crc32"} and the state JSON.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Engine } from './engine.js';
import { exportEngineState, type EngineState } from './engine-state.js';

const SNAPSHOT_FILE = /^snapshot-(\d{16})\.json$/;
/** Snapshots kept on disk; older ones are deleted after a new one is durable. */
export const SNAPSHOTS_KEPT = 3;

export interface SnapshotFile { path: string; seq: number; state: EngineState }

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** A snapshot serialised in memory: the engine's state at `seq`, ready to be written. */
export interface EncodedSnapshot { seq: number; name: string; header: string; body: Buffer }

/** Serialises the engine's current state (synchronous: captures exactly the state at engine.lastSeq). */
export function encodeSnapshot(engine: Engine): EncodedSnapshot {
  const body = Buffer.from(JSON.stringify(exportEngineState(engine)), 'utf8');
  const header = JSON.stringify({ version: 1, seq: engine.lastSeq, bytes: body.length, crc32: crc32(body) }) + '\n';
  return { seq: engine.lastSeq, name: `snapshot-${String(engine.lastSeq).padStart(16, '0')}.json`, header, body };
}

/** Deletes all but the newest `kept` snapshots. */
function pruneSnapshots(dir: string, kept: number): void {
  const all = listSnapshots(dir);
  for (const old of all.slice(0, Math.max(0, all.length - kept))) unlinkSync(old.path);
}

/** Writes the engine's current state; returns the snapshot path. Keeps the newest `kept` snapshots. */
export function writeSnapshot(dir: string, engine: Engine, kept = SNAPSHOTS_KEPT): string {
  mkdirSync(dir, { recursive: true });
  const snap = encodeSnapshot(engine);
  const tmp = join(dir, `.${snap.name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, snap.header);
    let at = 0;
    while (at < snap.body.length) at += writeSync(fd, snap.body, at, snap.body.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const path = join(dir, snap.name);
  renameSync(tmp, path);
  fsyncDir(dir);
  pruneSnapshots(dir, kept);
  return path;
}

/**
 * Writes an encoded snapshot without blocking the event loop: temp file, fsync, rename, fsync of the directory,
 * then deletes all but the newest `kept`. Returns the snapshot path.
 */
export async function writeEncodedSnapshot(dir: string, snap: EncodedSnapshot, kept = SNAPSHOTS_KEPT): Promise<string> {
  await fsp.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${snap.name}.tmp`);
  const fh = await fsp.open(tmp, 'w');
  try {
    for (const buf of [Buffer.from(snap.header, 'utf8'), snap.body]) {
      let at = 0;
      while (at < buf.length) {
        const { bytesWritten } = await fh.write(buf, at, buf.length - at);
        if (bytesWritten <= 0) throw new Error(`${tmp}: snapshot write made no progress`);
        at += bytesWritten;
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  const path = join(dir, snap.name);
  await fsp.rename(tmp, path);
  const dh = await fsp.open(dir, 'r');
  try { await dh.sync(); } finally { await dh.close(); }
  pruneSnapshots(dir, kept);
  return path;
}

/** Snapshot files in a directory, oldest first. */
export function listSnapshots(dir: string): Array<{ path: string; seq: number }> {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.flatMap((n) => {
    const m = SNAPSHOT_FILE.exec(n);
    return m === null ? [] : [{ path: join(dir, n), seq: Number(m[1]) }];
  }).sort((a, b) => a.seq - b.seq);
}

/** Reads and checks one snapshot file; throws naming the file when it is damaged. */
export function readSnapshot(path: string): SnapshotFile {
  const buf = readFileSync(path);
  const nl = buf.indexOf(10);
  if (nl < 0) throw new Error(`${path}: snapshot has no header line`);
  let header: { version: number; seq: number; bytes: number; crc32: number };
  try { header = JSON.parse(buf.subarray(0, nl).toString('utf8')); } catch { throw new Error(`${path}: snapshot header is not JSON`); }
  const body = buf.subarray(nl + 1);
  if (header.version !== 1) throw new Error(`${path}: snapshot version ${header.version} not supported`);
  if (body.length !== header.bytes) throw new Error(`${path}: snapshot body is ${body.length} bytes, header says ${header.bytes}`);
  if (crc32(body) !== header.crc32) throw new Error(`${path}: snapshot checksum mismatch`);
  const state = JSON.parse(body.toString('utf8')) as EngineState;
  if (state.lastSeq !== header.seq) throw new Error(`${path}: snapshot seq ${state.lastSeq} does not match header ${header.seq}`);
  return { path, seq: header.seq, state };
}

/** The newest snapshot, or null when there is none. */
export function readLatestSnapshot(dir: string): SnapshotFile | null {
  const all = listSnapshots(dir);
  return all.length === 0 ? null : readSnapshot(all[all.length - 1]!.path);
}
