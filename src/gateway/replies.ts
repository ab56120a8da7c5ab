// Station: replies. Every applied command's events become FIX messages: ExecutionReports (8) to the order's session
// and to the drop-copy sessions that see its account, OrderCancelRejects (9), OrderMassCancelReports (r). The replies
// to one command-log batch go out as one SendBatch (every store written before any socket gets a byte). A request of
// ours is then answered: its inbound message is released (its MsgSeqNum may be persisted past it) and its ack latency
// observed once the batch is on its way.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Dictionary } from '../fix/dictionary.js';
import { MsgType } from '../fix/names.js';
import type { FieldList } from '../fix/types.js';
import type { BodyWriter } from '../fix/encode.js';
import { SendBatch } from '../session/send-batch.js';
import type { Session } from '../session/session.js';
import type { CancelReject, EngineEvent, ExecReport, MassCancelReport, SequencedCommand } from '../engine/index.js';
import type { DropCopies } from './drop-copies.js';
import type { IdleSpin } from './idle-spin.js';
import type { InFlight } from './in-flight.js';
import type { LogBatchTimer } from './log-batch-timer.js';
import type { GatewayMetrics } from './metrics.js';
import { ExecutionReportBody, massCancelReport, orderCancelReject } from './reports.js';
import type { RequestEcho } from './requests.js';
import { isRestSession } from './rest-entry.js';

export interface RepliesOptions {
  sessionOf: (key: string) => Session | undefined;
  inFlight: InFlight;
  dropCopies: DropCopies;
  dictionary: Dictionary;
  metrics: GatewayMetrics;
  logBatch: LogBatchTimer;
  idleSpin: IdleSpin;
  log: Logger;
  /** Cluster mode: whether this node answers for the session (hosting.ts); another node's are skipped quietly. */
  hosts?: (key: string) => boolean;
}

export class Replies {
  readonly #o: RepliesOptions;
  readonly #batch = new SendBatch(() => this.#batchSent());
  /** One body writer for every report (no closure per report). */
  readonly #erBody = new ExecutionReportBody();
  /** When the requests answered in the batch being sent arrived (performance.now()); at most one per request in flight. */
  readonly #answeredReceivedMs: number[] = [];

  constructor(o: RepliesOptions) {
    this.#o = o;
  }

  /** The command sequencer's listener: `ref` is ours when the command came through order entry here. */
  readonly onEvents = (sc: SequencedCommand, events: EngineEvent[], ref: number | undefined): void => {
    if (this.#o.logBatch.busy) this.#o.metrics.journalBatchSeconds.observe(this.#o.logBatch.applied(performance.now())! / 1e3);
    const request = this.#o.inFlight.take(ref);
    const echo = request?.echo;
    let replied = false;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      switch (ev.kind) {
        case 'exec': replied = this.#executionReport(ev, echo) || replied; break;
        case 'cancelReject': replied = this.#cancelReject(ev, echo) || replied; break;
        case 'massCancel': replied = this.#massCancel(ev, echo) || replied; break;
        case 'trade': this.#o.metrics.trades.inc(); break;
        case 'admin':
          if (ev.canceledCount > 0 || !ev.ok) this.#o.log.info({ command: ev.command, canceledCount: ev.canceledCount, text: ev.text }, 'admin command applied');
          break;
        case 'md': break;
      }
    }
    if (replied && echo !== undefined) this.#answeredReceivedMs.push(echo.receivedMs);
    // durable, replies stored (in the batch): the expected inbound seq may move past the message on disk
    request?.hold.release();
  };

  /** A request the log found to be a duplicate of a command it held already (no events come): it is answered by the
   *  reports of that command, sent when it was applied (or by a takeover), and its inbound message is released. */
  duplicate(ref: number | undefined): void {
    this.#o.inFlight.take(ref)?.hold.release();
  }

  /** True when it answered `echo`'s request (the report is about the order the request named). */
  #executionReport(ev: ExecReport, echo: RequestEcho | undefined): boolean {
    const own = echo !== undefined && ev.session === echo.session && ev.clOrdId === echo.clOrdId ? echo : undefined;
    const body = this.#erBody.set(ev, own, this.#o.dictionary); // written during the sends below, not kept
    const sent = this.#sendTo(ev.session, MsgType.ExecutionReport, body);
    this.#o.metrics.executionReports.inc(ev.execType);
    if (ev.rejectReason !== null) this.#o.metrics.rejects.inc(ev.rejectReason);
    if (this.#o.dropCopies.size > 0) {
      this.#o.dropCopies.forAccount(ev.account, (dc) => { if (this.#o.hosts?.(dc.key) !== false) this.#batch.send(dc, MsgType.ExecutionReport, body); });
    }
    return sent && own !== undefined;
  }

  #cancelReject(ev: CancelReject, echo: RequestEcho | undefined): boolean {
    this.#o.metrics.rejects.inc(ev.rejectReason);
    return this.#sendTo(ev.session, MsgType.OrderCancelReject, orderCancelReject(ev, echo, this.#o.dictionary));
  }

  #massCancel(ev: MassCancelReport, echo: RequestEcho | undefined): boolean {
    if (ev.rejectReason !== null) this.#o.metrics.rejects.inc(ev.rejectReason);
    return this.#sendTo(ev.session, MsgType.OrderMassCancelReport, massCancelReport(ev, echo));
  }

  #sendTo(key: string, msgType: string, body: FieldList | BodyWriter): boolean {
    if (this.#o.hosts?.(key) === false) return false;
    const session = this.#o.sessionOf(key);
    if (session === undefined) {
      // REST and WebSocket orders are answered by rest-entry.ts; only a FIX session that is gone is worth a line
      if (!isRestSession(key)) this.#o.log.warn({ session: key, msgType }, 'reply for a session that does not exist');
      return false;
    }
    this.#batch.send(session, msgType, body);
    return true;
  }

  /** The replies are stored and handed on: that is when a request counts as answered. */
  #batchSent(): void {
    const nowMs = performance.now();
    this.#o.idleSpin.armed(nowMs);
    const received = this.#answeredReceivedMs;
    if (received.length === 0) return;
    for (let i = 0; i < received.length; i++) this.#o.metrics.orderAckSeconds.observe((nowMs - received[i]!) / 1e3);
    received.length = 0;
  }
}
