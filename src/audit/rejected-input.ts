// Bad input a client sent is the client's mistake, not the gateway's, when the gateway answered it as FIX
// prescribes: an inbound message that fails the dictionary and got a session Reject (35=3) or a
// BusinessMessageReject (35=j) whose RefSeqNum(45) is its MsgSeqNum is reported as information. One that nothing
// answered by the end of the logs is still an error. Outbound messages that fail the dictionary are always errors.
import type { FixError } from '../fix/types.js';
import type { LoggedMessage } from './log-messages.js';
import type { Finding } from './verify.js';

/** Inbound messages waiting for their reject, over all sessions; past this, they are reported at once. */
const PENDING_MAX = 100_000;

interface Pending { file: string; line: number; text: string; reason: number }

export class RejectedInputCheck {
  readonly #pending = new Map<string, Map<number, Pending>>();
  #count = 0;

  constructor(private readonly emit: (f: Finding) => void) {}

  /** A message that failed the dictionary: `text` says how. */
  invalid(m: LoggedMessage, verdict: FixError, text: string): void {
    if (m.direction !== 'IN' || m.seq === undefined || this.#count >= PENDING_MAX) {
      this.emit({ code: 'invalid', severity: 'error', file: m.file, line: m.line, text });
      return;
    }
    let bySeq = this.#pending.get(m.session);
    if (bySeq === undefined) this.#pending.set(m.session, (bySeq = new Map()));
    if (!bySeq.has(m.seq)) this.#count++;
    bySeq.set(m.seq, { file: m.file, line: m.line, text, reason: verdict.reason });
  }

  /** Every message: an outbound reject settles the inbound message it refers to. */
  see(m: LoggedMessage): void {
    if (m.direction !== 'OUT' || (m.msgType !== '3' && m.msgType !== 'j')) return;
    const refSeq = m.msg.getInt(45);
    const pending = refSeq === undefined ? undefined : this.#pending.get(m.session)?.get(refSeq);
    if (pending === undefined) return;
    this.#pending.get(m.session)!.delete(refSeq!);
    this.#count--;
    const answer = `${m.msgType === '3' ? `Reject 35=3 #${m.seq ?? '?'} 373=${m.msg.get(373) ?? '?'}` : `BusinessMessageReject 35=j #${m.seq ?? '?'} 380=${m.msg.get(380) ?? '?'}`}`;
    const sameReason = m.msgType === 'j' || m.msg.getInt(373) === pending.reason;
    this.emit({
      code: 'invalid-rejected', severity: sameReason ? 'info' : 'warning', file: pending.file, line: pending.line,
      text: `${pending.text}; the gateway answered it with ${answer}${sameReason ? '' : ` where the dictionary says 373=${pending.reason}`}`,
    });
  }

  /** What no reject answered is an error, as before. */
  finish(): void {
    for (const bySeq of this.#pending.values()) {
      for (const p of bySeq.values()) this.emit({ code: 'invalid', severity: 'error', file: p.file, line: p.line, text: `${p.text}; no Reject answered it` });
    }
    this.#pending.clear();
    this.#count = 0;
  }
}
