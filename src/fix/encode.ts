// Builds complete FIX messages: 8, 9 (computed), 35, header, body, 10 (computed). Values are written
// as latin1 bytes, so a string read by FixMessage.valueAt() is written back byte for byte.
// One pass adds up the lengths, a second writes every byte straight into the one output Buffer while
// summing the checksum: no intermediate strings.

import { SOH, type FieldList } from './types.js';

const MAX_FIELD_COUNT = 100_000;
const CH_0 = 0x30;
const CH_EQ = 0x3d;
/** Tags up to this are written digit by digit; others (negative, fractional, huge) as String(tag). */
const MAX_PLAIN_TAG = 0x3fffffff;

/** Checksum (sum of bytes mod 256) as the 3-digit string. */
export function checksum(bytes: Buffer, start = 0, end = bytes.length): string {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i]!;
  return checksumText(sum & 0xff);
}

function checksumText(sum: number): string {
  return sum < 10 ? '00' + sum : sum < 100 ? '0' + sum : String(sum);
}

function isPlainTag(tag: number): boolean {
  return Number.isInteger(tag) && tag >= 0 && tag <= MAX_PLAIN_TAG;
}

/** Decimal digits of 0 <= n <= MAX_PLAIN_TAG (or a BodyLength, which is smaller). */
function digitCount(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  if (n < 1000000) return 6;
  if (n < 10000000) return 7;
  if (n < 100000000) return 8;
  if (n < 1000000000) return 9;
  return 10;
}

/** Bytes of `tag=value<SOH>` for every field. */
function fieldsLength(fields: FieldList): number {
  let length = 0;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const tag = field[0];
    length += (isPlainTag(tag) ? digitCount(tag) : String(tag).length) + field[1].length + 2;
  }
  return length;
}

/** Output cursor and running byte sum; `nonLatin1` notes the first char > 0xFF (thrown after SOH checks). */
interface Writer {
  out: Buffer;
  at: number;
  sum: number;
  nonLatin1: boolean;
}

/** Write value text; false if it holds SOH. Chars > 0xFF are flagged and written as their low byte. */
function writeText(w: Writer, text: string): boolean {
  const out = w.out;
  let at = w.at;
  let sum = w.sum;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === SOH) return false;
    if (c > 0xff) w.nonLatin1 = true;
    const b = c & 0xff;
    out[at++] = b;
    sum += b;
  }
  w.at = at;
  w.sum = sum;
  return true;
}

function writeUint(w: Writer, n: number): void {
  const out = w.out;
  const end = w.at + digitCount(n);
  let at = end;
  let sum = w.sum;
  do {
    const next = (n / 10) | 0; // n < 2^31
    const digit = n - next * 10;
    n = next;
    out[--at] = CH_0 + digit;
    sum += CH_0 + digit;
  } while (n > 0);
  w.at = end;
  w.sum = sum;
}

function writeByte(w: Writer, b: number): void {
  w.out[w.at++] = b;
  w.sum += b;
}

function writeFields(w: Writer, fields: FieldList): void {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const tag = field[0];
    if (isPlainTag(tag)) writeUint(w, tag);
    else writeText(w, String(tag));
    writeByte(w, CH_EQ);
    if (!writeText(w, field[1])) throw new Error(`encodeMessage: value of tag ${tag} contains SOH`);
    writeByte(w, SOH);
  }
}

/**
 * Build a complete message: 8, 9 (computed), 35, then `header` in the given order, then `body` in
 * the given order, then 10 (computed). Values must not contain SOH and must be latin1 text (chars
 * <= 0xFF): either is a caller bug and throws.
 */
export function encodeMessage(beginString: string, msgType: string, header: FieldList, body: FieldList): Buffer {
  if (header.length + body.length > MAX_FIELD_COUNT) throw new Error('encodeMessage: too many fields');
  if (beginString.indexOf('\x01') >= 0 || msgType.indexOf('\x01') >= 0) throw new Error('encodeMessage: SOH in 8 or 35');
  // latin1: one char is one byte, so string lengths add up to the BodyLength.
  const bodyLength = 3 + msgType.length + 1 + fieldsLength(header) + fieldsLength(body);
  if (bodyLength > MAX_PLAIN_TAG) throw new Error('encodeMessage: message too large');
  const headLength = 2 + beginString.length + 1 + 2 + digitCount(bodyLength) + 1;
  const total = headLength + bodyLength + 7;
  const w: Writer = { out: Buffer.allocUnsafe(total), at: 0, sum: 0, nonLatin1: false };
  writeByte(w, 0x38); // 8=
  writeByte(w, CH_EQ);
  writeText(w, beginString); // no SOH (checked); chars > 0xFF go out as their low byte, as Buffer.write does
  writeByte(w, SOH);
  w.nonLatin1 = false; // 8= was never checked for latin1
  writeByte(w, 0x39); // 9=
  writeByte(w, CH_EQ);
  writeUint(w, bodyLength);
  writeByte(w, SOH);
  writeByte(w, 0x33); // 35=
  writeByte(w, 0x35);
  writeByte(w, CH_EQ);
  writeText(w, msgType);
  writeByte(w, SOH);
  writeFields(w, header);
  writeFields(w, body);
  if (w.nonLatin1) throw new Error('encodeMessage: value has characters outside latin1');
  const out = w.out;
  let at = w.at;
  const sum = w.sum & 0xff;
  out[at++] = 0x31; // 10=
  out[at++] = CH_0;
  out[at++] = CH_EQ;
  out[at++] = CH_0 + Math.floor(sum / 100);
  out[at++] = CH_0 + (Math.floor(sum / 10) % 10);
  out[at++] = CH_0 + (sum % 10);
  out[at] = SOH;
  return out;
}
