// The sequencer: the one writer. Stamps each command with seq + time, groups the commands of one event-loop
// turn into a batch, appends the batch to the journal (one write, fsync per policy), and only then applies the
// batch to the engine and hands the events to consumers. Engine state and every event are therefore durable
// before anyone can see them. A journal failure is fatal: the sequencer stops accepting and reports the error.
import type { Engine } from './engine.js';
import { RecordBuffer, type JournalWriter } from './journal.js';
import type { Command, EngineEvent, SequencedCommand } from './types.js';

export type EventsListener = (sc: SequencedCommand, events: EngineEvent[]) => void;

export interface SequencerOptions {
  /** null = in-memory mode (no journal), for tests and benches. */
  journal: JournalWriter | null;
  /** Epoch milliseconds; the engine never reads a clock itself. Default Date.now. */
  clock?: () => number;
  /** Most commands in one journal batch. Default 8192. */
  batchCommandsMax?: number;
  /** Most commands waiting (not yet applied); submit throws SequencerOverloadedError beyond. Default 1,000,000. */
  pendingCommandsMax?: number;
}

export class SequencerOverloadedError extends Error { override name = 'SequencerOverloadedError'; }
export class SequencerStoppedError extends Error { override name = 'SequencerStoppedError'; }

export class Sequencer {
  /** The journal this sequencer appends to (null in memory mode); read-only use (stats). */
  readonly journal: JournalWriter | null;
  private readonly clock: () => number;
  private readonly batchCommandsMax: number;
  private readonly pendingCommandsMax: number;
  private pending: SequencedCommand[] = [];
  /** Journal records of the pending commands (journal mode only), encoded at submit so size errors reach the caller. */
  private readonly records = new RecordBuffer();
  private scheduled = false;
  private draining = false;
  private seqLast: number;
  private lastTimeMs = 0;
  private stopped = false;
  private fatal: Error | null = null;
  private readonly listeners: EventsListener[] = [];
  private readonly fatalListeners: Array<(err: Error) => void> = [];
  private readonly listenerErrorListeners: Array<(err: unknown) => void> = [];
  private waiters: Array<{ seq: number; resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(readonly engine: Engine, options: SequencerOptions) {
    this.journal = options.journal;
    this.clock = options.clock ?? Date.now;
    this.batchCommandsMax = options.batchCommandsMax ?? 8192;
    this.pendingCommandsMax = options.pendingCommandsMax ?? 1_000_000;
    this.seqLast = engine.lastSeq;
  }

  /** Highest seq handed out. */
  get lastSubmittedSeq(): number { return this.seqLast; }
  /** Highest seq applied (durable and visible). */
  get lastAppliedSeq(): number { return this.engine.lastSeq; }
  /** The fatal error that stopped the sequencer, if any. */
  get error(): Error | null { return this.fatal; }

  /** Registers a consumer of every command's events, in seq order. Returns an unsubscribe function. */
  onEvents(listener: EventsListener): () => void {
    this.listeners.push(listener);
    return () => { const i = this.listeners.indexOf(listener); if (i >= 0) this.listeners.splice(i, 1); };
  }

  /** Called once when the journal (or the engine) fails; the sequencer accepts nothing after that. */
  onFatal(listener: (err: Error) => void): void { this.fatalListeners.push(listener); }

  /** Called when a consumer throws; the engine and the other consumers carry on. */
  onListenerError(listener: (err: unknown) => void): void { this.listenerErrorListeners.push(listener); }

  /**
   * Stamps and queues a command; returns its seq. Throws SequencerStoppedError, SequencerOverloadedError, or
   * JournalRecordTooLargeError (a command too large for a journal record: nothing is queued, no seq is used).
   */
  submit(cmd: Command): number {
    if (this.fatal !== null) throw new SequencerStoppedError(`sequencer stopped: ${this.fatal.message}`);
    if (this.stopped) throw new SequencerStoppedError('sequencer closed');
    if (this.pending.length >= this.pendingCommandsMax) throw new SequencerOverloadedError(`more than ${this.pendingCommandsMax} commands pending`);
    // time never goes backwards in the journal, even if the wall clock does
    const now = Math.trunc(this.clock());
    const timeMs = now > this.lastTimeMs ? now : this.lastTimeMs;
    const sc: SequencedCommand = { seq: this.seqLast + 1, timeMs, cmd };
    if (this.journal !== null) this.records.append(sc);
    this.seqLast = sc.seq;
    this.lastTimeMs = timeMs;
    this.pending.push(sc);
    if (!this.scheduled && !this.draining) {
      this.scheduled = true;
      setImmediate(this.drainNow);
    }
    return sc.seq;
  }

  /** Resolves when every command submitted so far is durable, applied and delivered. */
  flush(): Promise<void> {
    if (this.fatal !== null) return Promise.reject(this.fatal);
    const seq = this.seqLast;
    if (this.engine.lastSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Stops accepting, drains what is queued, closes the journal. */
  async close(): Promise<void> {
    this.stopped = true;
    try {
      await this.flush();
    } finally {
      await this.journal?.close();
    }
  }

  private readonly drainNow = (): void => {
    this.scheduled = false;
    void this.drain();
  };

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.pending.length > 0 && this.fatal === null) {
        const whole = this.pending.length <= this.batchCommandsMax;
        const batch = whole ? this.pending : this.pending.slice(0, this.batchCommandsMax);
        this.pending = whole ? [] : this.pending.slice(this.batchCommandsMax);
        if (this.journal !== null) {
          const buf = this.records.take(batch.length);
          try {
            // fsync 'none': written to the OS synchronously (no thread-pool round trip); 'always': write and
            // fdatasync off the event loop. Either way the batch is durable by the policy before it is applied.
            if (this.journal.writesSynchronously) this.journal.appendSync(buf, batch[0]!.seq);
            else await this.journal.append(buf, batch[0]!.seq);
          } catch (err) {
            this.fail(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          this.records.recycle(buf);
        }
        for (const sc of batch) {
          let events: EngineEvent[];
          try {
            events = this.engine.apply(sc);
          } catch (err) {
            this.fail(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          for (const listener of this.listeners) {
            try { listener(sc, events); } catch (err) { for (const l of this.listenerErrorListeners) l(err); }
          }
        }
        this.releaseWaiters();
      }
    } finally {
      this.draining = false;
    }
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const applied = this.engine.lastSeq;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) if (w.seq <= applied) w.resolve(); else still.push(w);
    this.waiters = still;
  }

  private fail(err: Error): void {
    if (this.fatal !== null) return;
    this.fatal = err;
    this.pending = [];
    this.records.clear();
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
    for (const l of this.fatalListeners) l(err);
  }
}
