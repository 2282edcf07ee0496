// Starts fauxqs (ESM only, so it cannot be required from the CommonJS tests) on 127.0.0.1 and a free
// port, and prints {"address","port"} as one JSON line on stdout; stops on SIGTERM or when stdin
// closes. Its app is built and bound here rather than with startFauxqs(), which always listens on
// 0.0.0.0.
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false, host: '127.0.0.1' });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ address, port: Number(new URL(address).port) })}\n`);
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
