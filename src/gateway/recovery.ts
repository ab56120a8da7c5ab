// Station: recovery. A crash between a command-log write and the session stores loses the ExecutionReports of that
// batch: the log replayed them at startup, no session store has them. They are sent again from the replayed tail: for
// each session, the reports with an ExecID newer than the newest one its store holds (Session.newestSentValue). The
// requester's own replies also come back when its client resends the request (its MsgSeqNum was held); this covers
// the rest: the other side of a trade, cancel-on-disconnect, expiries.
import type { Logger } from 'pino';
import type { Dictionary } from '../fix/dictionary.js';
import { MsgType, Tag } from '../fix/names.js';
import type { Session } from '../session/session.js';
import type { EngineEvent, ExecReport, SequencedCommand } from '../engine/index.js';
import { executionReport } from './reports.js';

/** Commands at the end of the replay whose reports are checked against the session stores. */
export const REPLAY_TAIL_COMMANDS_MAX = 10_000;

/** The last commands replayed at startup, with their events (a bounded ring: the newest are kept). */
export class ReplayTail {
  readonly #entries: Array<{ sc: SequencedCommand; events: EngineEvent[] } | undefined>;
  #count = 0;

  constructor(readonly max = REPLAY_TAIL_COMMANDS_MAX) {
    this.#entries = new Array(max);
  }

  /** For openEngine's onReplayEvents. */
  readonly push = (sc: SequencedCommand, events: EngineEvent[]): void => {
    this.#entries[this.#count++ % this.max] = { sc, events };
  };

  /** Oldest first. */
  *entries(): Generator<{ sc: SequencedCommand; events: EngineEvent[] }> {
    for (let k = Math.max(0, this.#count - this.max); k < this.#count; k++) yield this.#entries[k % this.max]!;
  }

  clear(): void {
    this.#entries.length = 0;
    this.#count = 0;
  }
}

/** ExecID "<seq>.<n>" as a number pair that orders like the engine's events; null for any other text. */
function execOrder(execId: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)$/.exec(execId);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

/** The newest ExecID a session's store holds: [0, 0] when it holds none, null when that is unknown. */
function newestStored(session: Session): [number, number] | null {
  const newest = session.newestSentValue(MsgType.ExecutionReport, Tag.ExecID);
  if (newest.kind === 'none') return [0, 0];
  return newest.kind === 'found' ? execOrder(newest.value) : null;
}

export interface LostReportsOptions {
  tail: ReplayTail;
  sessionOf: (key: string) => Session | undefined;
  /** Drop-copy sessions get no reports again (a copy is not a client's own report). */
  isDropCopy: (session: Session) => boolean;
  dictionary: Dictionary;
  log: Logger;
}

/** Sends the ExecutionReports a crash cut off; returns how many. */
export function resendLostReports(o: LostReportsOptions): number {
  const newest = new Map<string, [number, number] | null>();
  let resent = 0;
  for (const { sc, events } of o.tail.entries()) {
    for (const ev of events) {
      if (ev.kind !== 'exec') continue;
      const session = o.sessionOf(ev.session);
      if (session === undefined || o.isDropCopy(session)) continue;
      if (sc.timeMs < session.creationTimeMs) continue; // from before the session's sequence numbers were reset
      if (!newest.has(ev.session)) newest.set(ev.session, newestStored(session));
      if (!isNewer(ev, newest.get(ev.session)!)) continue;
      session.send(MsgType.ExecutionReport, executionReport(ev, undefined, o.dictionary));
      resent++;
    }
  }
  o.tail.clear();
  if (resent > 0) o.log.warn({ reportsRestored: resent }, 'ExecutionReports lost in a crash sent again from the journal');
  return resent;
}

function isNewer(ev: ExecReport, stored: [number, number] | null): boolean {
  const exec = execOrder(ev.execId);
  if (stored === null || exec === null) return false;
  return exec[0] > stored[0] || (exec[0] === stored[0] && exec[1] > stored[1]);
}
