// A peer that asks for the same messages again and again. Every answered ResendRequest is remembered for a minute; a
// new one that overlaps one of those is a repeat. A first repeat is answered as usual (a reconnect, a lost
// connection), later ones later and later, and past a bound the request is refused (the session logs the peer out):
// each answer costs the gateway a read, parse and encode of every message in the range.

/** How long an answered range counts. */
export const RESEND_REPEAT_WINDOW_MS = 60_000;
/** Overlapping answers within the window from which a request waits: (repeats - 1) × RESEND_REPEAT_DELAY_MS. */
const REPEATS_ANSWERED_AT_ONCE = 1;
const RESEND_REPEAT_DELAY_MS = 250;
/** Overlapping answers within the window at which a request is refused. */
export const RESEND_REPEATS_MAX = 8;
/** Ranges remembered at most (the oldest is forgotten first): more than RESEND_REPEATS_MAX, so every repeat counts. */
const RANGES_KEPT = 16;

export type ResendVerdict = { kind: 'now' } | { kind: 'later'; delayMs: number; repeats: number } | { kind: 'refuse'; repeats: number };

export class ResendRepeats {
  readonly #ranges: Array<{ atMs: number; begin: number; end: number }> = [];

  /** What to do with a request for begin..end at `nowMs`; one answered (now or later) is remembered. */
  check(begin: number, end: number, nowMs: number): ResendVerdict {
    const since = nowMs - RESEND_REPEAT_WINDOW_MS;
    while (this.#ranges.length > 0 && this.#ranges[0]!.atMs < since) this.#ranges.shift();
    let repeats = 0;
    for (const r of this.#ranges) if (r.begin <= end && begin <= r.end) repeats++;
    if (repeats >= RESEND_REPEATS_MAX) return { kind: 'refuse', repeats };
    if (this.#ranges.length === RANGES_KEPT) this.#ranges.shift();
    this.#ranges.push({ atMs: nowMs, begin, end });
    if (repeats <= REPEATS_ANSWERED_AT_ONCE) return { kind: 'now' };
    return { kind: 'later', delayMs: (repeats - REPEATS_ANSWERED_AT_ONCE) * RESEND_REPEAT_DELAY_MS, repeats };
  }

  /** The sequence numbers were reset: earlier ranges name other messages. */
  clear(): void {
    this.#ranges.length = 0;
  }
}
