import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixMessage, parseMessage } from '../../src/fix/message.js';
import { checksum, encodeMessage } from '../../src/fix/encode.js';
import { formatUtcTimestamp, parseUtcTimestamp } from '../../src/fix/time.js';
import { SESSION_REJECT_TEXT } from '../../src/fix/types.js';
import { show, wire } from './wire.js';

function parsed(text: string): FixMessage {
  const m = parseMessage(wire(text));
  assert.ok(m instanceof FixMessage, `garbled: ${JSON.stringify(m)}`);
  return m;
}

test('parse gives typed access to every field in wire order', () => {
  const m = parsed('8=FIX.4.4|35=D|34=17|49=TW44|52=20040503-17:56:01|56=ISLD|11=ID|38=-200|44=12.5|58=|');
  assert.equal(m.msgType, 'D');
  assert.equal(m.seqNum, 17);
  assert.equal(m.get(49), 'TW44');
  assert.equal(m.get(58), '');
  assert.equal(m.get(999), undefined);
  assert.equal(m.has(58), true);
  assert.equal(m.has(1), false);
  assert.equal(m.getInt(38), -200);
  assert.equal(m.getInt(44), undefined, '12.5 is not an int');
  assert.equal(m.getInt(49), undefined);
  assert.equal(m.getInt(58), undefined);
  assert.equal(m.fieldCount, 12);
  assert.equal(m.tagAt(0), 8);
  assert.equal(m.tagAt(11), 10);
  assert.equal(Number(m.valueAt(1)), m.bytes.length - m.bytes.indexOf('35=') - 7);
  const fields = m.fields();
  assert.deepEqual(fields.slice(0, 3), [[8, 'FIX.4.4'], [9, m.get(9)], [35, 'D']]);
  assert.deepEqual(fields.at(-1), [10, checksum(m.bytes, 0, m.bytes.length - 7)]);
});

test('the first occurrence wins for get()', () => {
  const m = parsed('8=FIX.4.4|35=D|40=1|40=2|');
  assert.equal(m.get(40), '1');
});

test('a non-numeric tag is garbled, not thrown (2d: 4garbled9=)', () => {
  for (const text of ['8=FIX.4.4|9=52|35=0|34=2|4garbled9=TW|10=000|', '8=FIX.4.4|9=5|35=0|49garbled=TW|10=000|', '8=FIX.4.4|9=5|35=0|=x|10=000|', '8=FIX.4.4|9=5|35=0|abc|10=000|']) {
    const m = parseMessage(Buffer.from(text.replaceAll('|', '\x01'), 'latin1'));
    assert.ok(!(m instanceof FixMessage), text);
    assert.equal(typeof m.garbled, 'string');
  }
});

test('-1=HI is a syntactically valid tag -1', () => {
  const m = parsed('8=FIX.4.4|35=0|-1=HI|');
  assert.equal(m.get(-1), 'HI');
});

test('first three fields must be 8, 9, 35', () => {
  const m = parseMessage(Buffer.from('8=FIX.4.4\x019=5\x0134=1\x0135=0\x0110=000\x01', 'latin1'));
  assert.ok(!(m instanceof FixMessage));
});

test('a value without a closing SOH is garbled', () => {
  const m = parseMessage(Buffer.from('8=FIX.4.4\x019=5\x0135=0\x0110=000', 'latin1'));
  assert.ok(!(m instanceof FixMessage));
});

test('DATA fields are read by their length and may contain SOH and =', () => {
  const data = 'a\x01b=c\x01';
  const m = parsed(`8=FIX.4.4|35=B|148=hi|354=${data.length}|355=${data}|58=after|`);
  assert.equal(m.get(355), data);
  assert.equal(m.get(58), 'after');
  const bad = parseMessage(Buffer.from(show(wire('8=FIX.4.4|35=B|354=50|355=short|')).replaceAll('|', '\x01'), 'latin1'));
  assert.ok(!(bad instanceof FixMessage), 'a DATA length past the end is garbled');
});

test('encodeMessage writes 8, 9, 35, header, body, 10 with the right BodyLength and CheckSum', () => {
  const bytes = encodeMessage('FIX.4.4', 'D', [[34, '2'], [49, 'ISLD'], [52, '20040503-17:56:01.000'], [56, 'TW44']], [[11, 'ID'], [55, 'INTC'], [21, '3']]);
  const text = show(bytes);
  const body = '35=D|34=2|49=ISLD|52=20040503-17:56:01.000|56=TW44|11=ID|55=INTC|21=3|';
  assert.equal(text, `8=FIX.4.4|9=${body.length}|${body}10=${checksum(bytes, 0, bytes.length - 7)}|`);
  let sum = 0;
  for (const b of bytes.subarray(0, bytes.length - 7)) sum += b;
  assert.equal(Number(text.slice(-4, -1)), sum % 256);
  const back = parseMessage(bytes);
  assert.ok(back instanceof FixMessage);
  assert.equal(back.getInt(9), body.length);
});

test('encodeMessage refuses SOH inside a value (a bug, so it throws)', () => {
  assert.throws(() => encodeMessage('FIX.4.4', '0', [], [[58, 'a\x01b']]), /SOH/);
});

test('encode keeps latin1 bytes exactly', () => {
  const m = parsed('8=FIX.4.4|35=C|58=caf\u00e9|');
  assert.equal(m.get(58), 'caf\u00e9');
  const again = encodeMessage('FIX.4.4', 'C', [], [[58, m.get(58)!]]);
  assert.ok(again.includes(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x01])));
});

test('checksum is three digits, zero padded, over any range', () => {
  assert.equal(checksum(Buffer.from([1, 2, 3])), '006');
  assert.equal(checksum(Buffer.from([200, 100])), '044');
  assert.equal(checksum(Buffer.from([9, 200, 100, 9]), 1, 3), '044');
  assert.equal(checksum(Buffer.alloc(0)), '000');
});

test('UTC timestamps: format s/ms/us/ns, parse s/ms/us/ns', () => {
  const ms = Date.UTC(2004, 4, 3, 17, 56, 1, 7);
  assert.equal(formatUtcTimestamp(ms), '20040503-17:56:01.007');
  assert.equal(formatUtcTimestamp(ms, 0), '20040503-17:56:01');
  assert.equal(formatUtcTimestamp(ms, 6), '20040503-17:56:01.007000');
  assert.equal(formatUtcTimestamp(ms, 9), '20040503-17:56:01.007000000');
  assert.equal(formatUtcTimestamp(ms + 0.25, 6), '20040503-17:56:01.007250', 'the fraction of a millisecond');
  assert.equal(formatUtcTimestamp(ms + 0.25, 3), '20040503-17:56:01.007');
  assert.equal(parseUtcTimestamp(formatUtcTimestamp(ms, 9)), ms);
  assert.equal(parseUtcTimestamp('20040503-17:56:01'), ms - 7);
  assert.equal(parseUtcTimestamp('20040503-17:56:01.007'), ms);
  assert.equal(parseUtcTimestamp('20040503-17:56:01.007999'), ms);
  assert.equal(parseUtcTimestamp('20040503-17:56:01.007999999'), ms);
  for (const bad of ['20040415', '20040503-17:56', '20041303-17:56:01', '20040230-17:56:01', '20040503-24:00:00', '20040503-17:56:01.1', '20040503 17:56:01', 'x0040503-17:56:01', '20040503-17:56:01.00x']) {
    assert.equal(parseUtcTimestamp(bad), undefined, bad);
  }
  assert.equal(parseUtcTimestamp(formatUtcTimestamp(0)), 0);
});

test('reject texts are QuickFIX wording', () => {
  assert.equal(SESSION_REJECT_TEXT[0], 'Invalid tag number');
  assert.equal(SESSION_REJECT_TEXT[5], 'Value is incorrect (out of range) for this tag');
  assert.equal(SESSION_REJECT_TEXT[11], 'Invalid MsgType');
  assert.equal(SESSION_REJECT_TEXT[16], 'Incorrect NumInGroup count for repeating group');
});

test('a 1 MB message of 200,000 DATA fields parses in linear time (each finds its LENGTH without scanning back)', () => {
  // One RawDataLength(95)=3 up front serves every RawData(96) after it (the last 95 seen counts).
  const parts = ['8=FIX.4.4\x019=5\x0135=B\x0195=3\x01', ...Array.from({ length: 200_000 }, () => '96=a\x01c\x01')];
  const bytes = Buffer.from(parts.join(''), 'latin1');
  const t0 = process.hrtime.bigint();
  const m = parseMessage(bytes);
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(m instanceof FixMessage);
  assert.equal(m.fieldCount, 4 + 200_000);
  assert.equal(m.valueAt(4), 'a\x01c');
  assert.equal(m.valueAt(200_003), 'a\x01c');
  // Scanning back to the 95 for every 96 took ~30 s at this size; linear parsing takes well under 100 ms.
  assert.ok(elapsedMs < 3000, `took ${elapsedMs} ms`);
});

test('a DATA field uses the latest LENGTH field before it, however far back', () => {
  const m = parseMessage(Buffer.from('8=FIX.4.4\x019=5\x0135=B\x0195=1\x0196=x\x0158=t\x0195=2\x0158=u\x0196=y\x01\x01', 'latin1'));
  assert.ok(m instanceof FixMessage);
  assert.deepEqual(m.fields().slice(3), [[95, '1'], [96, 'x'], [58, 't'], [95, '2'], [58, 'u'], [96, 'y\x01']]);
  const stale = parseMessage(Buffer.from('8=FIX.4.4\x019=5\x0135=B\x0195=1\x0196=x\x0196=yz\x01', 'latin1'));
  assert.ok(!(stale instanceof FixMessage));
  assert.match(stale.garbled, /data field 96 does not match its length/);
});

test('every value reads back as its latin1 text: empty, one character (any of the 256), longer, above 0x7F', () => {
  for (let c = 0; c < 256; c++) {
    if (c === 0x01) continue;
    const one = String.fromCharCode(c);
    const m = parseMessage(Buffer.from(`8=FIX.4.4\x019=0\x0135=D\x0158=${one}\x01100=${one}\xe9z\x01101=\x01`, 'latin1'));
    assert.ok(m instanceof FixMessage, `garbled with char ${c}`);
    assert.equal(m.get(58), one, `one character ${c}`);
    assert.equal(m.get(100), `${one}\xe9z`);
    assert.equal(m.get(101), '');
    for (let i = 0; i < m.fieldCount; i++) assert.equal(m.valueAt(i), m.bytes.toString('latin1', m.valueStartAt(i), m.valueEndAt(i)));
  }
});

test('a parsed message is plain exactly when it has no CR/LF byte, no DATA field and no 554/925 field', () => {
  let seed = 99;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const tags = [11, 55, 58, 554, 925, 1554, 5540, 95, 96, 44, 38];
  let plainSeen = 0;
  for (let i = 0; i < 5000; i++) {
    const fields: Array<[number, string]> = [];
    let expectPlain = true;
    for (let k = 0, count = 1 + rand(6); k < count; k++) {
      const tag = tags[rand(tags.length)]!;
      if (tag === 96) continue; // DATA values are added with their length below
      let value = '';
      for (let c = 0, len = 1 + rand(8); c < len; c++) {
        const r = rand(40);
        value += r === 0 ? '\r' : r === 1 ? '\n' : r === 2 ? '554=' : String.fromCharCode(0x21 + rand(90));
      }
      if (tag === 95) {
        fields.push([95, String(value.length + 2)], [96, value + '=x']); // a DATA field (read by its length)
        expectPlain = false;
        continue;
      }
      if (tag === 554 || tag === 925) expectPlain = false;
      if (value.includes('\r') || value.includes('\n')) expectPlain = false;
      fields.push([tag, value]);
    }
    const bytes = encodeMessage('FIX.4.4', 'D', [[34, '1'], [49, 'A'], [52, '20240102-03:04:05.678'], [56, 'B']], fields);
    const m = parseMessage(bytes);
    assert.ok(!('garbled' in m), show(bytes));
    assert.equal(m.plain, expectPlain, show(bytes));
    if (expectPlain) plainSeen++;
  }
  assert.ok(plainSeen > 500 && plainSeen < 4500, `${plainSeen} plain of 5000`);
});

test('valueEquals compares a value with a text in place, exactly as get() would', () => {
  const bytes = encodeMessage('FIX.4.4', 'D', [[34, '1'], [49, 'A'], [52, '20240102-03:04:05.678'], [56, 'B']],
    [[11, 'abc'], [58, ''], [55, '\xe9t\xe9'], [1, 'FIX.4.4x']]);
  const m = parseMessage(bytes);
  assert.ok(!('garbled' in m));
  for (let i = 0; i < m.fieldCount; i++) {
    for (const text of ['FIX.4.4', 'FIX.4.', 'FIX.4.4x', 'abc', 'abd', '', '\xe9t\xe9', 'A', 'B', '\u0100']) {
      assert.equal(m.valueEquals(i, text), m.valueAt(i) === text, `field ${i} vs ${JSON.stringify(text)}`);
    }
  }
});
