// The gateway's session-store wrapper: the expected inbound MsgSeqNum on disk never passes a message whose
// command is not yet journaled and answered, so a crash in between makes the restarted gateway ask for it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileStore } from '../../src/session/file-store.js';
import { HeldTargetSeqStore } from '../../src/gateway/held-target-seq.js';

const id = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'HOLD1' };

test('the expected MsgSeqNum on disk stays at the oldest held message until it is released, while the session sees it advance', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-hold-'));
  try {
    const store = new HeldTargetSeqStore(FileStore.open(dir, id, { nowMs: 0 }));
    store.incrNextTargetSeq(); // Logon, seq 1: nothing held, written through
    store.hold(2);
    store.incrNextTargetSeq(); // order seq 2, in the journal queue
    store.incrNextTargetSeq(); // heartbeat seq 3
    store.hold(4);
    store.incrNextTargetSeq(); // order seq 4
    assert.equal(store.nextTargetSeq, 5, 'the session sees every message as received');
    const reopened = () => { const f = FileStore.open(dir, id, { nowMs: 0 }); const n = f.nextTargetSeq; f.close(); return n; };
    assert.equal(reopened(), 2, 'a crash now: the restarted gateway expects seq 2 again');
    store.release(2);
    assert.equal(reopened(), 4, 'seq 2 journaled: the next one still held is 4');
    store.release(4);
    assert.equal(reopened(), 5);
    store.incrNextTargetSeq();
    assert.equal(reopened(), 6, 'with nothing held, written through');
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reset clears the holds and writes 1/1', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-hold-'));
  try {
    const store = new HeldTargetSeqStore(FileStore.open(dir, id, { nowMs: 0 }));
    store.hold(1);
    store.incrNextTargetSeq();
    store.reset(1000);
    assert.equal(store.nextTargetSeq, 1);
    store.incrNextTargetSeq();
    store.close();
    const f = FileStore.open(dir, id, { nowMs: 0 });
    assert.equal(f.nextTargetSeq, 2);
    f.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
