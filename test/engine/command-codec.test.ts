// The journal's record payloads: binary for the commands that fit, JSON for the rest and for older journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { BINARY_PAYLOAD, decodePayload, encodeBinaryPayload, peekPayloadSeq } from '../../src/engine/command-codec.js';
import {
  encodeRecords, JournalCorruptError, JournalRecordTooLargeError, RECORD_HEADER_BYTES, RecordBuffer, readJournalDir, segmentName,
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
    if (payloads(buf)[i]![0] === BINARY_PAYLOAD) binary++;
  }
  assert.ok(binary > scs.length * 0.9, `${binary} of ${scs.length} records binary`);
});

test('a new order record is binary and under half its JSON size', () => {
  const sc: SequencedCommand = { seq: 123_456, timeMs: 1_700_000_000_123, cmd: {
    type: 'NewOrder', session: 'FIX.4.4:FIXGW->CLIENT1', clOrdId: 'ORD-0001', symbol: 'AAPL', side: 'Buy', ordType: 'Limit',
    timeInForce: 'Day', price: '190.25', orderQty: '100' } };
  const [p] = payloads(encodeRecords([sc]));
  assert.equal(p![0], BINARY_PAYLOAD);
  assert.equal(peekPayloadSeq(p!, 0, p!.length), 123_456);
  assert.ok(p!.length * 2 < JSON.stringify(sc).length, `${p!.length} bytes against ${JSON.stringify(sc).length} as JSON`);
  assert.deepEqual(decodePayload(p!, 0, p!.length), sc);
});

test('commands that do not fit the binary form are written as JSON and read back as JSON gives them', () => {
  const odd: unknown[] = [
    { type: 'Halt', symbol: 'AAPL', text: 'halted: café closed' }, // non-ASCII text
    { type: 'NewOrder', session: 'S', clOrdId: 'A', symbol: 'AAPL', side: 'Buy', ordType: 'Limit', orderQty: '1', price: null },
    { type: 'NewOrder', session: 'S', clOrdId: 'A', symbol: 'AAPL', side: 'Buy', ordType: 'Limit', orderQty: { n: 1 } },
    { type: 'Cancel', session: 'S', clOrdId: 'B', origClOrdId: 'A', comment: 'an unknown key' },
    ['NewOrder'],
    null,
    'NewOrder',
  ];
  const scs = odd.map((cmd, i) => ({ seq: i + 1, timeMs: 1_700_000_000_000, cmd }) as unknown as SequencedCommand);
  const buf = new RecordBuffer();
  const ps: Buffer[] = [];
  for (const sc of scs) {
    buf.append(sc);
    const one = buf.take(1);
    ps.push(Buffer.from(payloads(one)[0]!));
  }
  for (let i = 0; i < scs.length; i++) {
    assert.equal(ps[i]![0], 0x7b, `command ${i} is JSON`);
    assert.equal(peekPayloadSeq(ps[i]!, 0, ps[i]!.length), i + 1);
    const expected = JSON.parse(JSON.stringify(scs[i])) as SequencedCommand;
    if (typeof expected.cmd === 'object' && expected.cmd !== null) assert.deepEqual(decodePayload(ps[i]!, 0, ps[i]!.length), expected);
    else assert.throws(() => decodePayload(ps[i]!, 0, ps[i]!.length), /not a sequenced command/);
  }
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
    if (p![0] === BINARY_PAYLOAD) assertSameCommand(back.cmd, cmd);
    else assert.deepEqual(back, JSON.parse(JSON.stringify(sc)));
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

test('a journal holding JSON records (an older version) and binary records reads as one stream', () => {
  const dir = join(tempDataDir('codec'), 'journal');
  mkdirSync(dir, { recursive: true });
  const cmds: SequencedCommand[] = randomCommands(5, 200).map((c, i) => ({ seq: i + 1, timeMs: c.timeMs, cmd: c.cmd }));
  const jsonRecord = (sc: SequencedCommand): Buffer => {
    const payload = Buffer.from(JSON.stringify(sc));
    const head = Buffer.alloc(RECORD_HEADER_BYTES);
    head.writeUInt32LE(payload.length, 0);
    head.writeUInt32LE(crc32(payload), 4);
    return Buffer.concat([head, payload]);
  };
  writeFileSync(join(dir, segmentName(1)), Buffer.concat([...cmds.slice(0, 100).map(jsonRecord), encodeRecords(cmds.slice(100))]));
  const { records, tornBytes } = readJournalDir(dir);
  assert.equal(tornBytes, 0);
  assert.deepEqual(records.map((r) => r.seq), cmds.map((c) => c.seq));
  assert.deepEqual(JSON.parse(JSON.stringify(records)), JSON.parse(JSON.stringify(cmds)));
  // skipping to a seq works on both forms
  assert.deepEqual(readJournalDir(dir, { afterSeq: 150 }).records.map((r) => r.seq)[0], 151);
  assert.deepEqual(readJournalDir(dir, { afterSeq: 50 }).records.map((r) => r.seq)[0], 51);
});

test('a binary record with a valid checksum but an unknown key is corruption named by its offset', () => {
  const dir = join(tempDataDir('codec-bad'), 'journal');
  mkdirSync(dir, { recursive: true });
  const good = encodeRecords([{ seq: 1, timeMs: 1, cmd: { type: 'ExpireSweep' } as Command }]);
  const payload = Buffer.alloc(17 + 3);
  payload[0] = BINARY_PAYLOAD;
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

test('encodeBinaryPayload refuses to write past the room it is given', () => {
  const sc: SequencedCommand = { seq: 1, timeMs: 1, cmd: { type: 'Cancel', session: 'FIX.4.4:FIXGW->CLIENT1', clOrdId: 'C1', origClOrdId: 'O1' } };
  const buf = Buffer.alloc(64, 0xee);
  const full = encodeBinaryPayload(sc, buf, 0, 64);
  assert.ok(full > 0);
  const small = Buffer.alloc(64, 0xee);
  assert.equal(encodeBinaryPayload(sc, small, 0, full - 1), -1);
  assert.ok(small.subarray(full - 1).every((b) => b === 0xee), 'nothing written past the room');
});

test('any bytes after the binary tag decode to a sequenced command or fail with a plain Error, never anything else', () => {
  // properties that look almost right: key ids and kinds near the valid ones, lengths that may overrun, cut anywhere
  const property = fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 40 }),
    fc.uint8Array({ maxLength: 12 })).map(([key, kind, len, rest]) => Buffer.concat([Buffer.from([key, kind, len & 0xff, 0]), Buffer.from(rest)]));
  const body = fc.oneof(fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b)), fc.array(property, { maxLength: 8 }).map((ps) => Buffer.concat(ps)));
  let decoded = 0;
  let refused = 0;
  fc.assert(fc.property(body, fc.boolean(), fc.nat(), (bytes, validHead, cut) => {
    const head = Buffer.alloc(17);
    head[0] = BINARY_PAYLOAD;
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
