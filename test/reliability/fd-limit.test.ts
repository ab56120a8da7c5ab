// Running out of file descriptors under an ordinary limit (`prlimit --nofile`): a Logon flood of new CompIDs with
// 141=Y must not stop `fixgw serve`. What cannot be opened is refused (the Logon), logged once per burst rather than
// per attempt, and the sessions already logged on carry on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '../gateway/support.js';
import { RawClient, waitFor } from '../support/fix-harness.js';
import { gatewayCfg, serve } from '../support/served.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One wave: `n` connections at once, each a Logon for a new CompID with 141=Y; resolves once each is answered or closed. */
async function wave(port: number, prefix: string, n: number): Promise<RawClient[]> {
  const clients = await Promise.all(Array.from({ length: n }, async (_, i) => {
    try {
      const c = await RawClient.connect(port);
      c.send('A', 1, [[98, '0'], [108, '30'], [141, 'Y']], { sender: `${prefix}${i}` });
      return c;
    } catch {
      return undefined; // refused at accept: fine
    }
  }));
  const open = clients.filter((c): c is RawClient => c !== undefined);
  await waitFor(`${prefix} wave answered`, () => open.every((c) => c.closed || c.received.length > 0), 30_000);
  return open;
}

for (const limit of [1024, 4096]) {
  test(`a Logon flood of new CompIDs with 141=Y under ulimit -n ${limit} is refused and logged once per burst; the process and its sessions carry on`, { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fixgw-fd-'));
    // MaxDynamicSessions and MaxConnectionsPerAddress above what the descriptors allow: the descriptors run out first
    const cfg = gatewayCfg({ MaxMessagesPerSecond: 100_000, MaxDynamicSessions: 100_000, MaxConnectionsPerAddress: 100_000 });
    const gw = await serve(dir, 0, { cfg, fileDescriptorsMax: limit });
    const trader = await Client.logon(gw.fixPort, 'FDTRADER');
    const held: RawClient[] = [];
    try {
      const perWave = limit === 1024 ? 250 : 600;
      let refused = 0;
      let loggedOn = 0;
      for (let w = 0; w < 3; w++) {
        const clients = await wave(gw.fixPort, `FL${w}X`, perWave);
        held.push(...clients);
        for (const c of clients) {
          if (c.received.some((m) => m.msgType === 'A')) loggedOn++;
          else refused++;
        }
        assert.equal(gw.proc.exitCode, null, `gateway exited in wave ${w}:\n${gw.output().slice(-3000)}`);
        trader.order(`FD${w}`, { symbol: 'IBM', side: '1', qty: '1', price: '180.00' });
        assert.equal((await trader.reports(`FD${w}`, 1, 15_000))[0]!.get(150), '0', `trader served after wave ${w}`);
      }
      assert.ok(refused > 0, `some Logons were refused for lack of descriptors (${loggedOn} logged on)`);
      await sleep(500);
      assert.equal(gw.proc.exitCode, null, gw.output().slice(-3000));
      const lines = gw.output().split('\n');
      const fdLines = lines.filter((l) => /EMFILE|ENFILE|file descriptors/.test(l));
      assert.ok(fdLines.length >= 1, 'running out is logged');
      assert.ok(fdLines.length <= 6, `logged once per burst, not per attempt (${fdLines.length} lines for ${refused} refusals):\n${fdLines.slice(0, 8).join('\n')}`);
      assert.ok(!lines.some((l) => /"level":[56]0/.test(l)), 'nothing fatal logged');
      for (const c of held) c.close();
      held.length = 0;
      trader.order('FDEND', { symbol: 'IBM', side: '1', qty: '1', price: '180.00' });
      assert.equal((await trader.reports('FDEND', 1, 15_000))[0]!.get(150), '0');
    } finally {
      for (const c of held) c.close();
      await trader.stop().catch(() => undefined);
      gw.proc.kill('SIGKILL');
      await gw.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a store that fails to open a file while a Logon resets it (EMFILE) ends that connection only, logged once per burst', async () => {
  const { Acceptor } = await import('../../src/session/acceptor.js');
  const { MemoryStore } = await import('../../src/session/store.js');
  const { NullLog } = await import('../../src/session/message-log.js');
  const { DescriptorBudget } = await import('../../src/session/descriptors.js');
  const { fix44, RecordingApp, sessionConfig } = await import('../support/fix-harness.js');
  class FullStore extends MemoryStore {
    override reset(_nowMs: number): void {
      throw Object.assign(new Error('EMFILE: too many open files, open \'x.session.tmp\''), { code: 'EMFILE' });
    }
  }
  const events: string[] = [];
  const acceptor = await Acceptor.start({
    port: 0, host: '127.0.0.1', dictionary: fix44(), application: new RecordingApp(),
    sessions: [{ config: sessionConfig({ beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: '*' }), dynamic: true }],
    openStore: (id) => (id.targetCompId.startsWith('FULL') ? new FullStore(Date.now()) : new MemoryStore(Date.now())),
    openLog: () => new NullLog(),
    onEvent: (text) => events.push(text),
    descriptors: new DescriptorBudget({ limit: undefined }),
  });
  const clients: RawClient[] = [];
  try {
    const good = await RawClient.connect(acceptor.port);
    clients.push(good);
    good.send('A', 1, [[98, '0'], [108, '30']], { sender: 'GOOD' });
    await good.next('A');
    for (let i = 0; i < 20; i++) {
      const c = await RawClient.connect(acceptor.port);
      clients.push(c);
      c.send('A', 1, [[98, '0'], [108, '30'], [141, 'Y']], { sender: `FULL${i}` });
      await waitFor('closed', () => c.closed);
    }
    good.send('1', 2, [[112, 'still-there']], { sender: 'GOOD' });
    assert.equal((await good.next('0')).get(112), 'still-there');
    const burst = events.filter((e) => /file descriptors/.test(e));
    assert.equal(burst.length, 1, events.join('\n'));
    assert.match(burst[0]!, /EMFILE/);
  } finally {
    for (const c of clients) c.close();
    await acceptor.stop();
  }
});
