// The tap's order key of a price: the integer its digits form. Read in place for the usual forms; the same
// number as the general definition for every string.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { priceKey } from '../../src/marketdata/book.js';

/** The definition: Number() of the price without its first '.', and only exact integers. */
function reference(price: string): number | 'throws' {
  const dot = price.indexOf('.');
  const key = Number(dot < 0 ? price : price.slice(0, dot) + price.slice(dot + 1));
  return Number.isSafeInteger(key) ? key : 'throws';
}

function keyOf(price: string): number | 'throws' {
  try {
    return priceKey(price);
  } catch {
    return 'throws';
  }
}

test('priceKey gives the number the price digits form, for usual prices and odd strings alike', () => {
  const fixed = ['100.01', '0.5', '-0.5', '-0', '0', '.5', '5.', '.', '', '-', '1.2.3', ' 12', '+12', '1e3', '00012.3400',
    '999999999999999', '9999999999999999', '99999999.99999999', '123456789012345.6', 'abc', '12a', '-.', '--1'];
  for (const p of fixed) assert.ok(Object.is(keyOf(p), reference(p)), `${JSON.stringify(p)}: ${keyOf(p)} vs ${reference(p)}`);
  const alphabet = '0123456789.-+ e';
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < 50_000; i++) {
    let p = '';
    const length = rand(20);
    const digitsOnly = rand(3) > 0; // mostly realistic prices
    for (let k = 0; k < length; k++) p += digitsOnly ? (rand(12) === 0 && !p.includes('.') ? '.' : String(rand(10))) : alphabet[rand(alphabet.length)];
    if (digitsOnly && rand(10) === 0) p = '-' + p;
    assert.ok(Object.is(keyOf(p), reference(p)), `${JSON.stringify(p)}: ${keyOf(p)} vs ${reference(p)}`);
  }
});
