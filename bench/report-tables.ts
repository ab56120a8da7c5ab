// What bench:report runs and how it shows each result: the benchmark's script, its full and quick settings, the
// fixed text that says what it measures (no figures: those come from the run), and a table built from its JSON line.

type Json = Record<string, unknown>;

export interface Bench {
  script: string;
  title: string;
  about: string[];
  knobs?: string;
  args?: string[];
  quickArgs?: string[];
  quickEnv?: Record<string, string>;
  table: (j: Json) => string[];
}

const num = (v: unknown, digits = 0): string => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
};
const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' ? v as Json : null);

function table(headers: string[], rows: string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function codec(j: Json): string[] {
  const cpu = obj(j['perCpuSecond']) ?? {};
  const row = (name: string, key: string, unit = 'msgs'): string[] => [name, `${num(cpu[key])} ${unit}`, `${num(j[key])} ${unit}`];
  return table(['', 'per CPU-second', 'per wall-clock second'], [
    row('parse NewOrderSingle', 'parseNewOrderSingleMsgsPerSec'),
    row('parse + validate NewOrderSingle', 'parseValidateNewOrderSingleMsgsPerSec'),
    ['parse + validate NewOrderSingle, time per message', `${num(cpu['parseValidateNewOrderSingleNsPerMsg'])} ns`, `${num(j['parseValidateNewOrderSingleNsPerMsg'])} ns`],
    row('parse + validate NewOrderSingle with a Parties group', 'parseValidateNewOrderSingleWithPartiesMsgsPerSec'),
    row('parse ExecutionReport', 'parseExecutionReportMsgsPerSec'),
    row('parse + validate ExecutionReport', 'parseValidateExecutionReportMsgsPerSec'),
    row('encode NewOrderSingle', 'encodeNewOrderSingleMsgsPerSec'),
    row('encode ExecutionReport', 'encodeExecutionReportMsgsPerSec'),
    row('framing', 'framedMsgsPerSec'),
    row('framing', 'framedBytesPerSec', 'bytes'),
  ]);
}

function engine(j: Json): string[] {
  const modes: Array<[string, string]> = [
    ['engine alone', 'journalOff'], ['engine alone, every decimal field of every event read', 'journalOffFormatted'],
    ['engine alone in steady state (done orders at doneOrdersMax)', 'journalOffSteady'], ['journal, fsync none (saturation)', 'fsyncNone'],
    ['journal, fsync always (saturation)', 'fsyncAlways'], ['journal, fsync none, paced: submit → visible', 'fsyncNonePaced'],
    ['journal, fsync always, paced: submit → visible', 'fsyncAlwaysPaced'],
  ];
  const rows = modes.map(([name, key]) => {
    const m = obj(j[key]);
    if (m === null) return [name, 'not run', '', '', '', ''];
    return [name, num(m['commandsPerCpuSec']), num(m['commandsPerSec']), `${num(m['latencyUsP50'], 2)} µs`, `${num(m['latencyUsP99'], 2)} µs`, `${num(m['latencyUsP999'], 2)} µs`];
  });
  return [`${num(j['commands'])} commands of the mix per run.`, '',
    ...table(['', 'commands per CPU-second', 'commands/s (wall clock)', 'p50', 'p99', 'p99.9'], rows)];
}

function e2e(j: Json): string[] {
  const rows: string[][] = [];
  for (const [mode, label] of [['fsync_off', 'no fsync'], ['fsync_on', 'fsync']] as const) {
    for (const shape of ['1x1', '4x100'] as const) {
      const r = obj(obj(j[mode])?.[shape]);
      if (r === null) continue;
      rows.push([`${shape === '1x1' ? '1 session × window 1' : '4 sessions × window 100'}, ${label}`, num(r['orders']), num(r['rejects']),
        num(r['orders_per_s']), `${num(r['p50_us'])} µs`, `${num(r['p99_us'])} µs`, `${num(r['p999_us'])} µs`, `${num(r['gateway_cpu_us_per_order'])} µs`]);
    }
  }
  return table(['', 'orders', 'rejects', 'orders/s', 'p50', 'p99', 'p99.9', 'gateway CPU per order'], rows);
}

function marketdata(j: Json): string[] {
  return table(['subscribers', 'orders/s', 'md events/s', 'book deltas received/s', 'event → client p50', 'p99', 'p99.9', 'resyncs', 'drops', 'gaps'], [[
    num(j['subscribers']), num(j['ordersPerSec']), num(j['mdEventsPerSec']), num(j['deltaMsgsPerSec']), `${num(j['eventToClientMsP50'], 1)} ms`,
    `${num(j['eventToClientMsP99'], 1)} ms`, `${num(j['eventToClientMsP999'], 1)} ms`, num(j['resyncs']), num(j['drops']), num(j['clientGaps']),
  ]]);
}

function restart(j: Json): string[] {
  const range = (key: string, unit: string, digits = 0): string => {
    const r = obj(j[key]);
    return r === null ? '–' : `${num(r['median'], digits)} ${unit} (${num(r['min'], digits)}–${num(r['max'], digits)})`;
  };
  return [`A journal of ${num(j['commands'])} commands (${num(j['journal_bytes'])} bytes in ${num(j['journal_files'])} segments), a snapshot at seq ${num(j['snapshot_seq'])} (${num(j['snapshot_bytes'])} bytes); median (min–max) of the runs.`, '',
    ...table(['', 'wall clock', 'CPU', 'max RSS'], [
      ['restart: snapshot + journal tail', range('restart_ms', 'ms'), range('restart_cpu_ms', 'ms'), range('restart_max_rss_mib', 'MiB', 1)],
      ['of which loading the snapshot', range('snapshot_load_ms', 'ms'), range('snapshot_load_cpu_ms', 'ms'), range('snapshot_load_max_rss_mib', 'MiB', 1)],
      ['full replay from seq 1', range('full_replay_ms', 'ms'), range('full_replay_cpu_ms', 'ms'), range('full_replay_max_rss_mib', 'MiB', 1)],
    ])];
}

function snapshot(j: Json): string[] {
  return table(['resting orders', 'snapshot bytes', 'export (p50)', 'JSON encode (p50)', 'write, async (p50)', 'read + verify', 'start from snapshot (p50)', 'start by full replay (p50)'], [[
    num(j['resting_orders']), num(j['snapshot_bytes']), `${num(j['export_ms_p50'], 1)} ms`, `${num(j['encode_ms_p50'], 1)} ms`, `${num(j['write_async_ms_p50'], 1)} ms`,
    `${num(j['read_verify_ms'], 1)} ms`, `${num(j['startup_from_snapshot_ms_p50'], 1)} ms`, `${num(j['startup_full_replay_ms_p50'], 1)} ms`,
  ]]);
}

function snapshotStall(j: Json): string[] {
  const v = (mode: Json | null, key: string, unit: string, digits = 1): string => {
    const x = mode?.[key];
    return Array.isArray(x) ? `${num(x[0], digits)}–${num(x[1], digits)} ${unit}` : `${num(x, digits)} ${unit}`;
  };
  const row = (name: string, m: Json | null): string[] => [name, v(m, 'eld_max_ms', 'ms'), v(m, 'eld_p999_ms', 'ms'), v(m, 'tick_latency_us_max', 'µs', 0),
    v(m, 'process_cpu_us_per_command', 'µs'), v(m, 'worker_cpu_us_per_command', 'µs'), v(m, 'rss_max_mb', 'MB', 0)];
  return [`${num(j['resting_orders'])} resting orders, a snapshot every ${num(j['snapshot_every_commands'])} commands, ${num(j['commands'])} commands at ${num(j['rate_per_s'])}/s; ${num(j['runs_per_mode'])} run(s) per mode.`, '',
    ...table(['snapshots made', 'event-loop delay max', 'p99.9', 'submit → applied max', 'process CPU per command', 'worker CPU per command', 'max RSS'],
      [row('on the event loop (SnapshotWorker=N)', obj(j['inline'])), row('by the snapshot worker (default)', obj(j['worker']))])];
}

function rest(j: Json): string[] {
  const r = (name: string, m: Json | null): string[] => [name, num(m?.['orders_per_s']), `${num(m?.['p50_us'])} µs`, `${num(m?.['p99_us'])} µs`,
    num((m?.['non_2xx'] as number ?? 0) + (m?.['errors'] as number ?? 0))];
  const f = (name: string, m: Json | null): string[] => [name, num(m?.['orders_per_s']), `${num(m?.['ack_p50_us'])} µs`, `${num(m?.['ack_p99_us'])} µs`, num(m?.['rejects'])];
  return [`Journal fsync ${j['fsync'] === false ? 'off' : 'on'}; ${num(j['connections'])} HTTP connections.`, '',
    ...table(['', 'orders/s', 'p50 order → answer', 'p99', 'errors or rejects'], [
      r('signed REST orders alone (autocannon)', obj(j['rest'])),
      f('FIX 4×100 alone', obj(j['fix_4x100'])),
      f('FIX 4×100 while the REST load runs', obj(j['fix_4x100_with_rest'])),
      r('REST orders while the FIX load runs', obj(j['rest_during_fix'])),
    ])];
}

function fixmd(j: Json): string[] {
  return [`${num(j['subscribers'])} FIX market-data sessions (${String(j['subscription'] ?? '')}); load: ${String(j['load'] ?? '')}.`, '',
    ...table(['', 'without subscribers', 'with subscribers'], [
      ['orders/s', num(j['orders_per_s_without']), num(j['orders_per_s_with'])],
      ['order → ack p99', `${num(j['order_ack_p99_us_without'])} µs`, `${num(j['order_ack_p99_us_with'])} µs`],
      ['market-data events/s', '', num(j['md_events_per_s'])],
      ['MarketDataIncrementalRefresh (X) messages/s received', '', num(j['x_msgs_per_s'])],
      ['engine event → subscriber p50 / p99', '', `${num(j['event_to_subscriber_us_p50'])} / ${num(j['event_to_subscriber_us_p99'])} µs`],
      ['subscriber sequence regressions', '', num(j['subscriber_seq_regressions'])],
    ])];
}

function cluster(j: Json): string[] {
  const us = (k: string, d = 0): string => `${num(j[k], d)} µs`;
  const single = j['single_fsync_4x100_orders_per_s'];
  const r3 = j['r3_4x100_orders_per_s'];
  const ratio = typeof single === 'number' && typeof r3 === 'number' && single > 0 ? ` (${(r3 / single).toFixed(2)} of the single process)` : '';
  return [String(j['machine'] ?? ''), '',
    ...table(['4 sessions × window 100', 'orders/s', 'gateway CPU per order', 'NATS servers\' CPU per order', 'the other node\'s CPU per order'], [
      ['single process, journal fsync', num(single), us('single_fsync_4x100_gateway_cpu_us_per_order'), '', ''],
      ['cluster, 1 replica, one node', num(j['r1_4x100_orders_per_s']), us('r1_4x100_gateway_cpu_us_per_order'), us('r1_4x100_nats_cpu_us_per_order'), ''],
      ['cluster, 3 replicas, two nodes', `${num(r3)}${ratio}`, us('r3_4x100_gateway_cpu_us_per_order'), us('r3_4x100_nats_cpu_us_per_order'), us('r3_4x100_other_node_cpu_us_per_order')],
    ]), '',
    ...table(['3 replicas', ''], [
      ['1 session × window 1, order → first report p50 / p99', `${num(j['r3_1x1_p50_us'])} / ${num(j['r3_1x1_p99_us'])} µs`],
      ['publish → JetStream ack p50 / p99 (one command at a time)', `${num(j['r3_publish_ack_p50_us'])} / ${num(j['r3_publish_ack_p99_us'])} µs`],
      ['submit → applied p50, on the submitting node / another node', `${num(j['r3_submit_to_applied_p50_us'])} / ${num(j['r3_submit_to_applied_other_node_p50_us'])} µs`],
      ['the consumer\'s share: submit → applied p50 less publish → ack p50 (negative: the record came before the ack)', us('r3_consume_p50_us')],
      ['engine apply per command', us('engine_apply_us', 2)],
      ['publisher alone, commands/s with 1 / 8 / 32 commands per message', `${num(j['r3_publish_1_per_message_commands_per_s'])} / ${num(j['r3_publish_8_per_message_commands_per_s'])} / ${num(j['r3_publish_32_per_message_commands_per_s'])}`],
      ['failover: node killed → its clients on another node with every missed report', `${num(j['failover_rto_ms'])} ms`],
      ['acknowledged orders lost / entered twice / reports missing', `${num(j['acked_lost'])} / ${num(j['duplicated'])} / ${num(j['reports_missing'])}`],
      ['replica digests equal', String(j['replica_digest_equal'])],
    ])];
}

export const BENCHES: Bench[] = [
  { script: 'codec', title: 'FIX codec', table: codec,
    about: ['Parse, parse + validate and encode of a NewOrderSingle, the same order with a two-entry Parties group and an ExecutionReport,',
      'and framing of a stream of messages, after a warm-up. How the codec gets there: [FIX behaviour](fix.md#codec-speed).'] },
  { script: 'engine', title: 'Matching engine and journal', table: engine,
    knobs: 'BENCH_COMMANDS, BENCH_MODES=off,none,always, BENCH_IN_FLIGHT, BENCH_BURST, BENCH_PACED_RATE, BENCH_STEADY_PRIME, BENCH_DUMP',
    quickEnv: { BENCH_COMMANDS: '20000', BENCH_STEADY_PRIME: '0', BENCH_PACED_RATE: '0' },
    about: ['A generated, realistic mix (new orders of which about a third trade through one to three resting orders, cancels, replaces;',
      'about a thousand orders resting over a few hundred levels) applied to the engine alone (one `apply` per command), then through',
      'the sequencer and journal with fsync none and fsync always (temp directory): at saturation, and paced at BENCH_PACED_RATE',
      'commands/s where every command is timed from submit to its events. The steady-state run first feeds the engine enough',
      'commands that it remembers doneOrdersMax done orders and forgets the oldest as it goes, as a long-running gateway does.',
      '', 'Where an engine command goes: parsing two decimals, the ClOrdID table probes, the price-level B-tree, creating the order',
      '(allocated straight into the old generation) and garbage collection of the events. The journal writes each command in a',
      'compact binary record straight into the batch buffer, one write (and one fdatasync) per event-loop turn.'] },
  { script: 'e2e', title: 'End to end: FIX order → first ExecutionReport', table: e2e,
    knobs: '-- --orders-1x1 N --orders-4x100 N; BENCH_FSYNC=off|on; BENCH_CFG_EXTRA=\'Key=V;Key2=V\' adds gateway settings',
    quickArgs: ['--orders-1x1', '300', '--orders-4x100', '2000'],
    about: ['`fixgw serve` as a child process (real journal, session stores and logs in a temp data directory, the shipped settings and',
      'engine config, its start-up warm-up included), driven over loopback by `fixgw sim load` in another process: closed loop,',
      'limit orders around each instrument\'s price, about half of them crossing. 1 session × window 1 runs 30,000 orders after a',
      'warm-up of 2,000; 4 sessions × window 100 runs 100,000 after 5,000; each with the journal\'s fsync off and on. Latency is',
      'from the order\'s write to its first ExecutionReport; the gateway\'s CPU per order counts all its threads. The load generator',
      'shares the machine, so part of every latency is its own.'] },
  { script: 'marketdata', title: 'Market data fan-out', table: marketdata,
    knobs: '-- --subscribers N --seconds S --conflate-max-us U', quickArgs: ['--subscribers', '20', '--seconds', '2'],
    about: ['The gateway with 4 FIX sessions × 100 orders in flight (journal fsync off) and N WebSocket subscribers of the AAPL book in',
      'a child process: orders/s, market-data events/s, book deltas received over all subscribers, and the delay from the engine',
      'event (after the journal write) to a subscriber receiving the delta that carries it.'] },
  { script: 'restart', title: 'Restart from a snapshot against a full replay', table: restart,
    knobs: 'BENCH_COMMANDS, BENCH_RESTING, BENCH_TAIL, BENCH_RUNS, BENCH_DONE_ORDERS_MAX',
    quickEnv: { BENCH_COMMANDS: '20000', BENCH_RESTING: '2000', BENCH_TAIL: '2000', BENCH_RUNS: '1' },
    about: ['A long journal with a snapshot shortly before its end, restarted (latest snapshot + the segments after it, streamed) and',
      'replayed in full from seq 1, each in a fresh child process so its peak memory is its own. What is left of a restart is',
      'mostly loading the snapshot, which grows with the done orders the engine remembers (limits.doneOrdersMax).'] },
  { script: 'snapshot', title: 'What a snapshot costs', table: snapshot, knobs: 'BENCH_RESTING, BENCH_CHURN_PAIRS',
    quickEnv: { BENCH_RESTING: '2000', BENCH_CHURN_PAIRS: '2000' },
    about: ['At about 100,000 resting orders: exporting the engine state and encoding it as JSON (the synchronous part), writing it',
      '(temp file, fsync, rename, directory fsync), reading it back, and what it saves at start-up against a full replay.'] },
  { script: 'snapshot-stall', title: 'Snapshot stall of order entry: on the event loop or by the worker', table: snapshotStall,
    knobs: 'BENCH_RESTING, BENCH_EVERY, BENCH_COMMANDS, BENCH_RATE, BENCH_PAIRS, BENCH_TRACE=1',
    quickEnv: { BENCH_RESTING: '2000', BENCH_EVERY: '2000', BENCH_COMMANDS: '6000', BENCH_PAIRS: '1' },
    about: ['A real gateway at about 100,000 resting orders with JournalFsync=N, a steady flow of add + cancel pairs and periodic',
      'snapshots, made on the event loop and by the snapshot worker thread (the two alternate): the event-loop delay, the',
      'submit → applied latency, and the CPU each costs. [Operations](operations.md#snapshots) explains the worker.'] },
  { script: 'rest', title: 'REST order entry beside FIX', table: rest, knobs: '-- --rest-seconds N --connections N --fix-orders N; BENCH_FSYNC=off',
    quickArgs: ['--rest-seconds', '2', '--connections', '4', '--fix-orders', '2000'],
    about: ['`fixgw serve` as a child process (real journal, fsync on), signed REST orders from autocannon (each request signed with',
      'its own client order id; the answer comes once the order is durable and applied), and the FIX 4×100 closed loop of',
      '`fixgw sim load`, alone and while the REST load runs. [REST API](rest.md).'] },
  { script: 'fixmd', title: 'FIX market data', table: fixmd, knobs: '-- --subscribers N --orders N',
    quickArgs: ['--subscribers', '10', '--orders', '4000'],
    about: ['The gateway in the benchmark\'s process (journal fsync off) under the 4×100 load of the project\'s load generator, run',
      'without and then with N FIX market-data sessions subscribed to the full books: the delay from the engine event to a',
      'subscriber reading the MarketDataIncrementalRefresh that carries it, and what the subscribers cost the order flow.',
      '[FIX market data](fix-market-data.md).'] },
  { script: 'cluster', title: 'Cluster mode on NATS JetStream', table: cluster, knobs: '-- --orders-4x100 N --orders-1x1 N',
    quickArgs: ['--orders-4x100', '3000', '--orders-1x1', '300'],
    about: ['Its own topology on this machine: 3 `nats-server` processes and gateway nodes as `fixgw serve` children in cluster mode,',
      'driven by `fixgw sim load`, beside the single-process gateway with fsync in the same run; then a gateway node killed under',
      'load, and the parts of the 3-replica path timed one command at a time. Everything shares the machine, so the cluster\'s',
      'rate is bounded by the CPU of all its processes together: see the CPU columns. [Cluster mode](cluster.md#measured).'] },
];
