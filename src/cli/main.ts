#!/usr/bin/env node
// The `fixgw` command: one entry point for every verb (serve, replay, audit, sim, ...).
import { Command } from 'commander';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program
  .name('fixgw')
  .description('FIX 4.4 trading gateway with its own matching engine')
  .version(pkg.version);

await program.parseAsync(process.argv);
