// A data directory: DATA/journal/journal.log and DATA/snapshots/. Recovery = latest snapshot + journal tail.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineConfig } from './config.js';
import { Engine } from './engine.js';
import { importEngineState } from './engine-state.js';
import { JournalWriter, readJournal, recoverJournal, type FsyncPolicy, type JournalContents } from './journal.js';
import { Sequencer, type SequencerOptions } from './sequencer.js';
import { readLatestSnapshot, writeSnapshot } from './snapshot.js';
import type { EngineEvent, SequencedCommand } from './types.js';

export function journalPathOf(dataDir: string): string { return join(dataDir, 'journal', 'journal.log'); }
export function snapshotDirOf(dataDir: string): string { return join(dataDir, 'snapshots'); }

export interface ReplayResult {
  engine: Engine;
  /** Seq of the snapshot the replay started from, or null for a full replay. */
  snapshotSeq: number | null;
  /** Journal records applied on top of the snapshot (or from the start). */
  replayedCommands: number;
  lastSeq: number;
  /** Torn-tail bytes found after the last valid record. */
  tornBytes: number;
}

/** Rebuilds an engine from already-read journal contents, starting from a snapshot when given. */
export function replayJournal(config: EngineConfig, journal: JournalContents, snapshot: { seq: number; state: import('./engine-state.js').EngineState } | null,
  onEvents?: (sc: SequencedCommand, events: EngineEvent[], engine: Engine) => void, upToSeq = Number.MAX_SAFE_INTEGER): ReplayResult {
  const engine = snapshot === null ? new Engine(config) : importEngineState(config, snapshot.state);
  let replayed = 0;
  for (const sc of journal.records) {
    if (sc.seq <= engine.lastSeq) continue;
    if (sc.seq > upToSeq) break;
    if (sc.seq !== engine.lastSeq + 1) throw new Error(`journal gap: next record is seq ${sc.seq}, engine is at ${engine.lastSeq}`);
    const events = engine.apply(sc);
    onEvents?.(sc, events, engine);
    replayed++;
  }
  return { engine, snapshotSeq: snapshot?.seq ?? null, replayedCommands: replayed, lastSeq: engine.lastSeq, tornBytes: journal.tornBytes };
}

/** Read-only replay of a data directory (does not truncate a torn tail). */
export function replayDataDir(dataDir: string, config: EngineConfig, options: { useSnapshot?: boolean;
  onEvents?: (sc: SequencedCommand, events: EngineEvent[], engine: Engine) => void; upToSeq?: number } = {}): ReplayResult {
  const snapshot = options.useSnapshot === false ? null : readLatestSnapshot(snapshotDirOf(dataDir));
  return replayJournal(config, readJournal(journalPathOf(dataDir)), snapshot, options.onEvents, options.upToSeq);
}

export interface OpenEngineOptions extends Omit<SequencerOptions, 'journal'> {
  dataDir: string;
  config: EngineConfig;
  /** Default 'always'. */
  fsync?: FsyncPolicy;
  /** Sees every command replayed at startup with its events (e.g. to send replies a crash cut off). */
  onReplayEvents?: (sc: SequencedCommand, events: EngineEvent[]) => void;
}

export interface OpenedEngine {
  sequencer: Sequencer;
  engine: Engine;
  recovery: ReplayResult;
  /** Writes a snapshot of the current (applied, durable) state; returns its path. */
  snapshot(): string;
}

/** Recovers the data directory (truncating a torn journal tail), then opens the journal for appending. */
export async function openEngine(options: OpenEngineOptions): Promise<OpenedEngine> {
  mkdirSync(join(options.dataDir, 'journal'), { recursive: true });
  mkdirSync(snapshotDirOf(options.dataDir), { recursive: true });
  const journalPath = journalPathOf(options.dataDir);
  const contents = recoverJournal(journalPath);
  const snapshot = readLatestSnapshot(snapshotDirOf(options.dataDir));
  const onReplay = options.onReplayEvents;
  const recovery = replayJournal(options.config, contents, snapshot, onReplay === undefined ? undefined : (sc, events) => onReplay(sc, events));
  const lastJournalSeq = contents.records.length > 0 ? contents.records[contents.records.length - 1]!.seq : 0;
  if (lastJournalSeq > 0 && lastJournalSeq < recovery.lastSeq) {
    throw new Error(`${journalPath}: journal ends at seq ${lastJournalSeq} but the snapshot is at ${recovery.lastSeq}`);
  }
  const journal = await JournalWriter.open(journalPath, options.fsync ?? 'always');
  const engine = recovery.engine;
  const sequencer = new Sequencer(engine, { ...options, journal });
  return { sequencer, engine, recovery, snapshot: () => writeSnapshot(snapshotDirOf(options.dataDir), sequencer.engine) };
}
