// Each session's message rate (MaxMessagesPerSecond): messages beyond it within a one-second window are refused; a
// session that keeps exceeding it (more than ThrottleMaxRejectsPerSecond refusals in one window) is to be logged out.
// One window per session: bounded by the sessions.

interface RateWindow { startMs: number; count: number; rejects: number }

export type ThrottleVerdict = 'ok' | 'reject' | 'logout';

export class Throttle {
  readonly #windows = new Map<string, RateWindow>();

  /** Counts a message of `session`; 'logout' once, when its refusals pass `rejectsMax` in the window. */
  check(session: string, limit: number, rejectsMax: number, nowMs: number): ThrottleVerdict {
    let w = this.#windows.get(session);
    if (w === undefined || nowMs - w.startMs >= 1000) {
      w = { startMs: nowMs, count: 0, rejects: 0 };
      this.#windows.set(session, w);
    }
    if (++w.count <= limit) return 'ok';
    return ++w.rejects === rejectsMax + 1 ? 'logout' : 'reject';
  }

  /** The session's current one-second window, for the operator: messages counted and refused in it (zeros once it
   *  is over). */
  windowOf(session: string, nowMs: number): { messages: number; refused: number } {
    const w = this.#windows.get(session);
    return w === undefined || nowMs - w.startMs >= 1000 ? { messages: 0, refused: 0 } : { messages: w.count, refused: w.rejects };
  }

  forget(session: string): void {
    this.#windows.delete(session);
  }
}
