/** Process entry point of the container image (`node dist/cli-main.js ...`). */
import { main } from './cli';

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`cwl-siem-collector: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
