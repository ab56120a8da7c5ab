// The sequencer: the one writer. Stamps each command with the submitter's time, stages it in the command log
// (command-log.ts), appends the commands of one event-loop turn as one batch, and applies to the engine exactly the
// records the log delivers as durable, in seq order: its own and, in a cluster, every other node's. Only then do the
// events go to the listeners, so engine state and every event are durable before anyone can see them. A log failure
// is fatal: the sequencer stops accepting and reports the error.
import type { CommandLog, LogFollower } from './command-log.js';
import type { Engine } from './engine.js';
import type { Command, EngineEvent, SequencedCommand } from './types.js';

/** `ref` is the submitter's own number for the command, on the node that submitted it only. */
export type EventsListener = (sc: SequencedCommand, events: EngineEvent[], ref: number | undefined) => void;

/** The one writer as the stations see it, whatever log is underneath (see ROUND.md, the seam). */
export interface CommandSequencer {
  /** Queues a command for the log. `ref` (the submitter's own number) comes back with the command's events on this
   *  node; `dedupeId` makes a second submit of the same inbound message a no-op in logs that deduplicate
   *  (JetStream Nats-Msg-Id). Throws SequencerOverloadedError, SequencerStoppedError (its subclass
   *  SequencerUnavailableError while a replicated log is away, not fatal), or JournalRecordTooLargeError (or
   *  CommandNotEncodableError for a command that is not an object: a bug); then nothing was queued. */
  submit(cmd: Command, options?: SubmitOptions): void;
  /** Every applied command with its events, in log order, on every node; `ref` only on the node that submitted it. */
  onEvents(listener: EventsListener): () => void;
  onFatal(listener: (err: Error) => void): void;
  onListenerError(listener: (err: unknown) => void): void;
  /** Resolves once every command submitted so far is durable, applied and delivered. */
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly error: Error | null;
  readonly lastAppliedSeq: number;
  /** Submitted and not yet applied. */
  readonly pendingCount: number;
}

export interface SubmitOptions { ref?: number; dedupeId?: string }

export interface SequencerOptions {
  /** Where commands go and come back from; the sequencer follows it from the engine's lastSeq on. */
  log: CommandLog;
  /** Epoch milliseconds; the engine never reads a clock itself. Default Date.now. */
  clock?: () => number;
  /** Most commands in one append. Default 8192. */
  batchCommandsMax?: number;
  /** Most commands waiting (not yet applied); submit throws SequencerOverloadedError beyond. Default 1,000,000. */
  pendingCommandsMax?: number;
}

export class SequencerOverloadedError extends Error { override name = 'SequencerOverloadedError'; }
export class SequencerStoppedError extends Error { override name = 'SequencerStoppedError'; }
/** The log cannot take commands right now (a replicated log's servers are away): nothing was queued, and submit works
 *  again once the log is back. A CommandLog's stage() throws it; it is no fatal error. */
export class SequencerUnavailableError extends SequencerStoppedError { override name = 'SequencerUnavailableError'; }

export class Sequencer implements CommandSequencer {
  readonly log: CommandLog;
  private readonly clock: () => number;
  private readonly batchCommandsMax: number;
  private readonly pendingCommandsMax: number;
  /** Entries are numbered 1, 2, 3… in submit order; the log hands the number back with the record. */
  private entryLast = 0;
  /** Submitted entries not yet applied (or settled as duplicates), with their refs. */
  private readonly unsettled = new EntryQueue();
  /** Staged in the log and not yet handed to an append. */
  private unappended = 0;
  private scheduled = false;
  private draining = false;
  private seqSubmittedLast: number;
  private stopped = false;
  private fatal: Error | null = null;
  private readonly listeners: EventsListener[] = [];
  private readonly fatalListeners: Array<(err: Error) => void> = [];
  private readonly listenerErrorListeners: Array<(err: unknown) => void> = [];
  private readonly duplicateListeners: Array<(ref: number | undefined, seq: number) => void> = [];
  private waiters: Array<{ entry: number; resolve: () => void; reject: (e: Error) => void }> = [];
  /** Entries the log called duplicates of a seq not applied yet, by that seq: the record there may be the entry's own
   *  (its first attempt was stored, the acknowledgement lost, the retry found it), which only its delivery tells. */
  private readonly duplicatesAhead = new Map<number, number[]>();

  /** Register listeners right after constructing it: a log may deliver the records it holds after engine.lastSeq from
   *  the next microtask on (a node catching up); the local journal after recovery holds none. */
  constructor(readonly engine: Engine, options: SequencerOptions) {
    this.log = options.log;
    this.clock = options.clock ?? Date.now;
    this.batchCommandsMax = options.batchCommandsMax ?? 8192;
    this.pendingCommandsMax = options.pendingCommandsMax ?? 1_000_000;
    this.seqSubmittedLast = engine.lastSeq;
    this.log.follow(engine.lastSeq, this.follower);
  }

  /** Highest seq handed out by submit (logs that assign seqs only once stored hand out none: then the last applied). */
  get lastSubmittedSeq(): number { return Math.max(this.seqSubmittedLast, this.engine.lastSeq); }
  /** Highest seq applied (durable and visible). */
  get lastAppliedSeq(): number { return this.engine.lastSeq; }
  /** The fatal error that stopped the sequencer, if any. */
  get error(): Error | null { return this.fatal; }
  /** Submitted and not yet applied. */
  get pendingCount(): number { return this.unsettled.size; }

  /** Registers a consumer of every command's events, in seq order. Returns an unsubscribe function. */
  onEvents(listener: EventsListener): () => void {
    this.listeners.push(listener);
    return () => { const i = this.listeners.indexOf(listener); if (i >= 0) this.listeners.splice(i, 1); };
  }

  /** Called once when the log (or the engine) fails; the sequencer accepts nothing after that. */
  onFatal(listener: (err: Error) => void): void { this.fatalListeners.push(listener); }

  /** Called when a consumer throws; the engine and the other consumers carry on. */
  onListenerError(listener: (err: unknown) => void): void { this.listenerErrorListeners.push(listener); }

  /** Called for a command the log refused as a duplicate (its dedupeId is already in the log, as `seq`): it gets no
   *  events of its own. */
  onDuplicate(listener: (ref: number | undefined, seq: number) => void): void { this.duplicateListeners.push(listener); }

  /**
   * Stamps the command with the clock and stages it in the log; returns its seq when the log knows it already (the
   * local journal), else 0. Throws SequencerStoppedError, SequencerOverloadedError, or JournalRecordTooLargeError
   * (a command too large for a record: nothing is queued, no seq is used).
   */
  submit(cmd: Command, options?: SubmitOptions): number {
    if (this.fatal !== null) throw new SequencerStoppedError(`sequencer stopped: ${this.fatal.message}`);
    if (this.stopped) throw new SequencerStoppedError('sequencer closed');
    if (this.unsettled.size >= this.pendingCommandsMax) throw new SequencerOverloadedError(`more than ${this.pendingCommandsMax} commands pending`);
    const entry = this.entryLast + 1;
    const seq = this.log.stage(entry, Math.trunc(this.clock()), cmd, options?.dedupeId);
    this.entryLast = entry;
    this.unsettled.push(entry, options?.ref);
    if (seq > 0) this.seqSubmittedLast = seq;
    this.unappended++;
    if (!this.scheduled && !this.draining) {
      this.scheduled = true;
      setImmediate(this.drainNow);
    }
    return seq;
  }

  /** Resolves when every command submitted so far is durable, applied and delivered. */
  flush(): Promise<void> {
    if (this.fatal !== null) return Promise.reject(this.fatal);
    const entry = this.entryLast;
    if (this.settledThrough(entry)) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ entry, resolve, reject }));
  }

  /** Stops accepting, drains what is queued, closes the log. */
  async close(): Promise<void> {
    this.stopped = true;
    try {
      await this.flush();
    } finally {
      await this.log.close();
    }
  }

  private readonly drainNow = (): void => {
    this.scheduled = false;
    void this.drain();
  };

  /** One append at a time; what is submitted meanwhile forms the next batch (group commit). */
  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.unappended > 0 && this.fatal === null) {
        const n = Math.min(this.unappended, this.batchCommandsMax);
        this.unappended -= n;
        const done = this.log.append(n);
        if (done !== undefined) await done;
      }
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.draining = false;
    }
  }

  /** What the log delivers: durable records in seq order, applied here whoever appended them. */
  private readonly follower: LogFollower = {
    record: (sc, entry) => this.apply(sc, entry),
    duplicate: (entry, seq) => {
      if (!this.unsettled.has(entry)) return; // its own record came already
      if (seq > this.engine.lastSeq) {
        const ahead = this.duplicatesAhead.get(seq);
        if (ahead === undefined) this.duplicatesAhead.set(seq, [entry]); else ahead.push(entry);
        return;
      }
      this.settleDuplicate(entry, seq);
    },
    batchEnd: () => this.releaseWaiters(),
    failed: (err) => this.fail(err),
  };

  private apply(sc: SequencedCommand, entry: number): void {
    if (this.fatal !== null) return;
    let events: EngineEvent[];
    let ref: number | undefined;
    try {
      // an entry the log hands back twice, or one never submitted, is a broken log: as fatal as an engine bug
      ref = entry > 0 ? this.unsettled.settle(entry) : undefined;
      events = this.engine.apply(sc);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    for (const listener of this.listeners) {
      try { listener(sc, events, ref); } catch (err) { for (const l of this.listenerErrorListeners) l(err); }
    }
    if (this.duplicatesAhead.size > 0) {
      const ahead = this.duplicatesAhead.get(sc.seq);
      this.duplicatesAhead.delete(sc.seq);
      for (const e of ahead ?? []) if (this.unsettled.has(e)) this.settleDuplicate(e, sc.seq);
    }
  }

  /** A submitted command the log stores no record of its own for: its events are those of the record at `seq`. */
  private settleDuplicate(entry: number, seq: number): void {
    const ref = this.unsettled.settle(entry);
    for (const l of this.duplicateListeners) {
      try { l(ref, seq); } catch (err) { for (const e of this.listenerErrorListeners) e(err); }
    }
    this.releaseWaiters();
  }

  /** True when no entry up to `entry` is still waiting to be applied. */
  private settledThrough(entry: number): boolean {
    return this.unsettled.oldest > entry;
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) if (this.settledThrough(w.entry)) w.resolve(); else still.push(w);
    this.waiters = still;
  }

  private fail(err: Error): void {
    if (this.fatal !== null) return;
    this.fatal = err;
    this.unappended = 0;
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
    for (const l of this.fatalListeners) l(err);
  }
}

const SETTLED = Symbol('settled');

/**
 * The refs of the entries not yet settled, in entry order: an array from the oldest one on, so the usual case (the
 * log hands its own records back in the order they were submitted) costs a store and a load per command. An entry
 * settled out of order (a duplicate) is marked until the ones before it are settled.
 */
class EntryQueue {
  private refs: Array<number | undefined | typeof SETTLED> = [];
  private head = 0;
  /** Entry number of refs[0]. */
  private base = 1;
  /** Entries at or after head already settled out of order. */
  private settledAhead = 0;

  get size(): number { return this.refs.length - this.head - this.settledAhead; }
  /** The oldest entry not settled, or Infinity when none is waiting. */
  get oldest(): number { return this.head < this.refs.length ? this.base + this.head : Number.POSITIVE_INFINITY; }

  /** Entries are pushed in increasing order without gaps: `entry` is always the last one pushed + 1. */
  push(entry: number, ref: number | undefined): void {
    if (this.head === this.refs.length) { this.refs.length = 0; this.head = 0; this.base = entry; }
    if (entry !== this.base + this.refs.length) throw new Error(`invariant: entry ${entry} pushed after ${this.base + this.refs.length - 1}`);
    this.refs.push(ref);
  }

  has(entry: number): boolean {
    const i = entry - this.base;
    return i >= this.head && i < this.refs.length && this.refs[i] !== SETTLED;
  }

  /** Settles `entry` (which must be waiting) and returns its ref. */
  settle(entry: number): number | undefined {
    const i = entry - this.base;
    const ref = this.refs[i];
    if (i < this.head || i >= this.refs.length || ref === SETTLED) throw new Error(`invariant: entry ${entry} settled twice or never submitted`);
    if (i !== this.head) {
      this.refs[i] = SETTLED;
      this.settledAhead++;
      return ref;
    }
    this.head++;
    while (this.head < this.refs.length && this.refs[this.head] === SETTLED) { this.head++; this.settledAhead--; }
    if (this.head > 4096 && this.head * 2 > this.refs.length) {
      this.refs = this.refs.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
    return ref;
  }
}
