// Store and log file names: one session, one set of files. The name is an injective encoding of the session id, so
// CompIDs that differ only in characters a file name cannot hold (BANK/1, BANK:1, BANK_1) never share a store,
// while plain CompIDs keep their QuickFIX names (FIX.4.4-FIXGW-CLIENT1).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { FileStore } from '../../src/session/file-store.js';
import { FileLog } from '../../src/session/message-log.js';
import { fileSafeName, legacyFileSafeName, sessionIdOfFileName, type SessionId } from '../../src/session/session-id.js';
import { tempDirs } from '../support/temp-dirs.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const tmpDir = tempDirs('fixgw-names-');
const id = (targetCompId: string, senderCompId = 'FIXGW'): SessionId => ({ beginString: 'FIX.4.4', senderCompId, targetCompId });

describe('store and log file names', () => {
  test('plain CompIDs keep their QuickFIX names, a "-" in the client CompID included', () => {
    assert.equal(fileSafeName(id('CLIENT1')), 'FIX.4.4-FIXGW-CLIENT1');
    assert.equal(fileSafeName(id('BANK_1')), 'FIX.4.4-FIXGW-BANK_1');
    assert.equal(fileSafeName(id('BANK-1.A')), 'FIX.4.4-FIXGW-BANK-1.A');
  });

  test('BANK/1, BANK:1 and BANK_1 get separate stores and logs', () => {
    const dir = tmpDir();
    const ids = [id('BANK_1'), id('BANK/1'), id('BANK:1'), id('BANK%2F1')];
    assert.equal(new Set(ids.map(fileSafeName)).size, ids.length);
    ids.forEach((sid, i) => {
      const store = FileStore.open(dir, sid, { nowMs: T0 });
      store.setNextTargetSeq(10 + i);
      store.saveSent(1, Buffer.from(`8=FIX.4.4\x019=5\x0135=8\x01${i}\x0110=000\x01`));
      store.close();
      FileLog.open(dir, sid).close();
    });
    // the first one, BANK_1, is the one the others used to overwrite: each still finds only its own state
    ids.forEach((sid, i) => {
      const store = FileStore.open(dir, sid, { nowMs: T0 });
      assert.equal(store.nextTargetSeq, 10 + i, fileSafeName(sid));
      assert.equal(store.storedCount, 1);
      store.close();
    });
    assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.messages.log')).length, ids.length);
    for (const f of fs.readdirSync(dir)) assert.ok(!f.includes('/') && !f.includes(':'), f);
  });

  test('the encoding is injective and decodes back to the session id', () => {
    const part = fc.string({ unit: fc.constantFrom('A', 'b', '1', '.', '_', '-', '%', '/', ':', '\\', ' ', '\x00', '\x7f', 'é', '€', 'u', '2', 'F'), maxLength: 8 });
    const sid = fc.record({ beginString: fc.constantFrom('FIX.4.4', 'FIXT.1.1', 'FIX-4', ''), senderCompId: part, targetCompId: part });
    fc.assert(fc.property(sid, sid, (a, b) => {
      assert.deepEqual(sessionIdOfFileName(fileSafeName(a)), { ...a });
      if (fileSafeName(a) === fileSafeName(b)) assert.deepEqual({ ...a }, { ...b });
    }), { numRuns: 5000 });
  });

  test('a hostile CompID cannot escape the directory', () => {
    const name = fileSafeName({ beginString: 'FIX.4.4', senderCompId: '../../etc', targetCompId: '..' });
    assert.ok(!name.includes('/'));
    assert.equal(name, 'FIX.4.4-..%2F..%2Fetc-..');
    assert.equal(path.basename(path.join('/store', `${name}.body`)), `${name}.body`);
  });

  test('a session id too long for a file name is refused with a clear error', () => {
    assert.throws(() => fileSafeName(id('/'.repeat(100))), /too long for a file name/);
    assert.throws(() => FileStore.open(tmpDir(), id('X'.repeat(300)), { nowMs: T0 }), /too long for a file name/);
  });

  test('a store and log named the old way for a SenderCompID with "-" are taken over under the new name', () => {
    const dir = tmpDir();
    const sid = id('CLIENT1', 'FIX-GW');
    const old = legacyFileSafeName(sid);
    assert.equal(old, 'FIX.4.4-FIX-GW-CLIENT1');
    assert.notEqual(fileSafeName(sid), old);
    // written by the previous version under the old name
    const before = FileStore.open(dir, sid, { nowMs: T0 });
    before.setNextTargetSeq(42);
    before.close();
    FileLog.open(dir, sid).close();
    for (const f of fs.readdirSync(dir)) fs.renameSync(path.join(dir, f), path.join(dir, f.replace(fileSafeName(sid), old)));
    assert.ok(fs.existsSync(path.join(dir, `${old}.seqnums`)));

    const store = FileStore.open(dir, sid, { nowMs: T0 });
    assert.equal(store.nextTargetSeq, 42);
    store.close();
    const log = FileLog.open(dir, sid);
    log.close();
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith(old)), []);
    assert.ok(fs.existsSync(log.eventsPath));
  });

  test('a store named the old way is not taken over by a CompID that only mapped onto that name', () => {
    const dir = tmpDir();
    const victim = FileStore.open(dir, id('BANK_1'), { nowMs: T0 });
    victim.setNextTargetSeq(7);
    victim.close();
    assert.equal(legacyFileSafeName(id('BANK/1')), fileSafeName(id('BANK_1')));
    const intruder = FileStore.open(dir, id('BANK/1'), { nowMs: T0 });
    assert.equal(intruder.nextTargetSeq, 1);
    intruder.close();
    const again = FileStore.open(dir, id('BANK_1'), { nowMs: T0 });
    assert.equal(again.nextTargetSeq, 7);
    again.close();
  });
});
