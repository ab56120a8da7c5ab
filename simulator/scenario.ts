// Scenario files (YAML or JSON): named client sessions and a list of steps — orders in the short
// order syntax, expectations on the next message a session receives, waits, drops and reconnects.
// `runScenario` plays one against a FIX acceptor and stops at the first expectation that fails,
// returning a diff a person can read. File format: see simulator/scenarios/*.yaml and the README.
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import type { Dictionary } from '../src/fix/dictionary.js';
import { parseOrderCommand, buildOrderMessage, isOrderVerb, OrderSyntaxError, type OrderCommand } from './order-syntax.js';
import { parseExpectation, checkMessage, formatDiff, ExpectationError, type Expectation, type Variables } from './expectation.js';
import { SimSession, type SimSessionOptions } from './sim-session.js';
import { OwnOrders } from './own-orders.js';
import { FileLog } from '../src/session/message-log.js';
import { describeMessage } from './display.js';
import { compIdFor } from './comp-id.js';

export type Action =
  | { kind: 'order'; cmd: OrderCommand }
  /** An order step that uses captured `$name` values: parsed when it runs. */
  | { kind: 'orderTemplate'; text: string }
  | { kind: 'expect'; expectation: Expectation }
  | { kind: 'expectNone'; ms: number }
  | { kind: 'wait'; ms: number }
  | { kind: 'disconnect' }
  | { kind: 'connect' }
  | { kind: 'logout' };

export interface Step {
  /** 1-based position in `steps`. */
  index: number;
  /** Line in the file, when known. */
  line?: number;
  session: string;
  text: string;
  action: Action;
}

export interface ScenarioSession {
  name: string;
  sender: string;
  target?: string;
  /** ResetSeqNumFlag=Y on the first Logon (default true). */
  reset: boolean;
  heartBtIntS: number;
}

export interface Scenario {
  file: string;
  name: string;
  description?: string;
  target?: string;
  timeoutMs: number;
  sessions: ScenarioSession[];
  steps: Step[];
}

/** A scenario file that cannot be played; the message names the file, the line and the problem. */
export class ScenarioError extends Error {}

export const SCENARIO_STEPS_MAX = 10_000;
export const SCENARIO_SESSIONS_MAX = 100;
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_EXPECT_NONE_MS = 500;
const SESSION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const COMP_ID = /^[\x21-\x7e]{1,64}$/;

/** Read and check a scenario file. `runTag` replaces `{run}` in CompIDs and step text. */
export function loadScenario(file: string, dict: Dictionary, runTag: string, defaultSender?: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`${file}: cannot read: ${(err as Error).message}`);
  }
  return parseScenario(text, file, dict, runTag, defaultSender);
}

/** `defaultSender` (the command line's --sender, '{i}' = the session's position) names sessions that give no sender. */
export function parseScenario(text: string, file: string, dict: Dictionary, runTag: string, defaultSender?: string): Scenario {
  const lineCounter = new LineCounter();
  // YAML 1.2 is a superset of JSON, so one parser reads both.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const fail = (what: string, node?: Node | null): never => {
    const line = lineOf(node);
    throw new ScenarioError(`${file}${line !== undefined ? `:${line}` : ''}: ${what}`);
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line ?? lineCounter.linePos(e.pos[0]).line;
    throw new ScenarioError(`${file}:${line}: not valid YAML/JSON: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const root = doc.contents;
  if (!isMap(root)) return fail('a scenario is a mapping with name, sessions and steps', root);
  const known = new Set(['name', 'description', 'target', 'timeoutMs', 'sessions', 'steps']);
  for (const item of root.items) {
    const key = isScalar(item.key) ? String(item.key.value) : '';
    if (!known.has(key)) fail(`unknown key '${key}' (expected one of: ${[...known].join(', ')})`, item.key as Node);
  }
  const plain = doc.toJS() as Record<string, unknown>;
  const name = plain['name'] ?? path.basename(file);
  if (typeof name !== 'string') fail('name must be a string', root.get('name', true) as Node);
  const description = plain['description'];
  if (description !== undefined && typeof description !== 'string') fail('description must be a string', root.get('description', true) as Node);
  const target = plain['target'];
  if (target !== undefined && (typeof target !== 'string' || !COMP_ID.test(target))) fail('target must be a CompID', root.get('target', true) as Node);
  const timeoutMs = plain['timeoutMs'] ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    fail('timeoutMs must be an integer number of milliseconds in 1..600000', root.get('timeoutMs', true) as Node);
  }

  // sessions: { name: { sender, target?, reset?, heartbeat? } }
  const sessionsNode = root.get('sessions', true) as Node | undefined;
  if (!isMap(sessionsNode) || sessionsNode.items.length === 0) return fail('sessions must map at least one session name to { sender: COMPID }', sessionsNode ?? root);
  if (sessionsNode.items.length > SCENARIO_SESSIONS_MAX) fail(`more than ${SCENARIO_SESSIONS_MAX} sessions`, sessionsNode);
  const sessions: ScenarioSession[] = [];
  for (const [position, item] of sessionsNode.items.entries()) {
    const sessionName = isScalar(item.key) ? String(item.key.value) : '';
    if (!SESSION_NAME.test(sessionName)) fail(`session name '${sessionName}' must be a word (letters, digits, _ -)`, item.key as Node);
    const empty = item.value === null || (isScalar(item.value) && item.value.value === null);
    const spec = (isMap(item.value) ? item.value.toJSON() : empty ? {} : undefined) as Record<string, unknown> | undefined;
    if (!spec) return fail(`session '${sessionName}' must be a mapping like { sender: COMPID }`, item.value as Node);
    for (const key of Object.keys(spec)) {
      if (!['sender', 'target', 'reset', 'heartbeat'].includes(key)) fail(`session '${sessionName}': unknown key '${key}' (sender, target, reset, heartbeat)`, item.value as Node);
    }
    const pattern = typeof spec['sender'] === 'string' ? spec['sender'] : spec['sender'] === undefined && defaultSender !== undefined
      ? compIdFor(defaultSender, position + 1, sessionsNode.items.length) : undefined;
    const sender = pattern?.replaceAll('{run}', runTag);
    if (sender === undefined || !COMP_ID.test(sender)) fail(`session '${sessionName}' needs sender: COMPID`, (item.value ?? item.key) as Node);
    const sessionTarget = spec['target'];
    if (sessionTarget !== undefined && (typeof sessionTarget !== 'string' || !COMP_ID.test(sessionTarget))) fail(`session '${sessionName}': target must be a CompID`, item.value as Node);
    const reset = spec['reset'] ?? true;
    if (typeof reset !== 'boolean') fail(`session '${sessionName}': reset must be true or false`, item.value as Node);
    const heartbeat = spec['heartbeat'] ?? 30;
    if (typeof heartbeat !== 'number' || !Number.isInteger(heartbeat) || heartbeat < 1) fail(`session '${sessionName}': heartbeat must be a whole number of seconds`, item.value as Node);
    sessions.push({ name: sessionName, sender: sender!, reset: reset as boolean, heartBtIntS: heartbeat as number, ...(sessionTarget !== undefined ? { target: sessionTarget as string } : {}) });
  }
  const sessionNames = new Set(sessions.map((s) => s.name));

  // steps: "session: command" | { session: command } | "command" (one-session scenarios)
  const stepsNode = root.get('steps', true) as Node | undefined;
  if (!isSeq(stepsNode) || stepsNode.items.length === 0) return fail('steps must be a list of at least one step', stepsNode ?? root);
  if (stepsNode.items.length > SCENARIO_STEPS_MAX) fail(`more than ${SCENARIO_STEPS_MAX} steps`, stepsNode);
  const steps: Step[] = [];
  stepsNode.items.forEach((node, i) => {
    const item = node as Node;
    let sessionName: string | undefined;
    let command: string | undefined;
    if (isScalar(item) && typeof item.value === 'string') {
      const m = /^([A-Za-z][A-Za-z0-9_-]*):\s+(.*)$/s.exec(item.value);
      if (m && sessionNames.has(m[1]!)) [sessionName, command] = [m[1], m[2]];
      else command = item.value;
    } else if (isMap(item) && item.items.length === 1) {
      const pair = item.items[0]!;
      sessionName = isScalar(pair.key) ? String(pair.key.value) : undefined;
      command = isScalar(pair.value) ? String(pair.value.value) : undefined;
    }
    if (command === undefined) return fail(`step ${i + 1}: write a step as "SESSION: COMMAND" (e.g. "buyer: buy 100 AAPL @ 190")`, item);
    if (sessionName === undefined) {
      // `wait` belongs to no session.
      if (sessions.length > 1 && !/^wait\b/i.test(command.trim())) fail(`step ${i + 1}: say which session (one of ${[...sessionNames].join(', ')}): "SESSION: ${command}"`, item);
      sessionName = sessions[0]!.name;
    }
    if (!sessionNames.has(sessionName)) fail(`step ${i + 1}: no session named '${sessionName}' (sessions: ${[...sessionNames].join(', ')})`, item);
    const stepText = command.replaceAll('{run}', runTag).trim();
    let action: Action;
    try {
      action = parseAction(stepText, dict);
    } catch (err) {
      if (err instanceof OrderSyntaxError || err instanceof ExpectationError || err instanceof ScenarioError) return fail(`step ${i + 1} (${stepText}): ${err.message}`, item);
      throw err;
    }
    const line = lineOf(item);
    steps.push({ index: i + 1, session: sessionName, text: stepText, action, ...(line !== undefined ? { line } : {}) });
  });

  return {
    file,
    name: name as string,
    ...(description !== undefined ? { description: description as string } : {}),
    ...(target !== undefined ? { target: target as string } : {}),
    timeoutMs: timeoutMs as number,
    sessions,
    steps,
  };
}

function parseAction(text: string, dict: Dictionary): Action {
  const [verb = '', ...rest] = text.split(/\s+/);
  const arg = text.slice(verb.length).trim();
  switch (verb.toLowerCase()) {
    case 'expect': return { kind: 'expect', expectation: parseExpectation(arg, dict) };
    case 'expect-none': return { kind: 'expectNone', ms: arg === '' ? DEFAULT_EXPECT_NONE_MS : parseDuration(arg) };
    case 'wait': return { kind: 'wait', ms: parseDuration(arg) };
    case 'disconnect': noArgs(verb, rest); return { kind: 'disconnect' };
    case 'connect': noArgs(verb, rest); return { kind: 'connect' };
    case 'logout': noArgs(verb, rest); return { kind: 'logout' };
    default:
      if (!isOrderVerb(verb.toLowerCase())) {
        throw new ScenarioError(`unknown step '${verb}' (expect, expect-none, wait, disconnect, connect, logout, or an order: buy, sell, cancel, replace, status, cancel-all, raw)`);
      }
      if (VARIABLE_REF.test(text)) {
        // Checked now with a stand-in value; parsed for real when it runs, with the captured values.
        parseOrderCommand(text.replace(VARIABLE_REFS, '1'));
        return { kind: 'orderTemplate', text };
      }
      return { kind: 'order', cmd: parseOrderCommand(text) };
  }
}

const VARIABLE_REF = /\$[A-Za-z_]\w*/;
const VARIABLE_REFS = /\$([A-Za-z_]\w*)/g;

/** `text` with every `$name` replaced by its captured value; throws ScenarioError naming an unset one. */
function substitute(text: string, vars: Variables): string {
  return text.replace(VARIABLE_REFS, (_whole, name: string) => {
    const value = vars.get(name);
    if (value === undefined) throw new ScenarioError(`$${name} is not set (capture it first with expect TAG=$${name})`);
    return value;
  });
}

function noArgs(verb: string, rest: string[]): void {
  if (rest.length > 0) throw new ScenarioError(`${verb} takes no arguments`);
}

/** '250', '250ms', '2s' → milliseconds (at most 10 minutes). */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(text.trim());
  if (!m) throw new ScenarioError(`'${text}' is not a duration (250, 250ms, 2s)`);
  const ms = Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
  if (ms > 600_000) throw new ScenarioError(`'${text}' is longer than 10 minutes`);
  return ms;
}

// ---- running ---------------------------------------------------------------------------------------

export interface RunOptions {
  host: string;
  port: number;
  /** TargetCompID when neither the scenario nor the session names one. */
  target: string;
  dictionary: Dictionary;
  /** Prefix of generated ClOrdIDs. */
  runTag: string;
  /** Write each session's message and event log here. */
  logDir?: string;
  /** Progress, one line per step. */
  onStep?: (step: Step, outcome: 'ok' | 'failed', detail?: string) => void;
  connectTimeoutMs?: number;
}

export interface ScenarioFailure {
  step: Step | null;
  reason: string;
  diff?: string;
}

export interface ScenarioResult {
  name: string;
  file: string;
  passed: boolean;
  stepsRun: number;
  stepsTotal: number;
  elapsedMs: number;
  failure?: ScenarioFailure;
  /** Messages that arrived but no step looked at, per session (not a failure). */
  unread: Record<string, number>;
}

interface Live {
  spec: ScenarioSession;
  client: SimSession;
  orders: OwnOrders;
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<ScenarioResult> {
  const startedMs = Date.now();
  const live = new Map<string, Live>();
  for (const spec of scenario.sessions) {
    const target = spec.target ?? scenario.target ?? opts.target;
    const sessionOpts: SimSessionOptions = {
      host: opts.host, port: opts.port, sender: spec.sender, target,
      heartBtIntS: spec.heartBtIntS, resetOnFirstLogon: spec.reset,
      ...(opts.logDir ? { log: FileLog.open(opts.logDir, { beginString: 'FIX.4.4', senderCompId: spec.sender, targetCompId: target }) } : {}),
    };
    const client = new SimSession(sessionOpts);
    const sessionClient = client;
    live.set(spec.name, { spec, client: sessionClient, orders: new OwnOrders(`${opts.runTag}-${spec.name}-`) });
  }
  const result = (passed: boolean, stepsRun: number, failure?: ScenarioFailure): ScenarioResult => {
    const unread: Record<string, number> = {};
    for (const [name, l] of live) if (l.client.inbox.length > 0) unread[name] = l.client.inbox.length;
    return {
      name: scenario.name, file: scenario.file, passed, stepsRun, stepsTotal: scenario.steps.length,
      elapsedMs: Date.now() - startedMs, unread, ...(failure ? { failure } : {}),
    };
  };
  try {
    // Every session logs on before the first step; a connection failure is reported, not thrown.
    const connected = await Promise.allSettled([...live.values()].map((l) => l.client.connect(opts.connectTimeoutMs)));
    const refused = connected.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (refused) return result(false, 0, { step: null, reason: (refused.reason as Error).message });

    let stepsRun = 0;
    const vars: Variables = new Map();
    for (const step of scenario.steps) {
      const l = live.get(step.session)!;
      const failure = await runStep(step, l, scenario, opts, vars);
      stepsRun++;
      if (failure) {
        opts.onStep?.(step, 'failed', failure.reason);
        return result(false, stepsRun, failure);
      }
      opts.onStep?.(step, 'ok');
    }
    return result(true, stepsRun);
  } finally {
    await Promise.all([...live.values()].map((l) => l.client.close()));
  }
}

async function runStep(step: Step, l: Live, scenario: Scenario, opts: RunOptions, vars: Variables): Promise<ScenarioFailure | undefined> {
  const { client, orders } = l;
  const action = step.action;
  switch (action.kind) {
    case 'order':
    case 'orderTemplate': {
      if (!client.isLoggedOn) return { step, reason: `session '${step.session}' is not logged on (add a connect step)` };
      let built;
      try {
        const cmd = action.kind === 'order' ? action.cmd : parseOrderCommand(substitute(action.text, vars));
        built = buildOrderMessage(cmd, orders, Date.now());
      } catch (err) {
        if (err instanceof OrderSyntaxError || err instanceof ScenarioError) return { step, reason: err.message };
        throw err;
      }
      client.send(built.msgType, built.body);
      return undefined;
    }
    case 'expect': {
      const msg = await client.next(scenario.timeoutMs);
      if (!msg) {
        const state = client.isLoggedOn ? 'still logged on' : `not logged on${client.lastLogoutText ? ` (last Logout: ${client.lastLogoutText})` : ''}`;
        return { step, reason: `no message arrived on '${step.session}' within ${scenario.timeoutMs} ms (session ${state})` };
      }
      if (msg.msgType === '8') orders.onExecutionReport(msg);
      const { ok, results } = checkMessage(action.expectation, msg, vars);
      if (ok) return undefined;
      const failed = results.filter((r) => !r.ok).map((r) => r.check.tag).join(', ');
      return { step, reason: `the next message on '${step.session}' does not match (tags ${failed})`, diff: formatDiff(results, msg, opts.dictionary, vars) };
    }
    case 'expectNone': {
      const msg = await client.next(action.ms);
      if (!msg) return undefined;
      return { step, reason: `expected no message on '${step.session}' for ${action.ms} ms, received one`, diff: `received ${describeMessage(msg, opts.dictionary)}\n    message: ${msg.toString()}` };
    }
    case 'wait':
      await new Promise((r) => setTimeout(r, action.ms));
      return undefined;
    case 'disconnect':
      await client.drop();
      return undefined;
    case 'logout':
      await client.logout();
      return undefined;
    case 'connect':
      if (client.isLoggedOn) return { step, reason: `session '${step.session}' is already logged on` };
      try {
        await client.connect(opts.connectTimeoutMs);
      } catch (err) {
        return { step, reason: (err as Error).message };
      }
      return undefined;
  }
}

/** The scenario files to run for a command-line argument: a file, or every .yaml/.yml/.json in a directory. */
export function scenarioFiles(arg: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(arg);
  } catch {
    throw new ScenarioError(`${arg}: no such file or directory`);
  }
  if (!stat.isDirectory()) return [arg];
  const files = fs.readdirSync(arg).filter((f) => /\.(ya?ml|json)$/i.test(f)).sort().map((f) => path.join(arg, f));
  if (files.length === 0) throw new ScenarioError(`${arg}: no .yaml, .yml or .json scenario files in this directory`);
  return files;
}
