// Decimal strings ↔ integer ticks/lots: exact, never rounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { averageOf, fromUnits, toUnits, unitStepOf } from '../../src/engine/units.js';
import { mulberry32 } from './random-commands.js';

/** decimal.js with enough precision to be exact for these operands: the oracle. */
const Big = Decimal.clone({ precision: 40 });

test('plain decimals convert exactly to steps; trailing zeros are fine', () => {
  const tick = unitStepOf('0.01');
  assert.equal(toUnits('100.01', tick), 10001);
  assert.equal(toUnits('100.010000', tick), 10001);
  assert.equal(toUnits('0.1', tick), 10);
  assert.equal(toUnits('7', tick), 700);
});

test('off-tick, invalid and too-large values are reported, not rounded', () => {
  const tick = unitStepOf('0.05');
  assert.equal(toUnits('1.10', tick), 22);
  assert.equal(toUnits('1.12', tick), 'off-step');
  assert.equal(toUnits('1.001', tick), 'off-step');
  assert.equal(toUnits('-1', tick), 'invalid');
  assert.equal(toUnits('abc', tick), 'invalid');
  assert.equal(toUnits(' 1', tick), 'invalid');
  assert.equal(toUnits(12, tick), 'invalid');
  assert.equal(toUnits('99999999999999999999', tick), 'too-large');
});

test('unusual spellings go through decimal.js exactly', () => {
  const lot = unitStepOf('0.0001');
  assert.equal(toUnits('.5', lot), 5000);
  assert.equal(toUnits('1e-4', lot), 1);
  assert.equal(toUnits('1e-5', lot), 'off-step');
});

test('formatting uses the step precision', () => {
  assert.equal(fromUnits(10001, unitStepOf('0.01')), '100.01');
  assert.equal(fromUnits(5, unitStepOf('0.0001')), '0.0005');
  assert.equal(fromUnits(3, unitStepOf('1')), '3');
  assert.equal(fromUnits(22, unitStepOf('0.05')), '1.10');
});

test('average price is exact when it terminates and rounded half-even to 10 extra places otherwise', () => {
  const tick = unitStepOf('0.01');
  assert.equal(averageOf(10000 * 1 + 10002 * 1, 2, tick), '100.01');
  assert.equal(averageOf(10000 * 2 + 10001 * 1, 3, tick), '100.003333333333');
  assert.equal(averageOf(0, 0, tick), '0.00');
});

test('average price equals decimal.js at 40 digits rounded half-even to 10 extra places, for random fills', () => {
  const rnd = mulberry32(99);
  for (const tickText of ['0.01', '0.05', '1', '0.0001', '0.25']) {
    const tick = unitStepOf(tickText);
    for (let i = 0; i < 2000; i++) {
      const qty = 1 + Math.floor(rnd() * 1_000_000);
      const notional = Math.floor(rnd() * 2 ** 30) * (rnd() < 0.5 ? 1 : qty) + Math.floor(rnd() * qty); // < 2^53, as in the engine
      const exact = new Big(notional).div(qty).mul(tick.stepNum).div(new Big(10).pow(tick.scale));
      const expected = notional % qty === 0 ? fromUnits(notional / qty, tick)
        : exact.toDecimalPlaces(tick.scale + 10, Big.ROUND_HALF_EVEN).toFixed();
      assert.equal(averageOf(notional, qty, tick), expected, `${notional}/${qty} at ${tickText}`);
    }
  }
  // a tie rounds to even
  assert.equal(averageOf(1, 2 * 10 ** 12, unitStepOf('1')), '0');
  assert.equal(averageOf(3, 2 * 10 ** 10, unitStepOf('1')), '0.0000000002');
});
