// The one writer in cluster mode: the CommandSequencer of the seam over the JetStream command log. submit() publishes;
// nothing is applied at submit or at the publish ack. Every node applies what its reader hands on, in stream order,
// to its own engine: JetStream only hands on stored records, so "durable before visible" holds on every node, and all
// nodes apply the same commands in the same order with the same times, so their engines stay equal.
//
// Time: the record carries the submitter's clock; the engine applies it with max(previous applied time, record time),
// computed here while applying, so it is the same on every node and on replay and never goes back.
//
// Failures: while NATS is away submit() throws SequencerUnavailableError (a clear reject; nothing was published) and
// the node carries on when NATS is back. An append JetStream refused, an append in doubt after its retries, a hole in
// the stream, an undecodable record or an engine error stop the sequencer (onFatal): the node must not trade on.
import { SequencerOverloadedError, SequencerStoppedError } from '../engine/sequencer.js';
import type { Engine } from '../engine/engine.js';
import type { Command, EngineEvent, SequencedCommand } from '../engine/types.js';
import { CommandLogOverloadedError, CommandLogUnavailableError } from './command-appender.js';
import type { JetStreamCommandLog } from './command-log.js';
import type { CommandReader } from './command-reader.js';
import type { CommandRecord } from './command-record.js';

/** NATS is away: the command was not published; the node takes commands again when NATS is back. */
export class SequencerUnavailableError extends SequencerStoppedError { override name = 'SequencerUnavailableError'; }

export type ClusterEventsListener = (sc: SequencedCommand, events: EngineEvent[], ref: number | undefined) => void;
/** A submit whose dedupe id JetStream had already stored: no record of it comes; `seq` is where the first one is. */
export type DuplicateListener = (ref: number | undefined, seq: number) => void;

export interface ClusterSequencerOptions {
  /** Epoch ms; default Date.now. */
  clock?: () => number;
  /** The time the engine's last command was applied with (from the snapshot it started from); default 0. */
  lastTimeMs?: number;
  /** Submitted and not yet applied, at most; default 1,000,000. */
  pendingCommandsMax?: number;
}

interface Submission { ref: number | undefined }

export class ClusterSequencer {
  private readonly clock: () => number;
  private readonly pendingCommandsMax: number;
  private lastTimeMs: number;
  /** By submission number (the `ref` written into the record), in submission order. */
  private readonly submissions = new Map<number, Submission>();
  private submitted = 0;
  /** Duplicate acks naming a seq not applied yet, by that seq: the record there may be this very submission's own
   *  (an earlier attempt was stored, its ack lost), which only applying it tells. */
  private readonly duplicatesAhead = new Map<number, number[]>();
  private reader: CommandReader | null = null;
  private closed = false;
  private fatal: Error | null = null;
  private readonly listeners: ClusterEventsListener[] = [];
  private readonly duplicateListeners: DuplicateListener[] = [];
  private readonly fatalListeners: Array<(err: Error) => void> = [];
  private readonly listenerErrorListeners: Array<(err: unknown) => void> = [];
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (e: Error) => void }> = [];

  private constructor(readonly engine: Engine, readonly log: JetStreamCommandLog, options: ClusterSequencerOptions) {
    this.clock = options.clock ?? Date.now;
    this.lastTimeMs = options.lastTimeMs ?? 0;
    this.pendingCommandsMax = options.pendingCommandsMax ?? 1_000_000;
  }

  /** Starts applying the stream after the engine's last seq (0 for a new engine, a snapshot's seq otherwise). */
  static async start(engine: Engine, log: JetStreamCommandLog, options: ClusterSequencerOptions = {}): Promise<ClusterSequencer> {
    const sequencer = new ClusterSequencer(engine, log, options);
    sequencer.reader = await log.read(engine.lastSeq + 1, (record, ref) => sequencer.apply(record, ref), (err) => sequencer.fail(err));
    return sequencer;
  }

  get error(): Error | null { return this.fatal; }
  get lastAppliedSeq(): number { return this.engine.lastSeq; }
  /** The time the last command was applied with. */
  get lastAppliedTimeMs(): number { return this.lastTimeMs; }
  /** Submitted here and not yet applied (nor found to be a duplicate). */
  get pendingCount(): number { return this.submissions.size; }
  /** Records in the stream after the last one applied, as of the last record read. */
  get replicaLag(): number { return this.reader?.lag ?? 0; }

  onEvents(listener: ClusterEventsListener): () => void {
    this.listeners.push(listener);
    return () => { const i = this.listeners.indexOf(listener); if (i >= 0) this.listeners.splice(i, 1); };
  }
  onDuplicate(listener: DuplicateListener): void { this.duplicateListeners.push(listener); }
  onFatal(listener: (err: Error) => void): void { this.fatalListeners.push(listener); }
  onListenerError(listener: (err: unknown) => void): void { this.listenerErrorListeners.push(listener); }

  /** Publishes the command. Throws (nothing published) SequencerStoppedError, SequencerUnavailableError,
   *  SequencerOverloadedError or JournalRecordTooLargeError. */
  submit(cmd: Command, options: { ref?: number; dedupeId?: string } = {}): void {
    if (this.fatal !== null) throw new SequencerStoppedError(`sequencer stopped: ${this.fatal.message}`);
    if (this.closed) throw new SequencerStoppedError('sequencer closed');
    if (this.submissions.size >= this.pendingCommandsMax) throw new SequencerOverloadedError(`more than ${this.pendingCommandsMax} commands pending`);
    const id = this.submitted + 1;
    let acked: Promise<{ seq: number; duplicate: boolean }>;
    try {
      acked = this.log.append(cmd, Math.trunc(this.clock()), { ref: id, ...(options.dedupeId !== undefined ? { dedupeId: options.dedupeId } : {}) });
    } catch (err) {
      if (err instanceof CommandLogUnavailableError) throw new SequencerUnavailableError(err.message, { cause: err });
      if (err instanceof CommandLogOverloadedError) throw new SequencerOverloadedError(err.message, { cause: err });
      throw err;
    }
    this.submitted = id;
    this.submissions.set(id, { ref: options.ref });
    acked.then((ack) => { if (ack.duplicate) this.duplicateAcked(id, ack.seq); }, (err: Error) => this.fail(err));
  }

  /** Resolves once every command submitted so far is applied here (or found to be a duplicate). */
  flush(): Promise<void> {
    if (this.fatal !== null) return Promise.reject(this.fatal);
    if (this.outstandingUpTo(this.submitted)) return new Promise((resolve, reject) => this.waiters.push({ upTo: this.submitted, resolve, reject }));
    return Promise.resolve();
  }

  /** Stops taking commands, waits for those submitted, stops reading. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.reader?.stop();
    }
  }

  private apply(record: CommandRecord, ownId: number | undefined): void {
    if (this.fatal !== null) return;
    const timeMs = record.timeMs > this.lastTimeMs ? record.timeMs : this.lastTimeMs;
    const sc: SequencedCommand = { seq: record.seq, timeMs, cmd: record.cmd };
    let events: EngineEvent[];
    try {
      events = this.engine.apply(sc);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.lastTimeMs = timeMs;
    const submission = ownId === undefined ? undefined : this.submissions.get(ownId);
    if (ownId !== undefined) this.submissions.delete(ownId);
    for (const listener of this.listeners) {
      try { listener(sc, events, submission?.ref); } catch (err) { for (const l of this.listenerErrorListeners) l(err); }
    }
    const ahead = this.duplicatesAhead.get(sc.seq);
    if (ahead !== undefined) {
      this.duplicatesAhead.delete(sc.seq);
      for (const id of ahead) this.duplicate(id, sc.seq);
    }
    this.releaseWaiters();
  }

  private duplicateAcked(id: number, seq: number): void {
    if (seq <= this.engine.lastSeq) { this.duplicate(id, seq); return; }
    const ids = this.duplicatesAhead.get(seq);
    if (ids === undefined) this.duplicatesAhead.set(seq, [id]); else ids.push(id);
  }

  /** `id` is outstanding and the record at `seq` was not its own: tell the submitter it is a duplicate. */
  private duplicate(id: number, seq: number): void {
    const submission = this.submissions.get(id);
    if (submission === undefined) return;
    this.submissions.delete(id);
    for (const l of this.duplicateListeners) {
      try { l(submission.ref, seq); } catch (err) { for (const e of this.listenerErrorListeners) e(err); }
    }
    this.releaseWaiters();
  }

  /** Whether a submission numbered `upTo` or lower is still outstanding (submissions are kept in number order). */
  private outstandingUpTo(upTo: number): boolean {
    const first = this.submissions.keys().next();
    return !first.done && first.value <= upTo;
  }

  private releaseWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) if (this.outstandingUpTo(w.upTo)) still.push(w); else w.resolve();
    this.waiters = still;
  }

  private fail(err: Error): void {
    if (this.fatal !== null) return;
    this.fatal = err;
    void this.reader?.stop();
    for (const w of this.waiters) w.reject(err);
    this.waiters = [];
    for (const l of this.fatalListeners) l(err);
  }
}
