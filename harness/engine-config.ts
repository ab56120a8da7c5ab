// The engine config tests run gateways on: the packaged config/engine.json with its price bands off. Most tests were
// written against a permissive config and trade every symbol around 100, which the packaged bands reject. The file is
// written once per content into the temp directory (named by its hash), so `fixgw serve` children, in-process
// gateways and replays all read the same config; a test of the bands themselves sets priceBandBps explicitly.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGED = fileURLToPath(new URL('../../config/engine.json', import.meta.url));
let cached: string | undefined;

export function testEngineConfigPath(): string {
  if (cached !== undefined) return cached;
  const file = JSON.parse(readFileSync(PACKAGED, 'utf8')) as { instruments: Array<Record<string, unknown>> };
  for (const instrument of file.instruments) instrument['priceBandBps'] = 0;
  const text = JSON.stringify(file, null, 2) + '\n';
  const target = path.join(tmpdir(), `fixgw-test-engine-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`);
  if (!existsSync(target)) {
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  }
  return (cached = target);
}
