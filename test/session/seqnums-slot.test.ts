// The seqnums slot is written byte by byte on every flush that moves a seq; it must be exactly the text the
// formatted version writes (that is what open() parses), including values that do not fit their width.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeSlot, encodeSlotText } from '../../src/session/file-store.js';

test('a seqnums slot written byte by byte is the same 96 bytes as the formatted one, for random and edge values', () => {
  let x = 99991;
  const rnd = (m: number): number => { x = (x * 1103515245 + 12345) % 2147483648; return Math.floor((x / 2147483648) * m); };
  const cases: number[][] = [
    [0, 1, 1, 0, 1], [999_999_999_999, 4_294_967_295, 4_294_967_295, 999_999_999_999, 4_294_967_295],
    [1_000_000_000_000, 5, 6, 7, 8], [1, 2, 3, 1_000_000_000_000, 1], [12, 9_999_999_999, 1, 2, 3],
  ];
  for (let i = 0; i < 20_000; i++) cases.push([rnd(1e12), 1 + rnd(0xffffffff), 1 + rnd(0xffffffff), rnd(1e12), rnd(1000)]);
  const a = Buffer.alloc(96);
  const b = Buffer.alloc(96);
  for (const [gen, sender, target, covered, epoch] of cases) {
    a.fill(0x41);
    b.fill(0x42);
    encodeSlot(a, gen!, sender!, target!, covered!, epoch!);
    encodeSlotText(b, gen!, sender!, target!, covered!, epoch!);
    assert.equal(a.toString('latin1'), b.toString('latin1'), `values ${[gen, sender, target, covered, epoch].join(' ')}`);
  }
});
