// The codec's fast paths held to plain references: validateMessage's fast path to the verdict of the
// full QuickFIX-order check (validateMessageFully) on messages that are valid, almost valid, and not;
// the byte-writing encoder to the spelled-out FIX text; the cached timestamp formatter to Date.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FixMessage, parseMessage } from '../../src/fix/message.js';
import { checksum, encodeMessage } from '../../src/fix/encode.js';
import { validateMessage, validateMessageFully, type ValidationOptions } from '../../src/fix/validate.js';
import type { FieldList } from '../../src/fix/types.js';
import { formatUtcTimestamp } from '../../src/fix/time.js';
import { fix44, show } from './wire.js';

const RUNS = Number(process.env.FIX_PROPERTY_RUNS ?? 300) * 3;

const HEADER: FieldList = [[49, 'CLIENT1'], [56, 'FIXGW'], [34, '12'], [52, '20261126-01:30:00.123']];
/** Valid bodies without repeating groups (D, F, G, 8) and one with a group (D with NoPartyIDs). */
const BODIES: [string, FieldList][] = [
  ['D', [[11, 'ORD-1'], [1, 'ACC-7'], [21, '1'], [55, 'AAPL'], [54, '1'], [60, '20261126-01:30:00.120'], [38, '100'], [40, '2'], [44, '190.25'], [59, '0']]],
  ['F', [[41, 'ORD-1'], [11, 'ORD-2'], [55, 'AAPL'], [54, '2'], [60, '20261126-01:30:00.120'], [38, '100']]],
  ['G', [[41, 'ORD-1'], [11, 'ORD-3'], [21, '1'], [55, 'AAPL'], [54, '1'], [60, '20261126-01:30:00.120'], [38, '50'], [40, '2'], [44, '190.5']]],
  ['8', [[37, '1'], [11, 'ORD-1'], [17, '1.3'], [150, 'F'], [39, '1'], [55, 'AAPL'], [54, '1'], [38, '100'], [32, '40'], [31, '190.24'], [151, '60'], [14, '40'], [6, '190.24'], [60, '20261126-01:30:00.124']]],
  ['D', [[11, 'ORD-4'], [453, '1'], [448, 'P1'], [447, 'D'], [452, '1'], [21, '1'], [55, 'AAPL'], [54, '1'], [60, '20261126-01:30:00.120'], [38, '1'], [40, '1']]],
  ['D', [[11, 'ORD-5'], [453, '2'], [448, 'P1'], [447, 'D'], [452, '1'], [802, '2'], [523, 'S1'], [803, '1'], [523, 'S2'], [803, '2'], [448, 'P2'], [447, 'D'], [452, '3'], [21, '1'], [55, 'AAPL'], [54, '1'], [60, '20261126-01:30:00.120'], [38, '1'], [40, '1']]],
];
/** Tags that land in every branch: header, trailer, body, group count and member, undefined, user-defined, enum, typed. */
const TAGS = [8, 9, 35, 10, 49, 56, 34, 52, 43, 97, 122, 627, 628, 802, 523, 803, 11, 1, 21, 55, 54, 60, 38, 40, 44, 59, 18, 37, 150, 39, 453, 448, 447, 452, 58, 126, 9999, 5001, 0, -1, 957];
const VALUES = ['', '0', '1', '2', '3', 'Z', 'AB', 'Y', '-1', '1.5', 'x y', '1 2', '20261126-01:30:00.120', '20261326-01:30:00', '01:30:00', '20261126', 'F', 'D'];

type Edit =
  | { kind: 'set'; at: number; value: string }
  | { kind: 'insert'; at: number; tag: number; value: string }
  | { kind: 'delete'; at: number }
  | { kind: 'swap'; at: number; with: number }
  | { kind: 'duplicate'; at: number; to: number };
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...VALUES) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), tag: fc.constantFrom(...TAGS), value: fc.constantFrom(...VALUES) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), to: fc.nat() }),
);

/** Edits act on the whole field list after 8, 9, 35 (header, body, trailer 10 included). */
function applyEdits(fields: FieldList, edits: Edit[]): FieldList {
  const out = fields.map(([t, v]) => [t, v] as [number, string]);
  for (const e of edits) {
    if (out.length === 0) break;
    const at = e.at % out.length;
    if (e.kind === 'set') out[at]![1] = e.value;
    else if (e.kind === 'insert') out.splice(at, 0, [e.tag, e.value]);
    else if (e.kind === 'delete') out.splice(at, 1);
    else if (e.kind === 'swap') {
      const other = e.with % out.length;
      [out[at], out[other]] = [out[other]!, out[at]!];
    } else out.splice(e.to % (out.length + 1), 0, [...out[at]!]);
  }
  return out;
}

/** 8, 9, 35 as encodeMessage writes them, then the edited fields, checksum field as given. */
function build(msgType: string, fields: FieldList): FixMessage {
  const bytes = encodeMessage('FIX.4.4', msgType, [], fields);
  const m = parseMessage(bytes.subarray(0, bytes.length - 7)); // drop the computed 10=; the edits carry their own
  assert.ok(m instanceof FixMessage, show(bytes));
  return m;
}

const optionsArb: fc.Arbitrary<ValidationOptions> = fc.record({
  checkFieldsOutOfOrder: fc.boolean(),
  checkFieldsHaveValues: fc.boolean(),
  checkUserDefinedFields: fc.boolean(),
  allowUnknownMessageFields: fc.boolean(),
});

test('the valid sample messages pass validation', () => {
  const dict = fix44();
  for (const [msgType, body] of BODIES) {
    const m = build(msgType, [...HEADER, ...body, [10, '000']]);
    assert.equal(validateMessage(m, dict), null, show(m.bytes));
    assert.equal(validateMessageFully(m, dict), null, show(m.bytes));
  }
});

test('validateMessage gives the verdict of the full QuickFIX-order check for edited messages under any options', () => {
  const dict = fix44();
  let valid = 0;
  let total = 0;
  fc.assert(
    fc.property(
      fc.nat({ max: BODIES.length - 1 }),
      fc.array(editArb, { maxLength: 3 }),
      optionsArb,
      fc.constantFrom('D', 'F', 'G', '8', 'D', '0', 'ZZ'),
      (which, edits, opts, msgTypeOverride) => {
        const [sampleType, body] = BODIES[which]!;
        const msgType = edits.length > 0 && msgTypeOverride === 'ZZ' ? 'ZZ' : sampleType;
        const m = build(msgType, applyEdits([...HEADER, ...body, [10, '000']], edits));
        const expected = validateMessageFully(m, dict, opts);
        assert.deepEqual(validateMessage(m, dict, opts), expected, show(m.bytes));
        total++;
        if (expected === null) valid++;
      },
    ),
    { numRuns: RUNS },
  );
  // Both outcomes must be exercised for the comparison to mean anything.
  assert.ok(valid > total / 10 && valid < total, `valid ${valid} of ${total}`);
});

/** The wire text spelled out as FIX defines it, as the reference for the byte-writing encoder. */
function referenceEncoding(beginString: string, msgType: string, header: FieldList, body: FieldList): Buffer {
  const rest = `35=${msgType}\x01` + [...header, ...body].map(([t, v]) => `${t}=${v}\x01`).join('');
  const text = `8=${beginString}\x019=${rest.length}\x01${rest}`;
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([bytes, Buffer.from(`10=${checksum(bytes)}\x01`, 'latin1')]);
}

test('encodeMessage writes exactly the FIX text of its fields, BodyLength and CheckSum included', () => {
  const latin1Text = fc.string({ unit: fc.integer({ min: 2, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 300 });
  const tagArb = fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: -100, max: 20000 }), fc.constantFrom(1.5, 1e21));
  const fieldsArb: fc.Arbitrary<FieldList> = fc.array(fc.tuple(tagArb, latin1Text), { maxLength: 20 });
  fc.assert(
    fc.property(fc.constantFrom('FIX.4.4', 'FIXT.1.1', ''), latin1Text, fieldsArb, fieldsArb, (begin, msgType, header, body) => {
      const got = encodeMessage(begin, msgType, header, body);
      assert.equal(show(got), show(referenceEncoding(begin, msgType, header, body)));
    }),
    { numRuns: RUNS },
  );
});

test('encodeMessage throws on SOH before it complains about non-latin1 characters', () => {
  assert.throws(() => encodeMessage('FIX.4.4', 'D', [[58, 'caf\u20ac']], [[11, 'a\x01b']]), /value of tag 11 contains SOH/);
  assert.throws(() => encodeMessage('FIX.4.4', 'D', [[58, 'caf\u20ac']], [[11, 'ab']]), /outside latin1/);
  assert.throws(() => encodeMessage('FIX.4.4', '\u0100', [], []), /outside latin1/);
  assert.throws(() => encodeMessage('FIX.4.4', 'D\x01', [], []), /SOH in 8 or 35/);
});

test('formatUtcTimestamp writes the UTC time Date gives, whatever order the times come in', () => {
  const fromIso = (ms: number): string => {
    const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ for years 0..9999
    return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + '-' + iso.slice(11, 23);
  };
  const yearRange = { min: -62_167_219_200_000, max: 253_402_300_799_999 }; // 0000-01-01 .. 9999-12-31
  const msArb = fc.oneof(
    fc.integer(yearRange),
    fc.double({ min: yearRange.min, max: yearRange.max, noNaN: true }),
    fc.integer({ min: 1_764_100_000_000, max: 1_764_100_005_000 }), // many in the same second
    fc.constantFrom(0, -0, -1, -0.5, 999.9, 1000, -1000.5),
  );
  fc.assert(
    fc.property(fc.array(msArb, { minLength: 1, maxLength: 20 }), (times) => {
      for (const ms of times) {
        assert.equal(formatUtcTimestamp(ms), fromIso(ms), String(ms));
        assert.equal(formatUtcTimestamp(ms, 0), fromIso(ms).slice(0, 17), String(ms));
      }
    }),
    { numRuns: RUNS },
  );
  for (const bad of [NaN, Infinity, -Infinity, 8.64e15, yearRange.max + 1, yearRange.min - 1]) {
    assert.throws(() => formatUtcTimestamp(bad), /year out of range/, String(bad));
  }
});
