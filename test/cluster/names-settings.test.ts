// Cluster names and settings without NATS: session ids become subject tokens injectively (CompIDs may hold any
// character), and the Cluster* keys parse into typed settings or a clear error naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeToken, encodeToken, fixDedupeId, sessionToken } from '../../src/cluster/names.js';
import { CLUSTER_KEYS, ClusterSettingsError, parseClusterSettings } from '../../src/cluster/settings.js';
import { parseSettings } from '../../src/session/settings.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;

test('any text becomes a subject token of safe characters and decodes back to itself', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
    const token = encodeToken(text);
    assert.match(token, TOKEN);
    assert.equal(decodeToken(token), text);
  }), { numRuns: 500 });
  assert.equal(encodeToken('CLIENT.1 *>'), 'CLIENT_2E1_20_2A_3E');
  assert.equal(encodeToken(''), '_');
  assert.notEqual(encodeToken('_'), encodeToken(''));
});

test('sessions whose QuickFIX keys coincide still get distinct tokens and dedupe ids', () => {
  const a = { beginString: 'FIX.4.4', senderCompId: 'A->B', targetCompId: 'C' };
  const b = { beginString: 'FIX.4.4', senderCompId: 'A', targetCompId: 'B->C' };
  assert.notEqual(sessionToken(a), sessionToken(b));
  assert.notEqual(fixDedupeId(a, 1, 7), fixDedupeId(b, 1, 7));
  assert.notEqual(fixDedupeId(a, 1, 7), fixDedupeId(a, 2, 7), 'a sequence reset starts new ids');
  fc.assert(fc.property(fc.array(fc.string(), { minLength: 3, maxLength: 3 }), fc.array(fc.string(), { minLength: 3, maxLength: 3 }), (x, y) => {
    const [s, t] = [x, y].map(([beginString, senderCompId, targetCompId]) => sessionToken({ beginString: beginString!, senderCompId: senderCompId!, targetCompId: targetCompId! }));
    assert.equal(s === t, x.join('\u0000') === y.join('\u0000'));
    assert.match(s!, TOKEN);
  }), { numRuns: 2000 });
});

test('cluster keys in a .cfg parse into typed settings, with defaults', () => {
  const [s] = parseSettings('[DEFAULT]\nClusterNatsUrls=nats://10.0.0.1:4222, nats://10.0.0.2:4222\nClusterNodeId=gw-1\nClusterReplicas=1\n[SESSION]\nBeginString=FIX.4.4\nSenderCompID=GW\nTargetCompID=C\nConnectionType=acceptor\nSocketAcceptPort=9876\n',
    'gw.cfg', { extraKeys: CLUSTER_KEYS });
  const settings = parseClusterSettings(s!.raw);
  assert.deepEqual(settings, {
    natsUrls: ['nats://10.0.0.1:4222', 'nats://10.0.0.2:4222'], nodeId: 'gw-1', stream: 'FIXGW', replicas: 1, duplicateWindowMs: 120_000,
    publishTimeoutMs: 2000, appendRetryMs: 30_000, publishInFlightMax: 4096, leaseTtlMs: 10_000, snapshotsKept: 3, snapshotEveryCommands: 100_000,
    digestEveryCommands: 10_000, reportTailEvents: 200_000, connectTimeoutMs: 5000,
  });
});

test('without ClusterNatsUrls cluster mode is off, and other cluster keys are refused', () => {
  assert.equal(parseClusterSettings(new Map()), null);
  assert.throws(() => parseClusterSettings(new Map([['ClusterNodeId', 'a']])), /ClusterNodeId: set without ClusterNatsUrls/);
});

test('bad cluster settings are refused naming the key', () => {
  const base = [['ClusterNatsUrls', 'nats://h:4222'], ['ClusterNodeId', 'a']] as const;
  const cases: Array<[string, string, RegExp]> = [
    ['ClusterNatsUrls', 'http://h:4222', /ClusterNatsUrls: "http:\/\/h:4222" is not a nats:\/\/ URL/],
    ['ClusterNodeId', 'a.b', /ClusterNodeId: "a\.b": use 1-32/],
    ['ClusterReplicas', '2', /ClusterReplicas: 2: use 1, 3 or 5/],
    ['ClusterReplicas', 'three', /ClusterReplicas: "three": expected an integer in 1\.\.5/],
    ['ClusterStream', 'A.B', /ClusterStream/],
    ['ClusterAppendRetryMs', '100000', /ClusterAppendRetryMs: .*within half of ClusterDuplicateWindowSeconds/],
  ];
  for (const [key, value, message] of cases) {
    const raw = new Map<string, string>([...base, [key, value]]);
    assert.throws(() => parseClusterSettings(raw), (err: Error) => err instanceof ClusterSettingsError && message.test(err.message), `${key}=${value}`);
  }
  assert.throws(() => parseClusterSettings(new Map([['ClusterNatsUrls', 'nats://h:4222']])), /ClusterNodeId: required in cluster mode/);
});
