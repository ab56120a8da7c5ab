// Gateway metrics on a prom-client Registry (served at /metrics by the HTTP server).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** `inc(value)` on a one-label counter, with the labelled child looked up once per value (hot path). */
export interface LabelledCounter { inc(value: string): void }

const LABEL_VALUES_MAX = 64;

function labelled(counter: Counter<string>): LabelledCounter {
  const children = new Map<string, { inc(): void }>();
  return {
    inc(value: string) {
      let child = children.get(value);
      if (child === undefined) {
        // Label values come from small fixed sets (reject reasons, exec types, MsgTypes); a bound all the same.
        const label = children.size < LABEL_VALUES_MAX ? value : 'other';
        child = children.get(label) ?? counter.labels(label);
        children.set(label, child);
      }
      child.inc();
    },
  };
}

export interface GatewayMetrics {
  messagesReceived: LabelledCounter;
  rejects: LabelledCounter;
  trades: Counter;
  executionReports: LabelledCounter;
  orderAckSeconds: Histogram;
  journalBatchSeconds: Histogram;
}

export function createMetrics(registry: Registry, collect: { loggedOnSessions: () => number; lastSeq: () => number }): GatewayMetrics {
  const registers = [registry];
  new Gauge({
    name: 'fixgw_sessions_logged_on', help: 'FIX sessions currently logged on', registers,
    collect() { this.set(collect.loggedOnSessions()); },
  });
  new Gauge({
    name: 'fixgw_engine_last_seq', help: 'Sequence number of the last command applied by the engine', registers,
    collect() { this.set(collect.lastSeq()); },
  });
  return {
    messagesReceived: labelled(new Counter({
      name: 'fixgw_app_messages_received_total', help: 'Application messages received, by MsgType(35)', labelNames: ['msg_type'], registers,
    })),
    rejects: labelled(new Counter({
      name: 'fixgw_rejects_total', help: 'Rejected requests, by reason (engine reject reason, throttle, unsupported, ...)', labelNames: ['reason'], registers,
    })),
    trades: new Counter({ name: 'fixgw_trades_total', help: 'Trades matched', registers }),
    executionReports: labelled(new Counter({
      name: 'fixgw_execution_reports_total', help: 'ExecutionReports sent to trading sessions, by ExecType', labelNames: ['exec_type'], registers,
    })),
    orderAckSeconds: new Histogram({
      name: 'fixgw_order_ack_seconds', help: 'From a request arriving to its first reply being sent (includes the journal write)', registers,
      buckets: [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
    }),
    journalBatchSeconds: new Histogram({
      name: 'fixgw_journal_batch_seconds', help: 'From the first command of a batch being submitted to its events (journal write + fsync + apply)', registers,
      buckets: [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
    }),
  };
}
