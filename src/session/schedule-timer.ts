// A scheduled session's clock (StartTime/EndTime/StartDay/EndDay/Weekdays in a TimeZone): whether it is inside its
// window now, when the current window began, and a timer that calls back at each boundary (the window closes, opens,
// or a 24-hour window starts anew), re-armed after each one. The session decides what a boundary means (a Logout at
// the end, a sequence reset at the start).
import { SessionSchedule, type ScheduleSettings } from './settings.js';

/** setTimeout's longest delay; a boundary further away is reached in steps. */
const TIMEOUT_MAX_MS = 2 ** 31 - 1;

export class ScheduleTimer {
  readonly settings: ScheduleSettings;
  readonly #now: () => number;
  readonly #onBoundary: () => void;
  #timer: NodeJS.Timeout | null = null;

  constructor(settings: ScheduleSettings, now: () => number, onBoundary: () => void) {
    this.settings = settings;
    this.#now = now;
    this.#onBoundary = onBoundary;
    this.#arm();
  }

  inSession(nowMs = this.#now()): boolean {
    return SessionSchedule.isInSession(this.settings, nowMs);
  }

  /** Epoch ms at which the current window opened; undefined outside the window. */
  windowStartMs(nowMs = this.#now()): number | undefined {
    return SessionSchedule.currentSessionStartMs(this.settings, nowMs);
  }

  /** A store created before the current window opened holds the previous window's sequence numbers. */
  isStale(creationTimeMs: number, nowMs = this.#now()): boolean {
    const start = this.windowStartMs(nowMs);
    return start !== undefined && creationTimeMs < start;
  }

  describe(): string {
    return SessionSchedule.describe(this.settings);
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(): void {
    const now = this.#now();
    const at = SessionSchedule.nextBoundaryMs(this.settings, now);
    if (at === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      // a timer may fire a little before the wall clock reaches `at`: then the callback sees nothing new, and the
      // timer is armed again for what is left
      try {
        this.#onBoundary();
      } finally {
        this.#arm();
      }
    }, Math.min(Math.max(0, at - now), TIMEOUT_MAX_MS));
    this.#timer.unref();
  }
}
