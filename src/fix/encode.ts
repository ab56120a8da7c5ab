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
  writeTrailer(out, w.at, w.sum & 0xff);
  return out;
}

/** Writes `10=nnn<SOH>` at `at`; returns the offset after it. */
function writeTrailer(out: Buffer, at: number, sum: number): number {
  out[at++] = 0x31; // 10=
  out[at++] = CH_0;
  out[at++] = CH_EQ;
  out[at++] = CH_0 + Math.floor(sum / 100);
  out[at++] = CH_0 + (Math.floor(sum / 10) % 10);
  out[at++] = CH_0 + (sum % 10);
  out[at++] = SOH;
  return at;
}

/** Receives a message's fields in order: `tag=value`, the value latin1 text without SOH. */
export interface FieldSink {
  field(tag: number, value: string): void;
}

/** A message body given field by field instead of as a FieldList: no array per field, nothing to add up first.
 *  It must write the same fields every time it is called (a drop copy calls it again for another session). */
export type BodyWriter = (sink: FieldSink) => void;

/** The fields a BodyWriter writes, as a FieldList. */
export function fieldsOf(body: BodyWriter): FieldList {
  const fields: FieldList = [];
  body({ field(tag, value) { fields.push([tag, value]); } });
  return fields;
}

/** Messages are encoded one after the other into slabs of this size; each message is a view of its slab. The size
 *  of Node's own Buffer pool: a message kept alive (say, queued for a slow client) keeps at most this much memory
 *  alive with it, as a pooled Buffer.allocUnsafe would. */
const SLAB_BYTES = 8 * 1024;
/** A new slab is started when less than this is left (a message larger than what is left moves to a new one). */
const SLAB_MIN_FREE_BYTES = 1024;

/** Writes messages one after the other into a slab (a new one when it runs out), each body first with room left
 *  in front for 8= and 9=, which are written once the BodyLength is known. A finished message is a view of the
 *  slab that is never written again: no copy, no allocation but the view (a slab is freed when no view of it
 *  is left, the way Node's own Buffer pool works). */
class ScratchWriter implements FieldSink {
  out = Buffer.allocUnsafeSlow(SLAB_BYTES);
  /** Where the message being written starts in `out`; everything before it belongs to earlier messages. */
  start = 0;
  at = 0;
  sum = 0;
  nonLatin1 = false;
  /** The message so far has a CR or LF, or a Password(554)/NewPassword(925) field. */
  careful = false;
  count = 0;

  field(tag: number, value: string): void {
    if (++this.count > MAX_FIELD_COUNT) throw new Error('encodeMessage: too many fields');
    if (tag === 554 || tag === 925) this.careful = true;
    if (!isPlainTag(tag)) {
      this.#fieldText(String(tag), value, tag);
      return;
    }
    const digits = digitCount(tag);
    const length = value.length;
    if (this.at + digits + length + 2 > this.out.length) this.reserve(digits + length + 2);
    // Written here rather than through writeUint/writeText, which stay monomorphic on encodeMessage's Writer.
    const out = this.out;
    let sum = this.sum;
    let at = this.at + digits;
    let n = tag;
    do {
      const next = (n / 10) | 0;
      const b = CH_0 + n - next * 10;
      out[--at] = b;
      sum += b;
      n = next;
    } while (n > 0);
    at += digits;
    out[at++] = CH_EQ;
    sum += CH_EQ;
    for (let k = 0; k < length; k++) {
      const c = value.charCodeAt(k);
      if (c < 0x0e) {
        if (c === SOH) throw new Error(`encodeMessage: value of tag ${tag} contains SOH`);
        if (c === 0x0a || c === 0x0d) this.careful = true;
      } else if (c > 0xff) {
        this.nonLatin1 = true;
      }
      const b = c & 0xff;
      out[at++] = b;
      sum += b;
    }
    out[at++] = SOH;
    this.at = at;
    this.sum = sum + SOH;
  }

  /** A tag that is not a plain non-negative integer (written as String(tag), as encodeMessage does). */
  #fieldText(tagText: string, value: string, tag: number): void {
    this.reserve(tagText.length + value.length + 2);
    this.text(tagText);
    this.byte(CH_EQ);
    for (let k = 0; k < value.length; k++) if (value.charCodeAt(k) === SOH) throw new Error(`encodeMessage: value of tag ${tag} contains SOH`);
    this.text(value);
    this.byte(SOH);
  }

  byte(b: number): void {
    this.out[this.at++] = b;
    this.sum += b;
  }

  /** Text without SOH (checked by the caller); chars > 0xFF are flagged and written as their low byte. */
  text(text: string): void {
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (c > 0xff) this.nonLatin1 = true;
      else if (c === 0x0a || c === 0x0d) this.careful = true;
      this.byte(c & 0xff);
    }
  }

  uint(n: number): void {
    const digits = digitCount(n);
    let at = this.at + digits;
    do {
      const next = (n / 10) | 0;
      const b = CH_0 + n - next * 10;
      this.out[--at] = b;
      this.sum += b;
      n = next;
    } while (n > 0);
    this.at += digits;
  }

  /** Room for `bytes` more at `at`: the message so far moves to a new slab when this one is too small (a slab of
   *  its own when it is larger than a slab). */
  reserve(bytes: number): void {
    if (this.at + bytes <= this.out.length) return;
    const used = this.at - this.start;
    if (used + bytes > MAX_PLAIN_TAG) throw new Error('encodeMessage: message too large');
    const slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, 2 * (used + bytes)));
    this.out.copy(slab, 0, this.start, this.at);
    this.out = slab;
    this.start = 0;
    this.at = used;
  }

  /** Starts a message: a new slab when little is left in this one. */
  begin(prefixBytes: number): void {
    if (this.out.length - this.start < SLAB_MIN_FREE_BYTES) {
      this.out = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.start = 0;
    }
    this.at = this.start + prefixBytes;
  }
}

const scratch = new ScratchWriter();

/** What encodeMessageWith knows about the message it just built, for its caller. */
export interface EncodeNotes {
  /** No CR or LF anywhere in the message and no Password(554)/NewPassword(925) field: a message log can copy it
   *  as one line without looking at it (see MessageLog.message). */
  plain: boolean;
}

/**
 * encodeMessage with the body given by a BodyWriter: the same bytes as encodeMessage(beginString, msgType,
 * header, fieldsOf(body)), the same errors, built in one pass without a FieldList.
 */
export function encodeMessageWith(beginString: string, msgType: string, header: FieldList, body: BodyWriter, notes?: EncodeNotes): Buffer {
  if (beginString.indexOf('\x01') >= 0 || msgType.indexOf('\x01') >= 0) throw new Error('encodeMessage: SOH in 8 or 35');
  const w = scratch;
  // room for "8=<beginString><SOH>9=<up to 10 digits><SOH>" in front of the body
  const prefixBytes = 2 + beginString.length + 1 + 2 + 10 + 1;
  w.begin(prefixBytes);
  w.reserve(4 + msgType.length);
  w.sum = 0;
  w.nonLatin1 = false;
  w.careful = false;
  w.count = header.length;
  if (w.count > MAX_FIELD_COUNT) throw new Error('encodeMessage: too many fields');
  w.byte(0x33); // 35=
  w.byte(0x35);
  w.byte(CH_EQ);
  w.text(msgType);
  w.byte(SOH);
  for (let i = 0; i < header.length; i++) {
    const field = header[i]!;
    w.count--; // counted above
    w.field(field[0], field[1]);
  }
  body(w);
  if (w.count > MAX_FIELD_COUNT) throw new Error('encodeMessage: too many fields');
  w.reserve(7); // 10=nnn<SOH>
  const bodyStart = w.start + prefixBytes; // (after any move to a new slab)
  const bodyLength = w.at - bodyStart;
  if (bodyLength > MAX_PLAIN_TAG) throw new Error('encodeMessage: message too large');
  if (w.nonLatin1) throw new Error('encodeMessage: value has characters outside latin1');
  const bodySum = w.sum;
  const end = w.at;
  // 8= and 9= right before the body
  const headLength = 2 + beginString.length + 1 + 2 + digitCount(bodyLength) + 1;
  const start = bodyStart - headLength;
  w.at = start;
  w.sum = 0;
  w.byte(0x38); // 8=
  w.byte(CH_EQ);
  w.text(beginString); // no SOH (checked); chars > 0xFF go out as their low byte, as in encodeMessage
  w.byte(SOH);
  w.byte(0x39); // 9=
  w.byte(CH_EQ);
  w.uint(bodyLength);
  w.byte(SOH);
  const sum = (w.sum + bodySum) & 0xff;
  const at = writeTrailer(w.out, end, sum);
  w.start = at; // the next message starts after this one: this one is never written again
  if (notes !== undefined) notes.plain = !w.careful;
  return w.out.subarray(start, at);
}
