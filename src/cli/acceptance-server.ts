#!/usr/bin/env node
// QuickFIX's acceptance-test acceptor ("at"), on our session layer: SenderCompID ISLD, clients TW44 and
// TW, ResetOnLogon, FIX44.xml validation with QuickFIX defaults, and the echo application of QuickFIX's
// at_application.h. `npm run acceptance-server -- --port N`, then run the .def suite against it.
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { Dictionary } from '../fix/dictionary.js';
import { canonicalBody, DEFAULT_VALIDATION } from '../fix/validate.js';
import type { FieldList } from '../fix/types.js';
import type { FixMessage } from '../fix/message.js';
import { Acceptor } from '../session/acceptor.js';
import type { Application } from '../session/application.js';
import { BusinessRejectReason } from '../session/application.js';
import { MemoryStore } from '../session/store.js';
import { FileLog, NullLog } from '../session/message-log.js';
import { SESSION_DEFAULTS, type SessionConfig, type Session } from '../session/session.js';

const ECHO_TYPES = new Set(['D', 'd', 'C']);
/** Header tags the session writes itself (or strips: 43/122), so an echo must not copy them. */
const OWN_HEADER_TAGS = new Set([8, 9, 10, 34, 35, 43, 49, 52, 56, 122]);

/** The echo application: NewOrderSingle, SecurityDefinition and Email come back with the same body;
 *  a PossResend order whose ClOrdID was already seen is dropped; anything else is unsupported. */
export function echoApplication(dictionary: Dictionary): Application {
  const seenClOrdIds = new Map<string, Set<string>>();
  return {
    onLogout(session) {
      seenClOrdIds.delete(session.key);
    },
    fromApp(session: Session, msg: FixMessage) {
      if (!ECHO_TYPES.has(msg.msgType)) {
        return { kind: 'businessReject', reason: BusinessRejectReason.UnsupportedMessageType, text: 'Unsupported Message Type' };
      }
      if (msg.msgType === 'D') {
        const seen = seenClOrdIds.get(session.key) ?? new Set<string>();
        seenClOrdIds.set(session.key, seen);
        const clOrdId = msg.get(11) ?? '';
        if (msg.get(97) === 'Y' && seen.has(clOrdId)) return;
        seen.add(clOrdId);
      }
      const header: FieldList = [];
      for (const [tag, value] of msg.fields()) {
        if (dictionary.isHeaderField(tag) && !OWN_HEADER_TAGS.has(tag)) header.push([tag, value]);
      }
      session.send(msg.msgType, canonicalBody(msg, dictionary), header);
    },
  };
}

export function acceptanceSessionConfig(client: string): SessionConfig {
  return {
    ...SESSION_DEFAULTS,
    id: { beginString: 'FIX.4.4', senderCompId: 'ISLD', targetCompId: client },
    initiator: false,
    resetOnLogon: true,
    validation: { ...DEFAULT_VALIDATION },
  };
}

export async function startAcceptanceServer(opts: { port: number; host?: string; logDir?: string }): Promise<Acceptor> {
  const dictionary = Dictionary.load(fileURLToPath(new URL('../../../fix-specs/FIX44.xml', import.meta.url)));
  const logDir = opts.logDir;
  return Acceptor.start({
    port: opts.port,
    host: opts.host ?? '127.0.0.1',
    dictionary,
    application: echoApplication(dictionary),
    sessions: ['TW44', 'TW'].map((client) => ({ config: acceptanceSessionConfig(client), dynamic: false })),
    openStore: () => new MemoryStore(Date.now()),
    openLog: (id) => (logDir ? FileLog.open(logDir, id) : new NullLog()),
  });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('expected a port number 0..65535');
  return port;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const program = new Command()
    .name('acceptance-server')
    .description("QuickFIX acceptance-test acceptor (SenderCompID ISLD, clients TW44/TW) on fixgw's session layer")
    .option('--port <n>', 'TCP port (0 = any free port)', parsePort, 5001)
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--log-dir <dir>', 'write message and event logs here')
    .parse();
  const o = program.opts<{ port: number; host: string; logDir?: string }>();
  const acceptor = await startAcceptanceServer(o);
  process.stdout.write(`listening ${o.host}:${acceptor.port}\n`);
  const shutdown = () => { void acceptor.stop(500).then(() => process.exit(0)); };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
