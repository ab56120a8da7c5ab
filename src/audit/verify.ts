// `fixgw audit verify`: reads every log once, streaming, and reports each finding with the file and line
// it is about: corrupt or torn lines, bad CheckSum/BodyLength, dictionary validation failures, sequence
// gaps and duplicates per flow, ExecutionReport arithmetic, and (with a data directory) the journal
// cross-check. Clean means no error; warnings are printed but do not fail the run unless `strict`. Bad input a
// client sent and the gateway answered as FIX prescribes (a Reject, or a garbled frame dropped) is information.

import type { Dictionary } from '../fix/dictionary.js';
import { validateMessage } from '../fix/validate.js';
import type { EngineConfig } from '../engine/index.js';
import { readLogBatches, type LoggedMessage, type LogProblem } from './log-messages.js';
import { FlowSequence } from './sequence-check.js';
import { QuantityCheck } from './quantity-check.js';
import { JournalCheck } from './journal-check.js';
import { RejectedInputCheck } from './rejected-input.js';

export interface Finding {
  code: string;
  /** info: bad input a client sent, answered as FIX prescribes; it never makes a run unclean. */
  severity: 'error' | 'warning' | 'info';
  file: string;
  /** Line in `file`; null for findings about the journal (then `seq` names the command). */
  line: number | null;
  seq?: number;
  text: string;
}

export interface VerifyOptions {
  files: string[];
  dictionary: Dictionary;
  /** Cross-check against this data directory's journal. */
  dataDir?: string;
  engineConfig?: EngineConfig;
  localCompId?: string;
  /** Dictionary validation of every message (default true). */
  validate?: boolean;
}

export interface VerifySummary {
  files: number;
  messages: number;
  errors: number;
  warnings: number;
  infos: number;
  /** Errors and warnings by code. */
  byCode: Record<string, number>;
  /** Information by code. */
  infoByCode: Record<string, number>;
  journal: { commands: number; execEvents: number; matched: number; dropCopies: number; cancelRejects: number; cancelRejectsMatched: number } | null;
}

/** Flows with sequence state; a flow is small, but a hostile log could invent CompIDs without end. */
const MAX_FLOWS = 100_000;

export async function verifyLogs(opts: VerifyOptions, onFinding: (f: Finding) => void): Promise<VerifySummary> {
  const summary: VerifySummary = { files: opts.files.length, messages: 0, errors: 0, warnings: 0, infos: 0, byCode: {}, infoByCode: {}, journal: null };
  const emit = (f: Finding): void => {
    if (f.severity === 'info') {
      summary.infos++;
      summary.infoByCode[f.code] = (summary.infoByCode[f.code] ?? 0) + 1;
    } else {
      if (f.severity === 'error') summary.errors++;
      else summary.warnings++;
      summary.byCode[f.code] = (summary.byCode[f.code] ?? 0) + 1;
    }
    onFinding(f);
  };
  const asError = (f: { code: string; file: string; line: number; text: string }): void => emit({ ...f, severity: 'error' });

  let journal: JournalCheck | undefined;
  if (opts.dataDir !== undefined) {
    if (opts.engineConfig === undefined) throw new Error('verify: dataDir needs engineConfig');
    journal = new JournalCheck(opts.dataDir, opts.engineConfig, emit);
  }
  const flows = new Map<string, FlowSequence>();
  const quantities = new QuantityCheck(asError);
  const rejectedInput = new RejectedInputCheck(emit);
  const validate = opts.validate !== false;

  for await (const batch of readLogBatches(opts.files, opts.localCompId === undefined ? {} : { localCompId: opts.localCompId })) for (const item of batch) {
    if (item.kind === 'problem') {
      emit(problemFinding(item.p));
      continue;
    }
    const m = item.m;
    summary.messages++;
    if (m.frameProblem === undefined && validate) {
      const bad = validateMessage(m.msg, opts.dictionary);
      if (bad !== null) {
        rejectedInput.invalid(m, bad,
          `${m.direction ?? ''} ${m.msgType ? `35=${m.msgType}` : 'message'} #${m.seq ?? '?'} fails the dictionary: ${bad.text}${bad.tag !== undefined ? ` (tag ${bad.tag})` : ''} [373=${bad.reason}]`.trim());
      }
    }
    rejectedInput.see(m);
    trackSequence(flows, m, asError);
    quantities.see(m);
    journal?.see(m);
  }
  for (const flow of flows.values()) flow.finish();
  rejectedInput.finish();
  journal?.finish();
  if (journal !== undefined) summary.journal = {
    commands: journal.commands, execEvents: journal.execEvents, matched: journal.matched, dropCopies: journal.copies,
    cancelRejects: journal.cancelRejectEvents, cancelRejectsMatched: journal.matchedCancelRejects,
  };
  return summary;
}

/** Frames a receiver drops unanswered (FIX: a garbled message is ignored): inbound, the client's mistake; outbound,
 *  or a log line cut short, damage to be explained. */
const DROPPED_FRAME_CODES = new Set(['garbled', 'bad-checksum', 'bad-body-length']);

function problemFinding(p: LogProblem): Finding {
  if (p.direction === 'IN' && DROPPED_FRAME_CODES.has(p.code)) {
    return { code: p.code, severity: 'info', file: p.file, line: p.line, text: `${p.text} (inbound: dropped unanswered, as FIX prescribes for a garbled message)` };
  }
  return { code: p.code, severity: 'error', file: p.file, line: p.line, text: p.text };
}

function trackSequence(flows: Map<string, FlowSequence>, m: LoggedMessage, report: (f: { code: string; file: string; line: number; text: string }) => void): void {
  if (m.seq === undefined) return;
  // An inbound message that failed its frame checks was dropped by the receiver and used no number;
  // an outbound one was sent as it is (its log line is what is damaged).
  if (m.frameProblem !== undefined && m.direction !== 'OUT') return;
  let flow = flows.get(m.flow);
  if (flow === undefined) {
    if (flows.size >= MAX_FLOWS) return;
    flow = new FlowSequence(m.flow, report);
    flows.set(m.flow, flow);
  }
  flow.see({
    seq: m.seq, msgType: m.msgType, possDup: m.possDup, gapFill: m.msg.get(123) === 'Y', newSeqNo: m.msg.getInt(36),
    resetFlag: m.msg.get(141) === 'Y', file: m.file, line: m.line,
  });
}

/** 'file:line: error seq-gap: text' (journal findings: 'journal-00000000000000000001.log@seq 12: ...'). */
export function formatFinding(f: Finding): string {
  const where = f.line !== null ? `${f.file}:${f.line}` : f.seq !== undefined ? `${f.file}@seq ${f.seq}` : f.file;
  return `${where}: ${f.severity} ${f.code}: ${f.text}`;
}
