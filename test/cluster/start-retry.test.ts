// A JetStream structure's creation at start is tried again when its API request timed out (a new stream's Raft group
// may take longer than the client's timeout to elect a leader on a busy machine), and not for any other error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryingTimeouts } from '../../src/cluster/streams.js';

const timeout = (): Error => Object.assign(new Error('timeout'), { name: 'TimeoutError' });

test('a creation whose request timed out is tried again, up to three times; any other error ends it at once', async () => {
  let calls = 0;
  assert.equal(await retryingTimeouts(async () => { if (++calls < 3) throw timeout(); return 'made'; }), 'made');
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(retryingTimeouts(async () => { calls++; throw timeout(); }), { name: 'TimeoutError' });
  assert.equal(calls, 3, 'three attempts, then the timeout is the error');
  calls = 0;
  await assert.rejects(retryingTimeouts(async () => { calls++; throw new Error('stream name already in use with a different configuration'); }), /different configuration/);
  assert.equal(calls, 1);
});
