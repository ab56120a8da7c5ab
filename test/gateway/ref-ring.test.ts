// The gateway's ring by ref (requests in flight, refs by command seq): each item is found once by its ref, whatever
// the order they are taken in, across the ring's wrap, and also when more are outstanding than the ring has slots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RefRing } from '../../src/gateway/ref-ring.js';

interface Req { ref: number; name: string }

test('a request is taken once by its seq, in any order, across wraps and past the ring size', () => {
  const pending = new RefRing<Req>(1000); // 1,024 slots
  const reference = new Map<number, Req>();
  let seed = 5;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  let next = 2 ** 32 - 3000; // crosses 2^32 on the way: slots come from seq mod 2^32
  for (let round = 0; round < 200; round++) {
    // submit a burst (sometimes far more than the ring holds), skipping seqs now and then (commands of others)
    for (let k = 0, burst = rand(round % 20 === 0 ? 3000 : 300); k < burst; k++) {
      next += 1 + (rand(10) === 0 ? rand(5) : 0);
      const req = { ref: next, name: `r${next}` };
      pending.add(req);
      reference.set(next, req);
    }
    // answer a part of them, oldest first mostly, and ask for seqs that were never submitted
    const outstanding = [...reference.keys()];
    for (let k = 0, answers = rand(outstanding.length + 1); k < answers; k++) {
      const seq = rand(4) === 0 ? outstanding[rand(outstanding.length)]! : outstanding[k]!;
      assert.equal(pending.take(seq), reference.get(seq));
      reference.delete(seq);
      assert.equal(pending.take(seq), undefined, 'taken once');
    }
    assert.equal(pending.take(next + 1), undefined);
    assert.equal(pending.size, reference.size);
  }
  for (const [seq, req] of reference) assert.equal(pending.take(seq), req);
  assert.equal(pending.size, 0);
});
