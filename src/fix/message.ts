// A parsed FIX message as a view over its bytes: one pass records each field's tag and value offsets
// in a typed array; value strings are only made when asked for.

import { SOH, type FieldList } from './types.js';
import { latin1Slice } from './latin1.js';

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_MINUS = 0x2d;
const CH_EQ = 0x3d;
/** Tags above this are not numbers we can hold exactly as int32; QuickFIX would overflow too. */
const MAX_TAG_DIGITS = 9;

/**
 * FIX 4.4 DATA fields and the LENGTH field that gives their size (data tag -> length tag). A DATA
 * value may contain SOH, so it is read by length, as QuickFIX's Message::extractField does.
 */
export const FIX44_DATA_LENGTH_TAGS: ReadonlyMap<number, number> = new Map([
  [89, 93], [91, 90], [96, 95], [213, 212], [349, 348], [351, 350], [353, 352], [355, 354],
  [357, 356], [359, 358], [361, 360], [363, 362], [365, 364], [446, 445], [619, 618], [622, 621],
]);

/**
 * Reused scratch space for the offsets of the message being parsed (3 ints per field). A plain array
 * of small ints (V8 SMIs), not an Int32Array: copying it into the message's own index is then a cheap
 * on-heap allocation, where a typed array of this size would need an off-heap backing store.
 */
const scratch: number[] = [];

/** DATA tags above this are looked up in the map itself. */
const MAX_TABLE_TAG = 1_000_000;

/**
 * A DATA-length map as arrays indexed by tag, plus where the last field of each LENGTH tag was seen
 * in the message being parsed (so a DATA field finds its length without scanning back).
 */
interface LengthTables {
  /** DATA tag -> its LENGTH tag; 0: not a DATA tag. */
  lengthTagOf: Int32Array;
  /** LENGTH tag -> 1. */
  isLengthTag: Uint8Array;
  /** LENGTH tag -> scratch offset of its last field; valid where lastGeneration[tag] === generation. */
  lastOffset: Int32Array;
  lastGeneration: Int32Array;
  generation: number;
}
const lengthTablesByMap = new WeakMap<ReadonlyMap<number, number>, LengthTables>();

/** Maps are read once and treated as immutable (the dictionary builds its map once at load). */
function lengthTablesFor(map: ReadonlyMap<number, number>): LengthTables {
  let t = lengthTablesByMap.get(map);
  if (t === undefined) {
    let maxTag = 0;
    for (const [tag, lengthTag] of map) {
      if (tag > maxTag && tag <= MAX_TABLE_TAG) maxTag = tag;
      if (lengthTag > maxTag && lengthTag <= MAX_TABLE_TAG) maxTag = lengthTag;
    }
    t = {
      lengthTagOf: new Int32Array(maxTag + 1),
      isLengthTag: new Uint8Array(maxTag + 1),
      lastOffset: new Int32Array(maxTag + 1),
      lastGeneration: new Int32Array(maxTag + 1),
      generation: 0,
    };
    for (const [tag, lengthTag] of map) {
      if (tag > 0 && tag <= MAX_TABLE_TAG) t.lengthTagOf[tag] = lengthTag;
      if (lengthTag > 0 && lengthTag <= MAX_TABLE_TAG) t.isLengthTag[lengthTag] = 1;
    }
    lengthTablesByMap.set(map, t);
  }
  if (t.generation >= 0x7ffffff0) {
    t.generation = 0;
    t.lastGeneration.fill(0);
  }
  t.generation++;
  return t;
}

/** One-character strings by byte, so a 1-byte MsgType costs no allocation. */
const CHAR_STRINGS: string[] = Array.from({ length: 256 }, (_, c) => String.fromCharCode(c));

export class FixMessage {
  readonly bytes: Buffer;
  /** [tag, valueStart, valueEnd] per field (int32 values). */
  private readonly index: readonly number[];

  /** No CR or LF byte, no DATA field and no Password(554)/NewPassword(925) field: a message log may copy the
   *  bytes as one line without looking at them (see MessageLog.message). Set by parseMessage. */
  readonly plain: boolean;

  /** Use parseMessage(); this constructor trusts its index. */
  constructor(bytes: Buffer, index: readonly number[], plain = false) {
    this.bytes = bytes;
    this.index = index;
    this.plain = plain;
  }

  get fieldCount(): number {
    return this.index.length / 3;
  }

  tagAt(i: number): number {
    return this.index[i * 3]!;
  }

  valueAt(i: number): string {
    const start = this.index[i * 3 + 1]!;
    const end = this.index[i * 3 + 2]!;
    // one-character values (Side, OrdType, TimeInForce, ...) are common: no native call for them
    return end - start === 1 ? CHAR_STRINGS[this.bytes[start]!]! : latin1Slice(this.bytes, start, end);
  }

  /** Field i's value equals `text` (latin1), compared in place: no string is made. */
  valueEquals(i: number, text: string): boolean {
    const start = this.index[i * 3 + 1]!;
    const end = this.index[i * 3 + 2]!;
    if (end - start !== text.length) return false;
    const bytes = this.bytes;
    for (let k = 0; k < text.length; k++) if (bytes[start + k] !== text.charCodeAt(k)) return false;
    return true;
  }

  /** Byte offsets [start, end) of field i's value inside `bytes`. */
  valueStartAt(i: number): number {
    return this.index[i * 3 + 1]!;
  }

  valueEndAt(i: number): number {
    return this.index[i * 3 + 2]!;
  }

  /** Index of the first field with this tag, or -1. */
  indexOf(tag: number, from = 0): number {
    const index = this.index;
    for (let k = from * 3; k < index.length; k += 3) if (index[k] === tag) return k / 3;
    return -1;
  }

  /** First occurrence. */
  get(tag: number): string | undefined {
    const i = this.indexOf(tag);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** undefined if absent or not a valid FIX int (optional '-', digits only, safe integer). */
  getInt(tag: number): number | undefined {
    const i = this.indexOf(tag);
    return i < 0 ? undefined : intAt(this.bytes, this.index[i * 3 + 1]!, this.index[i * 3 + 2]!);
  }

  has(tag: number): boolean {
    return this.indexOf(tag) >= 0;
  }

  /** '' if absent. */
  get msgType(): string {
    // 35 is the third field of every framed message; fall back to a search otherwise.
    const index = this.index;
    if (index.length > 8 && index[6] === 35) {
      const start = index[7]!;
      return index[8]! - start === 1 ? CHAR_STRINGS[this.bytes[start]!]! : this.valueAt(2);
    }
    return this.get(35) ?? '';
  }

  /** MsgSeqNum(34) as int. */
  get seqNum(): number | undefined {
    return this.getInt(34);
  }

  /** Every field in wire order, including 8, 9, 10. */
  fields(): FieldList {
    const out: FieldList = new Array(this.fieldCount);
    for (let i = 0; i < out.length; i++) out[i] = [this.tagAt(i), this.valueAt(i)];
    return out;
  }

  /** The wire text with SOH shown as '|', for logs. */
  toString(): string {
    return this.bytes.toString('latin1').replaceAll('\x01', '|');
  }
}

/** A FIX int in bytes[start, end): optional '-', 1+ digits; undefined otherwise. */
export function intAt(bytes: Buffer, start: number, end: number): number | undefined {
  let p = start;
  let negative = false;
  if (p < end && bytes[p] === CH_MINUS) {
    negative = true;
    p++;
  }
  if (p >= end || end - p > 15) return undefined;
  let n = 0;
  for (; p < end; p++) {
    const c = bytes[p]!;
    if (c < CH_0 || c > CH_9) return undefined;
    n = n * 10 + (c - CH_0);
  }
  return negative ? -n : n;
}

/**
 * Parse one framed message. Returns `{ garbled }` (not a throw) when the tag=value syntax is broken,
 * e.g. a non-numeric tag like `4garbled9=`; `-1=HI` IS syntactically a tag (tag -1), which validation
 * later rejects with 373=0. Also garbled: first three fields not 8, 9, 35 (QuickFIX's header order
 * check). DATA values are read by the length in their preceding LENGTH field.
 */
export function parseMessage(
  bytes: Buffer,
  dataLengthTags: ReadonlyMap<number, number> = FIX44_DATA_LENGTH_TAGS,
): FixMessage | { garbled: string } {
  const tables = lengthTablesFor(dataLengthTags);
  const { lengthTagOf, isLengthTag, lastOffset, lastGeneration } = tables;
  const generation = tables.generation;
  const tableSize = lengthTagOf.length;
  const end = bytes.length;
  let n = 0; // ints written to scratch
  let p = 0;
  let plain = true;
  while (p < end) {
    // Tag: optional '-', digits, then '='.
    const tagStart = p;
    let negative = false;
    if (bytes[p] === CH_MINUS) {
      negative = true;
      p++;
    }
    let tag = 0;
    const digitsStart = p;
    while (p < end) {
      const c = bytes[p]!;
      if (c < CH_0 || c > CH_9) break;
      tag = tag * 10 + (c - CH_0);
      p++;
    }
    if (p === digitsStart || p - digitsStart > MAX_TAG_DIGITS || p >= end || bytes[p] !== CH_EQ) {
      return { garbled: `invalid tag at byte ${tagStart}` };
    }
    if (negative) tag = -tag;
    const valueStart = ++p;
    let valueEnd = -1;
    const inTable = tag > 0 && tag < tableSize;
    const lengthTag = inTable ? lengthTagOf[tag]! : tag > MAX_TABLE_TAG ? dataLengthTags.get(tag) ?? 0 : 0;
    if (tag === 554 || tag === 925) plain = false;
    if (lengthTag !== 0) {
      plain = false;
      // The value of the last LENGTH field so far (QuickFIX reads the length field already parsed).
      let dataLength: number | undefined;
      if (lengthTag > 0 && lengthTag < tableSize) {
        if (lastGeneration[lengthTag] === generation) {
          const k = lastOffset[lengthTag]!;
          dataLength = intAt(bytes, scratch[k + 1]!, scratch[k + 2]!);
        }
      } else {
        dataLength = lastIntOf(bytes, scratch, n, lengthTag);
      }
      if (dataLength !== undefined && dataLength >= 0) {
        valueEnd = valueStart + dataLength;
        if (valueEnd >= end || bytes[valueEnd] !== SOH) return { garbled: `data field ${tag} does not match its length` };
      }
    }
    if (inTable && isLengthTag[tag] === 1) {
      lastOffset[tag] = n;
      lastGeneration[tag] = generation;
    }
    if (valueEnd < 0) {
      // Values are short: a byte loop beats a native indexOf call.
      let q = valueStart;
      while (q < end) {
        const c = bytes[q]!;
        if (c <= 0x0d) {
          if (c === SOH) break;
          if (c === 0x0a || c === 0x0d) plain = false;
        }
        q++;
      }
      if (q >= end) return { garbled: `field ${tag} has no SOH at the end` };
      valueEnd = q;
    }
    scratch[n] = tag;
    scratch[n + 1] = valueStart;
    scratch[n + 2] = valueEnd;
    n += 3;
    p = valueEnd + 1;
  }
  if (n < 9 || scratch[0] !== 8 || scratch[3] !== 9 || scratch[6] !== 35) {
    return { garbled: 'first three fields are not 8, 9, 35' };
  }
  return new FixMessage(bytes, scratch.slice(0, n), plain);
}

/** The int value of the last field with `tag` among the first n/3 parsed fields. */
function lastIntOf(bytes: Buffer, index: readonly number[], n: number, tag: number): number | undefined {
  for (let k = n - 3; k >= 0; k -= 3) {
    if (index[k] === tag) return intAt(bytes, index[k + 1]!, index[k + 2]!);
  }
  return undefined;
}
