// The gateway's settings: a QuickFIX-style .cfg (session keys from src/session/settings.ts plus the
// gateway keys below, usually in [DEFAULT]) turned into what the acceptor and the engine need.
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSettings, parseSettings, scheduleOf, SettingsError, type KeySpec, type ParseOptions, type SessionSettings, type SessionType } from '../session/settings.js';
import type { SessionId } from '../session/session-id.js';
import { SESSION_DEFAULTS, type SessionConfig } from '../session/session.js';
import type { ValidationOptions } from '../fix/validate.js';

/** Gateway keys, in addition to the session keys. Relative paths are relative to the working directory (as in QuickFIX). */
export const GATEWAY_KEYS: Record<string, KeySpec> = {
  /** Where the journal, snapshots, session stores and message logs live. */
  DataDirectory: { kind: 'path' },
  /** Instruments, accounts and risk limits (JSON, see src/engine/config.ts). */
  EngineConfig: { kind: 'path' },
  /** HTTP/WebSocket port (health, metrics, market-data tap). */
  HttpPort: { kind: 'int', min: 0, max: 65535 },
  /** HTTP/WebSocket listen address (default 0.0.0.0, like the FIX port). */
  HttpHost: { kind: 'string' },
  /** With HttpsCertificateFile: serve HTTPS and WSS instead of HTTP and WS (PEM files). */
  HttpsPrivateKeyFile: { kind: 'path' },
  HttpsCertificateFile: { kind: 'path' },
  /** fdatasync the journal after every batch (Y) or leave it to the OS (N). */
  JournalFsync: { kind: 'bool', default: true },
  /** A new journal segment (DATA/journal/journal-<first seq>.log) is started once the current one holds this many bytes. */
  JournalSegmentBytes: { kind: 'int', default: 64 * 1024 * 1024, min: 4096, max: 1024 ** 4 },
  /** all: keep every journal segment (audit, full replay). snapshot: after each snapshot, delete the segments whose
   *  every command is at or before the oldest kept snapshot. */
  JournalRetention: { kind: 'enum', values: ['all', 'snapshot'], default: 'all' },
  /** Template sessions (TargetCompID=*): the client CompIDs admitted; others are refused without a reply. */
  AllowedCompIDs: { kind: 'list' },
  /** Throttled messages (beyond MaxMessagesPerSecond) tolerated within one second before the session is logged out. */
  ThrottleMaxRejectsPerSecond: { kind: 'int', default: 1000, min: 1, max: 1_000_000 },
  /** Write an engine snapshot after this many journaled commands (0 = no periodic snapshots). */
  SnapshotEveryCommands: { kind: 'int', default: 100_000, min: 0, max: 1_000_000_000 },
  /** Snapshots kept in DATA/snapshots; older ones are deleted once a new one is durable. */
  SnapshotsKept: { kind: 'int', default: 3, min: 1, max: 1000 },
  /** Write a snapshot when the gateway shuts down cleanly. */
  SnapshotOnShutdown: { kind: 'bool', default: true },
  /** Y: snapshots are made by a replica engine in a worker thread (no stall of the event loop); N: on the event loop. */
  SnapshotWorker: { kind: 'bool', default: true },
  /** Bearer token of the admin HTTP API (env FIXGW_ADMIN_TOKEN wins); no token = admin API disabled. */
  AdminToken: { kind: 'string' },
  /** Read token of the HTTP server (env FIXGW_HTTP_TOKEN wins): market data, viewer, metrics and sessions need it;
   *  /health does not. No token = open to anyone who reaches the port. */
  HttpAccessToken: { kind: 'string' },
  /** JSON file of the API keys of the REST API and the private WebSocket channels (docs/rest.md): [{"key", "secret",
   *  "account", "permissions": ["read", "trade"]}]. None: both are disabled (403 api_disabled). */
  ApiKeysFile: { kind: 'path' },
  /** How far a signed request's FIXGW-TIMESTAMP may be from the gateway's clock, either way, in milliseconds. */
  ApiTimestampWindowMs: { kind: 'int', default: 5000, min: 100, max: 600_000 },
  /** Requests per second per API key (REST requests and WebSocket orders; a key's own requestsPerSecond wins). */
  ApiRequestsPerSecond: { kind: 'int', default: 50, min: 1, max: 1_000_000 },
  /** HTTP/WebSocket connections open at once from one source address; more are closed at once. */
  MaxHttpConnectionsPerAddress: { kind: 'int', default: 2000, min: 1, max: 1_000_000 },
  /** Local time (in TimeZone) at which the gateway journals an EndOfDay command every day (expires Day orders). */
  EndOfDayTime: { kind: 'time' },
  /** FIX connections open at once from one source address; more are closed at once. */
  MaxConnectionsPerAddress: { kind: 'int', default: 500, min: 1, max: 1_000_000 },
  /** Sessions created by Logons on template sessions (TargetCompID=*) held at most; for one more the one logged out
   *  longest is released, and when none can be, the Logon is refused. */
  MaxDynamicSessions: { kind: 'int', default: 2000, min: 1, max: 1_000_000 },
  /** Seconds a dynamic session stays open after its Logout before it is released (files closed, store kept on disk);
   *  one that never completed a Logon is released when it disconnects. */
  DynamicSessionIdleTimeout: { kind: 'int', default: 60, min: 1, max: 86_400 },
  /** Failed Logons (wrong password, refused CompID or address) one source address may make within
   *  LogonFailureWindowSeconds; one more locks it out for LogonLockoutSeconds. 0 = no lockout. */
  MaxLogonFailures: { kind: 'int', default: 10, min: 0, max: 1_000_000 },
  LogonFailureWindowSeconds: { kind: 'int', default: 60, min: 1, max: 86_400 },
  LogonLockoutSeconds: { kind: 'int', default: 60, min: 1, max: 86_400 },
  /** After sending a batch of replies, keep the event loop polling for this many microseconds instead of sleeping,
   *  so a request arriving meanwhile is read without a wake-up (lower latency for a CPU spent polling). 0 = off.
   *  auto (default): IDLE_SPIN_AUTO_MICROS when the journal's fsync is off, 0 when it is on (see resolveIdleSpinMicros). */
  IdleSpinMicros: { kind: 'string', default: 'auto' },
  /** What the session may do (per session): Y = orders and market data, N = orders only (MarketDataRequest refused with
   *  MDReqRejReason 3), Only = market data and reference data only (orders refused with BusinessMessageReject 6).
   *  Reference data (x, c, g, AD) is open to every session. docs/fix-market-data.md. */
  MarketData: { kind: 'enum', values: ['Y', 'N', 'Only'], default: 'Y' },
  /** Symbols one session may be subscribed to at once, over all its MarketDataRequests (more: MDReqRejReason 2). */
  MarketDataSubscriptionsMax: { kind: 'int', default: 100, min: 1, max: 100_000 },
  /** Deepest MarketDepth(264) a request may ask for besides 0 (the full book); deeper: MDReqRejReason 5. */
  MarketDataDepthMax: { kind: 'int', default: 1000, min: 1, max: 100_000 },
  /** Bytes a session may have waiting for its peer before its market data is held back and conflated (then a fresh
   *  snapshot when the conflated changes outgrow their bound); orders' reports are never held back. */
  MarketDataQueueBytes: { kind: 'int', default: 256 * 1024, min: 1024, max: 1024 * 1024 * 1024 },
  /** `fixgw serve` first runs this many orders through a scratch gateway (temp directory, loopback), so the order path
   *  is compiled before the first client's first order; 0 = off (faster start, slower first orders). */
  WarmUpOrders: { kind: 'int', default: 10_000, min: 0, max: 10_000_000 },
};

/** What the gateway runs one session (or one template of dynamic sessions) with: only what it uses. */
export interface GatewaySession {
  id: SessionId;
  /** TargetCompID=*: a template for any client CompID (AllowedCompIDs narrows it). */
  dynamic: boolean;
  /** The session layer's part (heartbeats, validation, resets, limits). */
  session: SessionConfig;
  fileStorePath: string | undefined;
  fileStoreSync: boolean;
  fileLogPath: string | undefined;
  /** Logon password the client must send in Password(554); undefined = none required. */
  password: string | undefined;
  /** IPs/CIDRs a client may connect from; undefined = any (see isAddressAllowed). */
  allowedAddresses: string[] | undefined;
  /** Template sessions: the client CompIDs admitted; undefined = any. */
  allowedCompIds: string[] | undefined;
  /** CancelOnDisconnect when the file says; undefined: the engine config's default or per-session value decides. */
  cancelOnDisconnect: boolean | undefined;
  sessionType: SessionType;
  /** Accounts a drop-copy session sees: a list, or '*' for all. */
  dropCopyAccounts: string[] | '*' | undefined;
  maxMessagesPerSecond: number;
  /** Throttled messages tolerated within one second before the session is logged out. */
  throttleMaxRejectsPerSecond: number;
  marketData: MarketDataSettings;
}

/** A session's market data over FIX (MarketData* keys). */
export interface MarketDataSettings {
  /** Y: orders and market data; N: orders only; Only: market data (and reference data) only. */
  access: 'Y' | 'N' | 'Only';
  subscriptionsMax: number;
  depthMax: number;
  queueBytes: number;
}

export interface GatewayFileSettings {
  /** The .cfg the settings came from ('<inline>' for text). */
  source: string;
  sessions: GatewaySession[];
  /** Absolute, or undefined when the file does not say. */
  dataDir: string | undefined;
  engineConfigPath: string | undefined;
  httpPort: number | undefined;
  httpHost: string | undefined;
  /** Key and certificate for HTTPS/WSS, when both HttpsPrivateKeyFile and HttpsCertificateFile are set. */
  https: { keyFile: string; certFile: string } | undefined;
  /** The port every acceptor session shares, and its listen address (SocketAcceptHost). */
  fixPort: number;
  fixHost: string | undefined;
  /** TLS files of the FIX port (SocketUseSSL=Y). */
  fixTls: { keyFile: string; certFile: string; caFile: string | undefined; verifyPeer: boolean } | undefined;
  /** TCP_NODELAY on FIX connections (SocketNodelay / SocketTcpNoDelay). */
  fixNoDelay: boolean;
  /** DataDictionary: undefined = the built-in FIX 4.4 dictionary. */
  dataDictionary: string | undefined;
  fsync: boolean;
  journalSegmentBytes: number;
  journalRetention: 'all' | 'snapshot';
  /** Snapshot every N commands; 0 = no periodic snapshots. */
  snapshotEveryCommands: number;
  snapshotsKept: number;
  snapshotOnShutdown: boolean;
  /** Snapshots by the worker thread (true) or on the event loop (false). */
  snapshotWorker: boolean;
  /** Admin API bearer token from the file (FIXGW_ADMIN_TOKEN overrides it where the HTTP server starts). */
  adminToken: string | undefined;
  /** HTTP read token from the file (FIXGW_HTTP_TOKEN overrides it where the HTTP server starts). */
  httpAccessToken: string | undefined;
  maxHttpConnectionsPerAddress: number;
  /** The REST API's and private WebSocket's keys (ApiKeysFile, absolute; undefined = both disabled), the timestamp
   *  window of a signed request and the default requests per second of a key. */
  api: { keysFile: string | undefined; timestampWindowMs: number; requestsPerSecond: number };
  /** Seconds after local midnight in `timeZone` of the daily EndOfDay (EndOfDayTime), or undefined (none scheduled). */
  endOfDayTimeSec: number | undefined;
  /** IANA zone of EndOfDayTime (TimeZone key; UTC by default). */
  timeZone: string;
  /** IdleSpinMicros: polling time after each batch of replies; 0 = off; 'auto' = by the journal's fsync
   *  (resolveIdleSpinMicros). */
  idleSpinMicros: number | 'auto';
  maxConnectionsPerAddress: number;
  maxDynamicSessions: number;
  /** DynamicSessionIdleTimeout: a dynamic session logged out this long is released (files closed, store kept). */
  dynamicSessionIdleTimeoutMs: number;
  /** Failed Logons per source address before a lockout (0 = none), within windowMs; lockoutMs long. */
  logonFailures: { max: number; windowMs: number; lockoutMs: number };
  /** Orders `fixgw serve` runs through a scratch gateway before it takes clients; 0 = none. */
  warmUpOrders: number;
  /** The values, as written, of the keys of a layer above the gateway (`moreKeys`: the cluster's), for that layer to
   *  read into its own typed settings. */
  more: ReadonlyMap<string, string>;
}

/** Options of the .cfg readers. `onWarning`: where a key without effect here is reported (fixgw serve: its log);
 *  default process.emitWarning. `moreKeys`: keys of a layer above the gateway (the cluster's Cluster* keys), checked by
 *  the same parser and process-wide like the gateway's; handed back as written in `more`. */
export interface GatewaySettingsOptions extends Pick<ParseOptions, 'onWarning'> {
  moreKeys?: Record<string, KeySpec>;
}

export function loadGatewaySettings(file: string, opts: GatewaySettingsOptions = {}): GatewayFileSettings {
  const { moreKeys = {}, ...parse } = opts;
  return fromSessions(loadSettings(file, { extraKeys: { ...GATEWAY_KEYS, ...moreKeys }, ...parse }), file, process.cwd(), moreKeys);
}

export function parseGatewaySettings(text: string, baseDir = process.cwd(), opts: GatewaySettingsOptions = {}): GatewayFileSettings {
  const { moreKeys = {}, ...parse } = opts;
  return fromSessions(parseSettings(text, '<inline>', { extraKeys: { ...GATEWAY_KEYS, ...moreKeys }, ...parse }), '<inline>', baseDir, moreKeys);
}

/** Session keys the gateway runs with; every other session key the parser knows is refused (an initiator's, or one
 *  it has no use for: sub and location IDs, a session qualifier, RefreshOnLogon). */
const SESSION_KEYS_USED = new Set([
  'ConnectionType', 'BeginString', 'SenderCompID', 'TargetCompID', 'SocketAcceptPort', 'SocketAcceptHost', 'HeartBtInt',
  'TimeZone', 'UseLocalTime', 'ResetOnLogon', 'ResetOnLogout', 'ResetOnDisconnect', 'FileStorePath', 'FileStoreSync',
  'FileLogPath', 'PersistMessages', 'DataDictionary', 'UseDataDictionary', 'ValidateFieldsOutOfOrder', 'ValidateFieldsHaveValues',
  'ValidateUserDefinedFields', 'AllowUnknownMsgFields', 'CheckCompID', 'CheckLatency', 'MaxLatency', 'LogonTimeout',
  'LogoutTimeout', 'SendRedundantResendRequests', 'SocketUseSSL', 'SocketPrivateKeyFile', 'SocketCertificateFile',
  'SocketCAFile', 'SocketVerifyPeer', 'ValidateCertificates', 'Password', 'AllowedAddresses', 'CancelOnDisconnect',
  'SessionType', 'DropCopyAccounts', 'MaxMessagesPerSecond', 'MaxOutboundBufferBytes', 'ResendChunkSize', 'AllowedRemoteAddresses',
  'SocketNodelay', 'SocketTcpNoDelay', 'TimestampPrecision', 'TimeStampPrecision', 'MillisecondsInTimeStamp',
  'StartTime', 'EndTime', 'StartDay', 'EndDay', 'Weekdays', 'NonStopSession',
  // Y is what Node.js always does; N cannot be honoured and the parser warns about it
  'SocketReuseAddress',
]);
/** Keys the gateway reads once for the whole process: every session must agree on them (put them in [DEFAULT]). */
const SESSION_KEYS_PROCESS_WIDE = ['SocketAcceptPort', 'SocketAcceptHost', 'SocketUseSSL', 'SocketPrivateKeyFile',
  'SocketCertificateFile', 'SocketCAFile', 'SocketVerifyPeer', 'ValidateCertificates', 'DataDictionary', 'TimeZone', 'UseLocalTime',
  'SocketNodelay', 'SocketTcpNoDelay', 'SocketReuseAddress'];
const PER_SESSION_GATEWAY_KEYS = new Set(['AllowedCompIDs', 'ThrottleMaxRejectsPerSecond', 'MarketData', 'MarketDataSubscriptionsMax',
  'MarketDataDepthMax', 'MarketDataQueueBytes']);

function fromSessions(sessions: SessionSettings[], source: string, baseDir: string, moreKeys: Record<string, KeySpec>): GatewayFileSettings {
  const acceptors = sessions.filter((s) => s.connectionType === 'acceptor');
  if (acceptors.length === 0) throw new Error(`${source}: no acceptor session (ConnectionType=acceptor)`);
  if (acceptors.length !== sessions.length) throw new Error(`${source}: the gateway only runs acceptor sessions`);
  const ports = new Set(acceptors.map((s) => s.socketAcceptPort));
  if (ports.size !== 1) throw new Error(`${source}: every session must use the same SocketAcceptPort (found ${[...ports].join(', ')})`);
  refuseUnused(sessions, source, moreKeys);
  const first = sessions[0]!;
  const x = extraOf(first);
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(baseDir, p));
  return {
    source,
    sessions: sessions.map(gatewaySessionOf),
    dataDir: abs(x.str('DataDirectory')),
    engineConfigPath: abs(x.str('EngineConfig')),
    httpPort: x.optInt('HttpPort'),
    httpHost: x.str('HttpHost'),
    https: httpsOf(abs(x.str('HttpsPrivateKeyFile')), abs(x.str('HttpsCertificateFile')), source),
    fixPort: first.socketAcceptPort!,
    fixHost: first.socketAcceptHost,
    fixTls: first.socketUseSsl
      ? { keyFile: first.socketPrivateKeyFile!, certFile: first.socketCertificateFile!, caFile: first.socketCaFile, verifyPeer: first.socketVerifyPeer }
      : undefined,
    fixNoDelay: first.socketNoDelay,
    dataDictionary: first.dataDictionary,
    fsync: x.bool('JournalFsync'),
    journalSegmentBytes: x.int('JournalSegmentBytes'),
    journalRetention: x.str('JournalRetention') === 'snapshot' ? 'snapshot' : 'all',
    snapshotEveryCommands: x.int('SnapshotEveryCommands'),
    snapshotsKept: x.int('SnapshotsKept'),
    snapshotOnShutdown: x.bool('SnapshotOnShutdown'),
    snapshotWorker: x.bool('SnapshotWorker'),
    adminToken: x.str('AdminToken'),
    httpAccessToken: x.str('HttpAccessToken'),
    maxHttpConnectionsPerAddress: x.int('MaxHttpConnectionsPerAddress'),
    api: { keysFile: abs(x.str('ApiKeysFile')), timestampWindowMs: x.int('ApiTimestampWindowMs'), requestsPerSecond: x.int('ApiRequestsPerSecond') },
    endOfDayTimeSec: x.optInt('EndOfDayTime'),
    timeZone: first.timeZone,
    idleSpinMicros: idleSpinOf(x.str('IdleSpinMicros'), source),
    maxConnectionsPerAddress: x.int('MaxConnectionsPerAddress'),
    maxDynamicSessions: x.int('MaxDynamicSessions'),
    dynamicSessionIdleTimeoutMs: x.int('DynamicSessionIdleTimeout') * 1000,
    logonFailures: { max: x.int('MaxLogonFailures'), windowMs: x.int('LogonFailureWindowSeconds') * 1000, lockoutMs: x.int('LogonLockoutSeconds') * 1000 },
    warmUpOrders: x.int('WarmUpOrders'),
    more: new Map([...first.raw].filter(([key]) => key in moreKeys)),
  };
}

/** A key the parser accepts but the gateway would not use is refused, so nothing in a .cfg is silently ignored. */
function refuseUnused(sessions: SessionSettings[], source: string, moreKeys: Record<string, KeySpec>): void {
  for (const s of sessions) {
    for (const key of s.raw.keys()) {
      if (!SESSION_KEYS_USED.has(key) && !(key in GATEWAY_KEYS) && !(key in moreKeys)) {
        throw new SettingsError(source, s.line, key, 'not used by the gateway (an initiator setting, or one it has no use for): remove it');
      }
    }
  }
  const first = sessions[0]!;
  const processWide = [...SESSION_KEYS_PROCESS_WIDE, ...Object.keys(GATEWAY_KEYS).filter((k) => !PER_SESSION_GATEWAY_KEYS.has(k)), ...Object.keys(moreKeys)];
  for (const s of sessions.slice(1)) {
    for (const key of processWide) {
      if (s.raw.get(key) !== first.raw.get(key)) {
        throw new SettingsError(source, s.line, key, 'applies to the whole gateway: every session must have the same value (set it in [DEFAULT])');
      }
    }
  }
}

function gatewaySessionOf(s: SessionSettings): GatewaySession {
  const x = extraOf(s);
  return {
    id: s.id,
    dynamic: s.dynamic,
    session: sessionConfigOf(s),
    fileStorePath: s.fileStorePath,
    fileStoreSync: s.fileStoreSync,
    fileLogPath: s.fileLogPath,
    password: s.password,
    allowedAddresses: s.allowedAddresses,
    allowedCompIds: x.list('AllowedCompIDs'),
    cancelOnDisconnect: s.raw.has('CancelOnDisconnect') ? s.cancelOnDisconnect : undefined,
    sessionType: s.sessionType,
    dropCopyAccounts: s.dropCopyAccounts,
    maxMessagesPerSecond: s.maxMessagesPerSecond,
    throttleMaxRejectsPerSecond: x.int('ThrottleMaxRejectsPerSecond'),
    marketData: {
      access: x.str('MarketData') === 'N' ? 'N' : x.str('MarketData') === 'Only' ? 'Only' : 'Y',
      subscriptionsMax: x.int('MarketDataSubscriptionsMax'), depthMax: x.int('MarketDataDepthMax'), queueBytes: x.int('MarketDataQueueBytes'),
    },
  };
}

/** The gateway keys of a session, read by type: a key read as the wrong type (or one that is not a gateway key, or an
 *  int or bool without a default left unset) is a bug here, and throws. */
function extraOf(s: SessionSettings) {
  const read = <T>(key: string, ok: (v: unknown) => v is T, optional: boolean): T | undefined => {
    if (!(key in GATEWAY_KEYS)) throw new Error(`settings: ${key} is not a gateway key`);
    const v = s.extra.get(key);
    if (v === undefined && optional) return undefined;
    if (!ok(v)) throw new Error(`settings: ${key} read as the wrong type (${JSON.stringify(v)})`);
    return v;
  };
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isNumber = (v: unknown): v is number => typeof v === 'number';
  const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
  const isList = (v: unknown): v is string[] => Array.isArray(v);
  return {
    str: (key: string) => read(key, isString, true),
    optInt: (key: string) => read(key, isNumber, true),
    int: (key: string) => read(key, isNumber, false)!,
    bool: (key: string) => read(key, isBool, false)!,
    list: (key: string) => read(key, isList, true),
  };
}

/** IdleSpinMicros=auto with the journal's fsync off. The spin saves the wake-up of the gateway's process when the
 *  client's next request arrives within this long of the reply: a client answering within ~100 µs is the case at
 *  1 session × window 1 on loopback. */
export const IDLE_SPIN_AUTO_MICROS = 200;
const IDLE_SPIN_MAX_MICROS = 1_000_000;

function idleSpinOf(text: string | undefined, source: string): number | 'auto' {
  if (text === undefined || text.toLowerCase() === 'auto') return 'auto';
  const n = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 0 && n <= IDLE_SPIN_MAX_MICROS)) throw new Error(`${source}: IdleSpinMicros must be auto or 0..${IDLE_SPIN_MAX_MICROS}, got '${text}'`);
  return n;
}

/** The polling time the gateway uses: an explicit value always wins; 'auto' is IDLE_SPIN_AUTO_MICROS when the journal's
 *  fsync is off and 0 when it is on (with fsync the reply waits for the disk, and polling only takes the CPU from
 *  the fdatasync's thread and from other processes). */
export function resolveIdleSpinMicros(setting: number | 'auto', fsync: boolean): number {
  return setting === 'auto' ? (fsync ? 0 : IDLE_SPIN_AUTO_MICROS) : setting;
}

function httpsOf(keyFile: string | undefined, certFile: string | undefined, source: string): GatewayFileSettings['https'] {
  if (keyFile === undefined && certFile === undefined) return undefined;
  if (keyFile === undefined || certFile === undefined) throw new Error(`${source}: HttpsPrivateKeyFile and HttpsCertificateFile go together`);
  return { keyFile, certFile };
}

/** The built-in FIX 4.4 dictionary. */
export function defaultDictionaryPath(): string {
  return fileURLToPath(new URL('../../../fix-specs/FIX44.xml', import.meta.url));
}

/** Session-layer configuration of one acceptor session. */
export function sessionConfigOf(s: SessionSettings): SessionConfig {
  const validation: ValidationOptions | null = s.useDataDictionary
    ? {
      checkFieldsOutOfOrder: s.validateFieldsOutOfOrder,
      checkFieldsHaveValues: s.validateFieldsHaveValues,
      checkUserDefinedFields: s.validateUserDefinedFields,
      allowUnknownMessageFields: s.allowUnknownMsgFields,
    }
    : null;
  return {
    ...SESSION_DEFAULTS,
    id: s.id,
    initiator: false,
    heartBtIntS: s.heartBtIntSec,
    resetOnLogon: s.resetOnLogon,
    resetOnLogout: s.resetOnLogout,
    resetOnDisconnect: s.resetOnDisconnect,
    checkCompId: s.checkCompId,
    checkLatency: s.checkLatency,
    maxLatencyS: s.maxLatencySec,
    logonTimeoutS: s.logonTimeoutSec,
    logoutTimeoutS: s.logoutTimeoutSec,
    validation,
    sendRedundantResendRequests: s.sendRedundantResendRequests,
    persistMessages: s.persistMessages,
    resendChunkSize: s.resendChunkSize,
    maxOutboundBufferBytes: s.maxOutboundBufferBytes,
    timestampPrecision: s.timestampPrecision,
    ...scheduleConfigOf(s),
  };
}

/** The session's schedule, when it has one (dynamic sessions inherit their template's). */
function scheduleConfigOf(s: SessionSettings): Pick<SessionConfig, 'schedule'> {
  const schedule = scheduleOf(s);
  return schedule === undefined ? {} : { schedule };
}

/** TLS material of the FIX port, when SocketUseSSL=Y. */
export function tlsOptionsOf(tls: GatewayFileSettings['fixTls']): { key: Buffer; cert: Buffer; ca?: Buffer; requestCert: boolean } | undefined {
  if (tls === undefined) return undefined;
  return {
    key: readFileSync(tls.keyFile),
    cert: readFileSync(tls.certFile),
    ...(tls.caFile !== undefined ? { ca: readFileSync(tls.caFile) } : {}),
    requestCert: tls.verifyPeer,
  };
}
