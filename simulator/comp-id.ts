// CompID patterns for runs with several sessions: 'SIM{i}' → SIM1, SIM2, ...
const COMP_ID = /^[\x21-\x7e]{1,64}$/;

/** The CompID of session `index` (1-based) out of `count`: `{i}` is replaced by the number; a pattern
 *  without `{i}` gets the number appended when there is more than one session. */
export function compIdFor(pattern: string, index: number, count: number): string {
  if (pattern.includes('{i}')) return pattern.replaceAll('{i}', String(index));
  return count > 1 ? `${pattern}${index}` : pattern;
}

/** undefined when `value` can be a CompID (printable ASCII, no spaces or '=', at most 64 chars); else why not. */
export function compIdProblem(value: string): string | undefined {
  if (!COMP_ID.test(value)) return `'${value}' is not a CompID (1-64 printable ASCII characters, no spaces)`;
  if (value.includes('=')) return `'${value}' is not a CompID ('=' is not allowed)`;
  return undefined;
}
