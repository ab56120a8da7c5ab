// LogonGuard on its own, with an injected clock: the window, the lockout, success clearing failures, the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogonGuard } from '../../src/gateway/logon-guard.js';

test('more than maxFailures failures within the window lock the address out for lockoutMs; only that address', () => {
  let now = 1_000;
  const g = new LogonGuard({ maxFailures: 3, windowMs: 10_000, lockoutMs: 5_000, now: () => now });
  for (let i = 0; i < 3; i++) assert.equal(g.failed('10.0.0.1'), false);
  assert.equal(g.lockedForMs('10.0.0.1'), 0, 'three failures are tolerated');
  assert.equal(g.failed('10.0.0.1'), true, 'the fourth locks');
  assert.equal(g.lockedForMs('10.0.0.1'), 5_000);
  assert.equal(g.lockedForMs('10.0.0.2'), 0, 'other addresses are not affected');
  now += 4_999;
  assert.equal(g.lockedForMs('10.0.0.1'), 1);
  now += 1;
  assert.equal(g.lockedForMs('10.0.0.1'), 0, 'the lockout ends');
});

test('failures spread beyond the window do not add up; a successful logon clears them; maxFailures 0 never locks', () => {
  let now = 0;
  const g = new LogonGuard({ maxFailures: 2, windowMs: 1_000, lockoutMs: 60_000, now: () => now });
  for (let i = 0; i < 10; i++) { assert.equal(g.failed('a'), false); now += 600; }
  g.failed('b'); g.failed('b');
  g.succeeded('b');
  assert.equal(g.failed('b'), false, 'the count started again after the success');
  assert.equal(g.failed('b'), false);
  assert.equal(g.failed('b'), true);
  const off = new LogonGuard({ maxFailures: 0, windowMs: 1_000, lockoutMs: 60_000, now: () => now });
  for (let i = 0; i < 100; i++) assert.equal(off.failed('c'), false);
  assert.equal(off.lockedForMs('c'), 0);
});

test('at most addressesMax addresses are tracked: the one changed longest ago goes first', () => {
  const g = new LogonGuard({ maxFailures: 1, windowMs: 60_000, lockoutMs: 60_000, addressesMax: 3, now: () => 0 });
  g.failed('a'); g.failed('a'); // a is locked
  g.failed('b'); g.failed('c');
  assert.equal(g.trackedAddresses, 3);
  g.failed('d');
  assert.equal(g.trackedAddresses, 3);
  assert.equal(g.lockedForMs('a'), 0, 'a was the oldest and was dropped');
  g.failed('b');
  g.failed('e');
  assert.equal(g.trackedAddresses, 3);
  assert.equal(g.lockedForMs('b'), 60_000, 'b was changed recently and is kept (now locked)');
});
