// The daily EndOfDay of the gateway: when its clock passes EndOfDayTime in TimeZone, one EndOfDay command is
// submitted through the sequencer (journaled; the engine expires every Day order). DATA/end-of-day.json remembers
// the last EndOfDay instant handled, so an EndOfDay that fell while the gateway was down is caught up at startup.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { SessionSchedule } from '../session/settings.js';

const DAY_SEC = 86_400;

export class EndOfDaySchedule {
  private lastEndOfDayMs: number;
  private readonly markerPath: string;
  /** A window from EndOfDayTime to one second before it: its start is the latest EndOfDay instant. */
  private readonly window;

  constructor(dataDir: string, endOfDayTimeSec: number, timeZone: string, nowMs: number,
    /** Submits EndOfDay for the instant `endOfDayMs` (throws if it cannot); resolves once it is journaled and applied. */
    private readonly submit: (endOfDayMs: number) => Promise<void>, private readonly log: Logger) {
    this.window = { startTimeSec: endOfDayTimeSec, endTimeSec: (endOfDayTimeSec + DAY_SEC - 1) % DAY_SEC, timeZone, nonStopSession: false };
    this.markerPath = path.join(dataDir, 'end-of-day.json');
    const latestMs = this.latestAt(nowMs);
    const recordedMs = this.readMarker();
    if (recordedMs !== undefined && recordedMs < latestMs) {
      log.info({ missedEndOfDayMs: latestMs, lastEndOfDayMs: recordedMs }, 'EndOfDay passed while the gateway was down: catching up');
      this.lastEndOfDayMs = recordedMs;
      this.check(nowMs);
    } else {
      this.lastEndOfDayMs = latestMs;
      if (recordedMs === undefined) this.writeMarker();
    }
  }

  /** Submits EndOfDay when the clock has passed an EndOfDay instant not yet handled. */
  check(nowMs: number): void {
    const latestMs = this.latestAt(nowMs);
    if (latestMs <= this.lastEndOfDayMs) return;
    this.lastEndOfDayMs = latestMs;
    let applied: Promise<void>;
    try {
      applied = this.submit(latestMs);
    } catch (err) {
      this.log.error({ err }, 'could not submit EndOfDay');
      return;
    }
    this.log.info({ endOfDayMs: latestMs }, 'scheduled EndOfDay submitted');
    // Recorded once durable: a crash before that makes the next start catch it up again.
    applied.then(() => this.writeMarker(), (err: unknown) => this.log.error({ err }, 'EndOfDay not applied'));
  }

  private latestAt(nowMs: number): number {
    return SessionSchedule.currentSessionStartMs(this.window, nowMs) ?? 0;
  }

  private readMarker(): number | undefined {
    try {
      const v = (JSON.parse(readFileSync(this.markerPath, 'utf8')) as { lastEndOfDayMs?: unknown }).lastEndOfDayMs;
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /** The marker only decides whether to catch up; the EndOfDay itself is in the journal. */
  private writeMarker(): void {
    try {
      const tmp = `${this.markerPath}.tmp`;
      writeFileSync(tmp, JSON.stringify({ lastEndOfDayMs: this.lastEndOfDayMs, at: new Date(this.lastEndOfDayMs).toISOString() }) + '\n');
      renameSync(tmp, this.markerPath);
    } catch (err) {
      this.log.error({ err, path: this.markerPath }, 'could not record the last EndOfDay');
    }
  }
}
