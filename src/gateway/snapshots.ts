// Engine snapshots in the running gateway: every N journaled commands and on clean shutdown, so a restart
// replays the newest snapshot plus the journal tail instead of the whole journal.
// The state is captured synchronously between journal batches (encodeSnapshot: export + JSON, the only part on
// the event loop); the file is written asynchronously (temp file, fsync, rename, directory fsync), one at a time,
// and older snapshots beyond `kept` are deleted once the new one is durable.
import type { Logger } from 'pino';
import {
  encodeSnapshot, journalDirOf, snapshotDirOf, syncJournal, trimJournalToSnapshots, writeEncodedSnapshot,
  type Engine, type JournalRetention, type Sequencer,
} from '../engine/index.js';

export interface SnapshotterOptions {
  dataDir: string;
  engine: Engine;
  sequencer: Sequencer;
  /** Snapshot after this many commands since the last one; 0 = never on count. */
  everyCommands: number;
  kept: number;
  /** The journal is fdatasync'd per batch; when false, it is synced before a snapshot so it never ends before one. */
  journalFsync: boolean;
  log: Logger;
  /** Seq of the snapshot the engine was recovered from (0 = none). */
  recoveredSeq: number;
  /** 'snapshot': after each snapshot, delete the journal segments the oldest kept snapshot covers. Default 'all'. */
  retention?: JournalRetention;
}

export class Snapshotter {
  /** Seq of the newest snapshot on disk that this process knows of. */
  lastSeq: number;
  private writing: Promise<string> | null = null;
  private lastPath = '';
  /** Under journalFsync false: the journal is known durable up to this seq (synced before the last snapshot). */
  private journalSyncedSeq: number;
  private stopped = false;
  private readonly unsubscribe: () => void;

  constructor(private readonly o: SnapshotterOptions) {
    this.lastSeq = o.recoveredSeq;
    this.journalSyncedSeq = o.recoveredSeq;
    this.unsubscribe = o.everyCommands > 0
      ? o.sequencer.onEvents((sc) => {
        if (this.writing === null && !this.stopped && sc.seq - this.lastSeq >= o.everyCommands) {
          // After the listeners of this batch have run: the state is then exactly that of engine.lastSeq.
          this.track(new Promise((resolve) => setImmediate(resolve)).then(() => this.write()));
        }
      })
      : () => undefined;
  }

  /** Writes a snapshot of the current state (after any one in progress); resolves to its path. */
  async snapshot(): Promise<string> {
    while (this.writing !== null) await this.writing.catch(() => undefined);
    return this.track(this.write());
  }

  /** At most one snapshot is being written at any time: `writing` is it. */
  private track(p: Promise<string>): Promise<string> {
    const w: Promise<string> = p.finally(() => { if (this.writing === w) this.writing = null; });
    this.writing = w;
    w.catch(() => undefined);
    return w;
  }

  /** Stops periodic snapshots and waits for one in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    while (this.writing !== null) await this.writing.catch(() => undefined);
  }

  private async write(): Promise<string> {
    const { engine, log } = this.o;
    try {
      if (engine.lastSeq === this.lastSeq && this.lastPath !== '') return this.lastPath;
      const encodeStartNs = process.hrtime.bigint();
      const snap = encodeSnapshot(engine);
      const encodeMs = Number(process.hrtime.bigint() - encodeStartNs) / 1e6;
      const writeStartNs = process.hrtime.bigint();
      // The journal must hold every command the snapshot includes, also after a power loss.
      if (!this.o.journalFsync) {
        await syncJournal(journalDirOf(this.o.dataDir), this.journalSyncedSeq + 1);
        this.journalSyncedSeq = snap.seq;
      }
      const path = await writeEncodedSnapshot(snapshotDirOf(this.o.dataDir), snap, this.o.kept);
      // Only now is the new snapshot durable and the oldest kept one final: segments it covers may go.
      if (this.o.retention === 'snapshot') {
        const deleted = trimJournalToSnapshots(this.o.dataDir);
        if (deleted.length > 0) log.info({ deleted }, 'journal segments deleted (JournalRetention=snapshot)');
      }
      const writeMs = Number(process.hrtime.bigint() - writeStartNs) / 1e6;
      this.lastSeq = snap.seq;
      this.lastPath = path;
      log.info({ seq: snap.seq, bytes: snap.body.length, encodeMs: round(encodeMs), writeMs: round(writeMs), path }, 'snapshot written');
      return path;
    } catch (err) {
      // A failed snapshot costs a longer replay at the next start, nothing else: the journal is the record.
      log.error({ err }, 'snapshot failed');
      throw err;
    }
  }
}

function round(ms: number): number { return Math.round(ms * 10) / 10; }
