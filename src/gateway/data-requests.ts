// Requests that read rather than trade: market data (V), reference data (x, c, g) and trade capture (AD). Order entry
// hands them here before anything order-related; each is answered at once by its station from what the engine has
// applied (durable state only), never through the command log. The stations follow the command sequencer's events
// for what they push (incremental market data, trading status changes).
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Dictionary } from '../fix/dictionary.js';
import type { FixMessage } from '../fix/message.js';
import { MsgType } from '../fix/names.js';
import type { Session } from '../session/session.js';
import type { CommandSequencer } from '../engine/index.js';
import type { GatewaySession } from './config.js';
import { MarketDataFix } from './market-data.js';
import { registerMdMetrics } from './md-metrics.js';
import { ReferenceData } from './reference-data.js';
import type { EngineReads } from './seam.js';
import { TradeCapture } from './trade-capture.js';

const READS = new Set<string>([
  MsgType.MarketDataRequest, MsgType.SecurityListRequest, MsgType.SecurityDefinitionRequest, MsgType.TradingSessionStatusRequest,
  MsgType.TradeCaptureReportRequest,
]);

export class DataRequests {
  readonly marketData: MarketDataFix;
  readonly reference: ReferenceData;
  readonly tradeCapture: TradeCapture;

  constructor(engine: EngineReads, sequencer: Pick<CommandSequencer, 'onEvents'>, log: Logger, registry: Registry, dictionary: Dictionary) {
    this.marketData = new MarketDataFix(engine, log, dictionary);
    registerMdMetrics(registry, this.marketData.counts, () => this.marketData.subscriptionCount);
    this.reference = new ReferenceData(engine);
    this.tradeCapture = new TradeCapture(engine);
    sequencer.onEvents(this.marketData.onEvents);
    sequencer.onEvents(this.reference.onEvents);
  }

  handles(msgType: string): boolean {
    return READS.has(msgType);
  }

  /** A read request of `session` (handles() said so), answered now. */
  receive(session: Session, msg: FixMessage, s: GatewaySession): void {
    switch (msg.msgType) {
      case MsgType.MarketDataRequest: return this.marketData.receive(session, msg, s);
      case MsgType.TradeCaptureReportRequest: return this.tradeCapture.receive(session, msg, s);
      default: return this.reference.receive(session, msg);
    }
  }

  /** Application.onLogout: subscriptions end with the session. */
  sessionGone(session: Session): void {
    this.marketData.sessionGone(session);
    this.reference.sessionGone(session);
  }

  close(): void {
    this.marketData.close();
  }
}
