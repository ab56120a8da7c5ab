// The engine config the tests run on (harness/engine-config.ts: the packaged one without price bands), as a path and
// loaded.
import { loadEngineConfig, type EngineConfig } from '../../src/engine/index.js';
import { testEngineConfigPath } from '../../harness/engine-config.js';

export { testEngineConfigPath };

let config: EngineConfig | undefined;

/** testEngineConfigPath(), loaded. */
export function testEngineConfig(): EngineConfig {
  return (config ??= loadEngineConfig(testEngineConfigPath()));
}
