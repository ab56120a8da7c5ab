// A data directory: DATA/journal/ (segment files journal-<seq of first record, 20 digits>.log) and DATA/snapshots/.
// Recovery = latest snapshot + the journal segments that hold the commands after it, streamed record by record.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineConfig } from './config.js';
import { Engine } from './engine.js';
import { importEngineState, type EngineState } from './engine-state.js';
import {
  JournalWriter, scanJournal, trimJournal, truncateTornTail, type FsyncPolicy, type JournalScan,
} from './journal.js';
import { JournalCommandLog } from './command-log-journal.js';
import { Sequencer, type SequencerOptions } from './sequencer.js';
import { listSnapshots, readLatestSnapshot, writeSnapshot } from './snapshot.js';
import type { EngineEvent, SequencedCommand } from './types.js';

/** The journal's directory: segment files, see journal.ts. */
export function journalDirOf(dataDir: string): string { return join(dataDir, 'journal'); }
export function snapshotDirOf(dataDir: string): string { return join(dataDir, 'snapshots'); }

/** 'all': every segment is kept (audit and full replay need the history). 'snapshot': after each snapshot, the
 *  segments whose every record is at or before the oldest kept snapshot are deleted. */
export type JournalRetention = 'all' | 'snapshot';

export interface ReplayResult {
  engine: Engine;
  /** Seq of the snapshot the replay started from, or null for a full replay. */
  snapshotSeq: number | null;
  /** Journal records applied on top of the snapshot (or from the start). */
  replayedCommands: number;
  lastSeq: number;
  /** Torn-tail bytes found after the last valid record. */
  tornBytes: number;
  /** What was read of the journal: the segments on disk, the ones opened, their record counts. */
  journal: JournalScan;
}

/**
 * Rebuilds an engine from a journal directory, starting from a snapshot when given: only the segments that can hold
 * a seq after the snapshot are opened, and records up to it are checked but not decoded. Read-only.
 * Throws JournalTrimmedError when the journal does not go back far enough (e.g. a full replay after retention).
 */
export function replayJournalDir(config: EngineConfig, journalDir: string, snapshot: { seq: number; state: EngineState } | null,
  onEvents?: (sc: SequencedCommand, events: EngineEvent[], engine: Engine) => void, upToSeq?: number): ReplayResult {
  const engine = snapshot === null ? new Engine(config) : importEngineState(config, snapshot.state);
  let replayed = 0;
  const scan = scanJournal(journalDir, { afterSeq: engine.lastSeq, ...(upToSeq === undefined ? {} : { upToSeq }) }, (sc) => {
    if (sc.seq !== engine.lastSeq + 1) throw new Error(`invariant: journal record seq ${sc.seq} after engine seq ${engine.lastSeq}`);
    const events = engine.apply(sc);
    onEvents?.(sc, events, engine);
    replayed++;
  });
  return { engine, snapshotSeq: snapshot?.seq ?? null, replayedCommands: replayed, lastSeq: engine.lastSeq, tornBytes: scan.tornBytes, journal: scan };
}

/** Read-only replay of a data directory (does not truncate a torn tail). */
export function replayDataDir(dataDir: string, config: EngineConfig, options: { useSnapshot?: boolean;
  onEvents?: (sc: SequencedCommand, events: EngineEvent[], engine: Engine) => void; upToSeq?: number } = {}): ReplayResult {
  const snapshot = options.useSnapshot === false ? null : readLatestSnapshot(snapshotDirOf(dataDir));
  return replayJournalDir(config, journalDirOf(dataDir), snapshot, options.onEvents, options.upToSeq);
}

/**
 * Under JournalRetention=snapshot: deletes the journal segments that the OLDEST snapshot kept in DATA/snapshots covers
 * entirely (every record at or before its seq); call after a snapshot is durable. Returns the paths deleted.
 */
export function trimJournalToSnapshots(dataDir: string): string[] {
  const oldest = listSnapshots(snapshotDirOf(dataDir))[0];
  return oldest === undefined ? [] : trimJournal(journalDirOf(dataDir), oldest.seq);
}

export interface OpenEngineOptions extends Omit<SequencerOptions, 'log'> {
  dataDir: string;
  config: EngineConfig;
  /** Default 'always'. */
  fsync?: FsyncPolicy;
  /** Sees every command replayed at startup with its events (e.g. to send replies a crash cut off). */
  onReplayEvents?: (sc: SequencedCommand, events: EngineEvent[]) => void;
  /** A new journal segment is started at the first batch boundary once the current one holds this many bytes.
   *  Default JOURNAL_SEGMENT_BYTES_DEFAULT (64 MiB). */
  journalSegmentBytes?: number;
  /** Default 'all'. With 'snapshot', snapshot() (and opening) deletes the segments the oldest kept snapshot covers. */
  journalRetention?: JournalRetention;
  /** Told once when the journal's preallocation (fsync 'always') fails and stops; the journal goes on without it. */
  onJournalPreallocationError?: (err: Error) => void;
}

export interface OpenedEngine {
  sequencer: Sequencer;
  engine: Engine;
  /** The command log under the sequencer: the data directory's journal. */
  log: JournalCommandLog;
  /** The journal's writer (statistics: batches, syncs, preallocations). */
  journal: JournalWriter;
  recovery: ReplayResult;
  /** Writes a snapshot of the current (applied, durable) state, then applies the journal retention; returns its path. */
  snapshot(): string;
}

/**
 * Recovers the data directory: the latest snapshot, then the journal segments after it (a torn tail of the last
 * segment is truncated), applies the journal
 * retention, and opens the journal for appending.
 */
export async function openEngine(options: OpenEngineOptions): Promise<OpenedEngine> {
  const journalDir = journalDirOf(options.dataDir);
  mkdirSync(journalDir, { recursive: true });
  mkdirSync(snapshotDirOf(options.dataDir), { recursive: true });
  const snapshot = readLatestSnapshot(snapshotDirOf(options.dataDir));
  const onReplay = options.onReplayEvents;
  const recovery = replayJournalDir(options.config, journalDir, snapshot, onReplay === undefined ? undefined : (sc, events) => onReplay(sc, events));
  const lastJournalSeq = recovery.journal.lastSeq;
  if (lastJournalSeq > 0 && lastJournalSeq < recovery.lastSeq) {
    throw new Error(`${journalDir}: journal ends at seq ${lastJournalSeq} but the snapshot is at ${recovery.lastSeq}`);
  }
  truncateTornTail(recovery.journal);
  const retention = options.journalRetention ?? 'all';
  if (retention === 'snapshot') trimJournalToSnapshots(options.dataDir);
  const fsync = options.fsync ?? 'always';
  const journal = await JournalWriter.openDir(journalDir, fsync, {
    ...(options.journalSegmentBytes === undefined ? {} : { segmentBytes: options.journalSegmentBytes }),
    ...(options.onJournalPreallocationError === undefined ? {} : { onPreallocationError: options.onJournalPreallocationError }),
  });
  const engine = recovery.engine;
  const log = new JournalCommandLog(journal, engine.lastSeq);
  const sequencer = new Sequencer(engine, { ...options, log });
  return {
    sequencer, engine, recovery, log, journal,
    snapshot: () => {
      const path = writeSnapshot(snapshotDirOf(options.dataDir), sequencer.engine);
      if (retention === 'snapshot') trimJournalToSnapshots(options.dataDir);
      return path;
    },
  };
}
