// Refs for the submitters beside FIX order entry (REST and WebSocket order entry, the admin API). A ref comes back
// with a command's events on this node only, and every listener sees every ref: FIX order entry counts its refs up
// from 1 (in-flight.ts), so the others take negative ones from this one process-wide counter and no two submitters
// ever hand out the same ref.
let refLast = 0;

/** A ref no other submitter in this process has or will have: -1, -2, -3, ... */
export function nextOtherRef(): number {
  return --refLast;
}
