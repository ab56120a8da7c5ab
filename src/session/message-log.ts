// Per-session plain-text logs of every FIX message that crossed the wire and of session events,
// written in batches (at most one write(2) per file per event-loop turn: what was logged in one turn is written
// in the check phase of the next, so a request and its reply share a write), and a reader for the message log.
//
// Message log line:  <YYYYMMDD-HH:MM:SS.ssssss> <IN|OUT> <raw FIX bytes, SOH kept>\n
// A message that itself contains CR or LF (garbage from a client, or a raw-data field) cannot sit on
// one line raw; it is written as `<ts> IN64 <base64>` / `<ts> OUT64 <base64>` instead, and
// readMessageLog decodes it back, so every byte is preserved.
//
// Password(554) and NewPassword(925) values are replaced by '*' of the same length. The body length
// is unchanged but the checksum no longer matches: the audit tool must not count checksum errors on
// messages that carry a masked 554/925.
// Event log line:    <YYYYMMDD-HH:MM:SS.ssssss> <text>\n   (CR/LF in text become spaces)

import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileSafeName, type SessionId } from './session-id.js';
import { adoptLegacyFiles, createIfAbsent } from './session-files.js';
import { latin1Slice } from '../fix/latin1.js';

export type Direction = 'IN' | 'OUT';

export interface MessageLog {
  /** Raw FIX, one per line. `plain`: the caller built (encoder) or parsed (FixMessage.plain) the message and
   *  knows it has no CR or LF, no DATA field and no Password(554)/NewPassword(925) field, so it is logged as it
   *  is without being looked at. */
  message(direction: Direction, bytes: Buffer, atMs: number, plain?: boolean): void;
  /** Logons, resends, rejects, disconnects + reason. */
  event(text: string, atMs: number): void;
  close(): void;
  /** Optional: why the last write failed (what was pending then is lost); undefined once a write goes through. */
  readonly lastWriteError?: Error | undefined;
}

/** Discards everything: for sessions configured without FileLogPath, and for benchmarks. */
export class NullLog implements MessageLog {
  message(_direction: Direction, _bytes: Buffer, _atMs: number, _plain?: boolean): void {}
  event(_text: string, _atMs: number): void {}
  close(): void {}
}

/** Flush early when a file's pending bytes exceed this; bounds memory between event-loop turns. */
const MESSAGE_BUFFER_BYTES = 1024 * 1024;
const EVENT_BUFFER_BYTES = 64 * 1024;
/** 'YYYYMMDD-HH:MM:SS.ssssss ' */
const TIMESTAMP_CHARS = 24;

export function messageLogPath(dir: string, id: SessionId): string {
  return path.join(dir, `${fileSafeName(id)}.messages.log`);
}

export function eventLogPath(dir: string, id: SessionId): string {
  return path.join(dir, `${fileSafeName(id)}.event.log`);
}

/** Appends to `<fileSafeName>.messages.log` and `<fileSafeName>.event.log` under dir. */
export class FileLog implements MessageLog {
  readonly messagesPath: string;
  readonly eventsPath: string;
  /** Why the last write of each file failed (disk full...); cleared by a write of that file that goes through. */
  readonly #writeErrors = new Map<BatchedFile, Error>();
  #messages: BatchedFile;
  #events: BatchedFile;
  /** Check phases until the scheduled flush runs; 0 = none scheduled. */
  #flushTurnsLeft = 0;
  #closed = false;
  readonly #flushBound = (): void => this.#flushFromLoop();

  private constructor(messagesPath: string, eventsPath: string) {
    this.messagesPath = messagesPath;
    this.eventsPath = eventsPath;
    this.#messages = new BatchedFile(messagesPath, MESSAGE_BUFFER_BYTES);
    try {
      this.#events = new BatchedFile(eventsPath, EVENT_BUFFER_BYTES);
    } catch (err) {
      this.#messages.close();
      throw err;
    }
  }

  /** Makes the two log files if they are not there, off the event loop (see FileStore.prepare). */
  static async prepare(dir: string, id: SessionId): Promise<void> {
    fs.mkdirSync(dir, { recursive: true });
    adoptLegacyFiles(dir, id, ['.messages.log', '.event.log']);
    await createIfAbsent(messageLogPath(dir, id));
    await createIfAbsent(eventLogPath(dir, id));
  }

  static open(dir: string, id: SessionId): FileLog {
    fileSafeName(id); // a name too long throws before anything is made
    fs.mkdirSync(dir, { recursive: true });
    adoptLegacyFiles(dir, id, ['.messages.log', '.event.log']);
    return new FileLog(messageLogPath(dir, id), eventLogPath(dir, id));
  }

  message(direction: Direction, bytes: Buffer, atMs: number, plain = false): void {
    this.#checkOpen();
    const atUs = microsFor(atMs);
    const recordBytes = TIMESTAMP_CHARS + direction.length + 2 + bytes.length;
    const file = this.#messages;
    if (recordBytes <= file.capacity / 2) {
      // A message the encoder saw every byte of (`plain`) is copied as it is. Otherwise, the usual case: it is
      // looked at once as latin1 text (V8's string search beats four native Buffer searches and a subarray,
      // measured), copied into the batch, and masked only when a password tag appears in it. A CR or LF leaves
      // the batch untouched and takes the base64 form below.
      const text = plain ? '' : latin1Slice(bytes, 0, bytes.length);
      if (plain || (text.indexOf('\n') === -1 && text.indexOf('\r') === -1)) {
        const start = file.reserve(recordBytes);
        const buf = file.buffer; // after reserve: it may have grown
        let pos = writeTimestamp(buf, start, atUs);
        buf[pos++] = SPACE;
        for (let i = 0; i < direction.length; i++) buf[pos++] = direction.charCodeAt(i);
        buf[pos++] = SPACE;
        pos += bytes.copy(buf, pos);
        if (!plain && (text.indexOf('554=') !== -1 || text.indexOf('925=') !== -1)) maskPasswords(buf, pos - bytes.length, pos);
        buf[pos++] = LF;
        file.commit(pos);
        this.#afterAppend();
        return;
      }
    }
    const stamp = formatTimestamp(atUs);
    if (bytes.includes(LF) || bytes.includes(CR)) {
      const masked = Buffer.from(bytes);
      maskPasswords(masked, 0, masked.length);
      file.appendText(`${stamp} ${direction}64 ${masked.toString('base64')}\n`);
    } else {
      // Huge message: build it on its own rather than through the shared buffer.
      const record = Buffer.concat([Buffer.from(`${stamp} ${direction} `, 'latin1'), bytes, NEWLINE]);
      maskPasswords(record, record.length - 1 - bytes.length, record.length - 1);
      file.appendBytes(record);
    }
    this.#afterAppend();
  }

  event(text: string, atMs: number): void {
    this.#checkOpen();
    this.#events.appendText(`${formatTimestamp(microsFor(atMs))} ${text.replace(/[\r\n]/g, ' ')}\n`);
    this.#afterAppend();
  }

  /** The last write error, if any (disk full...), until a write of the file that failed goes through. Bytes pending at
   *  that moment were dropped. */
  get lastWriteError(): Error | undefined {
    return this.#writeErrors.get(this.#messages) ?? this.#writeErrors.get(this.#events);
  }

  /** Write everything pending now (also done automatically, one event-loop turn after the first message of a batch). */
  flush(): void {
    this.#writeOut(this.#messages);
    this.#writeOut(this.#events);
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#messages.close();
    this.#events.close();
  }

  #afterAppend(): void {
    if (this.#messages.overLimit()) this.#writeOut(this.#messages);
    if (this.#events.overLimit()) this.#writeOut(this.#events);
    if (this.#flushTurnsLeft === 0 && (this.#messages.pending() > 0 || this.#events.pending() > 0)) {
      this.#flushTurnsLeft = 2;
      setImmediate(this.#flushBound);
    }
  }

  // The batch is written in the check phase of the event-loop turn AFTER the one it was started in. A request and
  // its reply are usually handled in one turn: read in its poll phase, answered from the sequencer's drain in its
  // check phase. Written a turn later, the IN line and the OUT lines go out in one write(2), after the reply is
  // on the socket, instead of one write before the reply (off the order->ack path) and one after it.
  #flushFromLoop(): void {
    if (--this.#flushTurnsLeft > 0) {
      setImmediate(this.#flushBound); // queued from inside the check phase: runs in the next turn's
      return;
    }
    if (!this.#closed) this.flush();
  }

  #writeOut(file: BatchedFile): void {
    try {
      if (file.flush()) this.#writeErrors.delete(file);
    } catch (err) {
      // A failing log must not take the gateway down from inside a setImmediate; the bytes are
      // lost and the error is kept for whoever monitors the log.
      this.#writeErrors.set(file, err instanceof Error ? err : new Error(String(err)));
      file.discardPending();
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`FileLog ${this.messagesPath}: used after close`);
  }
}

/** Bytes a BatchedFile's buffer starts with; it doubles as needed up to its capacity (most sessions log little, and
 *  thousands of them must not each hold a megabyte). */
const BATCH_START_BYTES = 8 * 1024;

/** An append-only fd with one buffer; records are copied in and written in one go. */
class BatchedFile {
  /** Replaced by a larger one as it fills (read it after reserve()). */
  buffer: Buffer;
  #fd: number;
  #used = 0;
  readonly #path: string;

  constructor(filePath: string, readonly capacity: number) {
    this.#path = filePath;
    this.#fd = fs.openSync(filePath, 'a');
    this.buffer = Buffer.allocUnsafe(Math.min(capacity, BATCH_START_BYTES));
  }

  pending(): number { return this.#used; }
  overLimit(): boolean { return this.#used >= this.capacity / 2; }

  /** Make room for n bytes (n <= capacity) and return the offset where they go. */
  reserve(n: number): number {
    if (n > this.capacity) throw new RangeError(`${this.#path}: record of ${n} bytes exceeds buffer`);
    if (this.#used + n > this.buffer.length) {
      if (this.buffer.length < this.capacity) this.#grow(this.#used + n);
      if (this.#used + n > this.buffer.length) this.flush();
    }
    return this.#used;
  }

  #grow(needed: number): void {
    let size = this.buffer.length;
    while (size < needed && size < this.capacity) size *= 2;
    const grown = Buffer.allocUnsafe(Math.min(size, this.capacity));
    this.buffer.copy(grown, 0, 0, this.#used);
    this.buffer = grown;
  }

  commit(end: number): void {
    if (end < this.#used || end > this.buffer.length) throw new Error(`${this.#path}: bad commit ${end}`);
    this.#used = end;
  }

  appendText(text: string): void {
    const n = Buffer.byteLength(text, 'utf8');
    if (n > this.capacity) {
      this.appendBytes(Buffer.from(text, 'utf8'));
      return;
    }
    const start = this.reserve(n);
    this.commit(start + this.buffer.write(text, start, 'utf8'));
  }

  appendBytes(bytes: Buffer): void {
    if (bytes.length > this.capacity) {
      this.flush();
      writeAll(this.#fd, bytes);
      return;
    }
    const start = this.reserve(bytes.length);
    this.commit(start + bytes.copy(this.buffer, start));
  }

  /** True when it wrote something. */
  flush(): boolean {
    if (this.#used === 0) return false;
    const n = this.#used;
    this.#used = 0;
    writeAll(this.#fd, this.buffer.subarray(0, n));
    return true;
  }

  discardPending(): void { this.#used = 0; }

  close(): void {
    fs.closeSync(this.#fd);
    this.#fd = -1;
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
}

const SOH = 0x01;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const NEWLINE = Buffer.from('\n');
const STAR = 0x2a;
const MASKED_TAGS = [Buffer.from('554='), Buffer.from('925=')];

const DIGIT_0 = 0x30;

/** Replace the values of 554 and 925 in buf[start, end) by '*' in place. */
export function maskPasswords(buf: Buffer, start: number, end: number): void {
  // Search a view of just this message: indexOf on the whole buffer would scan to its end.
  const msg = buf.subarray(start, end);
  for (const tag of MASKED_TAGS) {
    let at = msg.indexOf(tag);
    while (at !== -1) {
      if (at === 0 || msg[at - 1] === SOH) {
        let pos = at + tag.length;
        while (pos < msg.length && msg[pos] !== SOH) msg[pos++] = STAR;
        at = pos;
      } else {
        at += 1;
      }
      at = msg.indexOf(tag, at);
    }
  }
}

/** Microseconds since the epoch for a message stamped atMs: the sub-millisecond digits come from
 *  the high-resolution clock when it agrees with atMs to the millisecond; otherwise (a caller-supplied
 *  time, as in tests and replays) they are zero. Either way floor(result / 1000) === atMs. */
function microsFor(atMs: number): number {
  const nowUs = Math.floor((TIME_ORIGIN_MS + performance.now()) * 1000);
  return Math.floor(nowUs / 1000) === atMs ? nowUs : Math.floor(atMs * 1000);
}

/** performance.timeOrigin never changes in a process (its getter costs a call and a number per read). */
const TIME_ORIGIN_MS = performance.timeOrigin;

let cachedSecond = -1;
let cachedSecondText = '';

let cachedSecondBytes = Buffer.alloc(17);
let cachedBytesSecond = -1;

/** Writes formatTimestamp(epochUs) as latin1 into buf at pos; returns the offset after it. */
function writeTimestamp(buf: Buffer, pos: number, epochUs: number): number {
  const second = Math.floor(epochUs / 1_000_000);
  if (second !== cachedBytesSecond) {
    formatTimestamp(epochUs);
    cachedSecondBytes = Buffer.from(cachedSecondText, 'latin1');
    cachedBytesSecond = second;
  }
  for (let i = 0; i < 17; i++) buf[pos++] = cachedSecondBytes[i]!;
  buf[pos++] = 0x2e; // '.'
  let micros = epochUs - second * 1_000_000;
  for (let i = 5; i >= 0; i--) {
    buf[pos + i] = DIGIT_0 + (micros % 10);
    micros = Math.floor(micros / 10);
  }
  return pos + 6;
}

/** 'YYYYMMDD-HH:MM:SS.ssssss' (UTC). The date/time part is cached per second. */
export function formatTimestamp(epochUs: number): string {
  const second = Math.floor(epochUs / 1_000_000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    cachedSecondText =
      `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}-` +
      `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
    cachedSecond = second;
  }
  const micros = epochUs - second * 1_000_000;
  return `${cachedSecondText}.${String(micros).padStart(6, '0')}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const TIMESTAMP_RE = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})\.(\d{6})$/;

/** Epoch microseconds from 'YYYYMMDD-HH:MM:SS.ssssss', or undefined when malformed. */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, us] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  return ms * 1000 + Number(us);
}

const READ_CHUNK_BYTES = 1024 * 1024;
/** Longest line we will assemble while reading; bounds memory on a corrupt file. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Read back one of our message-log files (for tests now, the audit tool later). Streams the file
 *  in 1 MiB chunks. A last line without '\n' is a write torn by a crash and is skipped; any other
 *  malformed line throws an Error naming path:line. */
export function* readMessageLog(
  filePath: string,
): Generator<{ atMs: number; atText: string; direction: Direction; bytes: Buffer; line: number }> {
  const fd = fs.openSync(filePath, 'r');
  try {
    const chunk = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let carry: Buffer = Buffer.alloc(0);
    let line = 0;
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let lf = data.indexOf(LF, start); lf !== -1; lf = data.indexOf(LF, start)) {
        line += 1;
        yield parseLogLine(data.subarray(start, lf), filePath, line);
        start = lf + 1;
      }
      // Copy the remainder: `chunk` is reused by the next read.
      carry = Buffer.from(data.subarray(start));
      if (carry.length > MAX_LINE_BYTES) throw new Error(`${filePath}:${line + 1}: line longer than ${MAX_LINE_BYTES} bytes`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function parseLogLine(
  text: Buffer,
  filePath: string,
  line: number,
): { atMs: number; atText: string; direction: Direction; bytes: Buffer; line: number } {
  const sp1 = text.indexOf(SPACE);
  const sp2 = sp1 === -1 ? -1 : text.indexOf(SPACE, sp1 + 1);
  if (sp2 === -1) throw new Error(`${filePath}:${line}: expected "<timestamp> <IN|OUT> <message>"`);
  const atText = text.toString('latin1', 0, sp1);
  const atUs = parseTimestamp(atText);
  if (atUs === undefined) throw new Error(`${filePath}:${line}: bad timestamp "${atText}"`);
  const dirText = text.toString('latin1', sp1 + 1, sp2);
  const payload = text.subarray(sp2 + 1);
  let direction: Direction;
  let bytes: Buffer;
  switch (dirText) {
    case 'IN':
    case 'OUT':
      direction = dirText;
      bytes = Buffer.from(payload);
      break;
    case 'IN64':
    case 'OUT64':
      direction = dirText === 'IN64' ? 'IN' : 'OUT';
      bytes = Buffer.from(payload.toString('latin1'), 'base64');
      break;
    default:
      throw new Error(`${filePath}:${line}: bad direction "${dirText}"`);
  }
  return { atMs: Math.floor(atUs / 1000), atText, direction, bytes, line };
}
