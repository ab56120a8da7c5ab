// Property: for random command streams, restoring the exported state (as a snapshot would, through JSON) at a random
// point and applying the rest gives exactly the state and the events of the uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { eventsDigest } from '../../src/engine/digest.js';
import { Engine } from '../../src/engine/engine.js';
import { exportEngineState, importEngineState, type EngineState } from '../../src/engine/engine-state.js';
import { testConfig } from './harness.js';
import { randomCommands } from './random-commands.js';

const config = testConfig((f) => {
  for (const inst of f.instruments) { inst.circuitBreakerBps = 300; inst.circuitBreakerWindowMs = 10_000; inst.priceBandBps = 1000; }
  f.limits.doneOrdersMax = 150;
  f.accounts.overrides = { 'ACC-A': { maxOpenOrders: 25, maxPositionQty: '400', creditLimit: '100000' } };
});

test('snapshot at any point plus the rest of the stream equals the uninterrupted run, in state and events', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 600 }), (seed, cut) => {
    const commands = randomCommands(seed, 600);
    const straight = new Engine(config);
    const straightTail = eventsDigest();
    commands.forEach(({ cmd, timeMs }, i) => {
      const events = straight.apply({ seq: i + 1, timeMs, cmd });
      if (i >= cut) straightTail.add({ seq: i + 1, timeMs, cmd }, events);
    });
    const first = new Engine(config);
    commands.slice(0, cut).forEach(({ cmd, timeMs }, i) => first.apply({ seq: i + 1, timeMs, cmd }));
    const restored = importEngineState(config, JSON.parse(JSON.stringify(exportEngineState(first))) as EngineState);
    assert.deepEqual(exportEngineState(restored), exportEngineState(first), 'export → import is lossless');
    const tail = eventsDigest();
    commands.slice(cut).forEach(({ cmd, timeMs }, k) => {
      const sc = { seq: cut + k + 1, timeMs, cmd };
      tail.add(sc, restored.apply(sc));
    });
    assert.equal(tail.count, straightTail.count);
    assert.equal(tail.hex(), straightTail.hex(), `seed ${seed} cut ${cut}: tail events differ`);
    assert.deepEqual(exportEngineState(restored), exportEngineState(straight), `seed ${seed} cut ${cut}: final state differs`);
  }), { numRuns: 150 });
});
