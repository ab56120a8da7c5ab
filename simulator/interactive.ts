// `fixgw sim connect`: one session and a prompt. Lines in the order syntax become FIX messages; every
// message on the wire is printed decoded (field names, enum meanings), coloured by kind; an ExecutionReport
// as a one-line summary unless `verbose` is on. A message that arrives while the prompt waits is printed above
// it and the prompt (with what was typed so far) is drawn again. History and tab completion (commands,
// symbols, this session's open ClOrdIDs) come from node:readline. Works the same with a pipe on stdin (one
// command per line), which is how scripts and tests drive it.
import readline from 'node:readline';
import { parseMessage } from '../src/fix/message.js';
import { FileLog } from '../src/session/message-log.js';
import { FileStore } from '../src/session/file-store.js';
import { parseOrderCommand, buildOrderMessage, OrderSyntaxError, ORDER_VERBS } from './order-syntax.js';
import { SimSession, fix44Dictionary } from './sim-session.js';
import { OwnOrders } from './own-orders.js';
import { SimBooks } from './market-data.js';
import { colourOf, describeMessage, paint, summarizeExecutionReport } from './display.js';
import { parseDuration } from './scenario.js';

export interface InteractiveOptions {
  host: string;
  port: number;
  sender: string;
  target: string;
  heartBtIntS: number;
  symbols: string[];
  logDir?: string;
  /** Keep sequence numbers and sent messages in a FileStore here (survives the process; use with reset false). */
  storeDir?: string;
  colour: boolean;
  /** Start with every field of every message, heartbeats, test requests and session events shown (`verbose` toggles). */
  verbose: boolean;
  reset: boolean;
  idPrefix: string;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Connection failures go here (stderr). */
  errorOutput: NodeJS.WritableStream;
  connectTimeoutMs: number;
}

const PROMPT_COMMANDS = ['help', 'orders', 'verbose', 'connect', 'disconnect', 'logout', 'wait', 'quit'];
const HEARTBEAT_TYPES = new Set(['0', '1']);
const HELP = `commands:
  buy|sell QTY SYMBOL [@ PRICE] [day|gtc|ioc|fok] [stop PX] [post] [id=CLORDID] [TAG=VALUE ...]
  cancel CLORDID [SYMBOL buy|sell]      replace CLORDID [QTY] [@ PRICE]      status CLORDID
  cancel-all [SYMBOL] [buy|sell]         raw 35=D|11=X|55=AAPL|...  (session adds header and trailer)
  md SYMBOL[,SYMBOL] [depth N] [snapshot] [id=ID]   market data: the book is shown as it changes;  md stop ID
  orders      list this session's orders          wait MS     pause (for scripts)
  verbose     every field of every message, heartbeats and session events (again: back to summaries)
  disconnect  drop the connection (no Logout)     connect     log on again (missed messages are resent)
  logout      log out and stay at the prompt      quit        log out and exit`;

/** Runs until `quit` or end of input; resolves to the process exit code. */
export async function runInteractive(o: InteractiveOptions): Promise<number> {
  let verbose = o.verbose;
  // Set once the prompt exists: a line printed while it waits for input goes above it, and it is drawn again.
  let redraw: ((line: string) => void) | undefined;
  const out = (line: string) => (redraw ? redraw(line) : o.output.write(line + '\n'));
  const orders = new OwnOrders(o.idPrefix);
  const books = new SimBooks();
  const log = o.logDir ? FileLog.open(o.logDir, { beginString: 'FIX.4.4', senderCompId: o.sender, targetCompId: o.target }) : undefined;
  const id = { beginString: 'FIX.4.4', senderCompId: o.sender, targetCompId: o.target };
  const sim = new SimSession({
    host: o.host, port: o.port, sender: o.sender, target: o.target, heartBtIntS: o.heartBtIntS, resetOnFirstLogon: o.reset,
    ...(log ? { log } : {}),
    ...(o.storeDir ? { store: FileStore.open(o.storeDir, id, { nowMs: Date.now() }) } : {}),
    onWire: (direction, bytes) => {
      const msg = parseMessage(bytes);
      if ('garbled' in msg) {
        out(paint(`${direction === 'IN' ? '<-' : '->'} garbled: ${bytes.toString('latin1').replaceAll('\x01', '|')}`, 'red', o.colour));
        return;
      }
      if (!verbose && HEARTBEAT_TYPES.has(msg.msgType)) return;
      if (direction === 'IN' && msg.msgType === '8') orders.onExecutionReport(msg);
      const text = !verbose && msg.msgType === '8' ? summarizeExecutionReport(msg, fix44Dictionary()) : describeMessage(msg, fix44Dictionary());
      out(direction === 'IN' ? paint(`<- ${text}`, colourOf(msg), o.colour) : paint(`-> ${text}`, 'dim', o.colour));
      if (direction === 'IN') for (const book of books.apply(msg)) out(book.render()); // market data: the book after it
    },
    onEvent: (text) => { if (verbose) out(paint(`   [${text}]`, 'dim', o.colour)); },
  });

  // Parse the FIX 4.4 dictionary (field names for display) now: done inside the first printed message,
  // it would hold up the Logon's write and eat into the logon timeout on a busy machine.
  fix44Dictionary();
  const connect = async (): Promise<boolean> => {
    try {
      await sim.connect(o.connectTimeoutMs);
      out(`logged on ${o.sender} -> ${o.target} at ${o.host}:${o.port} (type help for commands)`);
      return true;
    } catch (err) {
      o.errorOutput.write(`error: ${(err as Error).message}\n`);
      return false;
    }
  };
  if (!(await connect())) {
    await sim.close();
    return 3;
  }

  const completer = (line: string): [string[], string] => {
    const words = line.split(/\s+/);
    const current = words[words.length - 1] ?? '';
    let candidates: string[];
    if (words.length <= 1) candidates = [...ORDER_VERBS, ...PROMPT_COMMANDS];
    else if (['cancel', 'replace', 'status'].includes(words[0]!.toLowerCase()) && words.length === 2) candidates = orders.openClOrdIds(200);
    else candidates = [...o.symbols, 'day', 'gtc', 'ioc', 'fok', 'post', 'buy', 'sell'];
    const upper = current.toUpperCase();
    const hits = candidates.filter((c) => c.toUpperCase().startsWith(upper));
    return [hits.length ? hits : candidates, current];
  };
  const terminal = o.output.isTTY === true && (o.input as { isTTY?: boolean }).isTTY === true;
  const rl = readline.createInterface({ input: o.input, output: o.output, completer, historySize: 1000, terminal });
  // With a pipe on stdin there is nobody to prompt.
  let prompting = false;
  const prompt = () => { if (terminal) { prompting = true; rl.prompt(); } };
  if (terminal) {
    redraw = (line) => {
      if (!prompting) { o.output.write(line + '\n'); return; }
      readline.clearLine(o.output, 0);
      readline.cursorTo(o.output, 0);
      o.output.write(line + '\n');
      rl.prompt(true);
    };
  }
  let loggedOutByPeer = false;
  sim.options.onLogout = () => {
    if (!quitting) {
      loggedOutByPeer = true;
      out(paint(`disconnected${sim.lastLogoutText ? ` (Logout: ${sim.lastLogoutText})` : ''}; type connect to log on again, or quit`, 'yellow', o.colour));
    }
  };
  let quitting = false;
  rl.setPrompt(`${o.sender}> `);
  prompt();
  for await (const raw of rl) {
    prompting = false;
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) {
      const verb = line.split(/\s+/, 1)[0]!.toLowerCase();
      if (verb === 'quit' || verb === 'exit') break;
      try {
        await runCommand(verb, line);
      } catch (err) {
        if (!(err instanceof OrderSyntaxError)) throw err;
        out(paint(`error: ${err.message}`, 'red', o.colour));
      }
    }
    prompt();
  }
  quitting = true;
  rl.close();
  await sim.close();
  out('logged out');
  return loggedOutByPeer && !sim.isLoggedOn ? 1 : 0;

  async function runCommand(verb: string, line: string): Promise<void> {
    switch (verb) {
      case 'help':
        out(HELP);
        return;
      case 'verbose':
        verbose = !verbose;
        out(verbose ? 'verbose: every field of every message, heartbeats and session events' : 'verbose off: ExecutionReports as one-line summaries');
        return;
      case 'orders':
        for (const id of orders.openClOrdIds(OwnOrdersListMax)) {
          const order = orders.get(id)!;
          out(`${id}  ${order.side} ${order.qty} ${order.symbol}${order.price ? ` @ ${order.price}` : ''}  OrderID=${order.orderId ?? '?'} OrdStatus=${order.status ?? 'pending'}`);
        }
        return;
      case 'wait':
        await new Promise((r) => setTimeout(r, parseWait(line.slice(4))));
        return;
      case 'disconnect':
        await sim.drop();
        out('connection dropped (no Logout sent)');
        return;
      case 'logout':
        await sim.logout();
        out('logged out');
        return;
      case 'connect':
        if (sim.isLoggedOn) throw new OrderSyntaxError('already logged on');
        loggedOutByPeer = false;
        await connect();
        return;
      default: {
        const cmd = parseOrderCommand(line);
        if (!sim.isLoggedOn) throw new OrderSyntaxError('not logged on (type connect)');
        const built = buildOrderMessage(cmd, orders, Date.now());
        sim.send(built.msgType, built.body);
      }
    }
  }
}

const OwnOrdersListMax = 50;

function parseWait(text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new OrderSyntaxError((err as Error).message);
  }
}
