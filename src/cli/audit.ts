// `fixgw audit`: inspect and verify FIX message logs and the engine journal (show, verify, order, stats).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { Dictionary } from '../fix/dictionary.js';
import { defaultEngineConfigPath, loadEngineConfig, type EngineConfig } from '../engine/index.js';
import { loadGatewaySettings, type GatewayFileSettings } from '../gateway/index.js';
import { listLogFiles, parseTimeBound, type LogProblem } from '../audit/log-messages.js';
import { showLogs } from '../audit/show.js';
import { MERGE_FILES_MAX } from '../audit/merge.js';
import { formatFinding, verifyLogs, type Finding } from '../audit/verify.js';
import { collectStats, formatStats } from '../audit/stats.js';
import { describeEvent, formatOrderLife, orderLife } from '../audit/order-life.js';
import { messageJson } from '../audit/describe.js';

const DEFAULT_DICTIONARY = fileURLToPath(new URL('../../../fix-specs/FIX44.xml', import.meta.url));

interface CommonOptions { dictionary?: string; localCompId?: string; dataDir?: string; engineConfig?: string; config?: string }

/** --config: the gateway's .cfg gives DataDirectory, EngineConfig and per-session FileLogPath (read once). */
const gatewaySettings = new Map<string, GatewayFileSettings>();
function gatewayOf(o: CommonOptions): GatewayFileSettings | undefined {
  if (o.config === undefined) return undefined;
  let s = gatewaySettings.get(o.config);
  if (s === undefined) gatewaySettings.set(o.config, (s = loadGatewaySettings(o.config)));
  return s;
}

/** --data-dir, else the gateway settings' DataDirectory. */
function dataDirOf(o: CommonOptions): string | undefined {
  return o.dataDir ?? gatewayOf(o)?.dataDir;
}

function out(line: string): void { process.stdout.write(`${line}\n`); }
function err(line: string): void { process.stderr.write(`${line}\n`); }

function loadDictionary(o: CommonOptions): Dictionary {
  return Dictionary.load(o.dictionary ?? DEFAULT_DICTIONARY);
}

/** The engine config the gateway ran with: --engine-config, else DATA/engine.json, else the repository default. */
function loadConfig(o: CommonOptions): EngineConfig {
  if (o.engineConfig !== undefined) return loadEngineConfig(o.engineConfig);
  const fromGateway = gatewayOf(o)?.engineConfigPath;
  if (fromGateway !== undefined) return loadEngineConfig(fromGateway);
  const dataDir = dataDirOf(o);
  if (dataDir !== undefined) {
    const inData = path.join(dataDir, 'engine.json');
    if (fs.existsSync(inData)) return loadEngineConfig(inData);
  }
  return loadEngineConfig(defaultEngineConfigPath());
}

/** LOG... as given, or DATA/log (plus any FileLogPath of the gateway settings) when none is. */
function logFiles(logs: string[], o: CommonOptions): string[] {
  if (logs.length > 0) return listLogFiles(logs);
  const dataDir = dataDirOf(o);
  if (dataDir === undefined) throw new Error('name at least one LOG file or directory, or --data-dir (or --config)');
  const dirs = new Set([path.join(dataDir, 'log')]);
  for (const s of gatewayOf(o)?.sessions ?? []) if (s.fileLogPath !== undefined) dirs.add(path.resolve(s.fileLogPath));
  const existing = [...dirs].filter((d) => fs.existsSync(d));
  if (existing.length === 0) throw new Error(`${[...dirs].join(', ')}: no such directory (the data directory's message logs)`);
  return listLogFiles(existing);
}

function problemLine(p: LogProblem): string {
  return `${p.file}:${p.line}: ${p.code}: ${p.text}`;
}

function common(cmd: Command): Command {
  return cmd
    .option('--dictionary <file>', 'FIX data dictionary (QuickFIX XML)', undefined)
    .option('--local-comp-id <id>', 'our CompID, for logs whose lines do not say IN/OUT (QuickFIX format)')
    .option('--config <file>', 'the gateway settings (.cfg) it ran with: DataDirectory, EngineConfig, FileLogPath');
}

/** Run an action; usage and I/O errors exit 2 with a message (findings use exit 1). */
function guarded<A extends unknown[]>(action: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await action(...args);
    } catch (e) {
      err(`fixgw audit: ${(e as Error).message}`);
      process.exitCode = 2;
    }
  };
}

export function register(program: Command): void {
  const audit = program.command('audit').description('inspect and verify FIX message logs and the engine journal');

  common(audit.command('show')
    .description('decode message logs: one line per message, or every field (--fields), or JSON (--json)')
    .argument('[LOG...]', 'message log files or directories (.gz read as is)')
    .option('--data-dir <dir>', 'use DATA/log when no LOG is given')
    .option('--session <s>', 'session key (FIX.4.4:FIXGW->CLIENT1), a CompID, or part of a key')
    .option('--msgtype <types>', 'comma-separated MsgTypes, e.g. D,8')
    .option('--clordid <id>', 'ClOrdID(11) or OrigClOrdID(41)')
    .option('--orderid <id>', 'OrderID(37)')
    .option('--from <time>', 'from this time (YYYYMMDD-HH:MM:SS[.sss] UTC, or ISO 8601)')
    .option('--to <time>', 'up to this time')
    .option('--fields', 'every field as Name(tag)=value (enum meaning), groups indented')
    .option('--json', 'one JSON object per message')
    .addOption(new Option('--limit <n>', 'stop after n messages').argParser((v) => Number.parseInt(v, 10))))
    .action(guarded(async (logs: string[], o: CommonOptions & { session?: string; msgtype?: string; clordid?: string; orderid?: string; from?: string; to?: string; fields?: boolean; json?: boolean; limit?: number }) => {
      const files = logFiles(logs, o);
      if (files.length > MERGE_FILES_MAX) err(`fixgw audit: ${files.length} logs: shown one after the other (at most ${MERGE_FILES_MAX} are merged in time order)`);
      let problems = 0;
      await showLogs({
        files, dictionary: loadDictionary(o), json: o.json === true, fields: o.fields === true,
        ...(o.localCompId !== undefined ? { localCompId: o.localCompId } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        filter: {
          ...(o.session !== undefined ? { session: o.session } : {}),
          ...(o.msgtype !== undefined ? { msgTypes: new Set(o.msgtype.split(',').map((t) => t.trim()).filter((t) => t !== '')) } : {}),
          ...(o.clordid !== undefined ? { clOrdId: o.clordid } : {}),
          ...(o.orderid !== undefined ? { orderId: o.orderid } : {}),
          ...(o.from !== undefined ? { fromUs: parseTimeBound(o.from) } : {}),
          ...(o.to !== undefined ? { toUs: parseTimeBound(o.to) } : {}),
        },
      }, out, (p) => { problems++; err(problemLine(p)); });
      if (problems > 0) err(`${problems} corrupt line(s) or frame(s) skipped (see above; \`fixgw audit verify\` checks them)`);
      return 0;
    }));

  common(audit.command('verify')
    .description('check logs: corrupt lines, checksums, dictionary, sequence gaps/duplicates, ExecutionReport quantities, and the journal (--data-dir); exit 0 only when clean')
    .argument('[LOG...]', 'message log files or directories (default: DATA/log)')
    .option('--data-dir <dir>', 'gateway data directory: replay its journal and match every ExecutionReport')
    .option('--engine-config <file>', 'engine config the gateway ran with (default: DATA/engine.json, else config/engine.json)')
    .option('--no-validate', 'skip dictionary validation')
    .option('--strict', 'warnings fail the run too')
    .option('--json', 'one JSON object per finding, then a summary object')
    .addOption(new Option('--max-findings <n>', 'print at most n findings (all are counted)').default(1000).argParser((v) => Number.parseInt(v, 10))))
    .action(guarded(async (logs: string[], o: CommonOptions & { validate: boolean; strict?: boolean; json?: boolean; maxFindings: number }) => {
      const files = logFiles(logs, o);
      // Findings come in reading order (sequence gaps and journal checks at the end); the first
      // --max-findings of them are kept and printed sorted by file and line.
      let found = 0;
      const kept: Finding[] = [];
      const onFinding = (f: Finding): void => {
        if (found++ < o.maxFindings) kept.push(f);
      };
      const summary = await verifyLogs({
        files, dictionary: loadDictionary(o), validate: o.validate,
        ...(o.localCompId !== undefined ? { localCompId: o.localCompId } : {}),
        ...(dataDirOf(o) !== undefined ? { dataDir: dataDirOf(o)!, engineConfig: loadConfig(o) } : {}),
      }, onFinding);
      const fileRank = new Map(files.map((f, i) => [f, i]));
      kept.sort((a, b) => (fileRank.get(a.file) ?? files.length) - (fileRank.get(b.file) ?? files.length) ||
        (a.line ?? Infinity) - (b.line ?? Infinity) || (a.seq ?? 0) - (b.seq ?? 0));
      for (const f of kept) out(o.json === true ? JSON.stringify(f) : formatFinding(f));
      const clean = summary.errors === 0 && (o.strict !== true || summary.warnings === 0);
      if (o.json === true) {
        out(JSON.stringify({ summary: { ...summary, clean } }));
      } else {
        if (found > o.maxFindings) out(`... ${found - o.maxFindings} more finding(s) not shown (--max-findings)`);
        const codes = Object.entries(summary.byCode).map(([c, n]) => `${c} ${n}`).join(', ');
        const journal = summary.journal ? `; journal: ${summary.journal.commands} commands, ${summary.journal.execEvents} engine reports, ${summary.journal.matched} logged reports matched${summary.journal.dropCopies > 0 ? `, ${summary.journal.dropCopies} drop copies checked` : ''}${summary.journal.cancelRejects > 0 ? `, ${summary.journal.cancelRejectsMatched} of ${summary.journal.cancelRejects} cancel rejects matched` : ''}` : '';
        const infoCodes = Object.entries(summary.infoByCode).map(([c, n]) => `${c} ${n}`).join(', ');
        const infos = summary.infos > 0 ? `; ${summary.infos} bad input(s) from clients answered as FIX prescribes (${infoCodes})` : '';
        out(`${clean ? 'CLEAN' : 'NOT CLEAN'}: ${summary.messages} messages in ${summary.files} file(s); ${summary.errors} error(s), ${summary.warnings} warning(s)${codes ? ` (${codes})` : ''}${infos}${journal}`);
      }
      return clean ? 0 : 1;
    }));

  common(audit.command('order')
    .description('the whole life of one order (by ClOrdID or OrderID, following OrigClOrdID chains): messages and engine events in time order')
    .argument('<ID>', 'ClOrdID or OrderID')
    .argument('[LOG...]', 'message log files or directories (default: DATA/log)')
    .option('--data-dir <dir>', 'gateway data directory (journal replayed for the engine events)')
    .option('--engine-config <file>', 'engine config the gateway ran with (default: DATA/engine.json, else config/engine.json)')
    .option('--session <s>', 'only this session (key, CompID or part of a key)')
    .option('--fields', 'every field of each message')
    .option('--json', 'one JSON object per item'))
    .action(guarded(async (id: string, logs: string[], o: CommonOptions & { session?: string; fields?: boolean; json?: boolean }) => {
      const files = logs.length === 0 && dataDirOf(o) === undefined ? [] : logFiles(logs, o);
      if (files.length === 0 && dataDirOf(o) === undefined) throw new Error('give --data-dir (or --config) and/or LOG files');
      const dict = loadDictionary(o);
      const life = await orderLife({
        id, files, dictionary: dict,
        ...(dataDirOf(o) !== undefined ? { dataDir: dataDirOf(o)!, engineConfig: loadConfig(o) } : {}),
        ...(o.localCompId !== undefined ? { localCompId: o.localCompId } : {}),
        ...(o.session !== undefined ? { session: o.session } : {}),
      });
      if (o.json === true) {
        for (const item of life.items) {
          if (item.kind === 'message') out(JSON.stringify({ kind: 'message', ...messageJson(dict, item.m) }));
          else if (item.kind === 'command') out(JSON.stringify({ kind: 'command', timeUs: item.timeUs, seq: item.seq, command: item.cmd }));
          else out(JSON.stringify({ kind: 'event', timeUs: item.timeUs, seq: item.seq, text: describeEvent(item.event), event: item.event }));
        }
      } else {
        for (const line of formatOrderLife(life, dict, o.fields === true)) out(line);
      }
      if (life.items.length === 0) { err(`no order ${id} found`); return 1; }
      return 0;
    }));

  common(audit.command('stats')
    .description('message counts by type and session, reject reasons, order->ack latency percentiles')
    .argument('[LOG...]', 'message log files or directories (default: DATA/log)')
    .option('--data-dir <dir>', 'use DATA/log when no LOG is given')
    .option('--json', 'the statistics as one JSON object'))
    .action(guarded(async (logs: string[], o: CommonOptions & { json?: boolean }) => {
      const stats = await collectStats(logFiles(logs, o), loadDictionary(o), o.localCompId);
      if (o.json === true) out(JSON.stringify(stats));
      else for (const line of formatStats(stats)) out(line);
      return 0;
    }));
}
