// Snapshots: the full engine state at sequence N, as bytes (a header line {"version","seq","bytes","crc32"} and the
// state JSON), kept by a SnapshotStore. The local store is a directory of files snapshot-<seq 16 digits>.json written
// atomically (temp file, fsync, rename, fsync dir); the cluster keeps them in a JetStream object store.
// The header's version is the layout of the whole snapshot, the engine state's included; a snapshot of another
// version is refused with an error naming where it was read and the version found.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Engine } from './engine.js';
import { ENGINE_STATE_VERSION, exportEngineState, type EngineState } from './engine-state.js';

/** The snapshot layout this build writes and reads: the engine state's layout. */
export const SNAPSHOT_FORMAT_VERSION = ENGINE_STATE_VERSION;
const SNAPSHOT_FILE = /^snapshot-(\d{16})\.json$/;
/** Snapshots kept on disk; older ones are deleted after a new one is durable. */
export const SNAPSHOTS_KEPT = 3;

/**
 * Where snapshots are kept: local files (FileSnapshotStore) or, in the cluster, an object store. A snapshot is only
 * ever read back whole and checked (decodeSnapshot); the store does not look inside.
 */
export interface SnapshotStore {
  /** Stores the snapshot of the state at `seq` (the chunks of encodeSnapshot, in order); resolves, to where it is,
   *  once it is durable. A later save of the same seq replaces it. */
  save(seq: number, chunks: readonly Buffer[]): Promise<string>;
  /** The newest snapshot's bytes and where they were read, or null when the store holds none. */
  latest(): Promise<{ seq: number; bytes: Buffer; where: string } | null>;
  /** Seqs of the snapshots held, oldest first (journal retention trims below the oldest). */
  seqs(): Promise<number[]>;
  /** Deletes all but the newest `kept` snapshots. */
  trim(kept: number): Promise<void>;
}

export interface SnapshotFile { path: string; seq: number; state: EngineState }

/** A snapshot that is damaged or of another layout; `where` names the file (or object) it was read from. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
  constructor(readonly where: string, reason: string) { super(`${where}: ${reason}`); }
}

/** A snapshot serialised in memory: the engine's state at `seq`, ready to be saved. */
export interface EncodedSnapshot { seq: number; name: string; header: Buffer; body: Buffer; chunks: readonly Buffer[] }

/** The name a snapshot of `seq` is kept under. */
export function snapshotName(seq: number): string {
  return `snapshot-${String(seq).padStart(16, '0')}.json`;
}

/** Serialises the engine's current state (synchronous: captures exactly the state at engine.lastSeq). */
export function encodeSnapshot(engine: Engine): EncodedSnapshot {
  const body = Buffer.from(JSON.stringify(exportEngineState(engine)), 'utf8');
  const header = Buffer.from(JSON.stringify({ version: SNAPSHOT_FORMAT_VERSION, seq: engine.lastSeq, bytes: body.length, crc32: crc32(body) }) + '\n');
  return { seq: engine.lastSeq, name: snapshotName(engine.lastSeq), header, body, chunks: [header, body] };
}

/** Checks and decodes a snapshot's bytes; throws SnapshotError naming `where` when they are damaged or of another version. */
export function decodeSnapshot(buf: Buffer, where: string): { seq: number; state: EngineState } {
  const nl = buf.indexOf(10);
  if (nl < 0) throw new SnapshotError(where, 'snapshot has no header line');
  let header: { version: unknown; seq: number; bytes: number; crc32: number };
  try { header = JSON.parse(buf.subarray(0, nl).toString('utf8')); } catch { throw new SnapshotError(where, 'snapshot header is not JSON'); }
  if (header.version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError(where, `snapshot format version ${JSON.stringify(header.version)}; this fixgw reads version ${SNAPSHOT_FORMAT_VERSION}`);
  }
  const body = buf.subarray(nl + 1);
  if (body.length !== header.bytes) throw new SnapshotError(where, `snapshot body is ${body.length} bytes, header says ${header.bytes}`);
  if (crc32(body) !== header.crc32) throw new SnapshotError(where, 'snapshot checksum mismatch');
  const state = JSON.parse(body.toString('utf8')) as EngineState;
  if (state.version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotError(where, `engine state version ${JSON.stringify(state.version)}; this fixgw reads version ${SNAPSHOT_FORMAT_VERSION}`);
  }
  if (state.lastSeq !== header.seq) throw new SnapshotError(where, `snapshot seq ${state.lastSeq} does not match header ${header.seq}`);
  return { seq: header.seq, state };
}

/** The snapshots of a directory of files; reads are synchronous too (recovery and tools run before the event loop matters). */
export class FileSnapshotStore implements SnapshotStore {
  constructor(readonly dir: string) {}

  /** Temp file, fsync, rename, fsync of the directory: a crash leaves the old snapshot or the new one, whole. */
  async save(seq: number, chunks: readonly Buffer[]): Promise<string> {
    await fsp.mkdir(this.dir, { recursive: true });
    const name = snapshotName(seq);
    const tmp = join(this.dir, `.${name}.tmp`);
    const fh = await fsp.open(tmp, 'w');
    try {
      for (const buf of chunks) {
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
    const path = join(this.dir, name);
    await fsp.rename(tmp, path);
    const dh = await fsp.open(this.dir, 'r');
    try { await dh.sync(); } finally { await dh.close(); }
    return path;
  }

  latest(): Promise<{ seq: number; bytes: Buffer; where: string } | null> {
    const last = listSnapshots(this.dir).at(-1);
    return Promise.resolve(last === undefined ? null : { seq: last.seq, bytes: readFileSync(last.path), where: last.path });
  }

  seqs(): Promise<number[]> { return Promise.resolve(listSnapshots(this.dir).map((s) => s.seq)); }

  trim(kept: number): Promise<void> {
    pruneSnapshots(this.dir, kept);
    return Promise.resolve();
  }
}

/** Deletes all but the newest `kept` snapshots. */
function pruneSnapshots(dir: string, kept: number): void {
  const all = listSnapshots(dir);
  for (const old of all.slice(0, Math.max(0, all.length - kept))) unlinkSync(old.path);
}

/** Writes the engine's current state synchronously; returns the snapshot path. Keeps the newest `kept` snapshots. */
export function writeSnapshot(dir: string, engine: Engine, kept = SNAPSHOTS_KEPT): string {
  mkdirSync(dir, { recursive: true });
  const snap = encodeSnapshot(engine);
  const tmp = join(dir, `.${snap.name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (const buf of snap.chunks) {
      let at = 0;
      while (at < buf.length) at += writeSync(fd, buf, at, buf.length - at);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const path = join(dir, snap.name);
  renameSync(tmp, path);
  const dfd = openSync(dir, 'r');
  try { fsyncSync(dfd); } finally { closeSync(dfd); }
  pruneSnapshots(dir, kept);
  return path;
}

/**
 * Writes an encoded snapshot without blocking the event loop (FileSnapshotStore.save), then deletes all but the
 * newest `kept`. Returns the snapshot path.
 */
export async function writeEncodedSnapshot(dir: string, snap: EncodedSnapshot, kept = SNAPSHOTS_KEPT): Promise<string> {
  const store = new FileSnapshotStore(dir);
  const path = await store.save(snap.seq, snap.chunks);
  await store.trim(kept);
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

/** Reads and checks one snapshot file; throws SnapshotError naming the file when it is damaged or of another version. */
export function readSnapshot(path: string): SnapshotFile {
  return { path, ...decodeSnapshot(readFileSync(path), path) };
}

/** The newest snapshot, or null when there is none. */
export function readLatestSnapshot(dir: string): SnapshotFile | null {
  const all = listSnapshots(dir);
  return all.length === 0 ? null : readSnapshot(all[all.length - 1]!.path);
}
