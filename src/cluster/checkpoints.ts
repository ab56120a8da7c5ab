// A replica's checkpoints on its schedule, taken as it applies the stream (a Sequencer onEvents listener, so the engine
// is exactly at the seq): at every digestEveryCommands-th seq its engine digest goes to the other replicas, and at every
// snapshotEveryCommands-th seq a snapshot of its state goes to the object store (unless a replica saved that seq
// already: equal seqs hold equal states), the store keeps the newest snapshotsKept, and the command stream is trimmed
// below the oldest kept (and below the slowest live replica). A snapshot's body is the canonical state the digest hashes, so a seq that has both is
// serialised once. A failed save is reported and the next one tried; it stops nothing. A trim that a replica behind held
// back is tried again every second until it reaches the oldest kept snapshot, not left to the next snapshot (which may
// be a hundred thousand commands away).
import { encodeSnapshot, engineDigest, type Engine, type SequencedCommand } from '../engine/index.js';
import type { JetStreamCommandLog } from './command-log.js';
import type { DigestExchange } from './digest-exchange.js';
import type { ObjectSnapshotStore } from './snapshot-store.js';

/** How often a trim held back by a replica behind is tried again. */
const TRIM_RETRY_MS = 1000;

export interface CheckpointOptions {
  engine: Engine;
  log: JetStreamCommandLog;
  digests: DigestExchange | null;
  snapshots: ObjectSnapshotStore | null;
  /** 0 = never. */
  digestEveryCommands: number;
  /** 0 = never. */
  snapshotEveryCommands: number;
  snapshotsKept: number;
  onSaved?: (seq: number, where: string) => void;
  /** The command stream was trimmed: it now starts after `coveredSeq` (the lower of the two bounds given). */
  onTrimmed?: (coveredSeq: number, bounds: { oldestSnapshotSeq: number; slowestReplicaSeq: number }) => void;
  onSaveError: (err: Error) => void;
}

export class Checkpoints {
  private saving = false;
  /** A snapshot taken while the one before was still being saved: the next to save (a newer one replaces it). */
  private queued: { seq: number; chunks: readonly Buffer[] } | null = null;
  private lastSavedSeq = 0;
  /** The stream may be trimmed up to here (the oldest kept snapshot); trimmedTo is how far it has been. */
  private trimWanted = 0;
  private trimmedTo = 0;
  private trimming = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(private readonly o: CheckpointOptions) {}

  /** Stops retrying a held-back trim. */
  close(): void {
    if (this.retry !== null) clearInterval(this.retry);
    this.retry = null;
  }

  /** Seq of the newest snapshot this node saved or found saved (0 = none yet). */
  get lastSnapshotSeq(): number { return this.lastSavedSeq; }

  /** The Sequencer's onEvents listener. */
  readonly applied = (sc: SequencedCommand): void => {
    const seq = sc.seq;
    const snapshotDue = this.o.snapshotEveryCommands > 0 && seq % this.o.snapshotEveryCommands === 0 && this.o.snapshots !== null;
    const digestDue = this.o.digestEveryCommands > 0 && seq % this.o.digestEveryCommands === 0 && this.o.digests !== null;
    if (!snapshotDue && !digestDue) return;
    if (!snapshotDue) {
      this.o.digests!.publish(seq, engineDigest(this.o.engine));
      return;
    }
    const snap = encodeSnapshot(this.o.engine);
    if (digestDue) this.o.digests!.publish(seq, snap.body);
    this.queued = { seq: snap.seq, chunks: snap.chunks };
    if (!this.saving) void this.saveQueued();
  };

  private async saveQueued(): Promise<void> {
    this.saving = true;
    while (this.queued !== null) {
      const { seq, chunks } = this.queued;
      this.queued = null;
      try {
        await this.save(seq, chunks);
      } catch (err) {
        this.o.onSaveError(err as Error);
      }
    }
    this.saving = false;
  }

  private async save(seq: number, chunks: readonly Buffer[]): Promise<void> {
    const store = this.o.snapshots!;
    if (!(await store.seqs()).includes(seq)) {
      const where = await store.save(seq, chunks);
      this.o.onSaved?.(seq, where);
    }
    this.lastSavedSeq = seq;
    // by seq, not by count: every replica that gets here computes the same bound
    const oldest = await store.trimBelow(seq - (this.o.snapshotsKept - 1) * this.o.snapshotEveryCommands);
    if (oldest === undefined) return;
    this.trimWanted = Math.max(this.trimWanted, oldest);
    await this.trim();
  }

  /** Trims the stream below the oldest kept snapshot, but never past a live replica that is behind (it reads on from
   *  the stream); while one holds the trim back, tries again every second. */
  private async trim(): Promise<void> {
    if (this.trimming) return;
    this.trimming = true;
    try {
      const slowest = this.o.digests?.slowestAppliedSeq() ?? Number.MAX_SAFE_INTEGER;
      const bound = Math.min(this.trimWanted, slowest);
      if (bound > this.trimmedTo) {
        await this.o.log.trim(bound);
        this.trimmedTo = bound;
        this.o.onTrimmed?.(bound, { oldestSnapshotSeq: this.trimWanted, slowestReplicaSeq: slowest });
      }
    } finally {
      this.trimming = false;
      this.retryWhileHeldBack();
    }
  }

  private retryWhileHeldBack(): void {
    if (this.trimmedTo >= this.trimWanted) {
      this.close();
      return;
    }
    this.retry ??= setInterval(() => { this.trim().catch((err: Error) => this.o.onSaveError(err)); }, TRIM_RETRY_MS);
    this.retry.unref();
  }
}
