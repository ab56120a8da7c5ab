// The FIX session layer over real loopback sockets: what the QuickFIX suite does not cover —
// initiating a Logout, messages sent while disconnected, restart on a file store, large resends,
// TLS, several sessions on one port, the initiator side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Acceptor } from '../../src/session/acceptor.js';
import { MemoryStore } from '../../src/session/store.js';
import { FileStore } from '../../src/session/file-store.js';
import { NullLog } from '../../src/session/message-log.js';
import type { SessionId } from '../../src/session/session-id.js';
import { RawClient, RecordingApp, fix44, news, sessionConfig, startInitiator, waitFor } from '../support/fix-harness.js';

const GATEWAY: SessionId = { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: '*' };
const fixtures = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));

async function startGateway(opts: { app?: RecordingApp; storeDir?: string; tls?: boolean; port?: number } = {}) {
  const app = opts.app ?? new RecordingApp();
  const acceptor = await Acceptor.start({
    port: opts.port ?? 0,
    host: '127.0.0.1',
    dictionary: fix44(),
    application: app,
    sessions: [{ config: sessionConfig(GATEWAY), dynamic: true }],
    openStore: (id) => (opts.storeDir ? FileStore.open(opts.storeDir, id, { nowMs: Date.now() }) : new MemoryStore(Date.now())),
    openLog: () => new NullLog(),
    ...(opts.tls
      ? { tls: { key: readFileSync(path.join(fixtures, 'tls-key.pem')), cert: readFileSync(path.join(fixtures, 'tls-cert.pem')) } }
      : {}),
  });
  return { acceptor, app };
}

test('the initiator starts a Logout and both sides end the session cleanly (test case 12)', async () => {
  const { acceptor, app } = await startGateway();
  const client = startInitiator({ port: acceptor.port, sender: 'CLIENT1', target: 'FIXGW' });
  try {
    await client.waitForLogon();
    const server = acceptor.session('FIX.4.4:FIXGW->CLIENT1')!;
    await waitFor('server logon', () => server.isLoggedOn);
    client.session.logout('end of day');
    await waitFor('both disconnected', () => !server.isConnected && !client.session.isConnected);
    assert.equal(app.logouts, 1);
    // Logon(1) and Logout(2) in each direction: the sequence numbers moved exactly that far.
    assert.equal(server.nextTargetSeq, 3);
    assert.equal(server.nextSenderSeq, 3);
  } finally {
    await client.stop();
    await acceptor.stop();
  }
});

test('the acceptor starts a Logout with a reason and the initiator answers it', async () => {
  const { acceptor } = await startGateway();
  const client = startInitiator({ port: acceptor.port, sender: 'CLIENT1', target: 'FIXGW' });
  try {
    await client.waitForLogon();
    const server = acceptor.session('FIX.4.4:FIXGW->CLIENT1')!;
    await waitFor('server logon', () => server.isLoggedOn);
    server.logout('maintenance');
    await waitFor('server disconnected', () => !server.isConnected);
    assert.equal(server.nextTargetSeq, 3, 'the client answered the Logout with its own');
  } finally {
    await client.stop();
    await acceptor.stop();
  }
});

test('messages sent while the client is away are resent with PossDupFlag after it reconnects (test case 16)', async () => {
  const { acceptor } = await startGateway();
  const clientApp = new RecordingApp();
  const clientStore = new MemoryStore(Date.now());
  let client = startInitiator({ port: acceptor.port, sender: 'CLIENT1', target: 'FIXGW', app: clientApp, store: clientStore });
  try {
    await client.waitForLogon();
    const server = acceptor.session('FIX.4.4:FIXGW->CLIENT1')!;
    await waitFor('server logon', () => server.isLoggedOn);
    server.send('B', news('live'));
    await waitFor('live message', () => clientApp.ofType('B').length === 1);
    // The client vanishes without a Logout, keeping its store (sequence numbers) for the next connection.
    const keptStore = clientStore;
    client.session.disconnect('test: network drop');
    await client.stop();
    await waitFor('server notices', () => !server.isConnected);
    const sent = [server.send('B', news('away-1')), server.send('B', news('away-2')), server.send('B', news('away-3'))];
    assert.deepEqual(sent, [3, 4, 5]);

    const app2 = new RecordingApp();
    const reopened = new MemoryStore(Date.now());
    reopened.setNextSenderSeq(keptStore.nextSenderSeq);
    reopened.setNextTargetSeq(keptStore.nextTargetSeq);
    client = startInitiator({ port: acceptor.port, sender: 'CLIENT1', target: 'FIXGW', app: app2, store: reopened });
    await client.waitForLogon();
    await waitFor('three resent messages', () => app2.ofType('B').length === 3);
    const resent = app2.ofType('B');
    assert.deepEqual(resent.map((m) => m.get(148)), ['away-1', 'away-2', 'away-3']);
    assert.deepEqual(resent.map((m) => m.get(43)), ['Y', 'Y', 'Y']);
    assert.ok(resent.every((m) => m.has(122)), 'resent messages carry OrigSendingTime');
    assert.deepEqual(resent.map((m) => m.seqNum), [3, 4, 5]);
  } finally {
    await client.stop();
    await acceptor.stop();
  }
});

test('a restarted acceptor on a file store continues the sequence numbers and resends what it sent before', async () => {
  const storeDir = mkdtempSync(path.join(tmpdir(), 'fixgw-store-'));
  let { acceptor } = await startGateway({ storeDir });
  const port = acceptor.port;
  const clientStore = new MemoryStore(Date.now());
  let client = startInitiator({ port, sender: 'CLIENT1', target: 'FIXGW', store: clientStore });
  try {
    await client.waitForLogon();
    let server = acceptor.session('FIX.4.4:FIXGW->CLIENT1')!;
    await waitFor('server logon', () => server.isLoggedOn);
    server.send('B', news('before-restart'));
    await waitFor('client got it', () => clientStore.nextTargetSeq === 3);
    client.session.disconnect('test');
    await client.stop();
    await acceptor.stop();

    ({ acceptor } = await startGateway({ storeDir, port }));
    server = acceptor.session('FIX.4.4:FIXGW->CLIENT1')!;
    // The session is created on its first Logon (dynamic); its store is reopened from disk then.
    const app2 = new RecordingApp();
    const store2 = new MemoryStore(Date.now());
    store2.setNextSenderSeq(clientStore.nextSenderSeq);
    store2.setNextTargetSeq(1); // the client lost its state: it asks for everything again
    client = startInitiator({ port, sender: 'CLIENT1', target: 'FIXGW', app: app2, store: store2 });
    await client.waitForLogon();
    server = acceptor.session('FIX.4.4:FIXGW->CLIENT1')!;
    await waitFor('resent message', () => app2.ofType('B').length === 1);
    assert.equal(app2.ofType('B')[0]!.get(148), 'before-restart');
    assert.equal(app2.ofType('B')[0]!.get(43), 'Y');
    // The server's own numbering continued: Logon 1, News 2, Logout 3 before; Logon 4 now.
    assert.ok(server.nextSenderSeq >= 5, `nextSenderSeq ${server.nextSenderSeq}`);
  } finally {
    await client.stop();
    await acceptor.stop();
  }
});

test('a resend of 100,000 stored messages streams from the file store in bounded memory', { timeout: 120_000 }, async () => {
  const storeDir = mkdtempSync(path.join(tmpdir(), 'fixgw-store-'));
  const { acceptor } = await startGateway({ storeDir });
  const clientApp = new RecordingApp();
  let count = 0;
  let inOrder = true;
  clientApp.fromApp = (_s, msg) => {
    count++;
    if (msg.seqNum !== count + 1) inOrder = false; // the server's Logon is seq 1; the burst starts at 2
  };
  const clientStore = new MemoryStore(Date.now());
  let client = startInitiator({ port: acceptor.port, sender: 'BULK', target: 'FIXGW', store: clientStore, app: clientApp });
  try {
    await client.waitForLogon();
    const server = acceptor.session('FIX.4.4:FIXGW->BULK')!;
    client.session.disconnect('test');
    await client.stop();
    await waitFor('server notices', () => !server.isConnected);
    const total = 100_000;
    for (let i = 0; i < total; i++) server.send('B', news(`m${i}`));
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); }, 20);
    const store2 = new MemoryStore(Date.now());
    store2.setNextSenderSeq(clientStore.nextSenderSeq);
    store2.setNextTargetSeq(clientStore.nextTargetSeq);
    count = 0;
    client = startInitiator({ port: acceptor.port, sender: 'BULK', target: 'FIXGW', store: store2, app: clientApp });
    await waitFor('all resent', () => count === total, 100_000);
    clearInterval(sampler);
    assert.ok(inOrder, 'resent messages arrive in sequence order');
    const grewMb = (rssPeak - rssBefore) / 1e6;
    // 100,000 messages are ~15 MB on the wire; materialising them all at once would cost far more.
    assert.ok(grewMb < 150, `RSS grew ${grewMb.toFixed(1)} MB during the resend`);
  } finally {
    await client.stop();
    await acceptor.stop();
  }
});

test('a ResendRequest for 1..1,000,000,000 is answered from what exists, without blowing up', async () => {
  const { acceptor } = await startGateway();
  const raw = await RawClient.connect(acceptor.port);
  try {
    raw.send('A', 1, [[98, '0'], [108, '30']]);
    await raw.next('A');
    raw.send('2', 2, [[7, '1'], [16, '1000000000']]);
    const gapFill = await raw.next('4');
    assert.equal(gapFill.get(123), 'Y');
    assert.equal(gapFill.seqNum, 1);
    assert.equal(gapFill.get(36), '2');
    assert.ok(!raw.closed);
  } finally {
    raw.close();
    await acceptor.stop();
  }
});

test('two clients trade sequence numbers independently on one port', async () => {
  const { acceptor } = await startGateway();
  const a = startInitiator({ port: acceptor.port, sender: 'CLIENT_A', target: 'FIXGW' });
  const b = startInitiator({ port: acceptor.port, sender: 'CLIENT_B', target: 'FIXGW' });
  try {
    await Promise.all([a.waitForLogon(), b.waitForLogon()]);
    for (let i = 0; i < 5; i++) a.session.send('B', news(`a${i}`));
    b.session.send('B', news('b0'));
    const sa = acceptor.session('FIX.4.4:FIXGW->CLIENT_A')!;
    const sb = acceptor.session('FIX.4.4:FIXGW->CLIENT_B')!;
    await waitFor('both received', () => sa.nextTargetSeq === 7 && sb.nextTargetSeq === 3);
    assert.equal(acceptor.sessions().length, 2);
  } finally {
    await a.stop();
    await b.stop();
    await acceptor.stop();
  }
});

test('a Logon over TLS works and the session runs on it', async () => {
  const { acceptor, app } = await startGateway({ tls: true });
  const client = startInitiator({
    port: acceptor.port,
    sender: 'TLSCLIENT',
    target: 'FIXGW',
    tls: { ca: readFileSync(path.join(fixtures, 'tls-cert.pem')), servername: 'localhost' },
  });
  try {
    await client.waitForLogon();
    client.session.send('B', news('over tls'));
    await waitFor('app message', () => app.ofType('B').length === 1);
    assert.equal(app.ofType('B')[0]!.get(148), 'over tls');
  } finally {
    await client.stop();
    await acceptor.stop();
  }
});

test('the initiator reconnects after the acceptor drops it and logs on again', async () => {
  const { acceptor } = await startGateway();
  const clientApp = new RecordingApp();
  const client = startInitiator({ port: acceptor.port, sender: 'RECON', target: 'FIXGW', app: clientApp, reconnectIntervalMs: 50 });
  try {
    await client.waitForLogon();
    const server = acceptor.session('FIX.4.4:FIXGW->RECON')!;
    server.disconnect('test drop');
    await waitFor('logged on again', () => clientApp.logons === 2 && server.isLoggedOn);
    assert.equal(clientApp.logouts, 1);
  } finally {
    await client.stop();
    await acceptor.stop();
  }
});

test('a Logon for an unknown session is closed without a reply', async () => {
  const acceptor = await Acceptor.start({
    port: 0,
    host: '127.0.0.1',
    dictionary: fix44(),
    application: new RecordingApp(),
    sessions: [{ config: sessionConfig({ beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'KNOWN' }), dynamic: false }],
    openStore: () => new MemoryStore(Date.now()),
    openLog: () => new NullLog(),
  });
  const raw = await RawClient.connect(acceptor.port);
  try {
    raw.send('A', 1, [[98, '0'], [108, '30']], { sender: 'STRANGER' });
    await waitFor('connection closed', () => raw.closed);
    assert.equal(raw.received.length, 0);
  } finally {
    raw.close();
    await acceptor.stop();
  }
});
