// Durable before visible: when an ExecutionReport reaches a client, the command that caused it is already in
// the journal file, and the report itself is already in the gateway's session store files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readJournalDir, journalDirOf } from '../../src/engine/index.js';
import type { FixMessage } from '../../src/fix/message.js';
import type { Session } from '../../src/session/session.js';
import { Client, crashCopyOfStore, startTestGateway } from './support.js';

for (const fsync of [true, false]) {
  test(`every ExecutionReport a client receives is already journaled, and stored for resend, when it arrives (fsync ${fsync ? 'on' : 'off'})`, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'fixgw-durable-'));
    const gw = await startTestGateway({ dataDir, fsync });
    const seen: Array<{ execId: string; journaled: boolean; stored: boolean }> = [];
    const check = (client: Session, msg: FixMessage) => {
      // runs synchronously as the report is read off the socket
      const commandSeq = Number(msg.get(17)!.split('.')[0]);
      const journaled = readJournalDir(journalDirOf(dataDir)).records.some((r) => r.seq === commandSeq);
      const copy = crashCopyOfStore(dataDir, { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: client.id.senderCompId });
      const stored = copy.readRange(msg.seqNum!, msg.seqNum!, 1).length === 1;
      copy.close();
      seen.push({ execId: msg.get(17)!, journaled, stored });
    };
    const a = await Client.logon(gw.fixPort, 'DUR1');
    const b = await Client.logon(gw.fixPort, 'DUR2');
    a.app.reply = check;
    b.app.reply = check;
    try {
      for (let i = 0; i < 20; i++) {
        a.order(`A${i}`, { side: '2', qty: '10', price: '190.00' });
        b.order(`B${i}`, { side: '1', qty: '10', price: '190.00' });
      }
      await b.reports('B19', 2);
      await a.reports('A19', 2);
      assert.ok(seen.length >= 80, `${seen.length} reports`);
      assert.deepEqual(seen.filter((s) => !s.journaled || !s.stored), []);
    } finally {
      await a.stop();
      await b.stop();
      await gw.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}
