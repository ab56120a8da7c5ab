// IdleSpinMicros: after a batch of replies the event loop keeps turning (setImmediate: libuv then polls without
// blocking) until that much time has passed since the last batch, so the next request of a client waiting for this
// reply is read without the process being woken up. Bounded: it stops on its own, and at close. With fsync on it
// pauses while a command-log batch is on its way (the fdatasync runs in the thread pool: polling then only takes CPU
// from it and from other processes) and is armed again by that batch's replies.
import { performance } from 'node:perf_hooks';
import type { LogBatchTimer } from './log-batch-timer.js';

export class IdleSpin {
  readonly #spinMs: number;
  readonly #pauseWhileLogBusy: boolean;
  readonly #logBatch: LogBatchTimer;
  #untilMs = 0;
  #spinning = false;
  #stopped = false;
  readonly #spin = (): void => {
    const paused = this.#pauseWhileLogBusy && this.#logBatch.busy;
    if (!this.#stopped && !paused && performance.now() < this.#untilMs) setImmediate(this.#spin);
    else this.#spinning = false;
  };

  constructor(micros: number, pauseWhileLogBusy: boolean, logBatch: LogBatchTimer) {
    this.#spinMs = micros / 1000;
    this.#pauseWhileLogBusy = pauseWhileLogBusy;
    this.#logBatch = logBatch;
  }

  /** A batch of replies left at `nowMs` (performance.now()). */
  armed(nowMs: number): void {
    if (this.#spinMs <= 0 || this.#stopped) return;
    this.#untilMs = nowMs + this.#spinMs;
    if (!this.#spinning) {
      this.#spinning = true;
      setImmediate(this.#spin);
    }
  }

  stop(): void {
    this.#stopped = true;
  }
}
