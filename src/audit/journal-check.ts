// Cross-check of logged ExecutionReports against the engine. The data directory's journal is replayed (the
// engine is deterministic, so this re-creates every event it ever emitted) and each ER in the logs is matched
// to its `exec` event by ExecID(17) = execId, comparing what the client was told: ExecType, OrdStatus,
// OrderID, ClOrdID, Symbol, quantities, prices and trade id. Every exec event of a logged session must
// appear in that session's outbound log; one that is missing there but present in the session's store
// (DATA/store/*.body: written for resend, never sent because the client was away) is a warning, not an
// error. A report on a session that owns no orders is a drop copy: checked field by field, not counted as
// the owner's delivery; on a session with orders of its own it is misrouted.
// Memory: one compact record per exec event of the journal.

import fs from 'node:fs';
import path from 'node:path';
import { Decimal } from 'decimal.js';
import { Framer } from '../fix/framer.js';
import { parseMessage } from '../fix/message.js';
import {
  JournalTrimmedError, journalDirOf, listSegments, replayDataDir, type CancelReject, type JournalSegment, type EngineConfig, type EngineEvent, type ExecReport, type SequencedCommand,
} from '../engine/index.js';
import type { LoggedMessage } from './log-messages.js';

const EXEC_TYPE_CODE: Record<ExecReport['execType'], string> = {
  New: '0', Trade: 'F', Canceled: '4', Replaced: '5', Rejected: '8', Expired: 'C', Restated: 'D', OrderStatus: 'I',
};
const ORD_STATUS_CODE: Record<ExecReport['ordStatus'], string> = {
  New: '0', PartiallyFilled: '1', Filled: '2', Canceled: '4', Rejected: '8', Expired: 'C',
};

export interface JournalFinding {
  code: 'er-unmatched' | 'er-mismatch' | 'er-misrouted' | 'er-missing' | 'er-undelivered'
    | 'ocr-unmatched' | 'ocr-mismatch' | 'ocr-missing' | 'ocr-undelivered'
    | 'session-without-log' | 'journal-torn' | 'journal-trimmed' | 'journal-unreadable';
  severity: 'error' | 'warning';
  file: string;
  line: number | null;
  /** For findings about the journal: the command's seq. */
  seq?: number;
  text: string;
}

interface ExecRecord {
  seq: number;
  execId: string;
  session: string;
  execType: string;
  ordStatus: string;
  orderId: string;
  clOrdId: string;
  cumQty: string;
  leavesQty: string;
  lastQty: string | null;
  lastPx: string | null;
  avgPx: string;
  orderQty: string;
  symbol: string;
  tradeId: string | null;
  reported: boolean;
}

/** An engine cancelReject event, answered by an OrderCancelReject (35=9) found by session and ClOrdID. */
interface CancelRejectRecord {
  seq: number;
  session: string;
  clOrdId: string;
  orderId: string;
  ordStatus: string;
  responseTo: string;
  cxlRejReason: string;
  reported: boolean;
}

/** Replays DATA's journal and answers, ER by ER, whether the logs agree with it. */
export class JournalCheck {
  /** The journal directory (DATA/journal); findings about one command name the segment file that holds it. */
  readonly journalPath: string;
  #segments: JournalSegment[] = [];
  readonly #execs = new Map<string, ExecRecord>();
  /** session \0 ClOrdID -> cancel rejects, in journal order (a ClOrdID may be refused more than once). */
  readonly #cancelRejects = new Map<string, CancelRejectRecord[]>();
  readonly #loggedSessions = new Set<string>();
  /** Sessions that own orders (some exec event is theirs): an ER of another session's order sent there is misrouted. */
  readonly #ownerSessions = new Set<string>();
  /** Per session: highest outbound MsgSeqNum logged since the last sequence reset. */
  readonly #maxOutSeq = new Map<string, number>();
  readonly #report: (f: JournalFinding) => void;
  /** Exec events before the first replayed command (journal starting from a snapshot) are not known. */
  #firstSeq = 1;
  commands = 0;
  execEvents = 0;
  matched = 0;
  cancelRejectEvents = 0;
  matchedCancelRejects = 0;
  /** Reports found on a session that owns no orders: drop copies (checked, not counted as delivery). */
  copies = 0;

  constructor(readonly dataDir: string, config: EngineConfig, report: (f: JournalFinding) => void) {
    this.#report = report;
    this.journalPath = journalDirOf(dataDir);
    const onEvents = (sc: SequencedCommand, events: EngineEvent[]): void => {
      this.commands++;
      for (const e of events) {
        if (e.kind === 'exec') this.#add(e);
        else if (e.kind === 'cancelReject') this.#addCancelReject(e);
      }
    };
    try {
      let result;
      try {
        this.#segments = listSegments(this.journalPath);
        result = replayDataDir(dataDir, config, { useSnapshot: false, onEvents });
      } catch (err) {
        if (!(err instanceof JournalTrimmedError)) throw err;
        // The journal does not start at seq 1 (JournalRetention=snapshot trimmed it): start from the latest snapshot.
        this.#execs.clear();
        this.#cancelRejects.clear();
        this.#ownerSessions.clear();
        this.commands = 0;
        this.execEvents = 0;
        this.cancelRejectEvents = 0;
        result = replayDataDir(dataDir, config, { useSnapshot: true, onEvents });
        this.#firstSeq = (result.snapshotSeq ?? 0) + 1;
        report({ code: 'journal-trimmed', severity: 'warning', file: this.#fileOf(err.firstSeq), line: null, seq: err.firstSeq,
          text: `the journal starts at seq ${err.firstSeq} (earlier segments were trimmed): replayed from snapshot seq ${result.snapshotSeq ?? 0}; ` +
            `reports of commands up to seq ${this.#firstSeq - 1} cannot be checked` });
      }
      // zeros only: space the journal preallocates (fsync always) while the gateway runs, not damage
      if (result.tornBytes > 0 && !result.journal.tornZeros) {
        report({ code: 'journal-torn', severity: 'warning', file: this.#fileOf(result.lastSeq + 1), line: null, seq: result.lastSeq + 1,
          text: `${result.tornBytes} bytes after the last whole record (seq ${result.lastSeq}): a write cut short by a crash; that command never took effect` });
      }
    } catch (err) {
      report({ code: 'journal-unreadable', severity: 'error', file: this.journalPath, line: null, text: (err as Error).message });
    }
  }

  /** The segment file that holds `seq` (the journal directory when there is none). */
  #fileOf(seq: number): string {
    let file = this.journalPath;
    for (const s of this.#segments) if (s.firstSeq <= seq) file = s.path;
    return file;
  }

  #addCancelReject(e: CancelReject): void {
    this.cancelRejectEvents++;
    const key = `${e.session}\u0000${e.clOrdId}`;
    let list = this.#cancelRejects.get(key);
    if (list === undefined) this.#cancelRejects.set(key, (list = []));
    list.push({
      seq: e.seq, session: e.session, clOrdId: e.clOrdId, orderId: e.orderId === '' ? 'NONE' : e.orderId,
      ordStatus: ORD_STATUS_CODE[e.ordStatus ?? 'Rejected'], responseTo: e.responseTo === 'Cancel' ? '1' : '2',
      cxlRejReason: String(e.fixCxlRejReason), reported: false,
    });
  }

  /** An outbound OrderCancelReject: the next unanswered engine cancelReject for its session and ClOrdID. */
  #seeCancelReject(m: LoggedMessage): void {
    const msg = m.msg;
    const clOrdId = msg.get(11) ?? '';
    const list = this.#cancelRejects.get(`${m.session}\u0000${clOrdId}`);
    const rec = list?.find((r) => !r.reported);
    const at = { file: m.file, line: m.line };
    const damaged = m.frameProblem !== undefined ? `Damaged (${m.frameProblem.code}) ` : '';
    if (rec === undefined) {
      if (list !== undefined && m.possDup) return; // a resend of one already matched
      this.#report({ code: 'ocr-unmatched', severity: 'error', ...at, text: `${damaged}OrderCancelReject ClOrdID ${clOrdId || '(none)'} on ${m.session} matches no engine cancel reject in the journal` });
      return;
    }
    rec.reported = true;
    this.matchedCancelRejects++;
    const diffs: string[] = [];
    const same = (name: string, logged: string | undefined, engine: string): void => {
      if ((logged ?? '') !== engine) diffs.push(`${name} ${logged ?? '(absent)'} (engine: ${engine})`);
    };
    same('OrderID(37)', msg.get(37), rec.orderId);
    same('OrdStatus(39)', msg.get(39), rec.ordStatus);
    same('CxlRejResponseTo(434)', msg.get(434), rec.responseTo);
    // A reason code the session's dictionary lacks may be sent as 99 (Other).
    if (msg.get(102) !== '99') same('CxlRejReason(102)', msg.get(102), rec.cxlRejReason);
    if (diffs.length > 0) {
      this.#report({ code: 'ocr-mismatch', severity: 'error', ...at, text: `${damaged}OrderCancelReject ClOrdID ${clOrdId} differs from the engine event (seq ${rec.seq}): ${diffs.join(', ')}` });
    }
  }

  #add(e: ExecReport): void {
    this.execEvents++;
    this.#ownerSessions.add(e.session);
    this.#execs.set(e.execId, {
      seq: e.seq, execId: e.execId, session: e.session, execType: EXEC_TYPE_CODE[e.execType], ordStatus: ORD_STATUS_CODE[e.ordStatus],
      orderId: e.orderId, clOrdId: e.clOrdId, cumQty: e.cumQty, leavesQty: e.leavesQty, lastQty: e.lastQty, lastPx: e.lastPx, avgPx: e.avgPx,
      orderQty: e.orderQty, symbol: e.symbol, tradeId: e.tradeId, reported: false,
    });
  }

  /** One logged message; only outbound ExecutionReports matter here. */
  see(m: LoggedMessage): void {
    if (m.direction !== 'OUT') return;
    this.#loggedSessions.add(m.session);
    if (m.seq !== undefined) {
      const reset = m.msgType === 'A' && (m.seq === 1 || m.msg.get(141) === 'Y');
      if (reset || m.seq > (this.#maxOutSeq.get(m.session) ?? 0)) this.#maxOutSeq.set(m.session, m.seq);
    }
    if (m.msgType === '9') {
      this.#seeCancelReject(m);
      return;
    }
    if (m.msgType !== '8') return;
    const msg = m.msg;
    // A damaged report (bad CheckSum, already a finding) still says which engine event it was, and comparing
    // it names the field that was changed.
    const damaged = m.frameProblem !== undefined ? `Damaged (${m.frameProblem.code}) ` : '';
    const execId = msg.get(17) ?? '';
    const rec = this.#execs.get(execId);
    const at = { file: m.file, line: m.line };
    if (rec === undefined) {
      const seq = Number(execId.split('.')[0]);
      if (Number.isInteger(seq) && seq > 0 && seq < this.#firstSeq) return; // before the journal we have
      this.#report({ code: 'er-unmatched', severity: 'error', ...at, text: `${damaged}ExecutionReport ExecID ${execId || '(none)'} ClOrdID ${msg.get(11) ?? '?'} matches no engine event in the journal` });
      return;
    }
    const copy = m.session !== rec.session;
    if (copy && this.#ownerSessions.has(m.session)) {
      this.#report({ code: 'er-misrouted', severity: 'error', ...at, text: `ExecutionReport ExecID ${execId} of ${rec.session}'s order (ClOrdID ${rec.clOrdId}) was sent to ${m.session}, a session with orders of its own` });
      return;
    }
    if (copy) {
      this.copies++;
    } else {
      rec.reported = true;
      this.matched++;
    }
    const diffs: string[] = [];
    const same = (name: string, logged: string | undefined, engine: string): void => {
      if ((logged ?? '') !== engine) diffs.push(`${name} ${logged ?? '(absent)'} (engine: ${engine || '(empty)'})`);
    };
    const sameNumber = (name: string, logged: string | undefined, engine: string | null): void => {
      const a = toDecimal(logged);
      const b = toDecimal(engine ?? undefined);
      const absentOk = engine === null && (logged === undefined || (a !== undefined && a.isZero()));
      if (absentOk) return;
      if (a === undefined || b === undefined || !a.equals(b)) diffs.push(`${name} ${logged ?? '(absent)'} (engine: ${engine ?? '(none)'})`);
    };
    same('ExecType(150)', msg.get(150), rec.execType);
    same('OrdStatus(39)', msg.get(39), rec.ordStatus);
    if (rec.orderId !== '') same('OrderID(37)', msg.get(37), rec.orderId);
    same('ClOrdID(11)', msg.get(11), rec.clOrdId);
    sameNumber('CumQty(14)', msg.get(14), rec.cumQty);
    sameNumber('LeavesQty(151)', msg.get(151), rec.leavesQty);
    sameNumber('LastQty(32)', msg.get(32), rec.lastQty);
    sameNumber('LastPx(31)', msg.get(31), rec.lastPx);
    sameNumber('AvgPx(6)', msg.get(6), rec.avgPx);
    if (rec.symbol !== '') same('Symbol(55)', msg.get(55), rec.symbol);
    sameNumber('OrderQty(38)', msg.get(38), rec.orderQty);
    if (rec.tradeId !== null) {
      // The trade id travels in TradeID(1003) (FIX 5.0) or, on FIX 4.4, SecondaryExecID(527).
      const tradeTag = msg.has(1003) ? 1003 : 527;
      same(`${tradeTag === 1003 ? 'TradeID' : 'SecondaryExecID'}(${tradeTag})`, msg.get(tradeTag), rec.tradeId);
    }
    if (diffs.length > 0) {
      this.#report({ code: 'er-mismatch', severity: 'error', ...at, text: `${damaged}${copy ? `drop copy on ${m.session} of ` : ''}ExecutionReport ExecID ${execId} differs from the engine event (seq ${rec.seq}): ${diffs.join(', ')}` });
    }
  }

  /** After all logs: engine reports and cancel rejects that no log shows. */
  finish(): void {
    interface Pending { seq: number; storeKey: string; what: string; kind: 'er' | 'ocr' }
    const unlogged = new Map<string, number>();
    const missing = new Map<string, Pending[]>();
    const add = (session: string, p: Pending): void => {
      if (!this.#loggedSessions.has(session)) {
        unlogged.set(session, (unlogged.get(session) ?? 0) + 1);
        return;
      }
      let list = missing.get(session);
      if (list === undefined) missing.set(session, (list = []));
      list.push(p);
    };
    for (const rec of this.#execs.values()) {
      if (rec.reported) continue;
      add(rec.session, { seq: rec.seq, storeKey: `8\u0000${rec.execId}`, kind: 'er',
        what: `engine report ExecID ${rec.execId} (ExecType ${rec.execType}, OrdStatus ${rec.ordStatus}, ClOrdID ${rec.clOrdId}, OrderID ${rec.orderId || '(none)'}) for ${rec.session}` });
    }
    for (const list of this.#cancelRejects.values()) {
      for (const rec of list) {
        if (rec.reported) continue;
        add(rec.session, { seq: rec.seq, storeKey: `9\u0000${rec.clOrdId}`, kind: 'ocr',
          what: `engine cancel reject for ClOrdID ${rec.clOrdId} (OrderID ${rec.orderId}, CxlRejReason ${rec.cxlRejReason}) for ${rec.session}` });
      }
    }
    for (const [session, count] of unlogged) {
      this.#report({ code: 'session-without-log', severity: 'warning', file: this.journalPath, line: null,
        text: `${count} engine report(s) for session ${session}, which has no outbound messages in the logs given: not checked` });
    }
    for (const [session, pending] of missing) {
      const stored = storedReplies(this.dataDir, session, new Set(pending.map((p) => p.storeKey)));
      const loggedUpTo = this.#maxOutSeq.get(session) ?? 0;
      for (const p of pending) {
        const storedSeq = stored.get(p.storeKey);
        const message = p.kind === 'er' ? 'ExecutionReport' : 'OrderCancelReject';
        const base = { severity: 'error' as const, file: this.#fileOf(p.seq), line: null, seq: p.seq };
        if (storedSeq !== undefined && storedSeq <= loggedUpTo) {
          this.#report({ ...base, code: p.kind === 'er' ? 'er-missing' : 'ocr-missing',
            text: `${p.what} was sent as MsgSeqNum ${storedSeq} (session store), but the outbound log, which goes on to ${loggedUpTo}, does not show it` });
        } else if (storedSeq !== undefined) {
          this.#report({ ...base, severity: 'warning', code: p.kind === 'er' ? 'er-undelivered' : 'ocr-undelivered',
            text: `${p.what} is in the session store but was never sent (the client was not logged on)` });
        } else {
          this.#report({ ...base, code: p.kind === 'er' ? 'er-missing' : 'ocr-missing',
            text: `${p.what} was never reported: no ${message} in the session's outbound log` });
        }
      }
    }
  }
}

function toDecimal(text: string | undefined): Decimal | undefined {
  if (text === undefined || !/^-?(\d+\.?\d*|\.\d+)$/.test(text)) return undefined;
  return new Decimal(text);
}

/** Which of `wanted` replies ('8\0<ExecID>' for ExecutionReports, '9\0<ClOrdID>' for OrderCancelRejects)
 *  sit in the outbound store of `session` (DATA/store/<name>.body), with the MsgSeqNum they were stored
 *  under. Read-only, one 1 MiB chunk at a time. */
function storedReplies(dataDir: string, session: string, wanted: Set<string>): Map<string, number> {
  const found = new Map<string, number>();
  const dir = path.join(dataDir, 'store');
  if (!fs.existsSync(dir)) return found;
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.body')) continue;
    const fd = fs.openSync(path.join(dir, name), 'r');
    try {
      const framer = new Framer({ maxMessageBytes: 16 * 1024 * 1024 });
      const chunk = Buffer.allocUnsafe(1024 * 1024);
      let sessionMatches: boolean | undefined;
      for (let n = fs.readSync(fd, chunk, 0, chunk.length, null); n > 0 && sessionMatches !== false; n = fs.readSync(fd, chunk, 0, chunk.length, null)) {
        framer.push(chunk.subarray(0, n));
        for (let f = framer.next(); f !== null; f = framer.next()) {
          if (f.kind !== 'message') continue;
          const msg = parseMessage(f.bytes);
          if ('garbled' in msg) continue;
          sessionMatches ??= `${msg.get(8)}:${msg.get(49)}->${msg.get(56)}` === session;
          if (!sessionMatches) break;
          const id = msg.msgType === '8' ? msg.get(17) : msg.msgType === '9' ? msg.get(11) : undefined;
          const key = `${msg.msgType}\u0000${id}`;
          if (id !== undefined && wanted.has(key) && !found.has(key)) found.set(key, msg.seqNum ?? 0);
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return found;
}
