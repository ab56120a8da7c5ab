// The payload of a journal record: one sequenced command in a compact binary form. Its first byte is the record
// format's version; a payload of any other version is refused by name (JournalVersionError in journal.ts), never
// guessed at.
//
// Payload, little-endian:
//   [u8 version = 1][f64 seq][f64 timeMs] then, for each property of the command in the command's own key order:
//   [u8 key id][u8 kind][value]            key id 0: a key not in KEYS, its name follows as a text
//     kind 1: ASCII string, [u16 length][bytes]      kind 2: a constant string (KEYWORDS), [u8 index]
//     kind 3: number, [f64]                          kind 4: true          kind 5: false
//     kind 6: any other string, as a text            kind 7: null
//     kind 8: an object or array value, its JSON text as a text
//   a text: [u16 byte length][UTF-16LE code units] (every JS string exactly, lone surrogates included)
// Properties whose value is undefined, a function or a symbol are left out (as JSON leaves them out). Decoding
// gives back an object with the same keys in the same order and the same values (a number keeps its exact bits,
// -0 and NaN included). The gateway's commands only ever hold the first five kinds; the others are there so that
// bad input is journaled exactly as the engine saw it, whatever a caller put in a command.
// A replicated log carries the same payload with seq 0 (the log's own sequence is the seq): encodeCommandPayload and
// decodeCommandPayload.
//
// KEYS and KEYWORDS are part of the file format: only ever append to them.
import type { Command, SequencedCommand } from './types.js';

/** The record format this build writes and reads (the payload's first byte). */
export const RECORD_FORMAT_VERSION = 1;
const FIXED_BYTES = 17;

/** Property names, by key id (id = index + 1). */
const KEYS = [
  'type', 'session', 'account', 'clOrdId', 'symbol', 'side', 'ordType', 'timeInForce', 'price', 'stopPx', 'orderQty',
  'expireTimeMs', 'postOnly', 'minQty', 'displayQty', 'stpMode', 'origClOrdId', 'orderId', 'filterSession',
  'cancelOnDisconnect', 'text', 'on',
] as const;
/** Constant string values written as one byte, by index. */
const KEYWORDS = [
  'NewOrder', 'Cancel', 'Replace', 'OrderStatus', 'MassCancel', 'SessionDisconnected', 'Halt', 'Resume', 'KillSwitch',
  'ExpireSweep', 'EndOfDay',
  'Buy', 'Sell',
  'Limit', 'Market', 'Stop', 'StopLimit',
  'Day', 'GTC', 'IOC', 'FOK', 'GTD',
  'None', 'CancelNewest', 'CancelOldest', 'CancelBoth', 'DecrementAndCancel',
] as const;

const KEY_NAMED = 0;
const KIND_ASCII = 1;
const KIND_KEYWORD = 2;
const KIND_NUMBER = 3;
const KIND_TRUE = 4;
const KIND_FALSE = 5;
const KIND_TEXT = 6;
const KIND_NULL = 7;
const KIND_JSON = 8;
const TEXT_BYTES_MAX = 0xffff;

/**
 * The key id of a property name (index in KEYS + 1), or 0. A switch, not a Map: property names are internalized
 * strings, compared here by identity, and this runs for every property of every command. Checked against KEYS when
 * loaded.
 */
function keyIdOf(key: string): number {
  switch (key) {
    case 'type': return 1; case 'session': return 2; case 'account': return 3; case 'clOrdId': return 4;
    case 'symbol': return 5; case 'side': return 6; case 'ordType': return 7; case 'timeInForce': return 8;
    case 'price': return 9; case 'stopPx': return 10; case 'orderQty': return 11; case 'expireTimeMs': return 12;
    case 'postOnly': return 13; case 'minQty': return 14; case 'displayQty': return 15; case 'stpMode': return 16;
    case 'origClOrdId': return 17; case 'orderId': return 18; case 'filterSession': return 19;
    case 'cancelOnDisconnect': return 20; case 'text': return 21; case 'on': return 22;
    default: return 0;
  }
}

/** The index of a constant string in KEYWORDS, or -1 (a switch, as keyIdOf). Checked against KEYWORDS when loaded. */
function keywordIdOf(v: string): number {
  switch (v) {
    case 'NewOrder': return 0; case 'Cancel': return 1; case 'Replace': return 2; case 'OrderStatus': return 3;
    case 'MassCancel': return 4; case 'SessionDisconnected': return 5; case 'Halt': return 6; case 'Resume': return 7;
    case 'KillSwitch': return 8; case 'ExpireSweep': return 9; case 'EndOfDay': return 10;
    case 'Buy': return 11; case 'Sell': return 12;
    case 'Limit': return 13; case 'Market': return 14; case 'Stop': return 15; case 'StopLimit': return 16;
    case 'Day': return 17; case 'GTC': return 18; case 'IOC': return 19; case 'FOK': return 20; case 'GTD': return 21;
    case 'None': return 22; case 'CancelNewest': return 23; case 'CancelOldest': return 24; case 'CancelBoth': return 25;
    case 'DecrementAndCancel': return 26;
    default: return -1;
  }
}

// KEYS and KEYWORDS are the file format; the switches must agree with them exactly
KEYS.forEach((k, i) => { if (keyIdOf(k) !== i + 1) throw new Error(`invariant: keyIdOf(${k}) is not ${i + 1}`); });
KEYWORDS.forEach((k, i) => { if (keywordIdOf(k) !== i) throw new Error(`invariant: keywordIdOf(${k}) is not ${i}`); });

/** By key id: 1 for the keys whose values are usually keywords (the others are never looked up in KEYWORDS). */
const KEYWORD_KEY_IDS = new Uint8Array(KEYS.length + 1);
for (const k of ['type', 'side', 'ordType', 'timeInForce', 'stpMode'] as const) KEYWORD_KEY_IDS[keyIdOf(k)] = 1;

/** A command that no record can hold: not an object, or a value JSON has no text for (a bigint). */
export class CommandNotEncodableError extends Error {
  override name = 'CommandNotEncodableError';
}

/**
 * Writes the payload of `sc` into buf at `at`, using at most `room` bytes; returns its length, or -1 when it needs
 * more than `room` (then nothing after `at` is meaningful). Throws CommandNotEncodableError for a command that is not
 * an object or holds a bigint.
 */
export function encodePayload(sc: SequencedCommand, buf: Buffer, at: number, room: number): number {
  const cmd = sc.cmd as unknown;
  if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) throw new CommandNotEncodableError(`a command must be an object, not ${cmd === null ? 'null' : Array.isArray(cmd) ? 'an array' : typeof cmd}`);
  if (room < FIXED_BYTES) return -1;
  const end = at + room;
  buf[at] = RECORD_FORMAT_VERSION;
  buf.writeDoubleLE(sc.seq, at + 1);
  buf.writeDoubleLE(sc.timeMs, at + 9);
  let p = at + FIXED_BYTES;
  const record = cmd as Record<string, unknown>;
  // The common shapes (known key; keyword, ASCII string, number, boolean) are written inline: this loop runs for
  // every property of every command. Everything else goes through writeOddProperty.
  for (const key in record) {
    const v = record[key];
    if (v === undefined) continue;
    const id = keyIdOf(key);
    if (id === KEY_NAMED || end - p < 2) {
      p = writeOddProperty(key, v, buf, p, end);
      if (p < 0) return -1;
      continue;
    }
    buf[p] = id;
    switch (typeof v) {
      case 'string': {
        const kw = KEYWORD_KEY_IDS[id] === 1 ? keywordIdOf(v) : -1;
        if (kw >= 0) {
          if (end - p < 3) return -1;
          buf[p + 1] = KIND_KEYWORD;
          buf[p + 2] = kw;
          p += 3;
          break;
        }
        const n = v.length;
        if (n > TEXT_BYTES_MAX || end - p < 4 + n) return -1;
        let ascii = true;
        for (let i = 0; i < n; i++) {
          const c = v.charCodeAt(i);
          if (c > 0x7f) { ascii = false; break; }
          buf[p + 4 + i] = c;
        }
        if (!ascii) {
          p = writeOddProperty(key, v, buf, p, end);
          if (p < 0) return -1;
          break;
        }
        buf[p + 1] = KIND_ASCII;
        buf[p + 2] = n & 0xff; // by hand: writeUInt16LE checks its arguments, and this runs for every string
        buf[p + 3] = n >>> 8;
        p += 4 + n;
        break;
      }
      case 'number':
        if (end - p < 10) return -1;
        buf[p + 1] = KIND_NUMBER;
        buf.writeDoubleLE(v, p + 2);
        p += 10;
        break;
      case 'boolean':
        buf[p + 1] = v ? KIND_TRUE : KIND_FALSE;
        p += 2;
        break;
      default:
        p = writeOddProperty(key, v, buf, p, end);
        if (p < 0) return -1;
    }
  }
  return p - at;
}

/**
 * Writes a property of an uncommon shape at buf[p]: a key not in KEYS, a non-ASCII string, null, an object or array
 * value; leaves out functions and symbols (as JSON does). Returns the end, or -1 when it does not fit before `end`.
 */
function writeOddProperty(key: string, v: unknown, buf: Buffer, p: number, end: number): number {
  if (typeof v === 'function' || typeof v === 'symbol') return p;
  if (typeof v === 'bigint') throw new CommandNotEncodableError(`a command value cannot be a bigint (${key})`);
  if (end - p < 2) return -1;
  const id = keyIdOf(key);
  buf[p] = id;
  if (id === KEY_NAMED) {
    p = writeText(key, buf, p + 1, end);
    if (p < 0 || end - p < 1) return -1;
    p -= 1; // the kind byte goes where a known key's would
  }
  if (typeof v === 'string') {
    buf[p + 1] = KIND_TEXT;
    return writeText(v, buf, p + 2, end);
  }
  if (v === null) {
    buf[p + 1] = KIND_NULL;
    return p + 2;
  }
  if (typeof v === 'object') {
    buf[p + 1] = KIND_JSON;
    return writeText(JSON.stringify(v), buf, p + 2, end);
  }
  // a known shape under a named key: keyword lookups only apply to known keys
  if (typeof v === 'number') {
    if (end - p < 10) return -1;
    buf[p + 1] = KIND_NUMBER;
    buf.writeDoubleLE(v, p + 2);
    return p + 10;
  }
  buf[p + 1] = v ? KIND_TRUE : KIND_FALSE;
  return p + 2;
}

/** Writes a text ([u16 byte length][UTF-16LE]) at buf[p]; returns the end, or -1 when it does not fit before `end`. */
function writeText(text: string, buf: Buffer, p: number, end: number): number {
  const bytes = 2 * text.length;
  if (bytes > TEXT_BYTES_MAX || bytes > end - p - 2) return -1;
  buf.writeUInt16LE(bytes, p);
  buf.write(text, p + 2, bytes, 'utf16le');
  return p + 2 + bytes;
}

/** The bytes encodePayload needs for `sc` (to say how large a command too large for a record is). */
export function payloadBytes(sc: SequencedCommand): number {
  let n = FIXED_BYTES;
  const record = sc.cmd as unknown as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    const named = keyIdOf(key) === KEY_NAMED;
    n += 2 + (named ? 2 + 2 * key.length : 0);
    if (typeof v === 'string') n += !named && /^[\x00-\x7f]*$/.test(v) ? 2 + v.length : 2 + 2 * v.length;
    else if (typeof v === 'number') n += 8;
    else if (typeof v === 'object' && v !== null) n += 2 + 2 * JSON.stringify(v).length;
  }
  return n;
}

/** The seq of a payload without decoding the rest; null when the payload is not of RECORD_FORMAT_VERSION. */
export function peekPayloadSeq(buf: Buffer, from: number, end: number): number | null {
  return end - from >= FIXED_BYTES && buf[from] === RECORD_FORMAT_VERSION ? buf.readDoubleLE(from + 1) : null;
}

/** Decodes a payload; throws an Error whose message says what is wrong with it. */
export function decodePayload(buf: Buffer, from: number, end: number): SequencedCommand {
  if (buf[from] !== RECORD_FORMAT_VERSION) throw new Error(`record format version ${buf[from] ?? 'missing'} (this build reads version ${RECORD_FORMAT_VERSION})`);
  if (end - from < FIXED_BYTES) throw new Error('payload cut short');
  const seq = buf.readDoubleLE(from + 1);
  const timeMs = buf.readDoubleLE(from + 9);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(timeMs)) throw new Error('payload is not a sequenced command (seq or time not an integer)');
  const cmd: Record<string, unknown> = {};
  let p = from + FIXED_BYTES;
  while (p < end) {
    if (end - p < 2) throw new Error('payload cut short in a property');
    let key: string | undefined;
    if (buf[p] === KEY_NAMED) {
      const [name, next] = readText(buf, p + 1, end);
      key = name;
      p = next - 1;
      if (end - p < 2) throw new Error('payload cut short in a property');
    } else {
      key = KEYS[buf[p]! - 1];
      if (key === undefined) throw new Error(`payload has unknown key id ${buf[p]}`);
    }
    const kind = buf[p + 1];
    p += 2;
    switch (kind) {
      case KIND_ASCII: {
        if (end - p < 2) throw new Error('payload cut short in a string length');
        const n = buf[p]! | (buf[p + 1]! << 8);
        p += 2;
        if (end - p < n) throw new Error('payload cut short in a string');
        cmd[key] = asciiSlice(buf, p, p + n);
        p += n;
        break;
      }
      case KIND_KEYWORD: {
        const kw = p < end ? KEYWORDS[buf[p]!] : undefined;
        if (kw === undefined) throw new Error('payload has an unknown keyword');
        cmd[key] = kw;
        p += 1;
        break;
      }
      case KIND_NUMBER:
        if (end - p < 8) throw new Error('payload cut short in a number');
        cmd[key] = buf.readDoubleLE(p);
        p += 8;
        break;
      case KIND_TRUE: cmd[key] = true; break;
      case KIND_FALSE: cmd[key] = false; break;
      case KIND_NULL: cmd[key] = null; break;
      case KIND_TEXT: case KIND_JSON: {
        const [text, next] = readText(buf, p, end);
        if (kind === KIND_TEXT) cmd[key] = text;
        else try { cmd[key] = JSON.parse(text); } catch { throw new Error(`payload value of ${key} is not JSON`); }
        p = next;
        break;
      }
      default: throw new Error(`payload has unknown value kind ${kind}`);
    }
  }
  return { seq, timeMs, cmd: cmd as unknown as Command };
}

function readText(buf: Buffer, p: number, end: number): [string, number] {
  if (end - p < 2) throw new Error('payload cut short in a text length');
  const n = buf[p]! | (buf[p + 1]! << 8);
  if (n % 2 !== 0) throw new Error(`payload has a text of an odd ${n} bytes`);
  if (end - p - 2 < n) throw new Error('payload cut short in a text');
  return [buf.toString('utf16le', p + 2, p + 2 + n), p + 2 + n];
}

type Latin1Slicing = Buffer & { latin1Slice(start: number, end: number): string };
/** The native slice toString('latin1') ends in, without its argument handling (a hot path: every string of every
 *  record); ASCII is latin1. */
const asciiSlice: (buf: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Partial<Latin1Slicing>).latin1Slice === 'function'
    ? (buf, start, end) => (buf as Latin1Slicing).latin1Slice(start, end)
    : (buf, start, end) => buf.toString('latin1', start, end);

/** The payload of a command for a log that assigns the seq itself (seq 0 in the payload); -1 cases as encodePayload. */
export function encodeCommandPayload(timeMs: number, cmd: Command, roomBytes: number): Buffer | null {
  const buf = Buffer.allocUnsafe(roomBytes);
  const n = encodePayload({ seq: 0, timeMs, cmd }, buf, 0, roomBytes);
  return n < 0 ? null : buf.subarray(0, n);
}

/** A command from such a payload, with the seq the log gave it. */
export function decodeCommandPayload(payload: Buffer, seq: number): SequencedCommand {
  const sc = decodePayload(payload, 0, payload.length);
  return { seq, timeMs: sc.timeMs, cmd: sc.cmd };
}
