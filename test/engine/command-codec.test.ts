// The journal's record payloads: one versioned binary form for every command, exact for any value a command holds;
// a record of another format version is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { CommandNotEncodableError, RECORD_FORMAT_VERSION, decodePayload, encodePayload, peekPayloadSeq } from '../../src/engine/command-codec.js';
import {
  encodeRecords, JournalCorruptError, JournalRecordTooLargeError, JournalVersionError, RECORD_HEADER_BYTES, RecordBuffer, readJournalDir, segmentName,
} from '../../src/engine/journal.js';
import type { Command, SequencedCommand } from '../../src/engine/types.js';
import { randomCommands } from './random-commands.js';
import { tempDataDir } from './data-dir-support.js';

/** Payloads of the records in `buf`, in order. */
function payloads(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length;) {
    const len = buf.readUInt32LE(at);
    out.push(buf.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + len));
    at += RECORD_HEADER_BYTES + len;
  }
  return out;
}

const decodeAll = (buf: Buffer): SequencedCommand[] => payloads(buf).map((p) => decodePayload(p, 0, p.length));

/** Same keys in the same order, and each value the same by Object.is (so -0 and NaN count). */
function assertSameCommand(actual: unknown, expected: Record<string, unknown>): void {
  const a = actual as Record<string, unknown>;
  const definedKeys = Object.keys(expected).filter((k) => expected[k] !== undefined);
  assert.deepEqual(Object.keys(a), definedKeys);
  for (const k of definedKeys) assert.ok(Object.is(a[k], expected[k]), `${k}: ${String(a[k])} is not ${String(expected[k])}`);
}

test('every command of a long random stream comes back from its record with the same keys, order and values, and in binary form', () => {
  const stream = randomCommands(11, 5_000);
  const scs: SequencedCommand[] = stream.map((c, i) => ({ seq: i + 1, timeMs: c.timeMs, cmd: c.cmd }));
  const buf = encodeRecords(scs);
  const decoded = decodeAll(buf);
  assert.equal(decoded.length, scs.length);
  let binary = 0;
  for (let i = 0; i < scs.length; i++) {
    assert.equal(decoded[i]!.seq, i + 1);
    assert.equal(decoded[i]!.timeMs, scs[i]!.timeMs);
    assertSameCommand(decoded[i]!.cmd, scs[i]!.cmd as unknown as Record<string, unknown>);
    if (payloads(buf)[i]![0] === RECORD_FORMAT_VERSION) binary++;
  }
  assert.ok(binary > scs.length * 0.9, `${binary} of ${scs.length} records binary`);
});

test('a new order record is binary and under half its JSON size', () => {
  const sc: SequencedCommand = { seq: 123_456, timeMs: 1_700_000_000_123, cmd: {
    type: 'NewOrder', session: 'FIX.4.4:FIXGW->CLIENT1', clOrdId: 'ORD-0001', symbol: 'AAPL', side: 'Buy', ordType: 'Limit',
    timeInForce: 'Day', price: '190.25', orderQty: '100' } };
  const [p] = payloads(encodeRecords([sc]));
  assert.equal(p![0], RECORD_FORMAT_VERSION);
  assert.equal(peekPayloadSeq(p!, 0, p!.length), 123_456);
  assert.ok(p!.length * 2 < JSON.stringify(sc).length, `${p!.length} bytes against ${JSON.stringify(sc).length} as JSON`);
  assert.deepEqual(decodePayload(p!, 0, p!.length), sc);
});

test('odd values round-trip exactly: non-ASCII and long texts, lone surrogates, null, nested values, unknown keys', () => {
  const odd: Array<Record<string, unknown>> = [
    { type: 'Halt', symbol: 'AAPL', text: 'halted: café closed' },
    { type: 'Halt', symbol: 'AAPL', text: 'lone \ud800 surrogate, and a pair 😀' },
    { type: 'NewOrder', session: 'S', clOrdId: 'A', symbol: 'AAPL', side: 'Buy', ordType: 'Limit', orderQty: '1', price: null },
    { type: 'NewOrder', session: 'S', clOrdId: 'A', symbol: 'AAPL', side: 'Buy', ordType: 'Limit', orderQty: { n: 1, list: [1, 'two', null] } },
    { type: 'Cancel', session: 'S', clOrdId: 'B', origClOrdId: 'A', comment: 'an unknown key', 'ключ': 'ünïcode key' },
    { type: 'Halt', symbol: 'AAPL', text: 'x'.repeat(30_000) + 'é' },
  ];
  const scs = odd.map((cmd, i) => ({ seq: i + 1, timeMs: 1_700_000_000_000, cmd }) as unknown as SequencedCommand);
  const decoded = decodeAll(encodeRecords(scs));
  for (let i = 0; i < scs.length; i++) {
    assert.equal(decoded[i]!.seq, i + 1);
    assert.deepEqual(decoded[i]!.cmd, odd[i], `command ${i}`);
    assert.deepEqual(Object.keys(decoded[i]!.cmd), Object.keys(odd[i]!), `command ${i}: key order`);
  }
});

test('a command that is not an object, or holds a bigint, is refused when it is encoded and nothing is added', () => {
  const records = new RecordBuffer();
  for (const cmd of [null, ['NewOrder'], 'NewOrder', { type: 'Halt', symbol: 'AAPL', n: 10n }]) {
    assert.throws(() => records.append({ seq: 1, timeMs: 1, cmd } as unknown as SequencedCommand), CommandNotEncodableError);
  }
  assert.equal(records.count, 0);
});

test('numbers keep their exact value in binary records, where JSON turned -0 into 0 and NaN into null', () => {
  const sc = { seq: 1, timeMs: 5, cmd: { type: 'NewOrder', session: 'S', clOrdId: 'A', expireTimeMs: -0, orderQty: 'x', minQty: undefined } };
  const odd = { seq: 2, timeMs: 5, cmd: { type: 'NewOrder', session: 'S', clOrdId: 'B', expireTimeMs: Number.NaN, postOnly: false } };
  const [a, b] = decodeAll(encodeRecords([sc, odd] as unknown as SequencedCommand[]));
  assertSameCommand(a!.cmd, sc.cmd);
  assertSameCommand(b!.cmd, odd.cmd);
});

test('any plain command over the journal keys round-trips exactly (property)', () => {
  const keys = ['type', 'session', 'account', 'clOrdId', 'symbol', 'side', 'ordType', 'timeInForce', 'price', 'stopPx', 'orderQty',
    'expireTimeMs', 'postOnly', 'minQty', 'displayQty', 'stpMode', 'origClOrdId', 'orderId', 'filterSession', 'cancelOnDisconnect', 'text', 'on'];
  const value = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('Buy', 'Sell', 'NewOrder', 'GTD', 'IOC', 'Limit'),
    fc.double(), fc.integer(), fc.boolean(), fc.constant(undefined));
  const command = fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 12 });
  fc.assert(fc.property(command, fc.integer({ min: 1, max: 2 ** 40 }), (cmd, seq) => {
    const sc = { seq, timeMs: 1_700_000_000_000, cmd } as unknown as SequencedCommand;
    const [p] = payloads(encodeRecords([sc]));
    const back = decodePayload(p!, 0, p!.length);
    assert.equal(back.seq, seq);
    assert.equal(p![0], RECORD_FORMAT_VERSION);
    assertSameCommand(back.cmd, cmd);
  }), { numRuns: 2_000 });
});

test('a command too large for a record is refused with nothing added, and the records before and after it are intact', () => {
  const records = new RecordBuffer();
  const order = (seq: number, clOrdId: string): SequencedCommand => ({ seq, timeMs: 1, cmd: { type: 'Cancel', session: 'S', clOrdId, origClOrdId: 'A' } });
  records.append(order(1, 'one'));
  assert.throws(() => records.append(order(2, 'x'.repeat(70_000))), JournalRecordTooLargeError);
  assert.throws(() => records.append(order(2, 'é'.repeat(40_000))), JournalRecordTooLargeError);
  records.append(order(2, 'two'));
  assert.equal(records.count, 2);
  assert.deepEqual(decodeAll(records.take(2)).map((sc) => (sc.cmd as { clOrdId: string }).clOrdId), ['one', 'two']);
});

test('a record buffer hands out batches in order across growth, splits and recycling', () => {
  const records = new RecordBuffer();
  const all = randomCommands(3, 3_000).map((c, i): SequencedCommand => ({ seq: i + 1, timeMs: c.timeMs, cmd: c.cmd }));
  const seen: number[] = [];
  let next = 0;
  for (const [add, take] of [[1000, 300], [2000, 2700]] as const) {
    for (let i = 0; i < add; i++) records.append(all[next++]!);
    let left = take;
    while (left > 0) {
      const n = Math.min(left, 250);
      const batch = records.take(n);
      seen.push(...decodeAll(batch).map((sc) => sc.seq));
      records.recycle(batch);
      left -= n;
    }
  }
  assert.deepEqual(seen, all.map((sc) => sc.seq));
  assert.equal(records.count, 0);
});

test('a record of a format version this build does not read is refused, naming the file, the offset and the version', () => {
  const dir = join(tempDataDir('codec-version'), 'journal');
  mkdirSync(dir, { recursive: true });
  const good = encodeRecords([1, 2].map((seq) => ({ seq, timeMs: 1, cmd: { type: 'ExpireSweep' } as Command })));
  const record = (payload: Buffer): Buffer => {
    const head = Buffer.alloc(RECORD_HEADER_BYTES);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt32LE(crc32(payload), 4);
    return Buffer.concat([head, payload]);
  };
  const path = join(dir, segmentName(1));
  for (const [payload, version] of [
    [Buffer.concat([Buffer.from([2]), payloads(encodeRecords([{ seq: 3, timeMs: 1, cmd: { type: 'ExpireSweep' } as Command }]))[0]!.subarray(1)]), 2],
    [Buffer.from(JSON.stringify({ seq: 3, timeMs: 1, cmd: { type: 'ExpireSweep' } })), 0x7b], // a JSON record: never released
  ] as const) {
    // as the last record of the last segment too: a whole record (its checksum holds) is no torn tail
    writeFileSync(path, Buffer.concat([good, record(payload)]));
    assert.throws(() => readJournalDir(dir), (err: unknown) => {
      assert.ok(err instanceof JournalVersionError);
      assert.equal(err.path, path);
      assert.equal(err.offset, good.length);
      assert.equal(err.version, version);
      assert.equal(err.message, `${path}: the journal record at byte offset ${good.length} has format version ${version}; this fixgw reads version 1`);
      return true;
    });
  }
});

test('a binary record with a valid checksum but an unknown key is corruption named by its offset', () => {
  const dir = join(tempDataDir('codec-bad'), 'journal');
  mkdirSync(dir, { recursive: true });
  const good = encodeRecords([{ seq: 1, timeMs: 1, cmd: { type: 'ExpireSweep' } as Command }]);
  const payload = Buffer.alloc(17 + 3);
  payload[0] = RECORD_FORMAT_VERSION;
  payload.writeDoubleLE(2, 1);
  payload.writeDoubleLE(1, 9);
  payload[17] = 250; // no such key
  payload[18] = 4;
  const head = Buffer.alloc(RECORD_HEADER_BYTES);
  head.writeUInt32LE(payload.length - 1, 0);
  head.writeUInt32LE(crc32(payload.subarray(0, payload.length - 1)), 4);
  const bad = Buffer.concat([head, payload.subarray(0, payload.length - 1)]);
  writeFileSync(join(dir, segmentName(1)), Buffer.concat([good, bad, encodeRecords([{ seq: 3, timeMs: 1, cmd: { type: 'ExpireSweep' } as Command }])]));
  assert.throws(() => readJournalDir(dir), (err: unknown) =>
    err instanceof JournalCorruptError && err.offset === good.length && /unknown key id 250/.test(err.message));
});

test('encodePayload refuses to write past the room it is given', () => {
  const sc: SequencedCommand = { seq: 1, timeMs: 1, cmd: { type: 'Cancel', session: 'FIX.4.4:FIXGW->CLIENT1', clOrdId: 'C1', origClOrdId: 'O1' } };
  const buf = Buffer.alloc(64, 0xee);
  const full = encodePayload(sc, buf, 0, 64);
  assert.ok(full > 0);
  const small = Buffer.alloc(64, 0xee);
  assert.equal(encodePayload(sc, small, 0, full - 1), -1);
  assert.ok(small.subarray(full - 1).every((b) => b === 0xee), 'nothing written past the room');
});

test('any bytes after the version byte decode to a sequenced command or fail with a plain Error, never anything else', () => {
  // properties that look almost right: key ids and kinds near the valid ones, lengths that may overrun, cut anywhere
  const property = fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 40 }),
    fc.uint8Array({ maxLength: 12 })).map(([key, kind, len, rest]) => Buffer.concat([Buffer.from([key, kind, len & 0xff, 0]), Buffer.from(rest)]));
  const body = fc.oneof(fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)), fc.array(property, { maxLength: 8 }).map((ps) => Buffer.concat(ps)));
  let decoded = 0;
  let refused = 0;
  fc.assert(fc.property(body, fc.boolean(), fc.nat(), (bytes, validHead, cut) => {
    const head = Buffer.alloc(17);
    head[0] = RECORD_FORMAT_VERSION;
    head.writeDoubleLE(validHead ? 7 : cut, 1);
    head.writeDoubleLE(1_700_000_000_000, 9);
    const whole = Buffer.concat([head, bytes]);
    const p = whole.subarray(0, cut % 3 === 0 ? whole.length : 1 + (cut % whole.length));
    try {
      const sc = decodePayload(p, 0, p.length);
      assert.ok(Number.isSafeInteger(sc.seq) && typeof sc.cmd === 'object' && sc.cmd !== null);
      decoded++;
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      assert.ok(err instanceof Error && !(err instanceof RangeError) && !(err instanceof TypeError), String(err));
      assert.ok(err.message.length > 0);
      refused++;
    }
  }), { numRuns: 5_000 });
  assert.ok(decoded > 50 && refused > 50, `decoded ${decoded}, refused ${refused}: both paths exercised`);
});
