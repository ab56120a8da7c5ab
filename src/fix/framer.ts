// Cuts a TCP byte stream into FIX messages: finds `8=`, reads BodyLength, checks the CheckSum
// trailer where BodyLength says it is, and turns anything else into a `garbled` frame (never a throw).
// Resync rule (QuickFIX's): a message with a lying BodyLength runs to the first `10=nnn<SOH>` trailer at
// or after where BodyLength points, so a too-long one swallows what follows; one that lost its trailer
// is cut where the next message starts. Buffering is bounded by maxMessageBytes.

import { SOH } from './types.js';

export type Frame =
  | { kind: 'message'; bytes: Buffer } // BodyLength and CheckSum verified
  | { kind: 'garbled'; bytes: Buffer; reason: string; oversize?: boolean };

export const DEFAULT_MAX_MESSAGE_BYTES = 1048576;

const CH_0 = 0x30;
const CH_1 = 0x31;
const CH_3 = 0x33;
const CH_5 = 0x35;
const CH_8 = 0x38;
const CH_9 = 0x39;
const CH_EQ = 0x3d;
/** Longest BeginString value we accept before deciding the `8=` was not a message start. */
const MAX_BEGIN_STRING_BYTES = 32;
/** Longest BodyLength value (digits). */
const MAX_BODY_LENGTH_DIGITS = 10;
/** `10=nnn<SOH>` */
const TRAILER_BYTES = 7;

function isDigit(b: number): boolean {
  return b >= CH_0 && b <= CH_9;
}

/** Sum of bytes mod 256 over [start, end). */
function byteSum(buf: Buffer, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += buf[i]!;
  return sum & 0xff;
}

/** True when buf[at..at+7) is `10=ddd<SOH>`. */
function isTrailerAt(buf: Buffer, at: number, end: number): boolean {
  return (
    at + TRAILER_BYTES <= end &&
    buf[at] === CH_1 &&
    buf[at + 1] === CH_0 &&
    buf[at + 2] === CH_EQ &&
    isDigit(buf[at + 3]!) &&
    isDigit(buf[at + 4]!) &&
    isDigit(buf[at + 5]!) &&
    buf[at + 6] === SOH
  );
}

function trailerValue(buf: Buffer, at: number): number {
  return (buf[at + 3]! - CH_0) * 100 + (buf[at + 4]! - CH_0) * 10 + (buf[at + 5]! - CH_0);
}

export class Framer {
  private buf: Buffer = Buffer.alloc(0);
  /** Start of unread bytes in buf. */
  private start = 0;
  /** End of valid bytes in buf. */
  private end = 0;
  private readonly maxMessageBytes: number;

  constructor(opts?: { maxMessageBytes?: number }) {
    this.maxMessageBytes = opts?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!(this.maxMessageBytes >= 64)) throw new Error(`maxMessageBytes too small: ${this.maxMessageBytes}`);
  }

  get bufferedBytes(): number {
    return this.end - this.start;
  }

  /** Append bytes. Call next() until it returns null after each push: that keeps buffering bounded. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const unread = this.end - this.start;
    const needed = unread + chunk.length;
    if (this.end + chunk.length > this.buf.length) {
      if (needed <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const next = Buffer.allocUnsafe(Math.max(needed * 2, 4096));
        this.buf.copy(next, 0, this.start, this.end);
        this.buf = next;
      }
      this.start = 0;
      this.end = unread;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  /** The next frame, or null when more bytes are needed. */
  next(): Frame | null {
    const frame = this.tryFrame();
    if (frame !== undefined) return frame;
    // Waiting for more bytes: never hold more than one message's worth.
    if (this.end - this.start > this.maxMessageBytes) {
      return this.dropAll(`more than ${this.maxMessageBytes} bytes buffered without a complete message`);
    }
    return null;
  }

  /** Copy out [from, to) and consume the buffer up to `to`. */
  private take(from: number, to: number): Buffer {
    const out = Buffer.from(this.buf.subarray(from, to));
    this.consumeTo(to);
    return out;
  }

  private consumeTo(to: number): void {
    this.start = to;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  private dropAll(reason: string): Frame {
    const bytes = Buffer.from(this.buf.subarray(this.start, this.end));
    this.start = 0;
    this.end = 0;
    if (this.buf.length > 65536) this.buf = Buffer.alloc(0);
    return { kind: 'garbled', bytes, reason, oversize: true };
  }

  /** Position of the next `8=` at or after `from`, or -1. */
  private findBegin(from: number): number {
    const buf = this.buf;
    for (let i = from; i + 1 < this.end; i++) {
      if (buf[i] === CH_8 && buf[i + 1] === CH_EQ) return i;
    }
    return -1;
  }

  /** Garbled frame from s up to the next possible message start after s (or everything). */
  private garbledToNextBegin(s: number, reason: string): Frame & { kind: 'garbled' } {
    const nextBegin = this.findBegin(s + 2);
    // Without a next start, keep a trailing '8' that may be the first byte of one.
    const to = nextBegin >= 0 ? nextBegin : this.buf[this.end - 1] === CH_8 && this.end - 1 > s ? this.end - 1 : this.end;
    return { kind: 'garbled', bytes: this.take(s, to), reason };
  }

  /** undefined = need more bytes (returns null from next()). */
  private tryFrame(): Frame | undefined {
    const buf = this.buf;
    const end = this.end;
    const s = this.findBegin(this.start);
    if (s < 0) {
      // Nothing that could start a message: keep only a trailing '8' that may begin `8=`.
      const keepFrom = end > this.start && buf[end - 1] === CH_8 ? end - 1 : end;
      this.consumeTo(keepFrom);
      return undefined;
    }
    if (s > this.start) this.consumeTo(s); // bytes before `8=` are noise, skipped like QuickFIX does

    // Field 1: 8=<BeginString><SOH>
    let p = s + 2;
    while (p < end && buf[p] !== SOH && p - s - 2 <= MAX_BEGIN_STRING_BYTES) {
      // `8=` inside the BeginString: the first start was garbage glued onto a real one.
      if (buf[p] === CH_8 && p + 1 < end && buf[p + 1] === CH_EQ) return { kind: 'garbled', bytes: this.take(s, p), reason: 'truncated message start' };
      p++;
    }
    if (p - s - 2 > MAX_BEGIN_STRING_BYTES) return this.garbledToNextBegin(s, 'BeginString too long');
    if (p >= end) return undefined;
    if (p === s + 2) return this.garbledToNextBegin(s, 'BeginString empty');

    // Field 2: 9=<digits><SOH>
    const f2 = p + 1;
    if (f2 + 2 > end) return undefined;
    if (buf[f2] !== CH_9 || buf[f2 + 1] !== CH_EQ) return this.garbledToNextBegin(s, 'BodyLength(9) is not the second field');
    let q = f2 + 2;
    let bodyLength = 0;
    while (q < end && isDigit(buf[q]!) && q - f2 - 2 < MAX_BODY_LENGTH_DIGITS) {
      bodyLength = bodyLength * 10 + (buf[q]! - CH_0);
      q++;
    }
    if (q >= end) return undefined;
    if (buf[q] !== SOH || q === f2 + 2) return this.garbledToNextBegin(s, 'BodyLength(9) is not a number');
    const bodyStart = q + 1;

    // Field 3 must be 35=
    if (bodyStart + 3 > end) return undefined;
    if (buf[bodyStart] !== CH_3 || buf[bodyStart + 1] !== CH_5 || buf[bodyStart + 2] !== CH_EQ) {
      return this.garbledToNextBegin(s, 'MsgType(35) is not the third field');
    }

    const trailerAt = bodyStart + bodyLength;
    if (trailerAt + TRAILER_BYTES - s > this.maxMessageBytes) {
      // Never wait for it: drop what is buffered of it (up to a following message start, if any).
      const frame = this.garbledToNextBegin(s, `BodyLength ${bodyLength} exceeds the ${this.maxMessageBytes}-byte limit`);
      return { ...frame, oversize: true } as Frame;
    }

    // Happy path: a CheckSum field starts exactly where BodyLength says.
    if (trailerAt + 3 <= end && buf[trailerAt - 1] === SOH && buf[trailerAt] === CH_1 && buf[trailerAt + 1] === CH_0 && buf[trailerAt + 2] === CH_EQ) {
      const soh = buf.indexOf(SOH, trailerAt + 3);
      if (soh < 0 || soh >= end) return undefined;
      const frameEnd = soh + 1;
      if (frameEnd - trailerAt !== TRAILER_BYTES || !isTrailerAt(buf, trailerAt, end)) {
        // A message start glued onto a broken trailer (`10=128=FIX.4.4`) is kept for the next frame.
        const glued = this.findNextBegin(trailerAt + 3);
        const cut = glued >= 0 && glued < frameEnd ? glued : frameEnd;
        return { kind: 'garbled', bytes: this.take(s, cut), reason: 'CheckSum(10) is not 3 digits' };
      }
      const sum = byteSum(buf, s, trailerAt);
      if (sum !== trailerValue(buf, trailerAt)) {
        // If a message start hides inside, this frame is garbage glued onto it: keep that message.
        const inner = this.findNextBegin(bodyStart);
        const cut = inner >= 0 && inner < trailerAt ? inner : frameEnd;
        return { kind: 'garbled', bytes: this.take(s, cut), reason: `CheckSum mismatch: computed ${String(sum).padStart(3, '0')}` };
      }
      return { kind: 'message', bytes: this.take(s, frameEnd) };
    }

    // No CheckSum field where BodyLength says (or not all bytes are here yet).
    const ownEnd = this.findTrailerEnd(bodyStart - 1);
    const nextBegin = this.findNextBegin(s + 2);
    if (nextBegin >= 0 && (ownEnd < 0 || nextBegin < ownEnd)) {
      // A new message starts before this one has any trailer: this one lost its CheckSum. Cut once
      // BodyLength's bytes are here, or once the new message looks framed.
      const after = this.buf.subarray(nextBegin, end);
      if (trailerAt + 3 <= end || (after.indexOf('\x019=') >= 0 && after.indexOf('\x0110=') >= 0)) {
        return { kind: 'garbled', bytes: this.take(s, nextBegin), reason: 'CheckSum(10) missing' };
      }
      return undefined;
    }
    // As QuickFIX's parser: the message runs to the first `<SOH>10=nnn<SOH>` at or after where
    // BodyLength points. Too short gives the message with its own trailer; too long swallows what
    // follows up to the next trailer (acceptance test 2m). Both are garbled; maxMessageBytes bounds the wait.
    if (trailerAt > end) return undefined;
    const realEnd = this.findTrailerEnd(trailerAt - 1);
    if (realEnd < 0) return undefined;
    return { kind: 'garbled', bytes: this.take(s, realEnd), reason: `BodyLength ${bodyLength} does not match the message` };
  }

  /** Index just past the SOH ending the first complete `<SOH>10=...<SOH>` at or after `from`, or -1. */
  private findTrailerEnd(from: number): number {
    const hit = this.buf.subarray(from, this.end).indexOf('\x0110=');
    if (hit < 0) return -1;
    const soh = this.buf.subarray(from + hit + 4, this.end).indexOf(SOH);
    return soh < 0 ? -1 : from + hit + 4 + soh + 1;
  }

  /**
   * Where the next message may start, at or after `from`: the `8` of `<SOH>8=`, or of `8=FIX` anywhere
   * (garbage glued onto a message start). -1 if none. Only used once a frame is known to be broken,
   * so a false start merely splits garbage into more garbled frames.
   */
  private findNextBegin(from: number): number {
    const region = this.buf.subarray(from, this.end);
    const afterSoh = region.indexOf('\x018=');
    const glued = region.indexOf('8=FIX');
    const a = afterSoh < 0 ? -1 : from + afterSoh + 1;
    const b = glued < 0 ? -1 : from + glued;
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  }
}
