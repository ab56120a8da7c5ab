// The payload of a journal record: one sequenced command, in a compact binary form, or as JSON when the command
// does not fit that form. The first byte tells them apart: 0x01 for binary, '{' for JSON (every journal written
// before the binary form holds only JSON payloads, and is read as before).
//
// Binary payload, little-endian:
//   [u8 0x01][f64 seq][f64 timeMs] then, for each property of the command in the command's own key order:
//   [u8 key id][u8 kind][value]
//     kind 1: ASCII string, [u16 length][bytes]      kind 2: a constant string (KEYWORDS), [u8 index]
//     kind 3: number, [f64]                          kind 4: true          kind 5: false
// A command fits when it is a plain object whose properties are all in KEYS and whose values are booleans,
// numbers, or ASCII strings of at most 65,535 characters (properties whose value is undefined are left out, as
// JSON leaves them out). Anything else (a non-ASCII text, null, a nested object, an unknown key: bad input is data)
// is written as JSON, exactly as every record was before. Decoding gives back an object with the same keys in the
// same order and the same values (a number keeps its exact bits, where JSON would turn -0 into 0 and NaN into null).
//
// KEYS and KEYWORDS are part of the file format: only ever append to them.
import { latin1Slice } from '../fix/latin1.js';
import type { SequencedCommand } from './types.js';

export const BINARY_PAYLOAD = 0x01;
const JSON_PAYLOAD = 0x7b; // '{'
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

const KIND_ASCII = 1;
const KIND_KEYWORD = 2;
const KIND_NUMBER = 3;
const KIND_TRUE = 4;
const KIND_FALSE = 5;
const STRING_CHARS_MAX = 0xffff;

/**
 * The key id of a property name (index in KEYS + 1), or 0. A switch, not a Map: property names are internalized
 * strings, compared here by identity, and this runs for every property of every command: encoding the bench:engine
 * mix took about 200 ns per command, against 250 with Map lookups. Checked against KEYS when loaded.
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

/**
 * Writes the binary payload of `sc` into buf at `at`, using at most `room` bytes; returns the payload's length, or
 * -1 when the command does not fit the binary form or `room` (then nothing after `at` is meaningful).
 */
export function encodeBinaryPayload(sc: SequencedCommand, buf: Buffer, at: number, room: number): number {
  const cmd = sc.cmd as unknown;
  if (typeof cmd !== 'object' || cmd === null || Object.getPrototypeOf(cmd) !== Object.prototype || room < FIXED_BYTES) return -1;
  const end = at + room;
  buf[at] = BINARY_PAYLOAD;
  buf.writeDoubleLE(sc.seq, at + 1);
  buf.writeDoubleLE(sc.timeMs, at + 9);
  let p = at + FIXED_BYTES;
  const record = cmd as Record<string, unknown>;
  for (const key in record) {
    const v = record[key];
    if (v === undefined) continue;
    const id = keyIdOf(key);
    if (id === 0 || end - p < 2) return -1;
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
        if (n > STRING_CHARS_MAX || end - p < 4 + n) return -1;
        buf[p + 1] = KIND_ASCII;
        buf[p + 2] = n & 0xff;
        buf[p + 3] = n >>> 8;
        p += 4;
        for (let i = 0; i < n; i++) {
          const c = v.charCodeAt(i);
          if (c > 0x7f) return -1;
          buf[p + i] = c;
        }
        p += n;
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
        return -1;
    }
  }
  return p - at;
}

/** The seq of a payload without decoding all of it; null when it holds none where expected. */
export function peekPayloadSeq(buf: Buffer, from: number, end: number): number | null {
  if (end - from >= FIXED_BYTES && buf[from] === BINARY_PAYLOAD) return buf.readDoubleLE(from + 1);
  return peekJsonSeq(buf, from, end);
}

const SEQ_PREFIX = Buffer.from('{"seq":');

/** The seq of a JSON payload ({"seq":N,...}) read from its first bytes; null when it does not start so. */
function peekJsonSeq(buf: Buffer, from: number, end: number): number | null {
  if (end - from < SEQ_PREFIX.length + 2 || buf.compare(SEQ_PREFIX, 0, SEQ_PREFIX.length, from, from + SEQ_PREFIX.length) !== 0) return null;
  let seq = 0;
  let at = from + SEQ_PREFIX.length;
  const digitsEnd = Math.min(end, at + 16);
  const first = at;
  for (; at < digitsEnd; at++) {
    const c = buf[at]!;
    if (c < 0x30 || c > 0x39) break;
    seq = seq * 10 + (c - 0x30);
  }
  if (at === first || at >= end || buf[at] !== 0x2c /* , */ || (buf[first] === 0x30 && at - first > 1)) return null;
  return seq;
}

/** Decodes a payload (binary or JSON); throws an Error whose message says what is wrong with it. */
export function decodePayload(buf: Buffer, from: number, end: number): SequencedCommand {
  let sc: SequencedCommand;
  if (buf[from] === BINARY_PAYLOAD) {
    sc = decodeBinary(buf, from, end);
  } else if (buf[from] === JSON_PAYLOAD) {
    try {
      sc = JSON.parse(buf.toString('utf8', from, end)) as SequencedCommand;
    } catch {
      throw new Error('payload is not JSON');
    }
  } else {
    throw new Error(`payload starts with byte 0x${(buf[from] ?? 0).toString(16)}: neither binary nor JSON`);
  }
  if (typeof sc !== 'object' || sc === null || !Number.isSafeInteger(sc.seq) || !Number.isSafeInteger(sc.timeMs) || typeof sc.cmd !== 'object' || sc.cmd === null) {
    throw new Error('payload is not a sequenced command');
  }
  return sc;
}

function decodeBinary(buf: Buffer, from: number, end: number): SequencedCommand {
  if (end - from < FIXED_BYTES) throw new Error('binary payload cut short');
  const seq = buf.readDoubleLE(from + 1);
  const timeMs = buf.readDoubleLE(from + 9);
  const cmd: Record<string, unknown> = {};
  let p = from + FIXED_BYTES;
  while (p < end) {
    if (end - p < 2) throw new Error('binary payload cut short in a property');
    const key = KEYS[buf[p]! - 1];
    if (key === undefined) throw new Error(`binary payload has unknown key id ${buf[p]}`);
    const kind = buf[p + 1];
    p += 2;
    switch (kind) {
      case KIND_ASCII: {
        if (end - p < 2) throw new Error('binary payload cut short in a string length');
        const n = buf[p]! | (buf[p + 1]! << 8);
        p += 2;
        if (end - p < n) throw new Error('binary payload cut short in a string');
        cmd[key] = latin1Slice(buf, p, p + n);
        p += n;
        break;
      }
      case KIND_KEYWORD: {
        const kw = p < end ? KEYWORDS[buf[p]!] : undefined;
        if (kw === undefined) throw new Error('binary payload has an unknown keyword');
        cmd[key] = kw;
        p += 1;
        break;
      }
      case KIND_NUMBER:
        if (end - p < 8) throw new Error('binary payload cut short in a number');
        cmd[key] = buf.readDoubleLE(p);
        p += 8;
        break;
      case KIND_TRUE: cmd[key] = true; break;
      case KIND_FALSE: cmd[key] = false; break;
      default: throw new Error(`binary payload has unknown value kind ${kind}`);
    }
  }
  return { seq, timeMs, cmd: cmd as unknown as SequencedCommand['cmd'] };
}
