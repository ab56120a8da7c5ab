// A session schedule resets the store when a window opens, from a timer or at start, with no message to answer. A
// store that cannot take that reset (a full disk) is a store failure like any other: the acceptor starts, the failure
// shows in the storage health, a Logon gets a Logout that says why, and once the disk takes writes again the session
// goes on, reset to 1 at its next Logon. Before, the reset's error was thrown out of the session's constructor (the
// acceptor did not start) or out of the schedule's timer (the process exited).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Acceptor } from '../../src/session/acceptor.js';
import { MemoryStore } from '../../src/session/store.js';
import { NullLog } from '../../src/session/message-log.js';
import { StorageHealth } from '../../src/session/storage-health.js';
import { parseGatewaySettings } from '../../src/gateway/index.js';
import { fix44, RawClient, RecordingApp, waitFor } from '../support/fix-harness.js';

/** A store left from yesterday's window whose writes fail with ENOSPC while `full` is set; the seqnums rewrite of a
 *  Logout still goes through (FileStore.recordNextSenderSeq rewrites in place, so a full disk takes it). */
class FullDiskStore extends MemoryStore {
  full = true;
  resets = 0;
  override reset(nowMs: number): void {
    this.#check();
    super.reset(nowMs);
    this.resets++;
  }
  override setNextSenderSeq(seq: number): void {
    this.#check();
    super.setNextSenderSeq(seq);
  }
  recordNextSenderSeq(seq: number): void {
    super.setNextSenderSeq(seq);
  }
  #check(): void {
    if (this.full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }
}

const hms = (ms: number) => new Date(ms).toISOString().slice(11, 19);

test('a schedule\'s reset that the store refuses is a store failure: told, the Logon refused with the reason, then trading', { timeout: 30_000 }, async () => {
  const now = Date.now();
  const text = '[DEFAULT]\nConnectionType=acceptor\nBeginString=FIX.4.4\nSenderCompID=FIXGW\nSocketAcceptPort=9876\n'
    + `StartTime=${hms(now - 3_600_000)}\nEndTime=${hms(now + 3_600_000)}\nTimeZone=UTC\n[SESSION]\nTargetCompID=CLIENT\n`;
  const s = parseGatewaySettings(text, '/').sessions[0]!;
  const store = new FullDiskStore(now - 86_400_000);
  store.full = false;
  store.setNextSenderSeq(7);
  store.setNextTargetSeq(7);
  store.full = true;
  const storage = new StorageHealth();
  const acceptor = await Acceptor.start({
    port: 0, host: '127.0.0.1', sessions: [{ config: s.session, dynamic: s.dynamic }], dictionary: fix44(), application: new RecordingApp(),
    openStore: () => store, openLog: () => new NullLog(), storage,
  });
  try {
    assert.equal(store.resets, 0);
    assert.match(storage.failures().map((f) => `${f.file}: ${f.reason}`).join('\n'), /^store: message store failed: ENOSPC/);

    const refused = await RawClient.connect(acceptor.port);
    refused.send('A', 7, [[98, '0'], [108, '30']], { sender: 'CLIENT' });
    assert.match((await refused.next('5')).get(58)!, /^Message store unavailable: ENOSPC/);
    await waitFor('refused connection closed', () => refused.closed);

    store.full = false;
    const c = await RawClient.connect(acceptor.port);
    c.send('A', 1, [[98, '0'], [108, '30']], { sender: 'CLIENT' });
    assert.equal((await c.next('A')).get(34), '1', 'the new window\'s reset done at the Logon');
    assert.equal(store.resets, 1);
    assert.deepEqual(storage.failures(), []);
    c.close();
  } finally {
    await acceptor.stop(0);
  }
});
