// Test support: run real command streams through openEngine (real journal file, real fsync) and replay them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../../src/engine/data-dir.js';
import { eventsDigest } from '../../src/engine/digest.js';
import { Engine } from '../../src/engine/engine.js';
import { exportEngineState, type EngineState } from '../../src/engine/engine-state.js';
import type { FsyncPolicy } from '../../src/engine/journal.js';
import type { EngineEvent, SequencedCommand } from '../../src/engine/types.js';
import type { EngineConfig } from '../../src/engine/config.js';
import type { TimedCommand } from './random-commands.js';

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp directory, removed when the test process exits. */
export function tempDataDir(tag = 'data'): string {
  const dir = mkdtempSync(join(tmpdir(), `fixgw-${tag}-`));
  tempDirs.push(dir);
  return dir;
}

export interface LiveRun {
  /** Digest of every event delivered. */
  digest: string;
  /** Digest of the events of commands after the snapshot (when one was taken). */
  tailDigest: string;
  state: EngineState;
  lastSeq: number;
  snapshotSeq: number | null;
  events: number;
  batches: number;
  syncs: number;
}

/**
 * Submits `commands` to a sequencer on `dataDir` (burstSize commands per event-loop turn, so batches form as they
 * would from sockets), optionally writes a snapshot after `snapshotAfter` commands, and closes the engine.
 */
export async function runLive(dataDir: string, config: EngineConfig, commands: readonly TimedCommand[],
  options: { fsync?: FsyncPolicy; burstSize?: number; snapshotAfter?: number; journalSegmentBytes?: number } = {}): Promise<LiveRun> {
  let nowMs = commands[0]?.timeMs ?? 0;
  const opened = await openEngine({ dataDir, config, fsync: options.fsync ?? 'none', clock: () => nowMs,
    ...(options.journalSegmentBytes === undefined ? {} : { journalSegmentBytes: options.journalSegmentBytes }) });
  const { sequencer } = opened;
  const all = eventsDigest();
  const tail = eventsDigest();
  let snapshotSeq: number | null = null;
  sequencer.onEvents((sc, events) => {
    all.add(sc, events);
    if (snapshotSeq !== null && sc.seq > snapshotSeq) tail.add(sc, events);
  });
  const burst = options.burstSize ?? 37;
  for (let i = 0; i < commands.length; i++) {
    nowMs = commands[i]!.timeMs;
    sequencer.submit(commands[i]!.cmd);
    if (i + 1 === options.snapshotAfter) {
      await sequencer.flush();
      opened.snapshot();
      snapshotSeq = sequencer.lastAppliedSeq;
    } else if ((i + 1) % burst === 0) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  await sequencer.flush();
  const state = exportEngineState(opened.engine);
  const journal = opened.journal;
  const out = { digest: all.hex(), tailDigest: tail.hex(), state, lastSeq: opened.engine.lastSeq, snapshotSeq, events: all.count,
    batches: journal.batches, syncs: journal.syncs };
  await sequencer.close();
  return out;
}

/** Applies commands to a fresh in-memory engine, stamping seq 1.. and each command's time. */
export function applyInMemory(config: EngineConfig, commands: readonly TimedCommand[], onEvents?: (sc: SequencedCommand, events: EngineEvent[]) => void): Engine {
  const engine = new Engine(config);
  commands.forEach(({ cmd, timeMs }, i) => {
    const sc = { seq: i + 1, timeMs, cmd };
    const events = engine.apply(sc);
    onEvents?.(sc, events);
  });
  return engine;
}
