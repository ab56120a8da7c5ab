// Prometheus metrics of the market-data tap, registered on the caller's prom-client Registry:
// WebSocket clients, subscriptions, messages sent, resyncs, drops (server-initiated disconnects), client errors,
// md events. The event-loop delay, which is what a slow tap would show first, is prom-client's default
// nodejs_eventloop_lag_* (fixgw serve collects the defaults).
import { Counter, Gauge, type Registry } from 'prom-client';

export interface TapMetrics {
  sent(channel: string, n: number): void;
  resync(reason: string): void;
  drop(reason: string): void;
  clientError(code: string): void;
  subscribed(): void;
  mdEvent(): void;
  stop(): void;
}

export function createTapMetrics(registry: Registry, gauges: { clients: () => number; subscriptions: () => Record<string, number> }): TapMetrics {
  const registers = [registry];
  new Gauge({ name: 'fixgw_ws_clients', help: 'Open market-data WebSocket connections', registers,
    collect() { this.set(gauges.clients()); } });
  new Gauge({ name: 'fixgw_ws_subscriptions', help: 'Market-data subscriptions by channel', labelNames: ['channel'], registers,
    collect() { for (const [ch, n] of Object.entries(gauges.subscriptions())) this.set({ channel: ch }, n); } });
  const sent = new Counter({ name: 'fixgw_ws_messages_sent_total', help: 'Market-data messages sent to WebSocket clients', labelNames: ['channel'], registers });
  const resyncs = new Counter({ name: 'fixgw_ws_resyncs_total', help: 'Book subscriptions told to resync', labelNames: ['reason'], registers });
  const drops = new Counter({ name: 'fixgw_ws_drops_total', help: 'WebSocket connections closed by the server', labelNames: ['reason'], registers });
  const errors = new Counter({ name: 'fixgw_ws_client_errors_total', help: 'Bad client requests answered with an error', labelNames: ['code'], registers });
  const subscribes = new Counter({ name: 'fixgw_ws_subscribes_total', help: 'Subscribe requests accepted', registers });
  const mdEvents = new Counter({ name: 'fixgw_md_events_total', help: 'Engine market-data events taken by the tap', registers });
  const names = ['fixgw_ws_clients', 'fixgw_ws_subscriptions', 'fixgw_ws_messages_sent_total', 'fixgw_ws_resyncs_total',
    'fixgw_ws_drops_total', 'fixgw_ws_client_errors_total', 'fixgw_ws_subscribes_total', 'fixgw_md_events_total'];
  return {
    sent: (channel, n) => { if (n > 0) sent.inc({ channel }, n); },
    resync: (reason) => resyncs.inc({ reason }),
    drop: (reason) => drops.inc({ reason }),
    clientError: (code) => errors.inc({ code }),
    subscribed: () => subscribes.inc(),
    mdEvent: () => mdEvents.inc(),
    stop: () => { for (const n of names) registry.removeSingleMetric(n); },
  };
}
