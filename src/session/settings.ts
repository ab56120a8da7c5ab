// QuickFIX-style session settings: `[DEFAULT]` then `[SESSION]` sections of Key=Value lines, parsed
// into typed, validated SessionSettings (each session = DEFAULT overlaid with its section), and the
// session schedule (StartTime/EndTime/StartDay/EndDay or Weekdays in a TimeZone) that decides when a
// session is up and when its sequence numbers reset. A QuickFIX C++ or QuickFIX/J file loads: their
// spellings of our keys are read, and keys that mean nothing here are reported through onWarning.

import fs from 'node:fs';
import net from 'node:net';
import { sessionKey, type SessionId } from './session-id.js';
import { foreignKeyReason } from './settings-foreign.js';

export class SettingsError extends Error {
  readonly file: string;
  readonly line: number;
  readonly key: string;
  constructor(file: string, line: number, key: string, problem: string) {
    super(`${file}:${line}: ${key}: ${problem}`);
    this.name = 'SettingsError';
    this.file = file;
    this.line = line;
    this.key = key;
  }
}

/** How a key's value is checked and typed. */
export type KeySpec =
  | { kind: 'string'; default?: string }
  | { kind: 'int'; default?: number; min?: number; max?: number }
  | { kind: 'bool'; default?: boolean }
  | { kind: 'time'; default?: string }
  /** HH:MM:SS, optionally followed by an IANA zone (QuickFIX/J: `StartTime=09:30:00 America/New_York`). */
  | { kind: 'sessiontime'; default?: string }
  /** Fractional digits of a timestamp: 0, 3, 6, 9 (QuickFIX C++) or SECONDS, MILLIS, MICROS, NANOS (QuickFIX/J). */
  | { kind: 'precision' }
  | { kind: 'day' }
  | { kind: 'path' }
  | { kind: 'enum'; values: readonly string[]; default?: string }
  | { kind: 'list'; default?: string }
  | { kind: 'timezone' }
  | { kind: 'addresses' };

export type SettingValue = string | number | boolean | string[];

export type ConnectionType = 'acceptor' | 'initiator';
export type SessionType = 'trading' | 'dropcopy';

export interface SessionSettings {
  id: SessionId;
  /** Line of the session's [SESSION] header. */
  line: number;
  /** Every key that applies (DEFAULT overlaid with the section), as written. */
  raw: Map<string, string>;

  connectionType: ConnectionType;
  /** Acceptor with TargetCompID=*: a template that accepts any client CompID. */
  dynamic: boolean;
  senderSubId?: string;
  senderLocationId?: string;
  targetSubId?: string;
  targetLocationId?: string;
  sessionQualifier?: string;

  socketAcceptPort?: number;
  socketAcceptHost?: string;
  socketConnectHost?: string;
  socketConnectPort?: number;
  reconnectIntervalSec: number;
  heartBtIntSec: number;

  /** Seconds after local midnight in timeZone. */
  startTimeSec: number;
  endTimeSec: number;
  /** 0 = Sunday .. 6 = Saturday; both set for a weekly session, both undefined for a daily one. */
  startDay?: number;
  endDay?: number;
  /** IANA zone the schedule is in ('UTC' unless TimeZone or UseLocalTime says otherwise). */
  timeZone: string;
  useLocalTime: boolean;
  /** Never outside the session and never reset by the schedule. */
  nonStopSession: boolean;
  /** QuickFIX/J Weekdays: the days (0 = Sunday) on which the daily window opens; undefined = every day. */
  weekdays?: number[];

  resetOnLogon: boolean;
  resetOnLogout: boolean;
  resetOnDisconnect: boolean;
  refreshOnLogon: boolean;
  fileStorePath?: string;
  fileStoreSync: boolean;
  fileLogPath?: string;
  persistMessages: boolean;

  /** Undefined: the built-in FIX44 dictionary. */
  dataDictionary?: string;
  useDataDictionary: boolean;
  validateFieldsOutOfOrder: boolean;
  validateFieldsHaveValues: boolean;
  validateUserDefinedFields: boolean;
  allowUnknownMsgFields: boolean;
  checkCompId: boolean;
  checkLatency: boolean;
  maxLatencySec: number;
  logonTimeoutSec: number;
  logoutTimeoutSec: number;
  sendRedundantResendRequests: boolean;

  socketUseSsl: boolean;
  socketPrivateKeyFile?: string;
  socketCertificateFile?: string;
  socketCaFile?: string;
  socketVerifyPeer: boolean;

  /** Logon password the client must send in Password(554); undefined = none required. */
  password?: string;
  /** IPs/CIDRs a client may connect from; undefined = any. See isAddressAllowed. */
  allowedAddresses?: string[];
  cancelOnDisconnect: boolean;
  sessionType: SessionType;
  /** Accounts a drop-copy session sees: a list, or '*' for all. */
  dropCopyAccounts?: string[] | '*';
  maxMessagesPerSecond: number;
  maxOutboundBufferBytes: number;
  resendChunkSize: number;
  /** TCP_NODELAY on the session's socket (SocketNodelay, QuickFIX/J SocketTcpNoDelay; default Y). */
  socketNoDelay: boolean;
  /** SO_REUSEADDR on the listening socket (SocketReuseAddress; Node.js always sets it, so N only warns). */
  socketReuseAddress: boolean;
  /** Fractional digits of the UTC timestamps the session writes (SendingTime, OrigSendingTime): TimestampPrecision,
   *  QuickFIX/J TimeStampPrecision, or MillisecondsInTimeStamp (N = 0); default 3. */
  timestampPrecision: 0 | 3 | 6 | 9;

  /** Values of opts.extraKeys present in the session, typed by their KeySpec. */
  extra: Map<string, SettingValue>;
}

export interface ParseOptions {
  /** Keys the caller adds (e.g. an application's own settings); they may not shadow ours. */
  extraKeys?: Record<string, KeySpec>;
  /** Keys read without effect (another engine's settings), one call each; default: process.emitWarning. */
  onWarning?: (warning: SettingsWarning) => void;
}

/** A key that was read but does nothing here, and why: `file:line: Key: ...` in `message`. */
export interface SettingsWarning { file: string; line: number; key: string; message: string }

const INT_MAX = 2 ** 31 - 1;
const BEGIN_STRINGS = ['FIX.4.0', 'FIX.4.1', 'FIX.4.2', 'FIX.4.3', 'FIX.4.4', 'FIXT.1.1'] as const;

/** Every key we know, with its QuickFIX default where it has one. */
const KEYS: Record<string, KeySpec> = {
  ConnectionType: { kind: 'enum', values: ['acceptor', 'initiator'] },
  BeginString: { kind: 'enum', values: BEGIN_STRINGS },
  SenderCompID: { kind: 'string' },
  TargetCompID: { kind: 'string' },
  SenderSubID: { kind: 'string' },
  SenderLocationID: { kind: 'string' },
  TargetSubID: { kind: 'string' },
  TargetLocationID: { kind: 'string' },
  SessionQualifier: { kind: 'string' },
  SocketAcceptPort: { kind: 'int', min: 1, max: 65535 },
  SocketAcceptHost: { kind: 'string' },
  SocketConnectHost: { kind: 'string' },
  SocketConnectPort: { kind: 'int', min: 1, max: 65535 },
  ReconnectInterval: { kind: 'int', default: 30, min: 1, max: 86400 },
  HeartBtInt: { kind: 'int', default: 30, min: 1, max: 3600 },
  StartTime: { kind: 'sessiontime', default: '00:00:00' },
  EndTime: { kind: 'sessiontime', default: '00:00:00' },
  Weekdays: { kind: 'list' },
  StartDay: { kind: 'day' },
  EndDay: { kind: 'day' },
  TimeZone: { kind: 'timezone' },
  UseLocalTime: { kind: 'bool', default: false },
  NonStopSession: { kind: 'bool', default: false },
  ResetOnLogon: { kind: 'bool', default: false },
  ResetOnLogout: { kind: 'bool', default: false },
  ResetOnDisconnect: { kind: 'bool', default: false },
  RefreshOnLogon: { kind: 'bool', default: false },
  FileStorePath: { kind: 'path' },
  FileStoreSync: { kind: 'bool', default: false },
  FileLogPath: { kind: 'path' },
  PersistMessages: { kind: 'bool', default: true },
  DataDictionary: { kind: 'path' },
  UseDataDictionary: { kind: 'bool', default: true },
  ValidateFieldsOutOfOrder: { kind: 'bool', default: true },
  ValidateFieldsHaveValues: { kind: 'bool', default: true },
  ValidateUserDefinedFields: { kind: 'bool', default: true },
  AllowUnknownMsgFields: { kind: 'bool', default: false },
  CheckCompID: { kind: 'bool', default: true },
  CheckLatency: { kind: 'bool', default: true },
  MaxLatency: { kind: 'int', default: 120, min: 1, max: 86400 },
  LogonTimeout: { kind: 'int', default: 10, min: 1, max: 3600 },
  LogoutTimeout: { kind: 'int', default: 2, min: 1, max: 3600 },
  SendRedundantResendRequests: { kind: 'bool', default: false },
  SocketUseSSL: { kind: 'bool', default: false },
  SocketPrivateKeyFile: { kind: 'path' },
  SocketCertificateFile: { kind: 'path' },
  SocketCAFile: { kind: 'path' },
  SocketVerifyPeer: { kind: 'bool', default: false },
  ValidateCertificates: { kind: 'bool' }, // QuickFIX/J spelling of SocketVerifyPeer
  Password: { kind: 'string' },
  AllowedAddresses: { kind: 'addresses' },
  CancelOnDisconnect: { kind: 'bool', default: false },
  SessionType: { kind: 'enum', values: ['trading', 'dropcopy'], default: 'trading' },
  DropCopyAccounts: { kind: 'list' },
  MaxMessagesPerSecond: { kind: 'int', default: 5000, min: 1, max: 1_000_000 },
  MaxOutboundBufferBytes: { kind: 'int', default: 8 * 1024 * 1024, min: 1024, max: 1024 * 1024 * 1024 },
  ResendChunkSize: { kind: 'int', default: 1000, min: 1, max: 100_000 },
  SocketNodelay: { kind: 'bool', default: true },
  SocketTcpNoDelay: { kind: 'bool' }, // QuickFIX/J spelling of SocketNodelay
  SocketReuseAddress: { kind: 'bool', default: true },
  TimestampPrecision: { kind: 'precision' },
  TimeStampPrecision: { kind: 'precision' }, // QuickFIX/J spelling
  MillisecondsInTimeStamp: { kind: 'bool' },
  AllowedRemoteAddresses: { kind: 'addresses' }, // QuickFIX/J spelling of AllowedAddresses
};

/** Keys that set the same thing: at most one of each group in a session. */
const SAME_SETTING: readonly string[][] = [
  ['SocketNodelay', 'SocketTcpNoDelay'], ['TimestampPrecision', 'TimeStampPrecision', 'MillisecondsInTimeStamp'],
  ['AllowedAddresses', 'AllowedRemoteAddresses'],
];

/** Every session key the parser accepts, with its spec (an application checks it uses or refuses each). */
export const SESSION_KEY_SPECS: Readonly<Record<string, KeySpec>> = KEYS;

const REQUIRED_ALWAYS = ['ConnectionType', 'BeginString', 'SenderCompID', 'TargetCompID'];
const REQUIRED_BY_TYPE: Record<ConnectionType, string[]> = {
  acceptor: ['SocketAcceptPort'],
  initiator: ['SocketConnectHost', 'SocketConnectPort', 'HeartBtInt'],
};

/** Bounds on the input itself. */
const MAX_SESSIONS = 10_000;
const MAX_LINE_CHARS = 4096;

interface Entry { value: string; line: number }

export function loadSettings(path: string, opts?: ParseOptions): SessionSettings[] {
  return parseSettings(fs.readFileSync(path, 'utf8'), path, opts);
}

export function parseSettings(text: string, file: string, opts?: ParseOptions): SessionSettings[] {
  const extraKeys = opts?.extraKeys ?? {};
  const warn = (line: number, key: string, problem: string): void => {
    const warning = { file, line, key, message: `${file}:${line}: ${key}: ${problem}` };
    if (opts?.onWarning !== undefined) opts.onWarning(warning);
    else process.emitWarning(warning.message, 'FixgwSettingsWarning');
  };
  for (const key of Object.keys(extraKeys)) {
    if (key in KEYS) throw new SettingsError(file, 0, key, 'extra key shadows a built-in key');
  }
  const defaults = new Map<string, Entry>();
  const sections: Array<{ line: number; entries: Map<string, Entry> }> = [];
  let current: Map<string, Entry> | undefined;

  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.length > MAX_LINE_CHARS) throw new SettingsError(file, lineNo, '-', `line longer than ${MAX_LINE_CHARS} characters`);
    const section = /^\[\s*([A-Za-z]+)\s*\]$/.exec(line);
    if (section !== null) {
      const name = section[1]!.toUpperCase();
      if (name === 'DEFAULT') {
        current = defaults;
      } else if (name === 'SESSION') {
        if (sections.length >= MAX_SESSIONS) throw new SettingsError(file, lineNo, '[SESSION]', `more than ${MAX_SESSIONS} sessions`);
        current = new Map();
        sections.push({ line: lineNo, entries: current });
      } else {
        throw new SettingsError(file, lineNo, `[${section[1]}]`, 'unknown section (expected [DEFAULT] or [SESSION])');
      }
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new SettingsError(file, lineNo, line.slice(0, 40), 'expected Key=Value, a [SECTION] or a # comment');
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (current === undefined) throw new SettingsError(file, lineNo, key, 'key before any [DEFAULT] or [SESSION] section');
    if (!(key in KEYS) && !(key in extraKeys)) {
      const reason = foreignKeyReason(key);
      if (reason === undefined) throw new SettingsError(file, lineNo, key, 'unknown key (neither a fixgw key nor a QuickFIX one)');
      warn(lineNo, key, `no effect here: ${reason}`);
      continue;
    }
    if (key === 'SocketReuseAddress' && value === 'N') warn(lineNo, key, 'no effect here: Node.js always sets SO_REUSEADDR on a listening socket');
    const earlier = current.get(key);
    if (earlier !== undefined) throw new SettingsError(file, lineNo, key, `set twice in one section (first at line ${earlier.line})`);
    current.set(key, { value, line: lineNo });
  }

  const sessions: SessionSettings[] = [];
  const seen = new Map<string, number>();
  for (const section of sections) {
    const merged = new Map(defaults);
    for (const [key, entry] of section.entries) merged.set(key, entry);
    const settings = buildSession(file, section.line, merged, extraKeys);
    const dupKey = `${sessionKey(settings.id)}${settings.sessionQualifier !== undefined ? `:${settings.sessionQualifier}` : ''}`;
    const first = seen.get(dupKey);
    if (first !== undefined) throw new SettingsError(file, section.line, '[SESSION]', `duplicate session ${dupKey} (first at line ${first})`);
    seen.set(dupKey, section.line);
    sessions.push(settings);
  }
  return sessions;
}

/** Type and check one session's merged entries. */
function buildSession(file: string, line: number, entries: Map<string, Entry>, extraKeys: Record<string, KeySpec>): SessionSettings {
  const fail = (key: string, problem: string): never => {
    throw new SettingsError(file, entries.get(key)?.line ?? line, key, problem);
  };
  const get = (key: string): SettingValue | undefined => {
    const spec = KEYS[key] ?? extraKeys[key];
    if (spec === undefined) throw new Error(`settings: no spec for ${key}`);
    const entry = entries.get(key);
    if (entry === undefined) return defaultOf(spec);
    return parseValue(spec, entry.value, (problem) => fail(key, problem));
  };
  const str = (key: string): string | undefined => get(key) as string | undefined;
  const int = (key: string): number => get(key) as number;
  const optInt = (key: string): number | undefined => get(key) as number | undefined;
  const bool = (key: string): boolean => get(key) as boolean;

  for (const key of REQUIRED_ALWAYS) if (!entries.has(key)) fail(key, 'required');
  const connectionType = str('ConnectionType') as ConnectionType;
  for (const key of REQUIRED_BY_TYPE[connectionType]) if (!entries.has(key)) fail(key, `required for ${connectionType}`);

  const senderCompId = str('SenderCompID')!;
  const targetCompId = str('TargetCompID')!;
  if (senderCompId === '') fail('SenderCompID', 'must not be empty');
  if (targetCompId === '') fail('TargetCompID', 'must not be empty');
  if (senderCompId === '*') fail('SenderCompID', '"*" is only allowed in TargetCompID of an acceptor');
  const dynamic = targetCompId === '*';
  if (dynamic && connectionType !== 'acceptor') fail('TargetCompID', '"*" (dynamic sessions) is only allowed for an acceptor');

  const startDay = optInt('StartDay');
  const endDay = optInt('EndDay');
  if ((startDay === undefined) !== (endDay === undefined)) fail(startDay === undefined ? 'EndDay' : 'StartDay', 'StartDay and EndDay go together');

  for (const group of SAME_SETTING) {
    const given = group.filter((k) => entries.has(k));
    if (given.length > 1) fail(given[1]!, `sets the same thing as ${given[0]}: give one of ${group.join(', ')}`);
  }
  const useLocalTime = bool('UseLocalTime');
  const zoneKey = str('TimeZone');
  const timeZone = scheduleZoneOf(entries, fail) ?? zoneKey ?? (useLocalTime ? Intl.DateTimeFormat().resolvedOptions().timeZone : 'UTC');
  const weekdays = weekdaysOf(get('Weekdays') as string[] | undefined, (problem) => fail('Weekdays', problem));
  if (weekdays !== undefined && startDay !== undefined) fail('Weekdays', 'give Weekdays or StartDay/EndDay, not both');

  const socketUseSsl = bool('SocketUseSSL');
  if (socketUseSsl && connectionType === 'acceptor') {
    for (const key of ['SocketPrivateKeyFile', 'SocketCertificateFile']) if (!entries.has(key)) fail(key, 'required when SocketUseSSL=Y');
  }
  const verifyPeer = entries.has('ValidateCertificates') ? bool('ValidateCertificates') : bool('SocketVerifyPeer');

  const sessionType = str('SessionType') as SessionType;
  let dropCopyAccounts: string[] | '*' | undefined;
  const accounts = get('DropCopyAccounts') as string[] | undefined;
  if (accounts !== undefined) {
    if (sessionType !== 'dropcopy') fail('DropCopyAccounts', 'only for SessionType=dropcopy');
    dropCopyAccounts = accounts.length === 1 && accounts[0] === '*' ? '*' : accounts;
    if (dropCopyAccounts !== '*' && dropCopyAccounts.includes('*')) fail('DropCopyAccounts', '"*" must stand alone');
  } else if (sessionType === 'dropcopy') {
    fail('DropCopyAccounts', 'required for SessionType=dropcopy (a list of accounts, or *)');
  }

  const extra = new Map<string, SettingValue>();
  for (const key of Object.keys(extraKeys)) {
    const value = get(key);
    if (value !== undefined) extra.set(key, value);
  }

  const raw = new Map<string, string>();
  for (const [key, entry] of entries) raw.set(key, entry.value);

  return {
    id: { beginString: str('BeginString')!, senderCompId, targetCompId },
    line,
    raw,
    connectionType,
    dynamic,
    senderSubId: str('SenderSubID'),
    senderLocationId: str('SenderLocationID'),
    targetSubId: str('TargetSubID'),
    targetLocationId: str('TargetLocationID'),
    sessionQualifier: str('SessionQualifier'),
    socketAcceptPort: optInt('SocketAcceptPort'),
    socketAcceptHost: str('SocketAcceptHost'),
    socketConnectHost: str('SocketConnectHost'),
    socketConnectPort: optInt('SocketConnectPort'),
    reconnectIntervalSec: int('ReconnectInterval'),
    heartBtIntSec: int('HeartBtInt'),
    startTimeSec: int('StartTime'),
    endTimeSec: int('EndTime'),
    startDay,
    endDay,
    timeZone,
    useLocalTime,
    nonStopSession: bool('NonStopSession'),
    ...(weekdays !== undefined ? { weekdays } : {}),
    resetOnLogon: bool('ResetOnLogon'),
    resetOnLogout: bool('ResetOnLogout'),
    resetOnDisconnect: bool('ResetOnDisconnect'),
    refreshOnLogon: bool('RefreshOnLogon'),
    fileStorePath: str('FileStorePath'),
    fileStoreSync: bool('FileStoreSync'),
    fileLogPath: str('FileLogPath'),
    persistMessages: bool('PersistMessages'),
    dataDictionary: str('DataDictionary'),
    useDataDictionary: bool('UseDataDictionary'),
    validateFieldsOutOfOrder: bool('ValidateFieldsOutOfOrder'),
    validateFieldsHaveValues: bool('ValidateFieldsHaveValues'),
    validateUserDefinedFields: bool('ValidateUserDefinedFields'),
    allowUnknownMsgFields: bool('AllowUnknownMsgFields'),
    checkCompId: bool('CheckCompID'),
    checkLatency: bool('CheckLatency'),
    maxLatencySec: int('MaxLatency'),
    logonTimeoutSec: int('LogonTimeout'),
    logoutTimeoutSec: int('LogoutTimeout'),
    sendRedundantResendRequests: bool('SendRedundantResendRequests'),
    socketUseSsl,
    socketPrivateKeyFile: str('SocketPrivateKeyFile'),
    socketCertificateFile: str('SocketCertificateFile'),
    socketCaFile: str('SocketCAFile'),
    socketVerifyPeer: verifyPeer,
    password: str('Password'),
    allowedAddresses: (get('AllowedAddresses') ?? get('AllowedRemoteAddresses')) as string[] | undefined,
    cancelOnDisconnect: bool('CancelOnDisconnect'),
    sessionType,
    dropCopyAccounts,
    maxMessagesPerSecond: int('MaxMessagesPerSecond'),
    maxOutboundBufferBytes: int('MaxOutboundBufferBytes'),
    resendChunkSize: int('ResendChunkSize'),
    socketNoDelay: (get('SocketTcpNoDelay') ?? get('SocketNodelay')) as boolean,
    socketReuseAddress: bool('SocketReuseAddress'),
    timestampPrecision: precisionOf(entries, get),
    extra,
  };
}

function defaultOf(spec: KeySpec): SettingValue | undefined {
  switch (spec.kind) {
    case 'string': case 'enum': case 'int': case 'bool': return spec.default;
    case 'time': case 'sessiontime': return spec.default === undefined ? undefined : parseTimeOfDay(spec.default);
    case 'list': return spec.default === undefined ? undefined : splitList(spec.default);
    default: return undefined;
  }
}

/** Check and type one value; `fail` throws. */
function parseValue(spec: KeySpec, value: string, fail: (problem: string) => never): SettingValue {
  switch (spec.kind) {
    case 'string':
      return value;
    case 'path':
      if (value === '' || value.includes('\0')) fail(`expected a path, got "${value}"`);
      return value;
    case 'int': {
      if (!/^\d{1,10}$/.test(value)) fail(`expected a positive integer, got "${value}"`);
      const n = Number(value);
      const min = spec.min ?? 1;
      const max = spec.max ?? INT_MAX;
      if (n < min || n > max) fail(`expected an integer in ${min}..${max}, got ${value}`);
      return n;
    }
    case 'bool':
      if (value === 'Y') return true;
      if (value === 'N') return false;
      return fail(`expected Y or N, got "${value}"`);
    case 'enum':
      if (!spec.values.includes(value)) fail(`expected one of ${spec.values.join(', ')}, got "${value}"`);
      return value;
    case 'time': {
      const sec = parseTimeOfDay(value);
      if (sec === undefined) fail(`expected a time HH:MM:SS, got "${value}"`);
      return sec!;
    }
    case 'sessiontime': {
      const m = /^(\S+)(?:\s+(\S+))?$/.exec(value);
      const sec = m === null ? undefined : parseTimeOfDay(m[1]!);
      if (sec === undefined) fail(`expected a time HH:MM:SS, optionally followed by a time zone, got "${value}"`);
      if (m![2] !== undefined && !isTimeZone(m![2])) fail(`expected an IANA time zone after the time, got "${m![2]}"`);
      return sec!;
    }
    case 'precision': {
      const digits = PRECISION_WORDS[value.toUpperCase()] ?? (/^[0369]$/.test(value) ? Number(value) : undefined);
      if (digits === undefined) fail(`expected 0, 3, 6 or 9 (or SECONDS, MILLIS, MICROS, NANOS), got "${value}"`);
      return digits!;
    }
    case 'day': {
      const day = parseDay(value);
      if (day === undefined) fail(`expected a day of the week (Sunday..Saturday, or Su, Mo, ...), got "${value}"`);
      return day!;
    }
    case 'timezone':
      if (!isTimeZone(value)) fail(`expected an IANA time zone such as UTC or America/New_York, got "${value}"`);
      return value;
    case 'list': {
      const items = splitList(value);
      if (items.length === 0) fail('expected a comma-separated list');
      return items;
    }
    case 'addresses': {
      const items = splitList(value);
      if (items.length === 0) fail('expected a comma-separated list of IP addresses or CIDRs');
      for (const item of items) if (parseAddressRule(item) === undefined) fail(`expected an IP address or CIDR, got "${item}"`);
      return items;
    }
  }
}

const PRECISION_WORDS: Record<string, number> = { SECONDS: 0, MILLIS: 3, MICROS: 6, NANOS: 9 };

/** TimestampPrecision / TimeStampPrecision, or MillisecondsInTimeStamp=N for whole seconds; default milliseconds. */
function precisionOf(entries: Map<string, Entry>, get: (key: string) => SettingValue | undefined): 0 | 3 | 6 | 9 {
  const digits = get('TimestampPrecision') ?? get('TimeStampPrecision');
  if (digits !== undefined) return digits as 0 | 3 | 6 | 9;
  return entries.has('MillisecondsInTimeStamp') && get('MillisecondsInTimeStamp') === false ? 0 : 3;
}

/** The zone written after StartTime/EndTime (QuickFIX/J), which must agree with TimeZone and with each other. */
function scheduleZoneOf(entries: Map<string, Entry>, fail: (key: string, problem: string) => never): string | undefined {
  let zone: string | undefined;
  let from: string | undefined;
  for (const key of ['StartTime', 'EndTime', 'TimeZone']) {
    const value = entries.get(key)?.value;
    const z = key === 'TimeZone' ? value : value?.split(/\s+/)[1];
    if (z === undefined) continue;
    if (zone !== undefined && z !== zone) fail(key, `time zone ${z} differs from ${zone} of ${from}`);
    zone = z;
    from = key;
  }
  return zone;
}

function weekdaysOf(items: string[] | undefined, fail: (problem: string) => never): number[] | undefined {
  if (items === undefined) return undefined;
  const days = items.map((item) => parseDay(item) ?? fail(`expected days of the week (Mon, Tue, ... or Monday, ...), got "${item}"`));
  return [...new Set(days)].sort((a, b) => a - b);
}

function splitList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function parseTimeOfDay(value: string): number | undefined {
  const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (m === null) return undefined;
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return h * 3600 + mi * 60 + s;
}

const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function parseDay(value: string): number | undefined {
  const v = value.toLowerCase();
  if (v.length < 2) return undefined;
  const i = DAY_NAMES.findIndex((name) => name.startsWith(v));
  return i === -1 ? undefined : i;
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function parseAddressRule(rule: string): { address: string; prefixBits: number; family: 'ipv4' | 'ipv6' } | undefined {
  const slash = rule.indexOf('/');
  const address = slash === -1 ? rule : rule.slice(0, slash);
  const version = net.isIP(address);
  if (version === 0) return undefined;
  const maxBits = version === 4 ? 32 : 128;
  let prefixBits = maxBits;
  if (slash !== -1) {
    const bits = rule.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > maxBits) return undefined;
    prefixBits = Number(bits);
  }
  return { address, prefixBits, family: version === 4 ? 'ipv4' : 'ipv6' };
}

const blockLists = new WeakMap<Pick<SessionSettings, 'allowedAddresses'>, net.BlockList>();

/** Whether a client connecting from `ip` (as net.Socket.remoteAddress gives it) may use this session. */
export function isAddressAllowed(settings: Pick<SessionSettings, 'allowedAddresses'>, ip: string): boolean {
  const rules = settings.allowedAddresses;
  if (rules === undefined) return true;
  let list = blockLists.get(settings);
  if (list === undefined) {
    list = new net.BlockList();
    for (const rule of rules) {
      const parsed = parseAddressRule(rule)!;
      list.addSubnet(parsed.address, parsed.prefixBits, parsed.family);
    }
    blockLists.set(settings, list);
  }
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped !== null ? mapped[1]! : ip;
  const version = net.isIP(address);
  if (version === 0) return false;
  return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

// ---------------------------------------------------------------------------------------------
// Schedule

export type ScheduleSettings = Pick<SessionSettings, 'startTimeSec' | 'endTimeSec' | 'startDay' | 'endDay' | 'timeZone' | 'nonStopSession' | 'weekdays'>;

const DAY_SEC = 86_400;

/** Whether the session is inside its window at nowMs. End times are inclusive to the second, as in
 *  QuickFIX. StartTime == EndTime (the default 00:00:00) means a 24-hour session: always in. */
function isInSession(settings: ScheduleSettings, nowMs: number): boolean {
  if (settings.nonStopSession) return true;
  const local = localTime(nowMs, settings.timeZone);
  if (settings.startDay !== undefined && settings.endDay !== undefined) {
    const start = settings.startDay * DAY_SEC + settings.startTimeSec;
    const end = settings.endDay * DAY_SEC + settings.endTimeSec;
    return inCircularRange(local.weekday * DAY_SEC + local.secOfDay, start, end);
  }
  if (!inCircularRange(local.secOfDay, settings.startTimeSec, settings.endTimeSec)) return false;
  if (settings.weekdays === undefined) return true;
  // Weekdays name the day a window opens on; before today's StartTime we are in yesterday's window.
  const openedOn = (local.weekday + (local.secOfDay < settings.startTimeSec ? 6 : 0)) % 7;
  return settings.weekdays.includes(openedOn);
}

function inCircularRange(t: number, start: number, end: number): boolean {
  if (start === end) return true;
  return start < end ? t >= start && t <= end : t >= start || t <= end;
}

/** Epoch ms when the current session window began (a store created before it is stale and is reset,
 *  QuickFIX style), or undefined when outside the window or for a NonStopSession. */
function currentSessionStartMs(settings: ScheduleSettings, nowMs: number): number | undefined {
  if (settings.nonStopSession || !isInSession(settings, nowMs)) return undefined;
  const local = localTime(nowMs, settings.timeZone);
  let daysBack: number;
  if (settings.startDay !== undefined) {
    // The window began on startDay at startTime: count whole days back to it.
    daysBack = ((local.weekday - settings.startDay) % 7 + 7) % 7;
    if (daysBack === 0 && local.secOfDay < settings.startTimeSec) daysBack = 7;
  } else {
    daysBack = local.secOfDay >= settings.startTimeSec ? 0 : 1;
  }
  const startDate = new Date(Date.UTC(local.year, local.month - 1, local.day - daysBack));
  return zonedToEpochMs(
    startDate.getUTCFullYear(), startDate.getUTCMonth() + 1, startDate.getUTCDate(), settings.startTimeSec, settings.timeZone,
  );
}

/** The next instant after nowMs at which the session goes in or out of its window (a StartTime, or the second after
 *  an EndTime), for a timer; undefined when it never does (NonStopSession, a 24-hour window every day). */
function nextChangeMs(settings: ScheduleSettings, nowMs: number): number | undefined {
  if (settings.nonStopSession) return undefined;
  const inNow = isInSession(settings, nowMs);
  const local = localTime(nowMs, settings.timeZone);
  const candidates: number[] = [];
  // A weekly window spans at most 7 days: its next start or end is within 8 days.
  for (let d = -1; d <= 8; d++) {
    const date = new Date(Date.UTC(local.year, local.month - 1, local.day + d));
    for (const sec of [settings.startTimeSec, settings.endTimeSec + 1]) {
      candidates.push(zonedToEpochMs(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), sec, settings.timeZone));
    }
  }
  return candidates.filter((t) => t > nowMs).sort((a, b) => a - b).find((t) => isInSession(settings, t) !== inNow);
}

/** The next instant after nowMs at which a window opens (a StartTime on a day the schedule opens on), undefined when
 *  there is none (NonStopSession). A 24-hour window (StartTime == EndTime) starts anew there too. */
function nextStartMs(settings: ScheduleSettings, nowMs: number): number | undefined {
  if (settings.nonStopSession) return undefined;
  const local = localTime(nowMs, settings.timeZone);
  for (let d = 0; d <= 8; d++) {
    const date = new Date(Date.UTC(local.year, local.month - 1, local.day + d));
    const t = zonedToEpochMs(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), settings.startTimeSec, settings.timeZone);
    if (t > nowMs && currentSessionStartMs(settings, t) === t) return t;
  }
  return undefined;
}

/** When a scheduled session must be looked at again: its window closes, opens, or starts anew. */
function nextBoundaryMs(settings: ScheduleSettings, nowMs: number): number | undefined {
  const times = [nextChangeMs(settings, nowMs), nextStartMs(settings, nowMs)].filter((t): t is number => t !== undefined);
  return times.length === 0 ? undefined : Math.min(...times);
}

const DAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The schedule in words, for a Logout and the log: "09:30:00-16:00:00 America/New_York, Mon-Fri". */
function describeSchedule(settings: ScheduleSettings): string {
  if (settings.nonStopSession) return 'non-stop';
  const hms = (sec: number) => [Math.floor(sec / 3600), Math.floor(sec / 60) % 60, sec % 60].map((n) => String(n).padStart(2, '0')).join(':');
  if (settings.startDay !== undefined && settings.endDay !== undefined) {
    return `${DAY_SHORT[settings.startDay]} ${hms(settings.startTimeSec)} to ${DAY_SHORT[settings.endDay]} ${hms(settings.endTimeSec)} ${settings.timeZone}`;
  }
  const days = settings.weekdays === undefined ? 'every day' : settings.weekdays.map((d) => DAY_SHORT[d]).join(',');
  return `${hms(settings.startTimeSec)}-${hms(settings.endTimeSec)} ${settings.timeZone}, ${days}`;
}

export const SessionSchedule = { isInSession, currentSessionStartMs, nextChangeMs, nextBoundaryMs, describe: describeSchedule };

/** Keys that give a session a schedule; without any of them (or with NonStopSession=Y) a session is always up and
 *  never reset by the clock. */
const SCHEDULE_KEYS = ['StartTime', 'EndTime', 'StartDay', 'EndDay', 'Weekdays'];

/** The session's schedule, or undefined when it has none (see SCHEDULE_KEYS). */
export function scheduleOf(s: SessionSettings): ScheduleSettings | undefined {
  if (s.nonStopSession || !SCHEDULE_KEYS.some((k) => s.raw.has(k))) return undefined;
  return {
    startTimeSec: s.startTimeSec, endTimeSec: s.endTimeSec, timeZone: s.timeZone, nonStopSession: false,
    ...(s.startDay !== undefined ? { startDay: s.startDay } : {}), ...(s.endDay !== undefined ? { endDay: s.endDay } : {}),
    ...(s.weekdays !== undefined ? { weekdays: s.weekdays } : {}),
  };
}

interface LocalTime { year: number; month: number; day: number; weekday: number; secOfDay: number }

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', weekday: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function localTime(epochMs: number, zone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(zone).formatToParts(new Date(epochMs))) parts[p.type] = p.value;
  const weekday = WEEKDAYS[parts.weekday!];
  if (weekday === undefined) throw new Error(`schedule: unexpected weekday "${parts.weekday}" for ${zone}`);
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), weekday,
    secOfDay: Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second),
  };
}

/** Epoch ms of a wall-clock time in zone (for a time skipped by a DST jump, the instant after it). */
function zonedToEpochMs(year: number, month: number, day: number, secOfDay: number, zone: string): number {
  const wallAsUtcMs = Date.UTC(year, month - 1, day) + secOfDay * 1000;
  let guess = wallAsUtcMs;
  for (let i = 0; i < 3; i++) {
    const local = localTime(guess, zone);
    const seenAsUtcMs = Date.UTC(local.year, local.month - 1, local.day) + local.secOfDay * 1000;
    const next = guess + (wallAsUtcMs - seenAsUtcMs);
    if (next === guess) break;
    guess = next;
  }
  return guess;
}
