// FIX 4.4 code values ↔ the engine's words, both ways. A FIX value the engine has no word for stays
// visible as "<tag>=<value>" so the engine rejects it as unsupported (journaled like any other request).
import type { ExecType, OrdStatus, OrdType, Side, StpMode, TimeInForce } from '../engine/index.js';

const SIDE_IN: Record<string, Side> = { '1': 'Buy', '2': 'Sell', '5': 'Sell', '6': 'Sell' };
const ORD_TYPE_IN: Record<string, OrdType> = { '1': 'Market', '2': 'Limit', '3': 'Stop', '4': 'StopLimit' };
const TIF_IN: Record<string, TimeInForce> = { '0': 'Day', '1': 'GTC', '3': 'IOC', '4': 'FOK', '6': 'GTD' };

/** SelfMatchPreventionInstruction(7928), a user-defined field (docs/accounts.md; the values CME uses for it):
 *  N cancel newest, O cancel oldest, B cancel both, D decrement and cancel, A allow (no prevention for this order). */
const STP_IN: Record<string, StpMode> = { N: 'CancelNewest', O: 'CancelOldest', B: 'CancelBoth', D: 'DecrementAndCancel', A: 'None' };

/** Side(54): 1 Buy, 2 Sell, 5 SellShort and 6 SellShortExempt are sells; anything else is unsupported. */
export function sideIn(value: string): Side {
  return SIDE_IN[value] ?? (`54=${value}` as Side);
}
/** OrdType(40): 1 Market, 2 Limit, 3 Stop, 4 StopLimit. */
export function ordTypeIn(value: string): OrdType {
  return ORD_TYPE_IN[value] ?? (`40=${value}` as OrdType);
}
/** TimeInForce(59): 0 Day, 1 GTC, 3 IOC, 4 FOK, 6 GTD. */
export function timeInForceIn(value: string): TimeInForce {
  return TIF_IN[value] ?? (`59=${value}` as TimeInForce);
}

/** SelfMatchPreventionInstruction(7928): another value reaches the engine as "7928=X" and is rejected there as an
 *  unsupported order characteristic (OrdRejReason 11). */
export function stpModeIn(value: string): StpMode {
  return STP_IN[value] ?? (`7928=${value}` as StpMode);
}

export const SIDE_OUT: Record<Side, string> = { Buy: '1', Sell: '2' };
export const ORD_TYPE_OUT: Record<OrdType, string> = { Market: '1', Limit: '2', Stop: '3', StopLimit: '4' };
export const TIF_OUT: Record<TimeInForce, string> = { Day: '0', GTC: '1', IOC: '3', FOK: '4', GTD: '6' };
/** ExecType(150). */
export const EXEC_TYPE_OUT: Record<ExecType, string> = {
  New: '0', Trade: 'F', Canceled: '4', Replaced: '5', Rejected: '8', Expired: 'C', Restated: 'D', OrderStatus: 'I',
};
/** OrdStatus(39). */
export const ORD_STATUS_OUT: Record<OrdStatus, string> = {
  New: '0', PartiallyFilled: '1', Filled: '2', Canceled: '4', Rejected: '8', Expired: 'C',
};
