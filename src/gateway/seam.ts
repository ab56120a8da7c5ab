// The two interfaces the stations meet the engine through: the one writer (CommandSequencer: submit a command with the
// submitter's own `ref`, get every applied command's events back with that ref) and the engine's reads. The local
// Sequencer over the segmented journal is one CommandSequencer; the cluster's JetStream log is another.
// Until the engine exports CommandSequencer and its read API itself, commandSequencerOf/engineReadsOf adapt today's
// Sequencer (seq → ref) and Engine; then this file keeps only the re-exports.
import {
  Sequencer, type Command, type Engine, type EngineEvent, type OrderView, type SequencedCommand,
} from '../engine/index.js';
import { RefRing } from './ref-ring.js';

export interface CommandSequencer {
  /** Queues a command for the log. `ref` (the submitter's own number) comes back with the command's events on this
   *  node; `dedupeId` makes a second submit of the same inbound message a no-op in logs that deduplicate. Throws
   *  SequencerOverloadedError, SequencerStoppedError, or JournalRecordTooLargeError; then nothing was queued. */
  submit(cmd: Command, options?: { ref?: number; dedupeId?: string }): void;
  /** Every applied command with its events, in log order; `ref` only on the node that submitted it. */
  onEvents(listener: (sc: SequencedCommand, events: EngineEvent[], ref: number | undefined) => void): () => void;
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

/** What the stations read from the engine (applied, durable state only). */
export interface EngineReads {
  readonly lastSeq: number;
  orderByClOrdId(session: string, clOrdId: string): OrderView | null;
  /** Sessions that have orders in the engine (resting, or remembered as done). */
  sessionsWithOrders(): Iterable<string>;
  /** Earliest expiry of a resting GTD order, epoch ms; null when there is none. */
  nextExpiryMs(): number | null;
}

export type EventsWithRef = (sc: SequencedCommand, events: EngineEvent[], ref: number | undefined) => void;

/** Today's Sequencer as a CommandSequencer: refs are kept by seq until the command's events come back. */
export function commandSequencerOf(sequencer: Sequencer, pendingMax: number): CommandSequencer {
  const refs = new RefRing<{ ref: number; value: number }>(pendingMax);
  const listeners: EventsWithRef[] = [];
  const errorListeners: Array<(err: unknown) => void> = [];
  sequencer.onEvents((sc, events) => {
    const ref = refs.take(sc.seq)?.value;
    for (const listener of listeners) {
      try { listener(sc, events, ref); } catch (err) { for (const l of errorListeners) l(err); }
    }
  });
  return {
    submit(cmd, options) {
      const seq = sequencer.submit(cmd);
      if (options?.ref !== undefined) refs.add({ ref: seq, value: options.ref });
    },
    onEvents(listener) {
      listeners.push(listener);
      return () => { const i = listeners.indexOf(listener); if (i >= 0) listeners.splice(i, 1); };
    },
    onFatal: (listener) => sequencer.onFatal(listener),
    onListenerError(listener) {
      errorListeners.push(listener);
      sequencer.onListenerError(listener);
    },
    flush: () => sequencer.flush(),
    close: () => sequencer.close(),
    get error() { return sequencer.error; },
    get lastAppliedSeq() { return sequencer.lastAppliedSeq; },
    get pendingCount() { return sequencer.lastSubmittedSeq - sequencer.lastAppliedSeq; },
  };
}

/** Today's Engine through the read API. */
export function engineReadsOf(engine: Engine): EngineReads {
  return {
    get lastSeq() { return engine.lastSeq; },
    orderByClOrdId: (session, clOrdId) => engine.orderByClOrdId(session, clOrdId),
    sessionsWithOrders: () => engine.sessions.keys(),
    nextExpiryMs() {
      let next: number | null = null;
      for (const order of engine.gtdOrders) if (next === null || order.expireTimeMs < next) next = order.expireTimeMs;
      return next;
    },
  };
}
