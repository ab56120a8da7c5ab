// Station: timers. Time-driven commands go through the command log like everything else: an ExpireSweep when a
// resting GTD order's expiry has passed, and the daily EndOfDay (end-of-day.ts) when the clock passes EndOfDayTime.
import type { Logger } from 'pino';
import { EndOfDaySchedule } from './end-of-day.js';
import type { CommandSequencer, EngineReads } from './seam.js';

export interface TimersOptions {
  sequencer: CommandSequencer;
  engine: EngineReads;
  /** Epoch ms (the gateway's clock). */
  clock: () => number;
  /** How often GTD expiry and the EndOfDay are checked. */
  intervalMs: number;
  /** The daily EndOfDay, when EndOfDayTime is set: where its marker lives and when it falls. */
  endOfDay: { dataDir: string; timeSec: number; timeZone: string } | undefined;
  log: Logger;
  /** Cluster mode: every node's timers submit, and a dedupe id from the schedule time (the expiry, the EndOfDay
   *  instant) lets the log keep one command of them. */
  dedupe?: boolean;
}

export class Timers {
  readonly #o: TimersOptions;
  readonly #endOfDay: EndOfDaySchedule | undefined;
  readonly #timer: NodeJS.Timeout;

  constructor(o: TimersOptions) {
    this.#o = o;
    const e = o.endOfDay;
    this.#endOfDay = e === undefined ? undefined : new EndOfDaySchedule(e.dataDir, e.timeSec, e.timeZone, o.clock(), (endOfDayMs) => {
      o.sequencer.submit({ type: 'EndOfDay' }, o.dedupe === true ? { dedupeId: `eod:${endOfDayMs}` } : undefined);
      return o.sequencer.flush();
    }, o.log);
    this.#timer = setInterval(() => this.#check(), o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    if (this.#o.sequencer.error !== null) return;
    const now = this.#o.clock();
    this.#endOfDay?.check(now);
    const nextExpiryMs = this.#o.engine.nextExpiryMs();
    if (nextExpiryMs === null || nextExpiryMs > now) return;
    try {
      this.#o.sequencer.submit({ type: 'ExpireSweep' }, this.#o.dedupe === true ? { dedupeId: `expire:${nextExpiryMs}` } : undefined);
    } catch (err) {
      this.#o.log.error({ err }, 'could not submit ExpireSweep');
    }
  }
}
