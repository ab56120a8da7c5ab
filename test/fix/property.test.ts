import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Framer, type Frame } from '../../src/fix/framer.js';
import { FixMessage, FIX44_DATA_LENGTH_TAGS, parseMessage } from '../../src/fix/message.js';
import { encodeMessage } from '../../src/fix/encode.js';
import { canonicalBody, validateMessage } from '../../src/fix/validate.js';
import type { FieldList } from '../../src/fix/types.js';
import { fix44, show, wire } from './wire.js';

const RUNS = Number(process.env.FIX_PROPERTY_RUNS ?? 300);
const dataOrLengthTags = new Set([...FIX44_DATA_LENGTH_TAGS.keys(), ...FIX44_DATA_LENGTH_TAGS.values()]);
const tagArb = fc.integer({ min: 1, max: 20000 }).filter((t) => t !== 8 && t !== 9 && t !== 10 && t !== 35 && !dataOrLengthTags.has(t));
const valueArb = fc.string({ unit: fc.integer({ min: 2, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const fieldsArb: fc.Arbitrary<FieldList> = fc.array(fc.tuple(tagArb, valueArb), { maxLength: 30 });
const msgTypeArb = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'), minLength: 1, maxLength: 2 });

function drain(framer: Framer): Frame[] {
  const out: Frame[] = [];
  for (let f = framer.next(); f !== null; f = framer.next()) out.push(f);
  return out;
}

test('encode -> frame -> parse round-trips any fields without SOH', () => {
  fc.assert(
    fc.property(msgTypeArb, fieldsArb, fieldsArb, (msgType, header, body) => {
      const bytes = encodeMessage('FIX.4.4', msgType, header, body);
      const framer = new Framer();
      framer.push(bytes);
      const frames = drain(framer);
      assert.equal(frames.length, 1);
      assert.equal(frames[0]!.kind, 'message');
      const m = parseMessage(frames[0]!.bytes);
      assert.ok(m instanceof FixMessage);
      const fields = m.fields();
      assert.deepEqual(fields[0], [8, 'FIX.4.4']);
      assert.equal(fields[1]![0], 9);
      assert.deepEqual(fields[2], [35, msgType]);
      assert.deepEqual(fields.slice(3, -1), [...header, ...body]);
      assert.equal(fields.at(-1)![0], 10);
      assert.equal(m.msgType, msgType);
    }),
    { numRuns: RUNS },
  );
});

const SAMPLES = [
  '8=FIX.4.4|35=D|34=3|49=TW44|52=20040503-17:56:01|56=ISLD|11=ID|21=3|40=1|54=1|55=INTC|60=20040503-17:56:01|453=1|448=A|447=D|452=1|',
  '8=FIX.4.4|35=0|34=2|49=TW44|52=20040503-17:56:01|56=ISLD|',
  '8=FIX.4.4|35=B|34=4|49=TW44|52=20040503-17:56:01|56=ISLD|148=hi|354=5|355=a\x01=b\x01|',
].map((t) => wire(t));
const VALID = wire('8=FIX.4.4|35=1|34=9|49=TW44|52=20040503-17:56:01|56=ISLD|112=RESYNC|');

type Mutation = { kind: 'flip' | 'insert' | 'delete' | 'truncate'; at: number; byte: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate') as fc.Arbitrary<Mutation['kind']>,
  at: fc.nat(),
  byte: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x01, 0x3d, 0x38, 0x39, 0x31, 0x30)),
});

function mutate(bytes: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(bytes);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at] = m.byte;
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    else b = b.subarray(0, at);
  }
  return b;
}

// A too-long BodyLength swallows what follows up to a trailer (QuickFIX's parser, acceptance test 2m), so
// the framer must be back in step after at most one maximum-size message of valid traffic.
const MAX_BYTES = 4096;
const VALID_RUN = Buffer.concat(Array.from({ length: Math.ceil(MAX_BYTES / VALID.length) + 2 }, () => VALID));

test('mutated messages never throw, and valid messages after any garbage are framed again within maxMessageBytes', () => {
  const dict = fix44();
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: SAMPLES.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
      (damaged, chunkSizes) => {
        const garbage = Buffer.concat(damaged.map(([i, muts]) => mutate(SAMPLES[i]!, muts)));
        const stream = Buffer.concat([garbage, VALID_RUN]);
        const framer = new Framer({ maxMessageBytes: MAX_BYTES });
        const frames: Frame[] = [];
        for (let p = 0, k = 0; p < stream.length; k++) {
          const size = chunkSizes[k % chunkSizes.length]!;
          framer.push(stream.subarray(p, p + size));
          p += size;
          frames.push(...drain(framer));
        }
        for (const f of frames) {
          if (f.kind !== 'message') continue;
          const m = parseMessage(f.bytes);
          if (m instanceof FixMessage) {
            validateMessage(m, dict);
            canonicalBody(m, dict);
          } else {
            assert.equal(typeof m.garbled, 'string');
          }
        }
        const last = frames.at(-1);
        assert.ok(last !== undefined && last.kind === 'message' && last.bytes.equals(VALID), `no resync after ${show(garbage)}; frames: ${frames.map((f) => f.kind + ':' + show(f.bytes)).join(' / ')}`);
      },
    ),
    { numRuns: RUNS },
  );
});

test('parse and validate never throw on arbitrary bytes', () => {
  const dict = fix44();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (raw) => {
      const m = parseMessage(Buffer.concat([Buffer.from('8=FIX.4.4\x019=5\x0135=D\x01'), Buffer.from(raw)]));
      if (m instanceof FixMessage) {
        const v = validateMessage(m, dict);
        assert.ok(v === null || typeof v.reason === 'number');
      }
    }),
    { numRuns: RUNS },
  );
});
