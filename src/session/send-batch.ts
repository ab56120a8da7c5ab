// Replies to one command-log batch, sent to many sessions as one unit. Every session's store is written (and, for a
// store whose durability is asynchronous, acknowledged) before any socket of the batch gets a byte, so a client never
// sees a fill whose counterparty's report a crash could still lose; and each session's replies leave in one write.
// The batch ends by itself once the current synchronous run is over (process.nextTick after its first send: a
// sequencer hands out a whole batch of events in one run), or earlier with end().
import type { BodyWriter } from '../fix/encode.js';
import type { FieldList } from '../fix/types.js';
import type { SendOptions, Session } from './session.js';

export class SendBatch {
  readonly #sessions = new Set<Session>();
  readonly #onEnd: (() => void) | undefined;
  #scheduled = false;
  readonly #endBound = (): void => {
    this.#scheduled = false;
    this.end();
  };

  /** `onEnd`: after each batch is handed over (its bytes are on their way, or waiting for a durability ack). */
  constructor(onEnd?: () => void) {
    this.#onEnd = onEnd;
  }

  /** Sends an application message as part of the current batch; returns its MsgSeqNum. */
  send(session: Session, msgType: string, body: FieldList | BodyWriter, extraHeader?: FieldList, options?: SendOptions): number {
    if (!this.#sessions.has(session)) {
      if (!this.#scheduled) {
        this.#scheduled = true;
        process.nextTick(this.#endBound);
      }
      this.#sessions.add(session);
      session.beginBatch();
    }
    return session.send(msgType, body, extraHeader, options);
  }

  get sessionCount(): number { return this.#sessions.size; }

  /** Writes every store of the batch, then lets every session's bytes go (once all are durable). */
  end(): void {
    if (this.#sessions.size === 0) return;
    let waits: Array<Promise<void>> | undefined;
    for (const session of this.#sessions) {
      const durable = session.flushBatch();
      if (durable !== undefined) (waits ??= []).push(durable);
    }
    const durable = waits === undefined ? undefined : waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
    // A rejected durability is each session's to handle (it disconnects); the others' bytes then stay unsent too.
    for (const session of this.#sessions) session.endBatch(durable);
    this.#sessions.clear();
    this.#onEnd?.();
  }
}
