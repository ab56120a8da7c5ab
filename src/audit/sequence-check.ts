// Sequence-number accounting for one message flow (one SenderCompID -> TargetCompID of a session):
// gaps and duplicates, taking into account what FIX allows:
//   - a PossDup (43=Y) resend with a lower MsgSeqNum fills a gap, or repeats what was seen (fine);
//   - a SequenceReset-GapFill (35=4, 123=Y) at N with NewSeqNo M covers N..M-1;
//   - a SequenceReset-Reset (35=4 without 123=Y) moves the next number to NewSeqNo, forgiving what it skips;
//   - a Logon with MsgSeqNum 1 or ResetSeqNumFlag=Y starts the numbering again at 1 (gaps still open are
//     reported first).
// Open gaps are kept as ranges, at most MAX_OPEN_GAPS of them (the oldest is reported when full).

export interface SequenceFinding {
  code: 'seq-gap' | 'seq-duplicate' | 'seq-reset-backwards';
  file: string;
  line: number;
  text: string;
}

interface Gap { from: number; to: number; file: string; line: number }

const MAX_OPEN_GAPS = 10_000;

export class FlowSequence {
  #expected = 0; // 0: nothing seen yet
  #gaps: Gap[] = [];
  readonly #report: (f: SequenceFinding) => void;
  readonly flow: string;

  constructor(flow: string, report: (f: SequenceFinding) => void) {
    this.flow = flow;
    this.#report = report;
  }

  /** Account for one message of this flow. */
  see(m: { seq: number; msgType: string; possDup: boolean; gapFill: boolean; newSeqNo: number | undefined; resetFlag: boolean; file: string; line: number }): void {
    const { seq, file, line } = m;
    if (m.msgType === 'A' && (seq === 1 || m.resetFlag)) {
      this.#closeAll(`before the sequence reset at ${file}:${line}`);
      this.#expected = seq + 1;
      return;
    }
    if (m.msgType === '4' && !m.gapFill) {
      const next = m.newSeqNo ?? seq + 1;
      if (this.#expected !== 0 && next < this.#expected) {
        this.#report({ code: 'seq-reset-backwards', file, line, text: `${this.flow}: SequenceReset to ${next} while ${this.#expected} was expected` });
      }
      this.#fill(0, next - 1);
      this.#expected = next;
      return;
    }
    if (this.#expected === 0) {
      // First message of the flow in these logs: whatever came before is not ours to judge.
      this.#expected = seq;
    }
    const last = m.msgType === '4' && m.gapFill && m.newSeqNo !== undefined && m.newSeqNo > seq ? m.newSeqNo - 1 : seq;
    if (seq === this.#expected) {
      this.#expected = last + 1;
    } else if (seq > this.#expected) {
      this.#open({ from: this.#expected, to: seq - 1, file, line });
      this.#expected = last + 1;
    } else if (m.possDup || m.gapFill) {
      this.#fill(seq, last);
      if (last + 1 > this.#expected) this.#expected = last + 1;
    } else {
      this.#report({ code: 'seq-duplicate', file, line, text: `${this.flow}: MsgSeqNum ${seq} again (expected ${this.#expected}) without PossDupFlag` });
    }
  }

  /** End of input: every gap still open is a finding. */
  finish(): void {
    this.#closeAll('by the end of the logs');
  }

  #open(g: Gap): void {
    if (this.#gaps.length >= MAX_OPEN_GAPS) this.#reportGap(this.#gaps.shift()!, `(more than ${MAX_OPEN_GAPS} gaps open)`);
    this.#gaps.push(g);
  }

  #fill(from: number, to: number): void {
    if (this.#gaps.length === 0) return;
    const kept: Gap[] = [];
    for (const g of this.#gaps) {
      if (to < g.from || from > g.to) { kept.push(g); continue; }
      if (g.from < from) kept.push({ ...g, to: from - 1 });
      if (g.to > to) kept.push({ ...g, from: to + 1 });
    }
    this.#gaps = kept;
  }

  #closeAll(when: string): void {
    for (const g of this.#gaps) this.#reportGap(g, when);
    this.#gaps = [];
  }

  #reportGap(g: Gap, when: string): void {
    const range = g.from === g.to ? `MsgSeqNum ${g.from} is` : `MsgSeqNums ${g.from}..${g.to} are`;
    this.#report({ code: 'seq-gap', file: g.file, line: g.line, text: `${this.flow}: ${range} missing (not resent or gap-filled ${when})` });
  }
}
