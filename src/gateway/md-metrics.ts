// Metrics of market data over FIX, counted in plain numbers by the station and handed to prom-client when the
// registry is scraped (nothing per message but an increment).
import { Counter, Gauge, type Registry } from 'prom-client';

export class MdCounts {
  snapshots = 0;
  increments = 0;
  /** A subscription started holding its changes back (its peer read slowly). */
  heldBack = 0;
  /** Held-back changes outgrew their bound: a fresh W instead. */
  resnapshots = 0;
  rejects = 0;
}

/** Registers fixgw_fix_md_* on `registry`, reading `counts` and the subscriptions now on each scrape. */
export function registerMdMetrics(registry: Registry, counts: MdCounts, subscriptions: () => number): void {
  new Gauge({ name: 'fixgw_fix_md_subscriptions', help: 'FIX market-data subscriptions now (one per symbol of each request)', registers: [registry],
    collect() { this.set(subscriptions()); } });
  counter(registry, 'fixgw_fix_md_snapshots_total', 'MarketDataSnapshotFullRefresh (W) messages sent', () => counts.snapshots);
  counter(registry, 'fixgw_fix_md_incrementals_total', 'MarketDataIncrementalRefresh (X) messages sent', () => counts.increments);
  counter(registry, 'fixgw_fix_md_held_back_total', 'times a subscription held its market data back for a peer reading slowly', () => counts.heldBack);
  counter(registry, 'fixgw_fix_md_resnapshots_total', 'fresh snapshots sent because held-back changes outgrew their bound', () => counts.resnapshots);
  counter(registry, 'fixgw_fix_md_rejects_total', 'MarketDataRequestReject (Y) messages sent', () => counts.rejects);
}

function counter(registry: Registry, name: string, help: string, read: () => number): void {
  let reported = 0;
  new Counter({ name, help, registers: [registry], collect() {
    const now = read();
    if (now > reported) this.inc(now - reported);
    reported = now;
  } });
}
