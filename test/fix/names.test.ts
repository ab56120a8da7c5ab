// src/fix/names.ts is generated from the dictionary the validator reads: names in code mean what FIX44.xml says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MsgType, SessionRejectReason, Tag } from '../../src/fix/names.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('src/fix/names.ts is exactly what scripts/gen-fix-names.mjs makes of fix-specs/FIX44.xml', async () => {
  const { generate } = await import(`${root}scripts/gen-fix-names.mjs`) as { generate: (xml: string) => string };
  const expected = generate(readFileSync(`${root}fix-specs/FIX44.xml`, 'utf8'));
  assert.equal(readFileSync(`${root}src/fix/names.ts`, 'utf8'), expected, 'run node scripts/gen-fix-names.mjs');
});

test('names carry the dictionary numbers', () => {
  assert.equal(Tag.ClOrdID, 11);
  assert.equal(Tag.MsgSeqNum, 34);
  assert.equal(MsgType.ExecutionReport, '8');
  assert.equal(SessionRejectReason.RequiredTagMissing, 1);
});
