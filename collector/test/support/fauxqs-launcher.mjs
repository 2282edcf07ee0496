// Starts fauxqs (ESM only, so it cannot be required from the CommonJS tests) on a free port and
// prints {"address","port"} as one JSON line on stdout; stops on SIGTERM or when stdin closes.
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ address: server.address, port: server.port })}\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
