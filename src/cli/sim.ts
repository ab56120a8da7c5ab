// `fixgw sim`: the FIX client simulator — `connect` (interactive prompt), `run` (scenario files),
// `load` (load generator). Exit codes: 0 ok, 1 scenario failed or load run aborted, 2 bad arguments or
// scenario file, 3 could not connect or log on. The gateway is 127.0.0.1:9876, TargetCompID FIXGW, unless the
// options or its settings file (--config) say otherwise.
import { Command, InvalidArgumentError, Option, type CommanderError } from 'commander';
import { runInteractive } from '../../simulator/interactive.js';
import { loadScenario, runScenario, scenarioFiles, ScenarioError, type Scenario, type ScenarioResult } from '../../simulator/scenario.js';
import { runLoad, formatLoadReport, type LoadSymbol, type LoadProgress } from '../../simulator/load.js';
import { fix44Dictionary, ConnectError } from '../../simulator/sim-session.js';
import { compIdProblem, compIdFor } from '../../simulator/comp-id.js';
import { fetchInstrumentPrices, PriceLookupError, type InstrumentPrice } from '../../simulator/gateway-prices.js';
import { loadGatewaySettings, type GatewayFileSettings } from '../gateway/index.js';
import { connectHostOf, fixAddressOf } from './gateway-address.js';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;
const EXIT_CONNECT = 3;
const DEFAULT_SYMBOLS = ['AAPL', 'MSFT', 'IBM', 'GOOG', 'BTC-USD', 'ETH-USD'];

interface CommonOptions { config?: string; host?: string; port?: number; sender: string; target?: string; timeout: number }

/** The gateway to talk to: explicit options, else its settings file (--config), else the defaults of `npm start`. */
interface Gateway { host: string; port: number; target: string; httpUrl: string; httpToken: string | undefined }

function gatewayOf(o: CommonOptions): Gateway {
  let s: GatewayFileSettings | undefined;
  if (o.config !== undefined) {
    try { s = loadGatewaySettings(o.config); } catch (err) { usageError(`--config: ${(err as Error).message}`); }
  }
  const fix = s !== undefined ? fixAddressOf(s) : undefined;
  const host = o.host ?? fix?.host ?? '127.0.0.1';
  const httpHost = o.host ?? connectHostOf(s?.httpHost);
  const httpPort = s?.httpPort === undefined || s.httpPort === 0 ? 8080 : s.httpPort;
  return {
    host, port: o.port ?? fix?.port ?? 9876, target: o.target ?? fix?.target ?? 'FIXGW',
    httpUrl: `${s?.https !== undefined ? 'https' : 'http'}://${httpHost.includes(':') ? `[${httpHost}]` : httpHost}:${httpPort}`,
    httpToken: process.env['FIXGW_HTTP_TOKEN'] || s?.httpAccessToken,
  };
}

export function register(program: Command): void {
  const sim = program
    .command('sim')
    .description('FIX client simulator: interactive session, scenario runner, load generator');
  // Commander's own argument errors exit with the usage code too (set before the subcommands inherit it).
  sim.exitOverride((err: CommanderError) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') process.exit(0);
    process.exit(EXIT_USAGE);
  });

  const common = (cmd: Command, senderDefault: string, senderHelp = "SenderCompID ('{i}' = session number)"): Command => cmd
    .option('--config <file>', "the gateway's settings (.cfg): its FIX port, CompID and HTTP port become the defaults")
    .option('--host <host>', 'gateway host (default 127.0.0.1)')
    .option('--port <port>', 'gateway FIX port (default 9876)', parsePort)
    .option('--sender <compid>', senderHelp, senderDefault)
    .option('--target <compid>', 'TargetCompID of the gateway (default FIXGW)')
    .option('--timeout <seconds>', 'connect/logon timeout (load: abort after this long without a report)', parsePositive('--timeout'), 10);

  common(sim.command('connect'), 'SIM')
    .description('open one session and send orders from a prompt (type help)')
    .option('--heartbeat <seconds>', 'HeartBtInt', parseIntMin('--heartbeat', 1), 30)
    .option('--log <dir>', 'write the session message and event logs to this directory')
    .option('--symbols <list>', 'symbols offered by tab completion', parseList, DEFAULT_SYMBOLS)
    .option('--store <dir>', 'keep sequence numbers and sent messages in a file store here (survives restarts)')
    .option('--no-reset', 'log on without ResetSeqNumFlag: continue the sequence numbers kept by --store')
    .option('--no-color', 'plain output')
    .option('--verbose', 'also show heartbeats, test requests and session events', false)
    .action(async (opts: CommonOptions & { heartbeat: number; log?: string; store?: string; symbols: string[]; reset: boolean; color: boolean; verbose: boolean }) => {
      const gw = gatewayOf(opts);
      checkCompIds(opts.sender, gw.target);
      const code = await runInteractive({
        host: gw.host, port: gw.port, sender: compIdFor(opts.sender, 1, 1), target: gw.target, heartBtIntS: opts.heartbeat,
        symbols: opts.symbols, colour: opts.color && process.stdout.isTTY === true && !process.env['NO_COLOR'],
        verbose: opts.verbose, reset: opts.reset, idPrefix: `${runTag()}-`, input: process.stdin, output: process.stdout, errorOutput: process.stderr,
        connectTimeoutMs: opts.timeout * 1000, ...(opts.log ? { logDir: opts.log } : {}), ...(opts.store ? { storeDir: opts.store } : {}),
      });
      process.exitCode = code;
    });

  common(sim.command('run'), 'SIM{i}', "SenderCompID of scenario sessions that name none ('{i}' = their position)")
    .description('play scenario files (YAML or JSON; a directory runs every file in it); exits 1 on the first failed expectation')
    .argument('<scenario...>', 'scenario files or directories')
    .option('--log <dir>', 'write each session log to this directory')
    .option('--json', 'print one JSON line per scenario instead of the step listing', false)
    .action(async (paths: string[], opts: CommonOptions & { log?: string; json: boolean }) => {
      const gw = gatewayOf(opts);
      checkCompIds(opts.sender, gw.target);
      const dict = fix44Dictionary();
      const tag = runTag();
      const scenarios: Scenario[] = [];
      try {
        // `{run}` differs per file too, so two files naming the same CompID still get separate sessions.
        for (const arg of paths) for (const file of scenarioFiles(arg)) scenarios.push(loadScenario(file, dict, `${tag}${scenarios.length.toString(36)}`, opts.sender));
      } catch (err) {
        if (err instanceof ScenarioError) usageError(err.message);
        throw err;
      }
      let failed = 0;
      for (const scenario of scenarios) {
        if (!opts.json) process.stdout.write(`scenario ${scenario.name} (${scenario.file})\n`);
        const result = await runScenario(scenario, {
          host: gw.host, port: gw.port, target: gw.target, dictionary: dict, runTag: tag, connectTimeoutMs: opts.timeout * 1000,
          ...(opts.log ? { logDir: opts.log } : {}),
          onStep: opts.json ? undefined : (step, outcome) => {
            process.stdout.write(`  ${outcome === 'ok' ? 'ok  ' : 'FAIL'} ${String(step.index).padStart(3)} ${step.session}: ${step.text}\n`);
          },
        });
        if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
        else process.stdout.write(describeResult(result));
        if (!result.passed) {
          failed++;
          if (result.failure && result.failure.step === null) {
            process.exitCode = EXIT_CONNECT;
            return;
          }
        }
      }
      if (!opts.json && scenarios.length > 1) process.stdout.write(`${scenarios.length - failed} of ${scenarios.length} scenarios passed\n`);
      process.exitCode = failed > 0 ? EXIT_FAILED : 0;
    });

  common(sim.command('load'), 'SIM{i}')
    .description('load generator: closed loop (--window) or open loop (--rate); HdrHistogram of order→ack and order→fill')
    .option('--sessions <n>', 'concurrent FIX sessions', parseIntMin('--sessions', 1), 1)
    .addOption(new Option('--rate <orders/s>', 'open loop: orders per second over all sessions, latency from the intended send time').argParser(parsePositive('--rate')).conflicts('window'))
    .option('--window <n>', 'closed loop: orders per session awaiting their first ExecutionReport (default 1)', parseIntMin('--window', 1))
    .option('--orders <n>', 'measured orders in total (default 10000, or unlimited with --duration)', parseIntMin('--orders', 1))
    .option('--duration <seconds>', 'stop sending after this many seconds', parsePositive('--duration'))
    .option('--warmup <n>', 'orders sent before the measured run, not counted', parseIntMin('--warmup', 0), 0)
    .option('--symbols <list>', 'symbols, each optionally with its mid price: AAPL:190,MSFT:420', parseList, ['AAPL', 'MSFT', 'IBM', 'GOOG'])
    .option('--mid <price>', "mid price for symbols without one (default: each instrument's last or reference price, from the gateway)")
    .option('--tick <size>', "tick size (default: each instrument's, from the gateway; 0.01 for mid prices given here)")
    .option('--http-url <url>', "the gateway's HTTP server, asked for prices (default: from --config, else http://HOST:8080)")
    .option('--http-token <token>', "the gateway's HttpAccessToken, if it has one (default: env FIXGW_HTTP_TOKEN)")
    .option('--qty <min-max>', 'order quantity range, in steps of min', '100-1000')
    .option('--mix <weights>', 'profile weights: maker=N,taker=M (makers rest off mid, takers cross with IOC)', 'maker=50,taker=50')
    .option('--seed <n>', 'PRNG seed of the order mix', parseIntMin('--seed', 0), 1)
    .option('--heartbeat <seconds>', 'HeartBtInt', parseIntMin('--heartbeat', 1), 30)
    .option('--max-in-flight <n>', 'open loop: orders awaiting a report at most (later ones wait; their latency still counts from the due time)', parseIntMin('--max-in-flight', 1), 100_000)
    .option('--json', 'print the final report as one JSON line', false)
    .option('--quiet', 'no progress line', false)
    .action(async (opts: CommonOptions & {
      sessions: number; rate?: number; window?: number; orders?: number; duration?: number; warmup: number; symbols: string[];
      mid?: string; tick?: string; httpUrl?: string; httpToken?: string; qty: string; mix: string; seed: number; heartbeat: number;
      maxInFlight: number; json: boolean; quiet: boolean;
    }) => {
      const gw = gatewayOf(opts);
      checkCompIds(opts.sender, gw.target);
      for (let i = 1; i <= opts.sessions; i++) {
        const problem = compIdProblem(compIdFor(opts.sender, i, opts.sessions));
        if (problem) usageError(`--sender: ${problem}`);
      }
      const [qtyMin, qtyMax] = parseQtyRange(opts.qty);
      const mix = parseMix(opts.mix);
      const tick = opts.tick === undefined ? undefined : parseDecimalOption('--tick', opts.tick);
      const mid = opts.mid === undefined ? undefined : parseDecimalOption('--mid', opts.mid);
      let prices: Map<string, InstrumentPrice> | undefined;
      if (mid === undefined && opts.symbols.some((item) => !item.includes(':'))) {
        try {
          prices = await fetchInstrumentPrices(opts.httpUrl ?? gw.httpUrl, opts.httpToken ?? gw.httpToken, opts.timeout * 1000);
        } catch (err) {
          if (!(err instanceof PriceLookupError)) throw err;
          process.stderr.write(`error: ${err.message}; or give mid prices here (--symbols AAPL:190,MSFT:420 or --mid)\n`);
          process.exitCode = EXIT_CONNECT;
          return;
        }
      }
      const symbols = parseLoadSymbols(opts.symbols, { mid, tick, prices });
      if (!opts.quiet) process.stderr.write(`prices: ${symbols.map((sym) => `${sym.symbol} ${sym.midText} (${sym.source})`).join(', ')}\n`);
      const progress = opts.quiet ? undefined : progressPrinter();
      let report;
      try {
        report = await runLoad({
          host: gw.host, port: gw.port, sender: opts.sender, target: gw.target, sessions: opts.sessions,
          ...(opts.orders !== undefined ? { orders: opts.orders } : opts.duration === undefined ? { orders: 10_000 } : {}),
          ...(opts.duration !== undefined ? { durationS: opts.duration } : {}),
          ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
          window: opts.window ?? 1, warmup: opts.warmup, symbols, tick: tick ?? DEFAULT_TICK, qtyMin, qtyMax, mix, seed: opts.seed,
          heartBtIntS: opts.heartbeat, timeoutS: opts.timeout, maxInFlight: opts.maxInFlight, idPrefix: runTag(),
          ...(progress ? { onProgress: progress.update } : {}),
        });
      } catch (err) {
        progress?.end();
        if (err instanceof ConnectError) {
          process.stderr.write(`error: ${err.message}\n`);
          process.exitCode = EXIT_CONNECT;
          return;
        }
        throw err;
      }
      progress?.end();
      process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatLoadReport(report) + '\n');
      process.exitCode = report.error ? EXIT_FAILED : 0;
    });
}

// ---- output --------------------------------------------------------------------------------------------

function describeResult(r: ScenarioResult): string {
  const lines: string[] = [];
  if (r.passed) {
    lines.push(`passed: ${r.stepsRun} steps in ${r.elapsedMs} ms`);
  } else {
    const f = r.failure!;
    const where = f.step ? `at step ${f.step.index}${f.step.line !== undefined ? ` (${r.file}:${f.step.line})` : ''}` : 'before the first step';
    lines.push(`FAILED ${where}: ${f.reason}`);
    if (f.diff) lines.push(f.diff.split('\n').map((l) => `  ${l}`).join('\n'));
  }
  const unread = Object.entries(r.unread);
  if (unread.length > 0) lines.push(`note: messages no step looked at: ${unread.map(([s, n]) => `${s} ${n}`).join(', ')}`);
  return lines.join('\n') + '\n';
}

function progressPrinter(): { update: (p: LoadProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let wrote = false;
  return {
    update(p) {
      const total = p.total === null ? '' : `/${p.total}`;
      const line = `${p.phase} ${p.elapsedS.toFixed(0)}s sent ${p.sent}${total} answered ${p.answered} (${p.answeredPerS.toFixed(0)}/s) fills ${p.fills} rejects ${p.rejects} ack p50 ${p.ackP50Us}µs p99 ${p.ackP99Us}µs`;
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      wrote = true;
    },
    end() {
      if (tty && wrote) process.stderr.write('\n');
    },
  };
}

// ---- argument parsing ------------------------------------------------------------------------------------

function usageError(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(EXIT_USAGE);
}

function checkCompIds(sender: string, target: string): void {
  const problem = compIdProblem(sender.replaceAll('{i}', '1')) ?? compIdProblem(target);
  if (problem) usageError(problem);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError('expected a port number 1..65535');
  return port;
}

function parseIntMin(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}`);
    return n;
  };
}

function parsePositive(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0)) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

function parseList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return items;
}

function parseDecimalOption(name: string, value: string): string {
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) usageError(`${name} must be a positive decimal, got '${value}'`);
  return value;
}

const DEFAULT_TICK = '0.01';

interface PricedSymbol extends LoadSymbol { midText: string; source: string }

/** SYMBOL or SYMBOL:MID items as the load generator's symbols: a mid given here, else --mid, else the gateway's price. */
function parseLoadSymbols(items: string[], o: { mid: string | undefined; tick: string | undefined; prices: Map<string, InstrumentPrice> | undefined }): PricedSymbol[] {
  return items.map((item) => {
    const [name, given, ...rest] = item.split(':');
    if (!name || rest.length > 0 || compIdProblem(name)) usageError(`--symbols: '${item}' is not SYMBOL or SYMBOL:MID`);
    const symbol = name.toUpperCase();
    if (given !== undefined && !/^\d+(\.\d+)?$/.test(given)) usageError(`--symbols: mid price '${given}' of ${symbol} is not a decimal`);
    const known = o.prices?.get(symbol);
    const mid = given ?? o.mid ?? known?.mid;
    if (mid === undefined) {
      usageError(`--symbols: the gateway has no price for ${symbol} (it lists ${[...(o.prices?.keys() ?? [])].join(', ') || 'no instruments'}); give one: ${symbol}:MID`);
    }
    const tick = o.tick ?? (given === undefined && o.mid === undefined ? known?.tickSize : undefined) ?? DEFAULT_TICK;
    const tickN = Number(tick);
    const midTicks = Math.round(Number(mid) / tickN);
    if (Math.abs(midTicks * tickN - Number(mid)) > tickN / 1e6) usageError(`--symbols: mid price ${mid} of ${symbol} is not a multiple of tick ${tick}`);
    if (midTicks <= 10) usageError(`--symbols: mid price ${mid} of ${symbol} must be more than 10 ticks (orders go up to 10 ticks below it)`);
    const source = given !== undefined || o.mid !== undefined ? 'given' : known!.source;
    return { symbol, midTicks, tick, midText: mid, source };
  });
}

function parseQtyRange(value: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(value);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || lo < 1 || hi < lo) usageError(`--qty must be MIN-MAX whole numbers with 1 <= MIN <= MAX, got '${value}'`);
  return [lo, hi];
}

function parseMix(value: string): { maker: number; taker: number } {
  const mix = { maker: 0, taker: 0 };
  for (const part of value.split(',')) {
    const m = /^(maker|taker)=(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (!m) usageError(`--mix: '${part}' is not maker=N or taker=N`);
    mix[m[1] as 'maker' | 'taker'] = Number(m[2]);
  }
  if (mix.maker + mix.taker <= 0) usageError('--mix: the weights must not all be zero');
  return mix;
}

/** A short tag unique per run (ClOrdID prefix, `{run}` in scenarios). */
function runTag(): string {
  return (Date.now() % 2 ** 36).toString(36);
}
