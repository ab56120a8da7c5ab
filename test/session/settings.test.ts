// Session settings files: defaults, DEFAULT overlay, every error names file:line: key, dynamic
// acceptor templates, and the schedule (daily, across midnight, weekly, in a non-UTC zone).

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  parseSettings, loadSettings, SettingsError, SessionSchedule, isAddressAllowed, type SessionSettings, type SettingsWarning,
} from '../../src/session/settings.js';

const ACCEPTOR = `
# gateway
[DEFAULT]
ConnectionType=acceptor
BeginString=FIX.4.4
SenderCompID=FIXGW
SocketAcceptPort=9876
FileStorePath=store

[SESSION]
TargetCompID=CLIENT1
`;

function one(text: string): SessionSettings {
  const sessions = parseSettings(text, 'gw.cfg');
  assert.equal(sessions.length, 1);
  return sessions[0]!;
}

/** Asserts parsing fails with a SettingsError at line/key, message naming file:line: key. */
function fails(text: string, line: number, key: string, problem: RegExp): void {
  assert.throws(() => parseSettings(text, 'config/gateway.cfg'), (err: unknown) => {
    assert.ok(err instanceof SettingsError, String(err));
    assert.equal(err.file, 'config/gateway.cfg');
    assert.equal(err.line, line, err.message);
    assert.equal(err.key, key, err.message);
    assert.ok(err.message.startsWith(`config/gateway.cfg:${line}: ${key}: `), err.message);
    assert.match(err.message, problem);
    return true;
  });
}

describe('parseSettings', () => {
  test('a minimal acceptor gets QuickFIX defaults', () => {
    const s = one(ACCEPTOR);
    assert.deepEqual(s.id, { beginString: 'FIX.4.4', senderCompId: 'FIXGW', targetCompId: 'CLIENT1' });
    assert.equal(s.line, 10);
    assert.equal(s.connectionType, 'acceptor');
    assert.equal(s.dynamic, false);
    assert.equal(s.socketAcceptPort, 9876);
    assert.equal(s.heartBtIntSec, 30);
    assert.equal(s.reconnectIntervalSec, 30);
    assert.equal(s.startTimeSec, 0);
    assert.equal(s.endTimeSec, 0);
    assert.equal(s.timeZone, 'UTC');
    assert.equal(s.useDataDictionary, true);
    assert.equal(s.validateFieldsOutOfOrder, true);
    assert.equal(s.validateFieldsHaveValues, true);
    assert.equal(s.validateUserDefinedFields, true);
    assert.equal(s.checkLatency, true);
    assert.equal(s.maxLatencySec, 120);
    assert.equal(s.logonTimeoutSec, 10);
    assert.equal(s.logoutTimeoutSec, 2);
    assert.equal(s.persistMessages, true);
    assert.equal(s.fileStoreSync, false);
    assert.equal(s.resetOnLogon, false);
    assert.equal(s.sessionType, 'trading');
    assert.equal(s.cancelOnDisconnect, false);
    assert.equal(s.password, undefined);
    assert.equal(s.allowedAddresses, undefined);
    assert.equal(s.fileStorePath, 'store');
    assert.equal(s.raw.get('SocketAcceptPort'), '9876');
    assert.equal(s.raw.get('TargetCompID'), 'CLIENT1');
  });

  test('each session is DEFAULT overlaid with its own section', () => {
    const sessions = parseSettings(`${ACCEPTOR}HeartBtInt=15
ResetOnLogon=Y

[SESSION]
TargetCompID=CLIENT2
SenderCompID=FIXGW2
Password=hunter2
CancelOnDisconnect=Y
AllowedAddresses=10.0.0.0/8, 192.168.1.7
`, 'gw.cfg');
    assert.equal(sessions.length, 2);
    const [a, b] = sessions as [SessionSettings, SessionSettings];
    assert.equal(a.heartBtIntSec, 15);
    assert.equal(a.resetOnLogon, true);
    assert.equal(b.heartBtIntSec, 30, 'section keys do not leak into the next session');
    assert.equal(b.id.senderCompId, 'FIXGW2');
    assert.equal(b.socketAcceptPort, 9876);
    assert.equal(b.password, 'hunter2');
    assert.equal(b.cancelOnDisconnect, true);
    assert.deepEqual(b.allowedAddresses, ['10.0.0.0/8', '192.168.1.7']);
  });

  test('an initiator needs host, port and HeartBtInt', () => {
    const s = one(`[SESSION]
ConnectionType=initiator
BeginString=FIX.4.4
SenderCompID=SIM
TargetCompID=FIXGW
SocketConnectHost=127.0.0.1
SocketConnectPort=9876
HeartBtInt=5
ReconnectInterval=3
`);
    assert.equal(s.connectionType, 'initiator');
    assert.equal(s.socketConnectHost, '127.0.0.1');
    assert.equal(s.socketConnectPort, 9876);
    assert.equal(s.heartBtIntSec, 5);
    assert.equal(s.reconnectIntervalSec, 3);
  });

  test('TargetCompID=* in an acceptor is a dynamic-session template', () => {
    const s = one(ACCEPTOR.replace('TargetCompID=CLIENT1', 'TargetCompID=*'));
    assert.equal(s.dynamic, true);
    assert.equal(s.id.targetCompId, '*');
  });

  test('drop-copy sessions list their accounts or take all', () => {
    const listed = one(`${ACCEPTOR}SessionType=dropcopy\nDropCopyAccounts=ACC1, ACC2\n`);
    assert.equal(listed.sessionType, 'dropcopy');
    assert.deepEqual(listed.dropCopyAccounts, ['ACC1', 'ACC2']);
    assert.equal(one(`${ACCEPTOR}SessionType=dropcopy\nDropCopyAccounts=*\n`).dropCopyAccounts, '*');
  });

  test('CRLF line endings, indentation and lower-case section names are accepted', () => {
    const s = one(ACCEPTOR.replace('[SESSION]', '  [session]  ').replace(/\n/g, '\r\n'));
    assert.equal(s.id.targetCompId, 'CLIENT1');
  });

  test('extra keys are typed and reported', () => {
    const sessions = parseSettings(`${ACCEPTOR}MaxOrdersPerSecond=50\n`, 'gw.cfg', {
      extraKeys: { MaxOrdersPerSecond: { kind: 'int' }, Desk: { kind: 'string', default: 'main' } },
    });
    assert.equal(sessions[0]!.extra.get('MaxOrdersPerSecond'), 50);
    assert.equal(sessions[0]!.extra.get('Desk'), 'main');
  });

  test('loadSettings reads a file and names it in errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fixgw-settings-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'gw.cfg');
    fs.writeFileSync(file, ACCEPTOR);
    assert.equal(loadSettings(file)[0]!.id.targetCompId, 'CLIENT1');
    fs.writeFileSync(file, `${ACCEPTOR}HeartBtInt=abc\n`);
    assert.throws(() => loadSettings(file), { message: `${file}:12: HeartBtInt: expected a positive integer, got "abc"` });
  });
});

describe('parseSettings errors name file, line and key', () => {
  test('bad integer', () => fails(`${ACCEPTOR}HeartBtInt=abc\n`, 12, 'HeartBtInt', /expected a positive integer, got "abc"/));
  test('zero and negative integers', () => {
    fails(`${ACCEPTOR}HeartBtInt=0\n`, 12, 'HeartBtInt', /1\.\.3600, got 0/);
    fails(`${ACCEPTOR}MaxLatency=-5\n`, 12, 'MaxLatency', /positive integer/);
  });
  test('port out of range', () => fails(ACCEPTOR.replace('9876', '70000'), 7, 'SocketAcceptPort', /1\.\.65535/));
  test('bad boolean', () => fails(`${ACCEPTOR}ResetOnLogon=yes\n`, 12, 'ResetOnLogon', /expected Y or N, got "yes"/));
  test('bad time', () => fails(`${ACCEPTOR}StartTime=25:00:00\n`, 12, 'StartTime', /HH:MM:SS/));
  test('bad day', () => fails(`${ACCEPTOR}StartDay=Funday\nEndDay=Fri\n`, 12, 'StartDay', /day of the week/));
  test('StartDay without EndDay', () => fails(`${ACCEPTOR}StartDay=Sun\n`, 12, 'StartDay', /go together/));
  test('bad time zone', () => fails(`${ACCEPTOR}TimeZone=Mars/Olympus\n`, 12, 'TimeZone', /IANA time zone/));
  test('bad enum', () => fails(ACCEPTOR.replace('acceptor', 'listener'), 4, 'ConnectionType', /acceptor, initiator/));
  test('unsupported BeginString', () => fails(ACCEPTOR.replace('FIX.4.4', 'FIX.5.0'), 5, 'BeginString', /FIX\.4\.4/));
  test('bad address', () => fails(`${ACCEPTOR}AllowedAddresses=10.0.0.0/33\n`, 12, 'AllowedAddresses', /"10\.0\.0\.0\/33"/));
  test('unknown key', () => fails(`${ACCEPTOR}HeartBeatInt=30\n`, 12, 'HeartBeatInt', /unknown key/));
  test('key set twice in a section', () => fails(`${ACCEPTOR}TargetCompID=X\n`, 12, 'TargetCompID', /set twice.*line 11/));
  test('line without =', () => fails(`${ACCEPTOR}just words\n`, 12, 'just words', /Key=Value/));
  test('key before any section', () => fails(`HeartBtInt=30\n${ACCEPTOR}`, 1, 'HeartBtInt', /before any/));
  test('unknown section', () => fails(`${ACCEPTOR}[SESSIONS]\n`, 12, '[SESSIONS]', /unknown section/));
  test('missing required key names the session line', () => fails(ACCEPTOR.replace('SenderCompID=FIXGW\n', ''), 9, 'SenderCompID', /required/));
  test('acceptor without port', () => fails(ACCEPTOR.replace('SocketAcceptPort=9876\n', ''), 9, 'SocketAcceptPort', /required for acceptor/));
  test('initiator without HeartBtInt', () => fails(`[SESSION]
ConnectionType=initiator
BeginString=FIX.4.4
SenderCompID=SIM
TargetCompID=FIXGW
SocketConnectHost=localhost
SocketConnectPort=9876
`, 1, 'HeartBtInt', /required for initiator/));
  test('TargetCompID=* in an initiator', () => fails(`[SESSION]
ConnectionType=initiator
BeginString=FIX.4.4
SenderCompID=SIM
TargetCompID=*
SocketConnectHost=localhost
SocketConnectPort=9876
HeartBtInt=30
`, 5, 'TargetCompID', /only allowed for an acceptor/));
  test('SSL acceptor without key file', () => fails(`${ACCEPTOR}SocketUseSSL=Y\nSocketCertificateFile=cert.pem\n`, 10, 'SocketPrivateKeyFile', /SocketUseSSL/));
  test('drop copy without accounts', () => fails(`${ACCEPTOR}SessionType=dropcopy\n`, 10, 'DropCopyAccounts', /required/));
  test('accounts on a trading session', () => fails(`${ACCEPTOR}DropCopyAccounts=A\n`, 12, 'DropCopyAccounts', /only for SessionType=dropcopy/));
  test('duplicate sessions', () => fails(`${ACCEPTOR}\n[SESSION]\nTargetCompID=CLIENT1\n`, 13, '[SESSION]', /duplicate session FIX\.4\.4:FIXGW->CLIENT1 \(first at line 10\)/));
  test('a bad value inherited from DEFAULT names the DEFAULT line', () => fails(ACCEPTOR.replace('FileStorePath=store', 'LogonTimeout=x'), 8, 'LogonTimeout', /positive integer/));
});

describe('isAddressAllowed', () => {
  test('checks addresses and CIDRs, including IPv4-mapped IPv6', () => {
    const s = one(`${ACCEPTOR}AllowedAddresses=10.1.0.0/16,192.168.1.7,::1\n`);
    assert.equal(isAddressAllowed(s, '10.1.200.3'), true);
    assert.equal(isAddressAllowed(s, '10.2.0.1'), false);
    assert.equal(isAddressAllowed(s, '192.168.1.7'), true);
    assert.equal(isAddressAllowed(s, '::ffff:192.168.1.7'), true);
    assert.equal(isAddressAllowed(s, '192.168.1.8'), false);
    assert.equal(isAddressAllowed(s, '::1'), true);
    assert.equal(isAddressAllowed(s, 'not an ip'), false);
    assert.equal(isAddressAllowed(one(ACCEPTOR), '8.8.8.8'), true, 'no AllowedAddresses: anyone');
  });
});

describe('SessionSchedule', () => {
  const at = (iso: string): number => Date.parse(iso);
  const sched = (extra: string): SessionSettings => one(`${ACCEPTOR}${extra}`);

  test('the default 00:00:00-00:00:00 is always on and resets at midnight', () => {
    const s = sched('');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T13:45:00Z')), true);
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-01T13:45:00Z')), at('2024-05-01T00:00:00Z'));
  });

  test('NonStopSession is always on and never resets', () => {
    const s = sched('NonStopSession=Y\nStartTime=08:00:00\nEndTime=17:00:00\n');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T03:00:00Z')), true);
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-01T03:00:00Z')), undefined);
  });

  test('a daily window within one day', () => {
    const s = sched('StartTime=08:00:00\nEndTime=17:30:00\n');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T07:59:59Z')), false);
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T08:00:00Z')), true);
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T17:30:00Z')), true);
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T17:30:01Z')), false);
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-01T12:00:00Z')), at('2024-05-01T08:00:00Z'));
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-01T20:00:00Z')), undefined);
  });

  test('a daily window across midnight starts on the previous day after midnight', () => {
    const s = sched('StartTime=22:00:00\nEndTime=06:00:00\n');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T23:00:00Z')), true);
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-02T05:00:00Z')), true);
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-02T12:00:00Z')), false);
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-01T23:00:00Z')), at('2024-05-01T22:00:00Z'));
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-02T05:00:00Z')), at('2024-05-01T22:00:00Z'));
  });

  test('a window in New York follows New York time, across daylight saving', () => {
    const s = sched('StartTime=17:05:00\nEndTime=17:00:00\nTimeZone=America/New_York\n');
    // Winter: New York is UTC-5, so 17:00-17:05 local is 22:00-22:05 UTC.
    assert.equal(SessionSchedule.isInSession(s, at('2024-01-10T22:02:00Z')), false);
    assert.equal(SessionSchedule.isInSession(s, at('2024-01-10T22:06:00Z')), true);
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-01-11T03:00:00Z')), at('2024-01-10T22:05:00Z'));
    // Summer: UTC-4.
    assert.equal(SessionSchedule.isInSession(s, at('2024-07-10T21:02:00Z')), false);
    assert.equal(SessionSchedule.isInSession(s, at('2024-07-10T22:02:00Z')), true);
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-07-10T23:00:00Z')), at('2024-07-10T21:05:00Z'));
    // The day the clocks change (2024-03-10): the window began before the change, at UTC-5.
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-03-10T12:00:00Z')), at('2024-03-09T22:05:00Z'));
  });

  test('a window in Tokyo across local midnight', () => {
    const s = sched('StartTime=23:00:00\nEndTime=01:00:00\nTimeZone=Asia/Tokyo\n');
    // 23:30 Tokyo on May 1 = 14:30 UTC; 00:30 Tokyo on May 2 = 15:30 UTC on May 1.
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T14:30:00Z')), true);
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T15:30:00Z')), true);
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-01T16:30:00Z')), false);
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-01T15:30:00Z')), at('2024-05-01T14:00:00Z'));
  });

  test('a weekly window from Sunday evening to Friday evening', () => {
    const s = sched('StartDay=Sunday\nStartTime=18:00:00\nEndDay=Fri\nEndTime=17:00:00\n');
    // 2024-05-05 is a Sunday.
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-05T17:59:59Z')), false);
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-05T18:00:00Z')), true);
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-08T03:00:00Z')), true, 'Wednesday night');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-10T17:00:01Z')), false, 'Friday after the close');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-11T12:00:00Z')), false, 'Saturday');
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-08T03:00:00Z')), at('2024-05-05T18:00:00Z'));
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-05T19:00:00Z')), at('2024-05-05T18:00:00Z'));
  });

  test('a weekly window across the week boundary (Friday to Monday)', () => {
    const s = sched('StartDay=Fr\nStartTime=20:00:00\nEndDay=Mo\nEndTime=04:00:00\n');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-11T12:00:00Z')), true, 'Saturday');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-13T03:00:00Z')), true, 'Monday early');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-14T03:00:00Z')), false, 'Tuesday');
    assert.equal(SessionSchedule.currentSessionStartMs(s, at('2024-05-13T03:00:00Z')), at('2024-05-10T20:00:00Z'));
  });
});

describe('settings files written for QuickFIX C++ and QuickFIX/J', () => {
  const at = (iso: string): number => Date.parse(iso);
  function load(text: string): { sessions: SessionSettings[]; warnings: SettingsWarning[] } {
    const warnings: SettingsWarning[] = [];
    return { sessions: parseSettings(text, 'theirs.cfg', { onWarning: (w) => warnings.push(w) }), warnings };
  }

  test('a QuickFIX C++ file loads: its keys with a meaning here are typed, the others warn once each with the reason', () => {
    const { sessions, warnings } = load(`[DEFAULT]
ConnectionType=acceptor
SocketAcceptPort=5001
SocketNodelay=N
TimestampPrecision=6
ScreenLogShowIncoming=N
ScreenLogShowOutgoing=N
MySQLStoreHost=db.example.com
HttpAcceptPort=9911
StartTime=08:00:00
EndTime=17:00:00
StartDay=Mon
EndDay=Fri
TimeZone=America/New_York
[SESSION]
BeginString=FIX.4.4
SenderCompID=EXEC
TargetCompID=BANZAI
[SESSION]
BeginString=FIX.4.4
SenderCompID=EXEC
TargetCompID=OTHER
`);
    assert.equal(sessions.length, 2);
    const s = sessions[0]!;
    assert.deepEqual([s.socketNoDelay, s.timestampPrecision, s.startDay, s.endDay, s.timeZone], [false, 6, 1, 5, 'America/New_York']);
    assert.deepEqual([s.startTimeSec, s.endTimeSec], [8 * 3600, 17 * 3600]);
    // a [DEFAULT] key applies to both sessions but is one line: one warning
    assert.deepEqual(warnings.map((w) => `${w.line} ${w.key}`), ['6 ScreenLogShowIncoming', '7 ScreenLogShowOutgoing', '8 MySQLStoreHost', '9 HttpAcceptPort']);
    assert.equal(warnings[0]!.message, 'theirs.cfg:6: ScreenLogShowIncoming: no effect here: fixgw writes no screen log: messages and events go to the logs in FileLogPath');
    assert.match(warnings[3]!.message, /HttpAcceptPort: no effect here: .*HttpPort/);
  });

  test('a QuickFIX/J file loads: its spellings, a time zone after StartTime, Weekdays, and its SSL and JDBC keys warn', () => {
    const { sessions, warnings } = load(`[default]
ConnectionType=acceptor
SocketAcceptPort=5001
SocketTcpNoDelay=Y
SocketReuseAddress=N
TimeStampPrecision=MICROS
StartTime=09:00:00 US/Eastern
EndTime=16:00:00 US/Eastern
Weekdays=Mon,Tue,Wed,Thu,Fri
AllowedRemoteAddresses=10.0.0.0/8
ScreenLogShowHeartBeats=N
JdbcURL=jdbc:h2:mem:
NeedClientAuth=Y
[session]
BeginString=FIX.4.4
SenderCompID=EXEC
TargetCompID=BANZAI
`);
    const s = sessions[0]!;
    assert.deepEqual([s.socketNoDelay, s.socketReuseAddress, s.timestampPrecision, s.timeZone], [true, false, 6, 'US/Eastern']);
    assert.deepEqual(s.weekdays, [1, 2, 3, 4, 5]);
    assert.deepEqual(s.allowedAddresses, ['10.0.0.0/8']);
    assert.equal(isAddressAllowed(s, '10.1.2.3'), true);
    assert.equal(isAddressAllowed(s, '192.168.1.1'), false);
    assert.deepEqual(warnings.map((w) => w.key), ['SocketReuseAddress', 'ScreenLogShowHeartBeats', 'JdbcURL', 'NeedClientAuth']);
    assert.match(warnings[0]!.message, /SO_REUSEADDR/);
    // 2024-05-04 is a Saturday: Friday's and Monday's windows only
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-03T14:00:00Z')), true, 'Friday 10:00 New York');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-04T14:00:00Z')), false, 'Saturday');
    assert.equal(SessionSchedule.isInSession(s, at('2024-05-03T21:00:00Z')), false, 'Friday 17:00 New York');
  });

  test('timestamp precision: digits or words, MillisecondsInTimeStamp=N for seconds, milliseconds by default', () => {
    assert.equal(one(ACCEPTOR).timestampPrecision, 3);
    assert.equal(one(`${ACCEPTOR}MillisecondsInTimeStamp=N\n`).timestampPrecision, 0);
    assert.equal(one(`${ACCEPTOR}MillisecondsInTimeStamp=Y\n`).timestampPrecision, 3);
    assert.equal(one(`${ACCEPTOR}TimestampPrecision=9\n`).timestampPrecision, 9);
    assert.equal(one(`${ACCEPTOR}TimeStampPrecision=SECONDS\n`).timestampPrecision, 0);
    fails(`${ACCEPTOR}TimestampPrecision=7\n`, 12, 'TimestampPrecision', /expected 0, 3, 6 or 9 \(or SECONDS, MILLIS, MICROS, NANOS\), got "7"/);
    fails(`${ACCEPTOR}TimestampPrecision=6\nMillisecondsInTimeStamp=Y\n`, 13, 'MillisecondsInTimeStamp', /sets the same thing as TimestampPrecision/);
    fails(`${ACCEPTOR}SocketNodelay=Y\nSocketTcpNoDelay=N\n`, 13, 'SocketTcpNoDelay', /sets the same thing as SocketNodelay/);
  });

  test('what cannot be right is still refused: a typo, two zones, Weekdays with StartDay, a bad day or zone', () => {
    fails(`${ACCEPTOR}ScreenLogShowIncomming=N\n`, 12, 'ScreenLogShowIncomming', /unknown key \(neither a fixgw key nor a QuickFIX one\)/);
    fails(`${ACCEPTOR}StartTime=09:00:00 Europe/London\nTimeZone=Europe/Paris\n`, 13, 'TimeZone', /time zone Europe\/Paris differs from Europe\/London of StartTime/);
    fails(`${ACCEPTOR}StartTime=09:00:00 Mars/Olympus\n`, 12, 'StartTime', /expected an IANA time zone after the time, got "Mars\/Olympus"/);
    fails(`${ACCEPTOR}Weekdays=Mon,Fri\nStartDay=Mon\nEndDay=Fri\n`, 12, 'Weekdays', /give Weekdays or StartDay\/EndDay, not both/);
    fails(`${ACCEPTOR}Weekdays=Mon,Someday\n`, 12, 'Weekdays', /expected days of the week .*got "Someday"/);
  });

  test('the next change of a schedule: the next StartTime, or the second after EndTime; none for a session always up', () => {
    const daily = one(`${ACCEPTOR}StartTime=08:00:00\nEndTime=17:00:00\nTimeZone=America/New_York\n`);
    assert.equal(SessionSchedule.nextChangeMs(daily, at('2024-05-01T11:00:00Z')), at('2024-05-01T12:00:00Z'), 'opens at 08:00 New York');
    assert.equal(SessionSchedule.nextChangeMs(daily, at('2024-05-01T13:00:00Z')), at('2024-05-01T21:00:01Z'), 'closes after 17:00:00');
    const weekly = one(`${ACCEPTOR}StartDay=Sunday\nStartTime=18:00:00\nEndDay=Fri\nEndTime=17:00:00\n`);
    assert.equal(SessionSchedule.nextChangeMs(weekly, at('2024-05-08T03:00:00Z')), at('2024-05-10T17:00:01Z'));
    assert.equal(SessionSchedule.nextChangeMs(weekly, at('2024-05-11T12:00:00Z')), at('2024-05-12T18:00:00Z'));
    const weekdays = one(`${ACCEPTOR}StartTime=09:00:00\nEndTime=16:00:00\nWeekdays=Mon,Fri\n`);
    assert.equal(SessionSchedule.nextChangeMs(weekdays, at('2024-05-03T17:00:00Z')), at('2024-05-06T09:00:00Z'), 'Friday evening to Monday');
    assert.equal(SessionSchedule.nextChangeMs(one(ACCEPTOR), at('2024-05-01T11:00:00Z')), undefined);
    assert.equal(SessionSchedule.nextChangeMs(one(`${ACCEPTOR}NonStopSession=Y\nStartTime=08:00:00\nEndTime=09:00:00\n`), at('2024-05-01T11:00:00Z')), undefined);
  });
});
