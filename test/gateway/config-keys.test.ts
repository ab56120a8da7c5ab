// Every key the settings parser accepts is either used by the gateway or refused by it: set to one value and then to
// another, a used key changes the typed settings the gateway runs with; a key it would ignore (an initiator's, a sub
// ID) is refused with the reason, so nothing in a .cfg is silently without effect. The one exception is a key whose
// default is what Node.js always does and whose other value cannot be honoured: that value is warned about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY_KEYS, parseGatewaySettings } from '../../src/gateway/index.js';
import { SESSION_KEY_SPECS, type KeySpec } from '../../src/session/settings.js';

process.env.TZ = 'Asia/Tokyo'; // UseLocalTime=Y then means a zone other than UTC

type Keys = Record<string, string>;
const BASE: Keys = { ConnectionType: 'acceptor', BeginString: 'FIX.4.4', SenderCompID: 'FIXGW', SocketAcceptPort: '9876', TargetCompID: '*' };

/** Two settings of a key (with what each needs beside it) that a gateway using the key must tell apart. */
const PAIRS: Record<string, [Keys, Keys]> = {
  SessionType: [{ SessionType: 'trading' }, { SessionType: 'dropcopy', DropCopyAccounts: '*' }],
  DropCopyAccounts: [{ SessionType: 'dropcopy', DropCopyAccounts: 'A' }, { SessionType: 'dropcopy', DropCopyAccounts: 'B' }],
  SocketUseSSL: [{ SocketUseSSL: 'N' }, { SocketUseSSL: 'Y', SocketPrivateKeyFile: '/k', SocketCertificateFile: '/c' }],
  SocketPrivateKeyFile: ssl({ SocketPrivateKeyFile: '/a' }, { SocketPrivateKeyFile: '/b' }),
  SocketCertificateFile: ssl({ SocketCertificateFile: '/a' }, { SocketCertificateFile: '/b' }),
  SocketCAFile: ssl({ SocketCAFile: '/a' }, { SocketCAFile: '/b' }),
  SocketVerifyPeer: ssl({ SocketVerifyPeer: 'Y' }, { SocketVerifyPeer: 'N' }),
  ValidateCertificates: ssl({ ValidateCertificates: 'Y' }, { ValidateCertificates: 'N' }),
  HttpsPrivateKeyFile: [{ HttpsPrivateKeyFile: '/a', HttpsCertificateFile: '/c' }, { HttpsPrivateKeyFile: '/b', HttpsCertificateFile: '/c' }],
  HttpsCertificateFile: [{ HttpsPrivateKeyFile: '/k', HttpsCertificateFile: '/a' }, { HttpsPrivateKeyFile: '/k', HttpsCertificateFile: '/b' }],
  IdleSpinMicros: [{ IdleSpinMicros: '100' }, { IdleSpinMicros: 'auto' }],
  StartDay: [{ StartDay: 'Mo', EndDay: 'Fr' }, { StartDay: 'Tu', EndDay: 'Fr' }],
  EndDay: [{ StartDay: 'Mo', EndDay: 'Fr' }, { StartDay: 'Mo', EndDay: 'Th' }],
  Weekdays: [{ Weekdays: 'Mo,Tu' }, { Weekdays: 'We' }],
  NonStopSession: [{ StartTime: '09:00:00', EndTime: '17:00:00', NonStopSession: 'N' }, { StartTime: '09:00:00', EndTime: '17:00:00', NonStopSession: 'Y' }],
};
/** Keys whose default is what Node.js always does and whose other value cannot be honoured: that one is warned about. */
const WARNED: Record<string, [Keys, Keys]> = { SocketReuseAddress: [{ SocketReuseAddress: 'Y' }, { SocketReuseAddress: 'N' }] };
/** Keys with only one value the gateway can run with. */
const ONE_VALUE = new Set(['ConnectionType']);

function ssl(a: Keys, b: Keys): [Keys, Keys] {
  const files = { SocketUseSSL: 'Y', SocketPrivateKeyFile: '/k', SocketCertificateFile: '/c' };
  return [{ ...files, ...a }, { ...files, ...b }];
}

/** Two distinct valid values of a key, from its spec. */
function pairOf(key: string, spec: KeySpec): [Keys, Keys] {
  const v = (a: string, b: string): [Keys, Keys] => [{ [key]: a }, { [key]: b }];
  switch (spec.kind) {
    case 'int': {
      const low = Math.max(spec.min ?? 1, 1);
      return v(String(low), String(low + 1));
    }
    case 'bool': return v('Y', 'N');
    case 'enum': return v(spec.values[0]!, spec.values[1]!);
    case 'string': return v('one', 'two');
    case 'path': return v('/tmp/one', '/tmp/two');
    case 'time': case 'sessiontime': return v('01:02:03', '04:05:06');
    case 'precision': return v('0', '6');
    case 'day': return v('Mo', 'Tu');
    case 'list': return v('A,B', 'C');
    case 'timezone': return v('Europe/Paris', 'America/New_York');
    case 'addresses': return v('10.0.0.0/8', '192.168.0.0/16');
  }
}

function cfgWith(keys: Keys): string {
  const all = { ...BASE, ...keys };
  const { TargetCompID, ...rest } = all;
  return `[DEFAULT]\n${Object.entries(rest).map(([k, v]) => `${k}=${v}\n`).join('')}[SESSION]\nTargetCompID=${TargetCompID}\n`;
}

/** 'warned' when the default is accepted silently and the other value with one warning about this key. */
function warnedVerdict(key: string, [honoured, not]: [Keys, Keys]): string {
  const warnings = (keys: Keys) => {
    const seen: string[] = [];
    parseGatewaySettings(cfgWith(keys), '/', { onWarning: (w) => seen.push(`${w.key}: ${w.message}`) });
    return seen;
  };
  const [a, b] = [warnings(honoured), warnings(not)];
  return a.length === 0 && b.length === 1 && b[0]!.startsWith(`${key}: `) && /no effect here/.test(b[0]!) ? 'warned' : `neither: warnings ${JSON.stringify([a, b])}`;
}

/** 'used', 'refused', 'warned', or why none of them. */
function verdictOf(key: string, spec: KeySpec): string {
  if (ONE_VALUE.has(key)) return 'used';
  if (WARNED[key] !== undefined) return warnedVerdict(key, WARNED[key]);
  const [a, b] = PAIRS[key] ?? pairOf(key, spec);
  let typed: [string, string];
  try {
    typed = [JSON.stringify(parseGatewaySettings(cfgWith(a), '/')), JSON.stringify(parseGatewaySettings(cfgWith(b), '/'))];
  } catch (err) {
    const message = (err as Error).message;
    return /not used by the gateway/.test(message) ? 'refused' : `neither: ${message}`;
  }
  return typed[0] !== typed[1] ? 'used' : 'neither: accepted, and nothing the gateway runs with changes';
}

test('every key the settings parser accepts is used by the gateway or refused by it', () => {
  const keys = { ...SESSION_KEY_SPECS, ...GATEWAY_KEYS };
  const verdicts = Object.entries(keys).map(([key, spec]) => [key, verdictOf(key, spec)] as const);
  assert.deepEqual(verdicts.filter(([, v]) => v !== 'used' && v !== 'refused' && v !== 'warned'), []);
  const refused = verdicts.filter(([, v]) => v === 'refused').map(([k]) => k).sort();
  assert.deepEqual(refused, ['ReconnectInterval', 'RefreshOnLogon', 'SenderLocationID', 'SenderSubID', 'SessionQualifier', 'SocketConnectHost',
    'SocketConnectPort', 'TargetLocationID', 'TargetSubID']);
  assert.deepEqual(verdicts.filter(([, v]) => v === 'warned').map(([k]) => k), ['SocketReuseAddress']);
});

test('a key the gateway does not use is refused with the file, line and reason', () => {
  assert.throws(() => parseGatewaySettings(cfgWith({ ReconnectInterval: '5' })), /<inline>:\d+: ReconnectInterval: not used by the gateway/);
});

test('a key that applies to the whole gateway must be the same in every session', () => {
  const cfg = `${cfgWith({}).replace('[SESSION]\nTargetCompID=*\n', '')}[SESSION]\nTargetCompID=A\n[SESSION]\nTargetCompID=B\nJournalFsync=N\n`;
  assert.throws(() => parseGatewaySettings(cfg), /JournalFsync: applies to the whole gateway/);
  const perSession = `${cfgWith({}).replace('[SESSION]\nTargetCompID=*\n', '')}[SESSION]\nTargetCompID=A\n[SESSION]\nTargetCompID=B\nPassword=b\n`;
  assert.deepEqual(parseGatewaySettings(perSession).sessions.map((s) => s.password), [undefined, 'b']);
});
