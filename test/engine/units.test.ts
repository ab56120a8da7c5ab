// Decimal strings ↔ integer ticks/lots: exact, never rounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { averageOf, formatScaled, fromUnits, toUnits, unitStepOf } from '../../src/engine/units.js';
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

test('formatting equals decimal.js for random integers up to 2^53 at scales 0 to 8, negative ones too', () => {
  const rnd = mulberry32(77);
  for (let scale = 0; scale <= 8; scale++) {
    const step = unitStepOf(new Decimal(1).div(new Decimal(10).pow(scale)).toFixed());
    for (let i = 0; i < 3000; i++) {
      const n = i < 20 ? [0, 1, 9, 10, 99, 100, 101, 2 ** 53 - 1, 2 ** 53 - 2, 9_999, 10_000, 10_001, 99_999, 123_456_789, 1e15, 5, 50, 500, 5_000, 50_000][i]!
        : Math.floor(rnd() * 2 ** (1 + Math.floor(rnd() * 53)));
      const expected = new Decimal(n).div(new Decimal(10).pow(scale)).toFixed(scale);
      assert.equal(formatScaled(n, scale), expected, `${n} at scale ${scale}`);
      if (n > 0 && n < 2 ** 52) assert.equal(formatScaled(-n, scale), `-${expected}`);
      if (Number.isSafeInteger(n * step.stepNum)) assert.equal(fromUnits(n, step), expected);
    }
  }
});

test('plain decimal text converts to exactly the steps decimal.js computes, or is refused for the documented reason', () => {
  const rnd = mulberry32(91);
  const digits = (k: number): string => Array.from({ length: k }, () => String(Math.floor(rnd() * 10))).join('');
  for (const tick of ['0.01', '0.05', '1', '0.0001', '25', '0.5']) {
    const step = unitStepOf(tick);
    for (let i = 0; i < 4000; i++) {
      const text = rnd() < 0.5 ? digits(1 + Math.floor(rnd() * 17)) : `${digits(1 + Math.floor(rnd() * 12))}.${digits(1 + Math.floor(rnd() * 17))}`;
      // text beyond 16 + 16 digits is first written plainly by decimal.js (leading and trailing zeros dropped)
      const plain = /^[0-9]{1,16}(\.[0-9]{1,16})?$/.test(text) ? text : new Decimal(text).toFixed();
      const [intPart, fracPart = ''] = plain.split('.');
      const significantFrac = fracPart.replace(/0+$/, '').length;
      const scaled = new Decimal(text).mul(new Decimal(10).pow(step.scale));
      // the documented order: fraction finer than the tick's scale, more than 16 digits once scaled, above 2^53 - 1, not a multiple
      const expected = intPart!.length > 16 || fracPart.length > 16 ? 'too-large'
        : significantFrac > step.scale ? 'off-step'
          : intPart!.length + step.scale > 16 || scaled.gt(Number.MAX_SAFE_INTEGER) ? 'too-large'
            : !scaled.mod(step.stepNum).isZero() ? 'off-step' : scaled.div(step.stepNum).toNumber();
      assert.equal(toUnits(text, step), expected, `${text} / ${tick}`);
    }
  }
});
