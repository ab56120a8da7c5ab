// A node's engine replica: started from the latest snapshot in the object store (or empty) plus the command stream
// after it, and snapshotted back into the object store. The engine snapshot bytes are the local snapshot file's
// (engine/snapshot.ts: a header line, then the state JSON), so one format serves both modes.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { EngineConfig } from '../engine/config.js';
import { Engine } from '../engine/engine.js';
import { canonicalEngineState, exportEngineState, importEngineState, type EngineState } from '../engine/engine-state.js';
import { encodeSnapshot } from '../engine/snapshot.js';
import { ClusterSequencer, type ClusterSequencerOptions } from './cluster-sequencer.js';
import type { JetStreamCommandLog } from './command-log.js';
import type { ClusterSnapshot, SnapshotStore } from './snapshot-store.js';

export interface StartedReplica {
  sequencer: ClusterSequencer;
  /** The seq of the snapshot it started from, or null (from the stream's first record). */
  snapshotSeq: number | null;
  /** Newer snapshots that did not read back whole, with why. */
  skipped: string[];
}

/** Builds the engine from the newest readable snapshot and applies the stream from the record after it. */
export async function startReplica(config: EngineConfig, log: JetStreamCommandLog, snapshots: SnapshotStore | null, options: ClusterSequencerOptions = {}): Promise<StartedReplica> {
  const { snapshot, skipped } = snapshots === null ? { snapshot: null, skipped: [] } : await snapshots.latest();
  const engine = snapshot === null ? new Engine(config) : engineFromSnapshot(config, snapshot);
  const sequencer = await ClusterSequencer.start(engine, log, { ...options, ...(snapshot !== null ? { lastTimeMs: snapshot.timeMs } : {}) });
  return { sequencer, snapshotSeq: snapshot?.seq ?? null, skipped };
}

/** The replica's state now (synchronous: exactly the state at its last applied seq), ready for SnapshotStore.save. */
export function snapshotOf(sequencer: ClusterSequencer): ClusterSnapshot {
  const snap = encodeSnapshot(sequencer.engine);
  return { seq: snap.seq, timeMs: sequencer.lastAppliedTimeMs, bytes: Buffer.concat([Buffer.from(snap.header, 'utf8'), snap.body]) };
}

/** The engine a snapshot holds; throws saying what is wrong with it. */
export function engineFromSnapshot(config: EngineConfig, snapshot: ClusterSnapshot): Engine {
  const buf = snapshot.bytes;
  const nl = buf.indexOf(10);
  let header: { version?: unknown; seq?: unknown; bytes?: unknown; crc32?: unknown };
  try { header = JSON.parse(buf.toString('utf8', 0, nl < 0 ? 0 : nl)); } catch { throw new Error(`snapshot ${snapshot.seq}: no header line`); }
  const body = buf.subarray(nl + 1);
  if (header.version !== 1) throw new Error(`snapshot ${snapshot.seq}: engine snapshot version ${String(header.version)} not supported`);
  if (header.bytes !== body.length || header.crc32 !== crc32(body)) throw new Error(`snapshot ${snapshot.seq}: body length or checksum mismatch`);
  const state = JSON.parse(body.toString('utf8')) as EngineState;
  if (state.lastSeq !== snapshot.seq || header.seq !== snapshot.seq) throw new Error(`snapshot ${snapshot.seq}: holds seq ${state.lastSeq}`);
  return importEngineState(config, state);
}

/**
 * The replica digest: a SHA-256 of the engine's whole state (and the time it last applied a command with) at its last
 * applied seq. Replicas that applied the same stream prefix have equal digests; a difference is a diverged replica.
 */
export function replicaDigest(sequencer: ClusterSequencer): { seq: number; digest: string } {
  const state = canonicalEngineState(exportEngineState(sequencer.engine));
  const digest = createHash('sha256').update(JSON.stringify(state)).update(`\n${sequencer.lastAppliedTimeMs}`).digest('hex');
  return { seq: sequencer.lastAppliedSeq, digest };
}
