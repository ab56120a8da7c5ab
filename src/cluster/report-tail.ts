// The ExecutionReports a node did not send: every replica applies every command, but only the node hosting a session
// answers it. The events of sessions not hosted here are kept in a bounded ring, so that when this node takes a
// session over it sends what the client has not got: reports a crashed node applied but never stored, and those of
// commands applied while no node hosted the session (between a crash and the client's next Logon). What the client
// already has is known from its replicated store (the newest ExecID it holds). Reports older than the ring are not
// sent again (docs/cluster.md: the ring's bound, ClusterReportTailEvents, is the longest such gap covered).
import type { Dictionary } from '../fix/dictionary.js';
import { MsgType, Tag } from '../fix/names.js';
import type { Session } from '../session/session.js';
import type { EngineEvent, ExecReport, SequencedCommand } from '../engine/index.js';
import { executionReport } from '../gateway/reports.js';
import { isRestSession } from '../gateway/rest-entry.js';

interface Kept { timeMs: number; ev: ExecReport }

export class ReportTail {
  private readonly ring: Array<Kept | undefined>;
  private count = 0;

  constructor(readonly max: number, private readonly hostedHere: (key: string) => boolean) {
    this.ring = new Array<Kept | undefined>(max);
  }

  /** The sequencer's onEvents listener. */
  readonly applied = (sc: SequencedCommand, events: EngineEvent[]): void => {
    if (this.max === 0) return;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      // a REST account's reports are answered by the node that took the request (its ref), never sent at a takeover
      if (ev.kind !== 'exec' || this.hostedHere(ev.session) || isRestSession(ev.session)) continue;
      this.ring[this.count++ % this.max] = { timeMs: sc.timeMs, ev };
    }
  };

  /** Sends `session` the reports it has not got (newer than the newest ExecID its store holds); returns how many. */
  sendMissed(session: Session, dictionary: Dictionary): number {
    const newest = session.newestSentValue(MsgType.ExecutionReport, Tag.ExecID);
    if (newest.kind === 'unknown') return 0; // the store's newest messages hold no report: nothing to compare with
    const after = newest.kind === 'none' ? [0, 0] : execOrder(newest.value);
    if (after === null) return 0;
    let sent = 0;
    for (let k = Math.max(0, this.count - this.max); k < this.count; k++) {
      const { timeMs, ev } = this.ring[k % this.max]!;
      if (ev.session !== session.key || timeMs < session.creationTimeMs) continue; // another's, or before a reset
      const exec = execOrder(ev.execId);
      if (exec === null || exec[0] < after[0] || (exec[0] === after[0] && exec[1] <= after[1])) continue;
      session.send(MsgType.ExecutionReport, executionReport(ev, undefined, dictionary));
      sent++;
    }
    return sent;
  }
}

/** ExecID "<seq>.<n>" as a number pair that orders like the engine's events; null for any other text. */
function execOrder(execId: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)$/.exec(execId);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}
