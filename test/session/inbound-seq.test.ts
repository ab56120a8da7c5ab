// The session's inbound sequence ledger (InboundSeq): the expected inbound MsgSeqNum on disk never passes a message
// that is held (its command not yet journaled and answered), so a crash in between makes the restarted session ask
// for it again; with a store that batches target seqs, a release reaches the file with the store's next flush.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileStore } from '../../src/session/file-store.js';
import { InboundSeq } from '../../src/session/inbound-seq.js';

const id = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'HOLD1' };

test('the expected MsgSeqNum on disk stays at the oldest held message until it is released, while the session sees it advance', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-hold-'));
  try {
    const store = FileStore.open(dir, id, { nowMs: 0 });
    const held = new InboundSeq(store);
    held.advance(); // Logon, seq 1: nothing held, written through
    held.hold(2);
    held.advance(); // order seq 2, in the journal queue
    held.advance(); // heartbeat seq 3
    held.hold(4);
    held.advance(); // order seq 4
    assert.equal(held.next, 5, 'the session sees every message as received');
    const reopened = () => { const f = FileStore.open(dir, id, { nowMs: 0 }); const n = f.nextTargetSeq; f.close(); return n; };
    assert.equal(reopened(), 2, 'a crash now: the restarted gateway expects seq 2 again');
    held.release(2);
    assert.equal(reopened(), 4, 'seq 2 journaled: the next one still held is 4');
    held.release(4);
    assert.equal(reopened(), 5);
    held.advance();
    assert.equal(reopened(), 6, 'with nothing held, written through');
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reset clears the holds and writes 1/1', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-hold-'));
  try {
    const store = FileStore.open(dir, id, { nowMs: 0 });
    const held = new InboundSeq(store);
    held.hold(1);
    held.advance();
    store.reset(1000);
    held.reset();
    assert.equal(held.next, 1);
    held.advance();
    store.close();
    const f = FileStore.open(dir, id, { nowMs: 0 });
    assert.equal(f.nextTargetSeq, 2);
    f.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const idB = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'HOLDB' };

/** The expected seq a crash right now would leave: a copy of the files, opened as a FileStore. */
function onDiskTarget(dir: string): number {
  const copy = mkdtempSync(path.join(tmpdir(), 'fixgw-holdb-copy-'));
  try {
    for (const f of readdirSync(dir)) copyFileSync(path.join(dir, f), path.join(copy, f));
    const f = FileStore.open(copy, idB, { nowMs: 0 });
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
    const store = FileStore.open(dir, idB, { nowMs: 0, targetSeqWrites: 'batched' });
    const held = new InboundSeq(store);
    held.advance(); // Logon, seq 1
    store.flush();
    assert.equal(onDiskTarget(dir), 2);
    held.hold(2);
    held.advance(); // order seq 2, in the journal queue
    held.hold(3);
    held.advance(); // order seq 3
    store.flush();
    assert.equal(onDiskTarget(dir), 2, 'held at the oldest message whose command is not journaled');
    store.saveSent(2, Buffer.from('8=FIX.4.4\u00019=5\u000135=8\u000110=000\u0001', 'latin1'));
    held.release(2);
    assert.equal(onDiskTarget(dir), 2, 'released but not flushed: the file lags (the safe direction), no write of its own');
    assert.equal(store.pendingBytes > 0, true, 'the reply is still batched too');
    store.flush();
    assert.equal(onDiskTarget(dir), 3, 'the flush before the socket write carries the reply and the released seq together');
    held.release(3);
    store.flush();
    assert.equal(onDiskTarget(dir), 4);
    assert.equal(held.next, 4);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('advanceNextTargetSeq only moves forward, and under the default (each) is written through', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-holdb-'));
  try {
    const f = FileStore.open(dir, idB, { nowMs: 0 });
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
