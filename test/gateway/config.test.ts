// The gateway's settings file: gateway keys on top of the session keys, and what the gateway refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGatewaySettings, parseGatewaySettings } from '../../src/gateway/index.js';

const HEAD = '[DEFAULT]\nConnectionType=acceptor\nBeginString=FIX.4.4\nSenderCompID=FIXGW\nSocketAcceptPort=9876\n';

test('the default config/gateway.cfg: FIX 9876, HTTP 8080, ./data, fsync on, any client CompID', () => {
  const file = fileURLToPath(new URL('../../../config/gateway.cfg', import.meta.url));
  const s = loadGatewaySettings(file);
  assert.equal(s.fixPort, 9876);
  assert.equal(s.httpPort, 8080);
  assert.equal(s.dataDir, path.resolve('data'));
  assert.equal(s.fsync, true);
  assert.equal(s.engineConfigPath, undefined, 'the packaged engine.json');
  assert.equal(s.sessions.length, 1);
  assert.deepEqual([s.sessions[0]!.id.senderCompId, s.sessions[0]!.dynamic], ['FIXGW', true]);
});

test('gateway keys are typed and relative paths resolve against the working directory', () => {
  const s = parseGatewaySettings(`${HEAD}DataDirectory=var/fix\nEngineConfig=eng.json\nHttpPort=0\nJournalFsync=N\n[SESSION]\nTargetCompID=*\nAllowedCompIDs=A, B\n`, '/srv');
  assert.deepEqual([s.dataDir, s.engineConfigPath, s.httpPort, s.fsync], ['/srv/var/fix', '/srv/eng.json', 0, false]);
  assert.deepEqual(s.sessions[0]!.allowedCompIds, ['A', 'B']);
});

test('sessions on different ports, initiator sessions and unknown keys are refused with the reason', () => {
  assert.throws(() => parseGatewaySettings(`${HEAD}[SESSION]\nTargetCompID=A\n[SESSION]\nTargetCompID=B\nSocketAcceptPort=9877\n`),
    /same SocketAcceptPort/);
  assert.throws(() => parseGatewaySettings('[DEFAULT]\nConnectionType=initiator\nBeginString=FIX.4.4\nSenderCompID=X\n'
    + 'SocketConnectHost=h\nSocketConnectPort=1\nHeartBtInt=30\n[SESSION]\nTargetCompID=Y\n'), /no acceptor session/);
  assert.throws(() => parseGatewaySettings(`${HEAD}HttpPorts=1\n[SESSION]\nTargetCompID=*\n`), /HttpPorts: unknown key/);
  assert.throws(() => parseGatewaySettings(`${HEAD}ThrottleMaxRejectsPerSecond=0\n[SESSION]\nTargetCompID=*\n`), /ThrottleMaxRejectsPerSecond/);
});
