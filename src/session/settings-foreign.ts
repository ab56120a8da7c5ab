// Settings keys of QuickFIX C++ and QuickFIX/J that mean nothing to fixgw, with what fixgw does instead: a settings
// file written for either engine loads, and each such key costs one warning line instead of a refusal. Keys not
// listed here and not known to fixgw are still refused (a typo must not pass silently).

const SCREEN_LOG = 'fixgw writes no screen log: messages and events go to the logs in FileLogPath';
const FILE_LOG_FORMAT = 'fixgw\'s message log has one fixed format (every message, microsecond timestamps, passwords masked)';
const SOCKET_OPTION = 'fixgw leaves this socket option at the operating system\'s default';
const STORE = 'fixgw keeps sessions in its file store (FileStorePath)';
const LOG_DB = 'fixgw logs to files (FileLogPath) and its event log to pino on stdout';
const FIX5 = 'fixgw runs FIX 4.4 sessions only (no FIXT.1.1 transport)';
const ALWAYS = 'fixgw always does this and it cannot be turned off';
const INITIATOR = 'only for an initiator; the gateway runs acceptor sessions';
const SSL_CPP = 'TLS in fixgw: SocketUseSSL=Y with SocketPrivateKeyFile, SocketCertificateFile and SocketCAFile';
const SSL_J = `QuickFIX/J's Java key stores are not read; ${SSL_CPP}`;

const EXACT: Record<string, string> = {
  ScreenLogShowIncoming: SCREEN_LOG, ScreenLogShowOutgoing: SCREEN_LOG, ScreenLogShowEvents: SCREEN_LOG,
  ScreenLogShowHeartBeats: SCREEN_LOG, ScreenIncludeMilliseconds: SCREEN_LOG, ScreenLogEvent: SCREEN_LOG,
  FileLogHeartbeats: FILE_LOG_FORMAT, FileIncludeMilliseconds: FILE_LOG_FORMAT, FileIncludeTimeStampForMessages: FILE_LOG_FORMAT,
  FileLogBackupPath: FILE_LOG_FORMAT, FileStoreMaxCachedMsgs: STORE,
  SocketKeepAlive: SOCKET_OPTION, SocketOobInline: SOCKET_OPTION, SocketLinger: SOCKET_OPTION, SocketTrafficClass: SOCKET_OPTION,
  SocketSendBufferSize: SOCKET_OPTION, SocketReceiveBufferSize: SOCKET_OPTION, SendBufferSize: SOCKET_OPTION, ReceiveBufferSize: SOCKET_OPTION,
  SocketSynchronousWrites: SOCKET_OPTION, SocketSynchronousWriteTimeout: SOCKET_OPTION,
  HttpAcceptPort: 'QuickFIX\'s status web page: fixgw\'s HTTP server is on HttpPort',
  DefaultApplVerID: FIX5, TransportDataDictionary: FIX5, AppDataDictionary: FIX5, UseSenderDefaultApplVerIDAsDefault: FIX5,
  ValidateLengthAndChecksum: ALWAYS, ValidateChecksum: ALWAYS, ValidateSequenceNumbers: ALWAYS, ValidateIncomingMessage: 'see UseDataDictionary',
  PreserveMessageFieldsOrder: 'fixgw keeps the order of the fields it receives in its logs and sends its own in dictionary order',
  RejectInvalidMessage: 'an invalid message always gets a session Reject (UseDataDictionary=Y)',
  RejectMessageOnUnhandledException: 'the gateway rejects what it cannot process with the FIX reply for it',
  RequiresOrigSendingTime: ALWAYS, DisconnectOnError: 'fixgw answers errors with the FIX reply for them and keeps the session',
  ForceResendWhenCorruptedStore: 'a damaged store tail is cut at start-up and the rest is resent as usual',
  AllowPosDup: ALWAYS, AllowUnknownMessageFields: 'see AllowUnknownMsgFields',
  EnableLastMsgSeqNumProcessed: 'LastMsgSeqNumProcessed(369) is not sent',
  EnableNextExpectedMsgSeqNum: 'NextExpectedMsgSeqNum(789) is not sent or read',
  MaxMessagesInResendRequest: 'fixgw asks for the whole gap at once (see ResendChunkSize for answering)',
  ResendRequestChunkSize: 'fixgw asks for the whole gap at once (see ResendChunkSize for answering)',
  TestRequestDelayMultiplier: 'TestRequest after 1.2 × HeartBtInt, as QuickFIX C++',
  HeartBeatTimeoutMultiplier: 'disconnect after 2.4 × HeartBtInt without input, as QuickFIX C++',
  LogonTag: 'no extra Logon fields are sent', ClosedResendInterval: INITIATOR, ContinueInitializationOnError: 'every session must load',
  SendResetSeqNumFlag: INITIATOR, LogonTime: INITIATOR, LogoutTime: INITIATOR, LogonDay: INITIATOR, LogoutDay: INITIATOR,
  SocketConnectSourceHost: INITIATOR, SocketConnectSourcePort: INITIATOR, SocketLocalHost: INITIATOR, SocketLocalPort: INITIATOR,
  SocketConnectProtocol: INITIATOR, SocketAcceptProtocol: 'fixgw accepts TCP (and TLS with SocketUseSSL=Y)',
  AcceptorTemplate: 'fixgw\'s template session is TargetCompID=* in a [SESSION]',
  ServerCertificateFile: SSL_CPP, ServerCertificateKeyFile: SSL_CPP, ClientCertificateFile: SSL_CPP, ClientCertificateKeyFile: SSL_CPP,
  CertificationAuthoritiesFile: SSL_CPP, CertificationAuthoritiesDirectory: SSL_CPP, CertificateRevocationListFile: SSL_CPP,
  CertificateRevocationListDirectory: SSL_CPP, CertificateVerifyLevel: SSL_CPP, SSLProtocol: SSL_CPP, SSLCipherSuite: SSL_CPP,
  SocketKeyStore: SSL_J, SocketKeyStorePassword: SSL_J, KeyStoreType: SSL_J, KeyManagerFactoryAlgorithm: SSL_J,
  SocketTrustStore: SSL_J, SocketTrustStorePassword: SSL_J, TrustStoreType: SSL_J, TrustManagerFactoryAlgorithm: SSL_J,
  EnabledProtocols: SSL_J, CipherSuites: SSL_J, NeedClientAuth: `${SSL_J}; client certificates: SocketVerifyPeer=Y`, UseSNI: SSL_J,
  SNIHostName: SSL_J, EndpointIdentificationAlgorithm: SSL_J,
};

/** Families of keys by prefix: database stores and logs, SLF4J (a typo in one of them still only warns). */
const PREFIXES: Array<[string, string]> = [
  ['MySQLStore', STORE], ['PostgreSQLStore', STORE], ['OdbcStore', STORE], ['JdbcStore', STORE], ['Jdbc', STORE],
  ['MySQLLog', LOG_DB], ['PostgreSQLLog', LOG_DB], ['OdbcLog', LOG_DB], ['SLF4JLog', LOG_DB],
];

/** Why a QuickFIX C++ or QuickFIX/J key has no effect in fixgw, or undefined for any other key. */
export function foreignKeyReason(key: string): string | undefined {
  const exact = EXACT[key];
  if (exact !== undefined) return exact;
  return PREFIXES.find(([prefix]) => key.startsWith(prefix))?.[1];
}
