// Streams the lines of a FIX message log (plain or gzip'd) in bounded memory and recognises the usual
// line formats, so one reader serves fixgw's own logs and those of QuickFIX-family engines:
//   fixgw        20261126-01:02:03.123456 OUT 8=FIX.4.4^A...      (IN64/OUT64 + base64 for CR/LF bytes)
//   QuickFIX C++ 20261126-01:02:03.123 : 8=FIX.4.4^A...            (also QuickFIX/n; any fraction 0-9 digits)
//   QuickFIX/J   20261126-01:02:03.123: 8=FIX.4.4^A...
//   QuickFIX/Go  2026/11/26 01:02:03.123456 8=FIX.4.4^A...          (taken as UTC)
//   raw          8=FIX.4.4^A...                                     (time from SendingTime(52) later)
// Fields may be separated by SOH, '|' or a literal '^A' (the last two are turned back into SOH).
// A line that fits none of these is reported, never thrown; so is a last line without '\n' and a gzip
// stream that ends early. readMessageLog in src/session/message-log.ts reads only our own format and
// throws on the first bad line, which is right for the session's tests but not for an audit.

import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import { parseTimestamp } from '../session/message-log.js';

export type Direction = 'IN' | 'OUT';

export type LogLine =
  | {
      kind: 'message';
      line: number;
      /** Epoch microseconds from the line prefix, undefined for raw lines. */
      timeUs: number | undefined;
      /** Direction when the format says it (fixgw), else undefined. */
      direction: Direction | undefined;
      /** The message bytes (a view into the chunk read; chunks are not reused). */
      bytes: Buffer;
      /** The last line of the file had no '\n' (a write torn by a crash, or a hand-made file). */
      unterminated: boolean;
    }
  | { kind: 'corrupt'; line: number; reason: string; truncated: boolean };

const LF = 0x0a;
const CR = 0x0d;
const SOH = 0x01;
const PIPE = 0x7c;
const READ_CHUNK_BYTES = 1024 * 1024;
/** Longest line assembled; longer ones are reported and skipped (bounds memory on a corrupt file). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** True when the file starts with the gzip magic bytes (the name does not matter). */
export function isGzipFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

function openStream(file: string): Readable {
  const raw = fs.createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  if (!isGzipFile(file)) return raw;
  const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/** Every line of `file`, parsed, in batches (one per read chunk: one await per MiB, not per line).
 *  Memory: one read chunk plus at most MAX_LINE_BYTES of carried line. */
export async function* readLogLines(file: string): AsyncGenerator<LogLine[]> {
  const stream = openStream(file);
  let carry: Buffer | null = null;
  let line = 0;
  let skipping = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let data: Buffer = chunk;
      if (carry !== null) {
        data = Buffer.concat([carry, chunk]);
        carry = null;
      }
      const batch: LogLine[] = [];
      let start = 0;
      for (let lf = data.indexOf(LF, start); lf !== -1; lf = data.indexOf(LF, start)) {
        line += 1;
        if (skipping) {
          skipping = false;
        } else {
          const parsed = parseLine(data.subarray(start, lf), line, false);
          if (parsed !== null) batch.push(parsed);
        }
        start = lf + 1;
      }
      if (start < data.length && !skipping) {
        if (data.length - start > MAX_LINE_BYTES) {
          batch.push({ kind: 'corrupt', line: line + 1, reason: `line longer than ${MAX_LINE_BYTES} bytes, skipped`, truncated: false });
          skipping = true;
        } else {
          // Copy: the rest of this chunk waits for the next one.
          carry = Buffer.from(data.subarray(start));
        }
      }
      if (batch.length > 0) yield batch;
    }
  } catch (err) {
    yield [{ kind: 'corrupt', line: line + 1, reason: `file ends early: ${(err as Error).message}`, truncated: true }];
    return;
  } finally {
    stream.destroy();
  }
  if (carry !== null && carry.length > 0) {
    const parsed = parseLine(carry, line + 1, true);
    if (parsed !== null) yield [parsed];
  }
}

let cachedSecondText = '';
let cachedSecondUs: number | undefined;

/** parseTimestamp with the date-and-second part cached: consecutive lines mostly share it. */
function cachedTimestampUs(text: string): number | undefined {
  const second = text.slice(0, 17);
  if (second !== cachedSecondText) {
    cachedSecondText = second;
    const us = parseTimestamp(`${second}.000000`);
    cachedSecondUs = us;
  }
  if (cachedSecondUs === undefined) return undefined;
  const fraction = Number(text.slice(18));
  return Number.isInteger(fraction) ? cachedSecondUs + fraction : undefined;
}

const FIXGW_PREFIX = /^(\d{8}-\d{2}:\d{2}:\d{2}\.\d{6}) (IN|OUT|IN64|OUT64) /;
const QUICKFIX_PREFIX = /^(\d{8})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ?: $/;
const QUICKFIX_GO_PREFIX = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? $/;

/** One line (without its '\n'); null for an empty line. */
function parseLine(text: Buffer, line: number, unterminated: boolean): LogLine | null {
  let end = text.length;
  if (end > 0 && text[end - 1] === CR) end -= 1;
  if (end === 0) return null;
  const body = text.subarray(0, end);
  // fixgw's own format first: its prefix is fixed-width.
  const head = body.toString('latin1', 0, Math.min(end, 32));
  const ours = FIXGW_PREFIX.exec(head);
  if (ours !== null) {
    const timeUs = cachedTimestampUs(ours[1]!);
    if (timeUs === undefined) return { kind: 'corrupt', line, reason: `bad timestamp "${ours[1]}"`, truncated: unterminated };
    const payload = body.subarray(ours[0].length);
    const marker = ours[2]!;
    if (marker === 'IN64' || marker === 'OUT64') {
      const b64 = payload.toString('latin1');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return { kind: 'corrupt', line, reason: 'bad base64 payload', truncated: unterminated };
      return { kind: 'message', line, timeUs, direction: marker === 'IN64' ? 'IN' : 'OUT', bytes: Buffer.from(b64, 'base64'), unterminated };
    }
    return { kind: 'message', line, timeUs, direction: marker as Direction, bytes: withSoh(payload), unterminated };
  }
  const begin = body.indexOf('8=');
  if (begin < 0) return { kind: 'corrupt', line, reason: 'no FIX message on this line (no "8=")', truncated: unterminated };
  const prefix = body.toString('latin1', 0, begin);
  let timeUs: number | undefined;
  if (begin > 0) {
    timeUs = prefixTimeUs(prefix);
    if (timeUs === undefined) return { kind: 'corrupt', line, reason: `unrecognised line prefix "${printable(prefix)}"`, truncated: unterminated };
  }
  return { kind: 'message', line, timeUs, direction: undefined, bytes: withSoh(body.subarray(begin)), unterminated };
}

function prefixTimeUs(prefix: string): number | undefined {
  let m = QUICKFIX_PREFIX.exec(prefix);
  if (m !== null) {
    const [, date, h, mi, s, frac] = m;
    return utcUs(Number(date!.slice(0, 4)), Number(date!.slice(4, 6)), Number(date!.slice(6, 8)), Number(h), Number(mi), Number(s), frac);
  }
  m = QUICKFIX_GO_PREFIX.exec(prefix);
  if (m !== null) {
    const [, y, mo, d, h, mi, s, frac] = m;
    return utcUs(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), frac);
  }
  return undefined;
}

function utcUs(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string | undefined): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(ms)) return undefined;
  const us = frac === undefined ? 0 : Number((frac + '000000').slice(0, 6));
  return ms * 1000 + us;
}

/** The message with SOH separators: '|' or a literal '^A' become SOH when the line has no SOH. */
function withSoh(payload: Buffer): Buffer {
  if (payload.indexOf(SOH) >= 0) return payload;
  if (payload.indexOf('^A') >= 0) return Buffer.from(payload.toString('latin1').replaceAll('^A', '\x01'), 'latin1');
  if (payload.indexOf(PIPE) >= 0) {
    const out = Buffer.from(payload);
    for (let i = 0; i < out.length; i++) if (out[i] === PIPE) out[i] = SOH;
    return out;
  }
  return payload;
}

function printable(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return cut.replace(/[^\x20-\x7e]/g, '?');
}
