#!/usr/bin/env node
// The `fixgw` command: one entry point; each verb lives in its own module under src/cli/.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

/** A verb module exports `register(program)`, which adds its command to the program. */
type VerbModule = { register(program: Command): void };

const verbs: Array<() => Promise<VerbModule>> = [
  // one line per verb, in the order `fixgw --help` lists them
  () => import('./serve.js'),
  () => import('./replay.js'),
  () => import('./audit.js'),
  () => import('./sim.js'),
  () => import('./admin.js'),
  () => import('./cluster.js'),
  () => import('./sign.js'),
];

const program = new Command();
program
  .name('fixgw')
  .description('FIX 4.4 trading gateway with its own matching engine')
  .version(pkg.version);
for (const load of verbs) (await load()).register(program);

await program.parseAsync(process.argv);
