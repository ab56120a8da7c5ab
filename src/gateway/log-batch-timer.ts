// The command-log batch on its way: when its first command was submitted (performance.now(), ms). Order entry starts
// it, the replies stop it when the batch's events arrive (the journal-batch latency metric); while one is on its way
// the idle spin pauses (with fsync the log's write and fdatasync run in the thread pool).
export class LogBatchTimer {
  #startMs = NaN;

  get busy(): boolean { return this.#startMs === this.#startMs; }

  submitted(receivedMs: number): void {
    if (this.#startMs !== this.#startMs) this.#startMs = receivedMs;
  }

  /** The batch's events arrived: its age in ms, or undefined when none was on its way. */
  applied(nowMs: number): number | undefined {
    if (this.#startMs !== this.#startMs) return undefined;
    const ms = nowMs - this.#startMs;
    this.#startMs = NaN;
    return ms;
  }
}
