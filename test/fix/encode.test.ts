// encodeMessage against the plain definition of a FIX message (string concatenation, sum of bytes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, encodeMessageWith, fieldsOf, type BodyWriter, type EncodeNotes } from '../../src/fix/encode.js';
import { parseMessage } from '../../src/fix/message.js';
import type { FieldList } from '../../src/fix/types.js';

/** The definition: 8, 9 = length of everything after 9 up to 10, 35, fields, 10 = byte sum mod 256. */
function reference(beginString: string, msgType: string, header: FieldList, body: FieldList): Buffer {
  let rest = `35=${msgType}\x01`;
  for (const [tag, value] of [...header, ...body]) rest += `${tag}=${value}\x01`;
  const text = `8=${beginString}\x019=${rest.length}\x01${rest}`;
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  return Buffer.from(`${text}10=${String(sum % 256).padStart(3, '0')}\x01`, 'latin1');
}

/** Deterministic pseudo-random numbers (xorshift32), so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function randomValue(next: () => number, maxLength: number): string {
  const length = Math.floor(next() * maxLength);
  let s = '';
  for (let i = 0; i < length; i++) {
    // printable ASCII mostly, some latin1 above 0x7F, never SOH
    s += String.fromCharCode(next() < 0.9 ? 0x20 + Math.floor(next() * 95) : 0x80 + Math.floor(next() * 128));
  }
  return s;
}

test('encodeMessage writes exactly the bytes the FIX definition gives, for 2,000 random messages', () => {
  const next = rng(20261126);
  for (let n = 0; n < 2000; n++) {
    const fields = (count: number): FieldList =>
      Array.from({ length: count }, () => [Math.floor(next() * (next() < 0.5 ? 1000 : 10_000_000)), randomValue(next, 40)]);
    const header = fields(Math.floor(next() * 6));
    const body = fields(Math.floor(next() * 40));
    const msgType = next() < 0.5 ? '8' : 'AE';
    assert.deepEqual(encodeMessage('FIX.4.4', msgType, header, body), reference('FIX.4.4', msgType, header, body));
  }
});

test('a message larger than the scratch buffer, and one right after it, are encoded whole', () => {
  const big: FieldList = [[58, 'x'.repeat(200_000)], [354, '70000'], [355, 'é'.repeat(70_000)]];
  const bytes = encodeMessage('FIX.4.4', 'B', [[34, '5']], big);
  assert.deepEqual(bytes, reference('FIX.4.4', 'B', [[34, '5']], big));
  const parsed = parseMessage(bytes);
  assert.ok(!('garbled' in parsed));
  assert.equal(parsed.get(355), 'é'.repeat(70_000));
  const small: FieldList = [[11, 'A1']];
  assert.deepEqual(encodeMessage('FIX.4.4', 'D', [], small), reference('FIX.4.4', 'D', [], small));
});

test('each encoded message owns its bytes: encoding the next one does not change it', () => {
  const first = encodeMessage('FIX.4.4', '0', [[34, '1']], []);
  const copy = Buffer.from(first);
  encodeMessage('FIX.4.4', '0', [[34, '2']], [[112, 'later']]);
  assert.deepEqual(first, copy);
});

test('a value with SOH or a character outside latin1 is a caller bug and throws', () => {
  assert.throws(() => encodeMessage('FIX.4.4', 'D', [], [[11, 'a\x01b']]), /value of tag 11 contains SOH/);
  assert.throws(() => encodeMessage('FIX.4.4', 'D', [[49, 'S€']], []), /outside latin1/);
  assert.throws(() => encodeMessage('FIX.4.4', 'D\x01', [], []), /SOH in 8 or 35/);
  assert.throws(() => encodeMessage('FIX.4.4', 'D', [], Array.from({ length: 100_001 }, (): [number, string] => [58, 'x'])), /too many fields/);
});

/** A BodyWriter that writes `fields`. */
const writerOf = (fields: FieldList): BodyWriter => (w) => { for (const [tag, value] of fields) w.field(tag, value); };

test('encodeMessageWith (body written field by field) gives the same bytes as the definition, for 2,000 random messages and odd tags', () => {
  const next = rng(7_000_001);
  for (let n = 0; n < 2000; n++) {
    const fields = (count: number): FieldList =>
      Array.from({ length: count }, () => [next() < 0.02 ? -Math.floor(next() * 100) : Math.floor(next() * (next() < 0.5 ? 1000 : 10_000_000)), randomValue(next, 40)]);
    const header = fields(Math.floor(next() * 6));
    const body = fields(Math.floor(next() * 40));
    const msgType = next() < 0.5 ? '8' : 'AE';
    const beginString = next() < 0.8 ? 'FIX.4.4' : 'FIXT.1.1';
    const expected = reference(beginString, msgType, header, body);
    assert.deepEqual(encodeMessageWith(beginString, msgType, header, writerOf(body)), expected);
    assert.deepEqual(fieldsOf(writerOf(body)), body);
  }
});

test('encodeMessageWith grows its scratch for a large message, and the messages after it are whole and own their bytes', () => {
  const big: FieldList = [[58, 'x'.repeat(200_000)], [354, '70000'], [355, 'é'.repeat(70_000)]];
  const first = encodeMessageWith('FIX.4.4', 'B', [[34, '5']], writerOf(big));
  assert.deepEqual(first, reference('FIX.4.4', 'B', [[34, '5']], big));
  const copy = Buffer.from(first);
  const small: FieldList = [[11, 'A1']];
  assert.deepEqual(encodeMessageWith('FIX.4.4', 'D', [], writerOf(small)), reference('FIX.4.4', 'D', [], small));
  assert.deepEqual(first, copy);
});

test('encodeMessageWith throws what encodeMessage throws, and the next message is unaffected', () => {
  assert.throws(() => encodeMessageWith('FIX.4.4', 'D', [], writerOf([[11, 'a\x01b']])), /value of tag 11 contains SOH/);
  assert.throws(() => encodeMessageWith('FIX.4.4', 'D', [[49, 'S€']], writerOf([])), /outside latin1/);
  assert.throws(() => encodeMessageWith('FIX.4.4', 'D\x01', [], writerOf([])), /SOH in 8 or 35/);
  assert.throws(() => encodeMessageWith('FIX.4.4', 'D', [], writerOf(Array.from({ length: 100_001 }, (): [number, string] => [58, 'x']))), /too many fields/);
  const ok: FieldList = [[11, 'after']];
  assert.deepEqual(encodeMessageWith('FIX.4.4', 'D', [[34, '9']], writerOf(ok)), reference('FIX.4.4', 'D', [[34, '9']], ok));
});

test('messages encoded one after the other stay intact while later ones fill new slabs', () => {
  const next = rng(424242);
  const kept: Array<{ bytes: Buffer; expected: Buffer }> = [];
  for (let n = 0; n < 5000; n++) {
    const body: FieldList = Array.from({ length: 1 + Math.floor(next() * 30) }, () => [1 + Math.floor(next() * 2000), randomValue(next, next() < 0.01 ? 9000 : 60)]);
    kept.push({ bytes: encodeMessageWith('FIX.4.4', '8', [[34, String(n + 1)]], writerOf(body)), expected: reference('FIX.4.4', '8', [[34, String(n + 1)]], body) });
  }
  for (const k of kept) assert.deepEqual(k.bytes, k.expected);
});

test('encodeMessageWith says a message is plain exactly when it has no CR/LF and no 554/925 field', () => {
  const next = rng(5150);
  const notes: EncodeNotes = { plain: false };
  let plainSeen = 0;
  for (let n = 0; n < 3000; n++) {
    const tags = [11, 58, 554, 925, 1554, 5540, 44];
    const body: FieldList = Array.from({ length: 1 + Math.floor(next() * 6) }, () => {
      const tag = next() < 0.9 ? 11 + Math.floor(next() * 500) : tags[Math.floor(next() * tags.length)]!;
      const r = next();
      return [tag, r < 0.05 ? 'a\nb' : r < 0.1 ? 'x\ry' : r < 0.12 ? '554=' : randomValue(next, 12)];
    });
    const bytes = encodeMessageWith('FIX.4.4', 'D', [[34, '1']], writerOf(body), notes);
    const text = bytes.toString('latin1');
    const expected = !/[\r\n]/.test(text) && !/(?:^|\x01)(?:554|925)=/.test(text);
    assert.equal(notes.plain, expected, JSON.stringify(body));
    if (expected) plainSeen++;
  }
  assert.ok(plainSeen > 1000 && plainSeen < 3000, `${plainSeen} plain`);
});
