// `fixgw audit show`: decode message logs into readable form, one line per message (time, direction,
// session, MsgSeqNum, type name and the fields that matter), optionally every field with its dictionary
// name and enum meaning, or one JSON object per message. Filters apply while streaming. Several logs are merged in
// time order (up to MERGE_FILES_MAX of them; more are read one after the other).

import type { Dictionary } from '../fix/dictionary.js';
import { fieldLines, messageJson, summaryLine } from './describe.js';
import { readLogBatches, type LoggedMessage, type LogProblem } from './log-messages.js';
import { MERGE_FILES_MAX, readLogsByTime } from './merge.js';

export interface ShowFilter {
  /** Session key ('FIX.4.4:FIXGW->CLIENT1'), a CompID, or part of a session key. */
  session?: string;
  msgTypes?: ReadonlySet<string>;
  /** Matches ClOrdID(11) or OrigClOrdID(41). */
  clOrdId?: string;
  orderId?: string;
  fromUs?: number;
  toUs?: number;
}

export interface ShowOptions {
  files: string[];
  dictionary: Dictionary;
  filter: ShowFilter;
  json: boolean;
  /** Every field, `Name(tag)=value (meaning)`, groups indented. */
  fields: boolean;
  localCompId?: string;
  /** Stop after this many messages shown. */
  limit?: number;
}

export function matchesFilter(m: LoggedMessage, f: ShowFilter): boolean {
  if (f.msgTypes !== undefined && !f.msgTypes.has(m.msgType)) return false;
  if (f.session !== undefined && !sessionMatches(m, f.session)) return false;
  if (f.clOrdId !== undefined && m.msg.get(11) !== f.clOrdId && m.msg.get(41) !== f.clOrdId) return false;
  if (f.orderId !== undefined && m.msg.get(37) !== f.orderId) return false;
  if (f.fromUs !== undefined && (m.timeUs === undefined || m.timeUs < f.fromUs)) return false;
  if (f.toUs !== undefined && (m.timeUs === undefined || m.timeUs > f.toUs)) return false;
  return true;
}

function sessionMatches(m: LoggedMessage, wanted: string): boolean {
  if (m.session === wanted || m.session.includes(wanted)) return true;
  return m.msg.get(49) === wanted || m.msg.get(56) === wanted;
}

/** Writes what matches; problems (corrupt lines...) go to onProblem. Returns the number of messages shown. */
export async function showLogs(opts: ShowOptions, write: (line: string) => void, onProblem: (p: LogProblem) => void): Promise<number> {
  let shown = 0;
  const readOptions = opts.localCompId === undefined ? {} : { localCompId: opts.localCompId };
  const batches = opts.files.length > 1 && opts.files.length <= MERGE_FILES_MAX ? readLogsByTime(opts.files, readOptions) : readLogBatches(opts.files, readOptions);
  reading: for await (const batch of batches) for (const item of batch) {
    if (item.kind === 'problem') { onProblem(item.p); continue; }
    const m = item.m;
    if (!matchesFilter(m, opts.filter)) continue;
    if (opts.json) {
      write(JSON.stringify(messageJson(opts.dictionary, m)));
    } else {
      write(summaryLine(opts.dictionary, m));
      if (opts.fields) {
        for (const line of fieldLines(opts.dictionary, m.msg)) write(line);
      }
    }
    shown++;
    if (opts.limit !== undefined && shown >= opts.limit) break reading;
  }
  return shown;
}
