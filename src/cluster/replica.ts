// A node's engine replica: the engine built from the newest readable snapshot in the object store (or empty), under
// the shared Sequencer over the JetStream command log, which applies the stream from the record after the snapshot.
// Snapshots go back into the object store in the local snapshot file's format, and the replica digest (engineDigest)
// lets nodes prove they agree.
import {
  decodeSnapshot, encodeSnapshot, Engine, engineDigest, importEngineState, JournalTrimmedError, Sequencer, type EngineConfig, type SequencerOptions,
} from '../engine/index.js';
import type { JetStreamCommandLog } from './command-log.js';
import { CommandStreamGapError } from './command-reader.js';
import type { ObjectSnapshotStore } from './snapshot-store.js';

export interface StartedReplica {
  sequencer: Sequencer;
  engine: Engine;
  /** The seq of the snapshot it started from, or null (from the stream's first record). */
  snapshotSeq: number | null;
  /** Newer snapshots that did not read back whole, with why. */
  skipped: string[];
}

/**
 * Builds the engine from the newest readable snapshot and starts the Sequencer, which applies the stream from the
 * record after it (in later turns: register listeners right away). Throws JournalTrimmedError when the stream no
 * longer holds that record, naming the snapshots skipped.
 */
export async function startReplica(config: EngineConfig, log: JetStreamCommandLog, snapshots: ObjectSnapshotStore | null,
  options: Omit<SequencerOptions, 'log'> = {}): Promise<StartedReplica> {
  const { engine, snapshotSeq, skipped } = await engineFromSnapshots(config, snapshots);
  const bounds = await log.bounds();
  if (engine.lastSeq > bounds.lastSeq) {
    throw new CommandStreamGapError(`stream ${log.names.commandStream} ends at seq ${bounds.lastSeq}, before the snapshot's seq ${engine.lastSeq}: the snapshot is not of this stream`);
  }
  if (bounds.firstSeq > engine.lastSeq + 1) {
    const err = new JournalTrimmedError(`stream ${log.names.commandStream}`, bounds.firstSeq, engine.lastSeq + 1);
    if (skipped.length > 0) err.message += `; snapshots skipped: ${skipped.join('; ')}`;
    throw err;
  }
  return { sequencer: new Sequencer(engine, { ...options, log }), engine, snapshotSeq, skipped };
}

async function engineFromSnapshots(config: EngineConfig, snapshots: ObjectSnapshotStore | null): Promise<{ engine: Engine; snapshotSeq: number | null; skipped: string[] }> {
  const skipped: string[] = [];
  for (const seq of snapshots === null ? [] : (await snapshots.seqs()).reverse()) {
    try {
      const { bytes, where } = await snapshots!.read(seq);
      const { state } = decodeSnapshot(bytes, where);
      return { engine: importEngineState(config, state), snapshotSeq: seq, skipped };
    } catch (err) {
      skipped.push((err as Error).message);
    }
  }
  return { engine: new Engine(config), snapshotSeq: null, skipped };
}

/** Saves the engine's state now (exactly at its last applied seq) and keeps the newest `kept`; resolves to its seq. */
export async function saveSnapshot(engine: Engine, snapshots: ObjectSnapshotStore, kept: number): Promise<number> {
  const snap = encodeSnapshot(engine);
  await snapshots.save(snap.seq, snap.chunks);
  await snapshots.trim(kept);
  return snap.seq;
}

/** The replica digest: the engine's whole state at its last applied seq; replicas equal at a seq have equal digests. */
export function replicaDigest(engine: Engine): { seq: number; digest: string } {
  return { seq: engine.lastSeq, digest: engineDigest(engine) };
}

/** Resolves once the replica has applied everything the stream held when called; throws after timeoutMs. */
export async function caughtUp(log: JetStreamCommandLog, sequencer: Sequencer, timeoutMs: number): Promise<void> {
  const { lastSeq } = await log.bounds();
  const deadline = Date.now() + timeoutMs;
  while (sequencer.lastAppliedSeq < lastSeq) {
    if (sequencer.error !== null) throw sequencer.error;
    if (Date.now() > deadline) throw new Error(`replica at seq ${sequencer.lastAppliedSeq} has not reached the stream's seq ${lastSeq} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
