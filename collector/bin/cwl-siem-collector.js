#!/usr/bin/env node
'use strict';
// Runs the built CLI (dist/, as in the container); in a source checkout without a build, runs the
// TypeScript sources through tsx (a devDependency of the repository root).
const { existsSync } = require('fs');
const { join } = require('path');
const built = join(__dirname, '..', 'dist', 'cli.js');
let cli;
if (existsSync(built)) {
  cli = require(built);
} else {
  require('tsx/cjs');
  cli = require(join(__dirname, '..', 'src', 'cli.ts'));
}
cli.main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`cwl-siem-collector: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
