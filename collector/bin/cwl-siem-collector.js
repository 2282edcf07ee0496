#!/usr/bin/env node
'use strict';
// Runs the built CLI (dist/, as in the container) in this process; in a source checkout without a
// build, runs the TypeScript sources through tsx (a devDependency of the repository root), in this
// process too.
//
// Started by npm (`npx cwl-siem-collector`, an npm script), this process is not npm's child but a
// shell's (`sh -c`): npm passes SIGTERM and SIGINT to that shell only, which exits without passing
// them on. So when the process that started this one exits, this one gets the SIGTERM it missed
// and drains as if it had been sent (run: deliver, checkpoint, exit). Outside npm nothing changes:
// a collector under a supervisor or nohup keeps running when its parent exits.
const { existsSync } = require('fs');
const { join } = require('path');
const { setInterval, clearInterval } = require('timers');

if (process.env.npm_lifecycle_event !== undefined) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  watch.unref();
}

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
