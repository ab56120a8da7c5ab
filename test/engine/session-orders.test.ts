// The per-session ClOrdID table behaves as the Map it replaced: same lookups, same size, the same entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createOrder, type Order } from '../../src/engine/order.js';
import { hashOf, SessionOrders } from '../../src/engine/session-orders.js';
import { AccountState } from '../../src/engine/risk.js';
import { testConfig } from './harness.js';

const config = testConfig();
const account = new AccountState('ACC', config.defaultAccount, config.instruments.length, config.assets.length);
const orderFor = (n: number): Order => createOrder(n, 'S', account, config.instruments[0]!, 'Buy', 'Limit', 'Day', `c${n}`);

/** Two different strings with the same 32-bit hash (found by the birthday bound: ~80k tries). */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const k = `id-${i}`;
    const other = seen.get(hashOf(k));
    if (other !== undefined) return [other, k];
    seen.set(hashOf(k), k);
  }
}

test('any sequence of set, delete, get and has gives what a Map gives, and the same entries', () => {
  const [c1, c2] = collidingPair();
  const key = fc.oneof(fc.integer({ min: 0, max: 300 }).map((i) => `K${i}`), fc.constantFrom(c1, c2, '', 'ü', 'K1\u0000'));
  const op = fc.tuple(fc.constantFrom('set', 'set', 'delete', 'get', 'has'), key, fc.integer({ min: 1, max: 1_000 }));
  fc.assert(fc.property(fc.array(op, { maxLength: 2_000 }), (ops) => {
    const table = new SessionOrders('FIX.4.4:FIXGW->CLIENT1');
    const model = new Map<string, Order>();
    for (const [kind, k, n] of ops) {
      switch (kind) {
        case 'set': { const o = orderFor(n); table.set(k, o); model.set(k, o); break; }
        case 'delete': assert.equal(table.delete(k), model.delete(k)); break;
        case 'get': assert.equal(table.get(k), model.get(k)); break;
        default: assert.equal(table.has(k), model.has(k));
      }
      assert.equal(table.size, model.size);
    }
    const sorted = (es: Iterable<[string, Order]>) => [...es].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    assert.deepEqual(sorted(table.entries()), sorted(model.entries()));
  }), { numRuns: 300 });
});

test('keys whose hashes collide are kept apart', () => {
  const [a, b] = collidingPair();
  assert.notEqual(a, b);
  assert.equal(hashOf(a), hashOf(b));
  const t = new SessionOrders('S');
  t.set(a, orderFor(1));
  assert.equal(t.has(b), false);
  t.set(b, orderFor(2));
  assert.equal(t.get(a)!.seqNo, 1);
  assert.equal(t.get(b)!.seqNo, 2);
  t.delete(a);
  assert.equal(t.get(b)!.seqNo, 2);
  assert.equal(t.has(a), false);
});

test('a table that grew to 100,000 entries and lost them all shrinks and still works', () => {
  const arraysLength = (x: SessionOrders): number => (x as unknown as { kv: unknown[] }).kv.length / 2;
  const t = new SessionOrders('S');
  const o = orderFor(1);
  for (let i = 0; i < 100_000; i++) t.set(`x${i}`, o);
  for (let i = 0; i < 100_000; i++) assert.equal(t.delete(`x${i}`), true);
  assert.equal(t.size, 0);
  assert.ok(arraysLength(t) <= 64, `${arraysLength(t)} entries kept after deleting everything`);
  for (let i = 0; i < 10; i++) t.set(`y${i}`, o);
  assert.deepEqual([...t.entries()].map(([k]) => k).sort(), Array.from({ length: 10 }, (_, i) => `y${i}`).sort());
  assert.equal(t.has('x5'), false);
});

test('the session name gives the CompID that accounts default to', () => {
  assert.equal(new SessionOrders('FIX.4.4:FIXGW->CLIENT7').compId, 'CLIENT7');
  assert.equal(new SessionOrders('plain').compId, 'plain');
});
