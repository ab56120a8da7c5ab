// Resends are background work. Answering a ResendRequest for thousands of stored messages reads, parses and encodes
// each of them again; done in one go it holds the event loop every session shares for the whole answer. Instead, an
// outbox whose queue starts with a resend asks for turns here: once per event-loop turn (check phase) every waiting
// outbox is given a few messages, round robin, within a small time budget, and the loop goes on to the other
// sessions' input in between. What a session may have in flight is bounded by its outbox (it stops at a socket buffer
// level and waits for 'drain').
import { performance } from 'node:perf_hooks';

/** One turn of a resend: send at most `messagesMax` messages, stop at `untilMs` (performance.now()); true: wants
 *  another turn. A step that returns false asks again itself when it can go on (after 'drain', a gate, a release). */
export type ResendStep = (messagesMax: number, untilMs: number) => boolean;

/** Messages one session sends per turn at most: about a millisecond of work. */
export const RESEND_MESSAGES_PER_TURN = 64;
/** Time all resends together take per event-loop turn at most. */
export const RESEND_TURN_BUDGET_MS = 2;

export class ResendTurns {
  readonly #waiting: ResendStep[] = [];
  readonly #isWaiting = new Set<ResendStep>();
  #scheduled = false;
  readonly #runBound = (): void => this.#run();

  constructor(private readonly onError: (err: unknown) => void = () => undefined) {}

  /** `step` runs in a coming turn (once, however often it is asked for before then). */
  want(step: ResendStep): void {
    if (this.#isWaiting.has(step)) return;
    this.#isWaiting.add(step);
    this.#waiting.push(step);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#runBound);
    }
  }

  /** Resends waiting for a turn now. */
  get waitingCount(): number { return this.#waiting.length; }

  #run(): void {
    this.#scheduled = false;
    const untilMs = performance.now() + RESEND_TURN_BUDGET_MS;
    // Each waiting resend once at most per turn, in the order they asked; the budget may end the round early, and
    // those not served go first in the next turn.
    for (let n = this.#waiting.length; n > 0 && performance.now() < untilMs; n--) {
      const step = this.#waiting.shift()!;
      this.#isWaiting.delete(step);
      let more = false;
      try {
        more = step(RESEND_MESSAGES_PER_TURN, untilMs);
      } catch (err) {
        this.onError(err); // a step handles its own session's failures; this is a bug, and the others carry on
      }
      if (more) this.want(step);
    }
    if (this.#waiting.length > 0 && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#runBound);
    }
  }
}

/** The process's one event loop: every session's resends share it. */
export const resendTurns = new ResendTurns((err) => process.emitWarning(`resend turn failed: ${String(err)}`));
