import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Framer, type Frame } from '../../src/fix/framer.js';
import { show, wire } from './wire.js';

const HB = '8=FIX.4.4|35=0|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|';
const ORDER = '8=FIX.4.4|35=D|34=3|49=TW44|52=20040503-17:56:01|56=ISLD|11=ID|21=3|40=1|54=1|55=INTC|60=20040503-17:56:01|';

function drain(framer: Framer): Frame[] {
  const frames: Frame[] = [];
  for (let f = framer.next(); f !== null; f = framer.next()) frames.push(f);
  return frames;
}

function frameAll(...chunks: Buffer[]): Frame[] {
  const framer = new Framer();
  const frames: Frame[] = [];
  for (const c of chunks) {
    framer.push(c);
    frames.push(...drain(framer));
  }
  return frames;
}

function kinds(frames: Frame[]): string[] {
  return frames.map((f) => f.kind);
}

test('a whole message in one chunk is one verified frame', () => {
  const bytes = wire(HB);
  const frames = frameAll(bytes);
  assert.deepEqual(kinds(frames), ['message']);
  assert.deepEqual(frames[0]!.bytes, bytes);
});

test('a message split byte by byte comes out once, when its last byte arrives', () => {
  const bytes = wire(ORDER);
  const framer = new Framer();
  for (let i = 0; i < bytes.length; i++) {
    framer.push(bytes.subarray(i, i + 1));
    const f = framer.next();
    if (i < bytes.length - 1) assert.equal(f, null, `frame too early at byte ${i}`);
    else assert.deepEqual(f, { kind: 'message', bytes });
  }
  assert.equal(framer.bufferedBytes, 0);
});

test('partial reads in uneven chunks', () => {
  const all = Buffer.concat([wire(HB), wire(ORDER), wire(HB)]);
  const frames = frameAll(all.subarray(0, 10), all.subarray(10, 77), all.subarray(77, 200), all.subarray(200));
  assert.deepEqual(kinds(frames), ['message', 'message', 'message']);
  assert.deepEqual(Buffer.concat(frames.map((f) => f.bytes)), all);
});

test('many messages in one chunk', () => {
  const one = wire(ORDER);
  const all = Buffer.concat(Array.from({ length: 500 }, () => one));
  const frames = frameAll(all);
  assert.equal(frames.length, 500);
  assert.ok(frames.every((f) => f.kind === 'message' && f.bytes.equals(one)));
});

test('garbage before 8= is skipped', () => {
  const frames = frameAll(Buffer.concat([Buffer.from('garbage\x01xx=1\x01'), wire(HB)]));
  assert.deepEqual(kinds(frames), ['message']);
  assert.equal(show(frames[0]!.bytes).slice(0, 10), '8=FIX.4.4|');
});

test('BodyLength too short: garbled up to its real trailer, next message intact', () => {
  const bad = wire(HB.replace('8=FIX.4.4|', '8=FIX.4.4|9=30|'));
  const good = wire(ORDER);
  const frames = frameAll(Buffer.concat([bad, good]));
  assert.deepEqual(kinds(frames), ['garbled', 'message']);
  assert.deepEqual(frames[0]!.bytes, bad);
  assert.deepEqual(frames[1]!.bytes, good);
});

test('BodyLength too long swallows the next message up to its trailer, as QuickFIX does (same chunk)', () => {
  const bad = wire(HB.replace('8=FIX.4.4|', '8=FIX.4.4|9=90|'));
  const good = wire(ORDER);
  const frames = frameAll(Buffer.concat([bad, good, good]));
  assert.deepEqual(kinds(frames), ['garbled', 'message']);
  assert.deepEqual(frames[0]!.bytes, Buffer.concat([bad, good]));
  assert.match((frames[0] as { reason: string }).reason, /BodyLength 90/);
  assert.deepEqual(frames[1]!.bytes, good);
});

test('BodyLength too long waits for its bytes, then runs to the next trailer (separate chunks, 2m)', () => {
  const bad = wire(HB.replace('8=FIX.4.4|', '8=FIX.4.4|9=111|'));
  const good = wire(ORDER);
  const framer = new Framer();
  framer.push(bad);
  assert.equal(framer.next(), null, 'a message shorter than its BodyLength is not cut early');
  framer.push(good);
  const frames = drain(framer);
  assert.deepEqual(kinds(frames), ['garbled']);
  assert.deepEqual(frames[0]!.bytes, Buffer.concat([bad, good]));
  framer.push(good);
  assert.deepEqual(kinds(drain(framer)), ['message']);
});

test('BodyLength too short gives the message with its own trailer, garbled', () => {
  const bad = wire(ORDER.replace('8=FIX.4.4|', '8=FIX.4.4|9=30|'));
  const frames = frameAll(Buffer.concat([bad, wire(HB)]));
  assert.deepEqual(kinds(frames), ['garbled', 'message']);
  assert.deepEqual(frames[0]!.bytes, bad);
});

test('wrong CheckSum is garbled and consumed whole', () => {
  const bad = wire(HB + '10=256|');
  const frames = frameAll(Buffer.concat([bad, wire(HB)]));
  assert.deepEqual(kinds(frames), ['garbled', 'message']);
  assert.deepEqual(frames[0]!.bytes, bad);
  assert.match((frames[0] as { reason: string }).reason, /CheckSum/);
});

test('CheckSum that is not 3 digits is garbled (10=0, as in 2d)', () => {
  const bad = wire(HB + '10=0|');
  const frames = frameAll(Buffer.concat([bad, wire(HB)]));
  assert.deepEqual(kinds(frames), ['garbled', 'message']);
  assert.deepEqual(frames[0]!.bytes, bad);
});

test('missing CheckSum: garbled once the next message arrives', () => {
  const noTrailer = Buffer.from(show(wire(HB)).replace(/10=\d{3}\|$/, '').replaceAll('|', '\x01'), 'latin1');
  const good = wire(ORDER);
  const framer = new Framer();
  framer.push(noTrailer);
  assert.equal(framer.next(), null);
  framer.push(good);
  const frames = drain(framer);
  assert.deepEqual(kinds(frames), ['garbled', 'message']);
  assert.deepEqual(frames[0]!.bytes, noTrailer);
  assert.deepEqual(frames[1]!.bytes, good);
});

test('first three fields not 8, 9, 35 is garbled (2t)', () => {
  const first = Buffer.from('35=0\x01' + show(wire('8=FIX.4.4|9=29|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|10=121|')).replaceAll('|', '\x01'), 'latin1');
  const second = wire('8=FIX.4.4|34=3|35=0|49=TW44|52=20040503-17:56:01|56=ISLD|');
  const frames = frameAll(Buffer.concat([first, second, wire(HB)]));
  assert.deepEqual(kinds(frames), ['garbled', 'garbled', 'message']);
});

test('9= not second field is garbled, and the next message is framed', () => {
  const bad = Buffer.from('8=FIX.4.4\x0135=0\x019=5\x0110=000\x01', 'latin1');
  const frames = frameAll(Buffer.concat([bad, wire(HB)]));
  assert.deepEqual(kinds(frames), ['garbled', 'message']);
});

test('oversize BodyLength is garbled with oversize and the buffer dropped', () => {
  const framer = new Framer({ maxMessageBytes: 1024 });
  framer.push(Buffer.from('8=FIX.4.4\x019=5000\x0135=D\x01' + 'x'.repeat(100), 'latin1'));
  const f = framer.next();
  assert.equal(f?.kind, 'garbled');
  assert.equal((f as { oversize?: boolean }).oversize, true);
  assert.equal(framer.bufferedBytes, 0);
  framer.push(wire(HB));
  assert.equal(framer.next()?.kind, 'message');
});

test('unframeable bytes beyond the limit are dropped, never buffered without bound', () => {
  const framer = new Framer({ maxMessageBytes: 1024 });
  // A start that never finishes its BeginString... then a header that never gets a trailer.
  framer.push(Buffer.from('8=FIX.4.4\x019=900\x0135=D\x01', 'latin1'));
  let oversize = 0;
  for (let i = 0; i < 50; i++) {
    framer.push(Buffer.from('58=' + 'y'.repeat(60) + '\x01', 'latin1'));
    for (let f = framer.next(); f !== null; f = framer.next()) if (f.kind === 'garbled' && f.oversize) oversize++;
    assert.ok(framer.bufferedBytes <= 1024 + 64, `buffered ${framer.bufferedBytes}`);
  }
  assert.ok(oversize >= 1);
  framer.push(wire(HB));
  assert.deepEqual(kinds(drain(framer)).at(-1), 'message');
});

test('noise with no 8= at all is discarded', () => {
  const framer = new Framer();
  framer.push(Buffer.from('x'.repeat(5000)));
  assert.equal(framer.next(), null);
  assert.ok(framer.bufferedBytes <= 1);
});

test('a DATA field that contains SOH and a fake trailer is framed by BodyLength', () => {
  const data = 'ab\x0110=123\x01cd';
  const text = `8=FIX.4.4|35=B|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|148=hi|354=${data.length}|355=${data}|`;
  const bytes = wire(text.replaceAll('\x01', '\u0001'));
  const frames = frameAll(bytes);
  assert.deepEqual(kinds(frames), ['message']);
  assert.deepEqual(frames[0]!.bytes, bytes);
});
