// Where `sim load` places its orders: around each instrument's last trade price, else its reference price, as the
// gateway itself reports them (GET /api/v1/instruments), so a load run trades near the real market instead of
// dragging the book to an arbitrary price.

export interface InstrumentPrice {
  symbol: string;
  /** Decimal strings, as the gateway gives them. */
  tickSize: string;
  mid: string;
  /** Where the mid came from. */
  source: 'last' | 'reference';
}

/** The gateway could not be asked; `message` says where and why. */
export class PriceLookupError extends Error {}

interface InstrumentsAnswer { instruments?: Array<{ symbol?: unknown; tickSize?: unknown; lastPrice?: unknown; referencePrice?: unknown }> }

/** Instruments by symbol from the gateway's HTTP API at `baseUrl`. */
export async function fetchInstrumentPrices(baseUrl: string, token: string | undefined, timeoutMs: number): Promise<Map<string, InstrumentPrice>> {
  const url = new URL('/api/v1/instruments', baseUrl).toString();
  let body: InstrumentsAnswer;
  try {
    const res = await fetch(url, {
      headers: token !== undefined && token !== '' ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}${res.status === 401 ? ' (the gateway wants its HttpAccessToken: --http-token or FIXGW_HTTP_TOKEN)' : ''}`);
    body = await res.json() as InstrumentsAnswer;
  } catch (err) {
    throw new PriceLookupError(`cannot read the instruments' prices from ${url}: ${(err as Error).message}`);
  }
  const out = new Map<string, InstrumentPrice>();
  for (const i of body.instruments ?? []) {
    const last = typeof i.lastPrice === 'string' ? i.lastPrice : undefined;
    const reference = typeof i.referencePrice === 'string' ? i.referencePrice : undefined;
    const mid = last ?? reference;
    if (typeof i.symbol !== 'string' || typeof i.tickSize !== 'string' || mid === undefined) continue;
    out.set(i.symbol, { symbol: i.symbol, tickSize: i.tickSize, mid, source: last !== undefined ? 'last' : 'reference' });
  }
  return out;
}
