// HeldTargetSeqStore over a FileStore that batches target seqs (how the gateway opens its stores): releasing a
// held message moves the expected seq on disk with the store's next flush instead of a write of its own, and
// the value on disk is never beyond a message that is still held.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileStore } from '../../src/session/file-store.js';
import { HeldTargetSeqStore } from '../../src/gateway/held-target-seq.js';

const id = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'HOLDB' };

/** The expected seq a crash right now would leave: a copy of the files, opened as a FileStore. */
function onDiskTarget(dir: string): number {
  const copy = mkdtempSync(path.join(tmpdir(), 'fixgw-holdb-copy-'));
  try {
    for (const f of readdirSync(dir)) copyFileSync(path.join(dir, f), path.join(copy, f));
    const f = FileStore.open(copy, id, { nowMs: 0 });
    const n = f.nextTargetSeq;
    f.close();
    return n;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

test('with a batching store, a released expected seq reaches the file at the next flush, never beyond a held message', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-holdb-'));
  try {
    const inner = FileStore.open(dir, id, { nowMs: 0, targetSeqWrites: 'batched' });
    const store = new HeldTargetSeqStore(inner);
    store.incrNextTargetSeq(); // Logon, seq 1
    store.flush();
    assert.equal(onDiskTarget(dir), 2);
    store.hold(2);
    store.incrNextTargetSeq(); // order seq 2, in the journal queue
    store.hold(3);
    store.incrNextTargetSeq(); // order seq 3
    store.flush();
    assert.equal(onDiskTarget(dir), 2, 'held at the oldest message whose command is not journaled');
    store.saveSent(2, Buffer.from('8=FIX.4.4\u00019=5\u000135=8\u000110=000\u0001', 'latin1'));
    store.release(2);
    assert.equal(onDiskTarget(dir), 2, 'released but not flushed: the file lags (the safe direction), no write of its own');
    assert.equal(inner.pendingBytes > 0, true, 'the reply is still batched too');
    store.flush();
    assert.equal(onDiskTarget(dir), 3, 'the flush before the socket write carries the reply and the released seq together');
    store.release(3);
    store.flush();
    assert.equal(onDiskTarget(dir), 4);
    assert.equal(store.nextTargetSeq, 4);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('advanceNextTargetSeq only moves forward, and under the default (each) is written through', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-holdb-'));
  try {
    const f = FileStore.open(dir, id, { nowMs: 0 });
    f.advanceNextTargetSeq(5);
    assert.equal(onDiskTarget(dir), 5);
    f.advanceNextTargetSeq(3);
    assert.equal(f.nextTargetSeq, 5);
    assert.equal(onDiskTarget(dir), 5);
    assert.throws(() => f.advanceNextTargetSeq(0), RangeError);
    f.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
