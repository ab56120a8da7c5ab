// Turns log files into decoded FIX messages with their place (file:line), time, direction and
// session, plus the problems met on the way (corrupt lines, torn records, bad checksums/body lengths).
// Directories are searched for message logs; gzip'd files are read as they are.

import fs from 'node:fs';
import path from 'node:path';
import { unescapePart } from '../session/session-id.js';
import { Framer } from '../fix/framer.js';
import { parseMessage, type FixMessage } from '../fix/message.js';
import { parseUtcTimestamp } from '../fix/time.js';
import { MAX_LINE_BYTES, readLogLines, type Direction, type LogLine } from './log-lines.js';

export type { Direction } from './log-lines.js';

export interface LoggedMessage {
  file: string;
  line: number;
  /** Epoch microseconds: the log line's stamp, or SendingTime(52) for raw lines; undefined if neither. */
  timeUs: number | undefined;
  /** undefined only when neither the format, the file name nor --local-comp-id tell it. */
  direction: Direction | undefined;
  /** 'FIX.4.4:LOCAL->REMOTE' (QuickFIX SessionID form, as the engine names sessions). */
  session: string;
  /** 'FIX.4.4:SENDER->TARGET' of this message: the unit of sequence numbering. */
  flow: string;
  seq: number | undefined;
  msgType: string;
  possDup: boolean;
  msg: FixMessage;
  /** Set when the frame failed its BodyLength/CheckSum checks but still parses (shown, not trusted). */
  frameProblem: { code: ProblemCode; text: string } | undefined;
  /** A masked Password(554)/NewPassword(925): the checksum no longer matches by design. */
  masked: boolean;
}

export type ProblemCode = 'corrupt-line' | 'truncated' | 'garbled' | 'bad-checksum' | 'bad-body-length';

export interface LogProblem {
  file: string;
  line: number;
  code: ProblemCode;
  text: string;
  /** IN or OUT when the log line says (fixgw's own format) or the frame still parses. */
  direction?: Direction;
}

export type LogItem = { kind: 'message'; m: LoggedMessage } | { kind: 'problem'; p: LogProblem };

export interface ReadOptions {
  /** Our CompID, for logs whose lines do not say IN/OUT (QuickFIX). */
  localCompId?: string;
  /** Copy each message's bytes out of the 1 MiB read chunk: callers that keep a few messages set it, so a
   *  kept message does not hold its whole chunk in memory. */
  copy?: boolean;
}

const MESSAGE_LOG_NAME = /\.messages\.|messages\.log|\.fixlog/;

/** Files named by `paths`: files as given; directories searched (recursively, name order) for message logs. */
export function listLogFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 8) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, depth + 1);
      else if (entry.isFile() && MESSAGE_LOG_NAME.test(entry.name) && !/\.event\./.test(entry.name)) out.push(full);
    }
  };
  for (const p of paths) {
    const st = fs.statSync(p);
    if (st.isDirectory()) walk(p, 0);
    else out.push(p);
  }
  return out;
}

/** 'FIX.4.4-SENDER-TARGET.messages...' (fixgw and QuickFIX naming) -> SENDER, our side (fixgw escapes characters
 *  outside [A-Za-z0-9._] in it as %XX, see fileSafeName). */
function localCompIdFromName(file: string): string | undefined {
  const m = /^(?:FIXT?\.\d\.\d[^-]*)-([^-]+)-.+?\.messages/.exec(path.basename(file));
  return m === null ? undefined : unescapePart(m[1]!) ?? m[1];
}

/** Every message and problem of the files, in file order then line order. */
export async function* readLogs(files: readonly string[], opts: ReadOptions = {}): AsyncGenerator<LogItem> {
  for await (const batch of readLogBatches(files, opts)) yield* batch;
}

/** The same, in batches (one per read chunk): for loops over millions of messages, one await per batch. */
export async function* readLogBatches(files: readonly string[], opts: ReadOptions = {}): AsyncGenerator<LogItem[]> {
  for (const file of files) {
    const state: DecodeState = { local: opts.localCompId ?? localCompIdFromName(file), last: undefined };
    for await (const lines of readLogLines(file)) {
      const out: LogItem[] = [];
      for (const l of lines) decodeLine(file, l, state, opts, out);
      yield out;
    }
  }
}

interface DecodeState {
  local: string | undefined;
  /** The flow names of the last message: a log is mostly one session, so they are reused, not rebuilt. */
  last: { begin: string; sender: string; target: string; flow: string; reverse: string } | undefined;
}

function namesOf(state: DecodeState, begin: string, sender: string, target: string): { flow: string; reverse: string } {
  const last = state.last;
  if (last !== undefined && last.begin === begin && last.sender === sender && last.target === target) return last;
  if (last !== undefined && last.begin === begin && last.sender === target && last.target === sender) return { flow: last.reverse, reverse: last.flow };
  state.last = { begin, sender, target, flow: `${begin}:${sender}->${target}`, reverse: `${begin}:${target}->${sender}` };
  return state.last;
}

function decodeLine(file: string, l: LogLine, state: DecodeState, opts: ReadOptions, out: LogItem[]): void {
  if (l.kind === 'corrupt') {
    out.push({ kind: 'problem', p: { file, line: l.line, code: l.truncated ? 'truncated' : 'corrupt-line', text: l.reason } });
    return;
  }
  for (const frame of framesOf(l.bytes)) {
    let frameProblem: LoggedMessage['frameProblem'];
    if (frame.kind !== 'message') {
      const code: ProblemCode = l.unterminated ? 'truncated' : frame.kind === 'incomplete' ? 'garbled'
        : /CheckSum/.test(frame.reason) ? 'bad-checksum' : /BodyLength/.test(frame.reason) ? 'bad-body-length' : 'garbled';
      frameProblem = { code, text: l.unterminated ? `last line ends mid-message: ${frame.reason}` : frame.reason };
    }
    const bytes = opts.copy === true ? Buffer.from(frame.bytes) : frame.bytes;
    const parsed = frame.kind === 'incomplete' ? { garbled: frame.reason } : parseMessage(bytes);
    if ('garbled' in parsed) {
      out.push({ kind: 'problem', p: { file, line: l.line, code: frameProblem?.code ?? 'garbled', text: frameProblem?.text ?? parsed.garbled,
        ...(l.direction !== undefined ? { direction: l.direction } : {}) } });
      continue;
    }
    const sender = parsed.get(49) ?? '';
    const target = parsed.get(56) ?? '';
    const begin = parsed.get(8) ?? '';
    state.local ??= sender;
    const direction: Direction | undefined = l.direction ?? (sender === state.local ? 'OUT' : target === state.local ? 'IN' : undefined);
    const masked = isMasked(parsed);
    if (frameProblem !== undefined && !(masked && frameProblem.code === 'bad-checksum')) {
      out.push({ kind: 'problem', p: { file, line: l.line, code: frameProblem.code, text: frameProblem.text, ...(direction !== undefined ? { direction } : {}) } });
    } else {
      frameProblem = undefined;
    }
    const names = namesOf(state, begin, sender, target);
    const session = direction === 'IN' ? names.reverse : names.flow;
    let timeUs = l.timeUs;
    if (timeUs === undefined) {
      const sentMs = parseUtcTimestamp(parsed.get(52) ?? '');
      if (sentMs !== undefined) timeUs = sentMs * 1000;
    }
    out.push({
      kind: 'message',
      m: {
        file, line: l.line, timeUs, direction, session, flow: names.flow,
        seq: parsed.seqNum, msgType: parsed.msgType, possDup: parsed.get(43) === 'Y', msg: parsed, frameProblem, masked,
      },
    });
  }
}

type LineFrame =
  | { kind: 'message'; bytes: Buffer }
  | { kind: 'garbled'; bytes: Buffer; reason: string }
  | { kind: 'incomplete'; bytes: Buffer; reason: string };

/** The frames on one log line. Fast path: the whole line is one message whose BodyLength and
 *  CheckSum check out. Otherwise the session layer's Framer cuts it, exactly as it cut the wire. */
function framesOf(bytes: Buffer): LineFrame[] {
  if (isOneGoodMessage(bytes)) return [{ kind: 'message', bytes }];
  // The limit only has to exceed the line: a BodyLength pointing past its end then reads as a message cut short.
  const framer = new Framer({ maxMessageBytes: MAX_LINE_BYTES + 1024 });
  framer.push(bytes);
  const out: LineFrame[] = [];
  for (let f = framer.next(); f !== null; f = framer.next()) out.push(f);
  if (framer.bufferedBytes > 0) {
    // A log line is whole: bytes the framer still waits on are a message cut short.
    const rest = bytes.subarray(bytes.length - framer.bufferedBytes);
    if (rest.length > 1 || rest[0] !== 0x38) out.push({ kind: 'incomplete', bytes: rest, reason: `incomplete message (${rest.length} bytes, no CheckSum(10) trailer)` });
  }
  return out;
}

const SOH = 0x01;

function isOneGoodMessage(b: Buffer): boolean {
  const n = b.length;
  if (n < 20 || b[0] !== 0x38 || b[1] !== 0x3d || b[n - 1] !== SOH) return false;
  const soh1 = b.indexOf(SOH, 2);
  if (soh1 < 0 || b[soh1 + 1] !== 0x39 || b[soh1 + 2] !== 0x3d) return false;
  let len = 0;
  let p = soh1 + 3;
  for (; p < n && b[p] !== SOH; p++) {
    const d = b[p]! - 0x30;
    if (d < 0 || d > 9 || p - soh1 > 12) return false;
    len = len * 10 + d;
  }
  const trailer = p + 1 + len;
  if (trailer + 7 !== n || b[trailer - 1] !== SOH || b[trailer] !== 0x31 || b[trailer + 1] !== 0x30 || b[trailer + 2] !== 0x3d) return false;
  let sum = 0;
  for (let i = 0; i < trailer; i++) sum += b[i]!;
  const stated = (b[trailer + 3]! - 0x30) * 100 + (b[trailer + 4]! - 0x30) * 10 + (b[trailer + 5]! - 0x30);
  return (sum & 0xff) === stated;
}

function isMasked(msg: FixMessage): boolean {
  for (const tag of [554, 925]) {
    const v = msg.get(tag);
    if (v !== undefined && v.length > 0 && /^\*+$/.test(v)) return true;
  }
  return false;
}

/** 'YYYYMMDD-HH:MM:SS.ssssss' (UTC) for epoch microseconds; '-' when unknown. */
export function formatTimeUs(timeUs: number | undefined): string {
  if (timeUs === undefined) return '-'.padEnd(24);
  const ms = Math.floor(timeUs / 1000);
  const d = new Date(ms);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p2(d.getUTCMonth() + 1)}${p2(d.getUTCDate())}-${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(timeUs % 1_000_000).padStart(6, '0')}`;
}

/** A user's time bound, to the microsecond: 'YYYYMMDD[-HH:MM:SS[.fraction]]' (UTC) or ISO 8601 (Date.parse). */
export function parseTimeBound(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text);
  if (m !== null) {
    const [, y, mo, d, h, mi, sec, frac] = m;
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0));
    if (!Number.isNaN(ms) && Number(mo) >= 1 && Number(mo) <= 12) return ms * 1000 + (frac === undefined ? 0 : Number(`${frac}000000`.slice(0, 6)));
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`cannot read time "${text}" (use YYYYMMDD-HH:MM:SS[.ssssss] UTC or ISO 8601)`);
  return ms * 1000;
}
