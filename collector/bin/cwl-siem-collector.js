#!/usr/bin/env node
'use strict';
// Runs the built CLI (dist/, as in the container); in a source checkout without a build, runs the
// TypeScript sources through tsx (a devDependency of the repository root).
const { existsSync } = require('fs');
const { join } = require('path');
const built = join(__dirname, '..', 'dist', 'cli.js');
if (existsSync(built)) {
  require(built).main(process.argv.slice(2));
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'src', 'cli.ts')).main(process.argv.slice(2));
}
