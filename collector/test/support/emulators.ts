/**
 * Local AWS emulators for integration tests, on 127.0.0.1 with free ports:
 * - s3rver (S3): path-style addressing, and checksums only when required (otherwise the SDK's
 *   aws-chunked uploads are stored with their chunk framing inside the object);
 * - fauxqs 1.9.2 (SQS): an ES module, so it runs in a child process started by fauxqs-launcher.mjs.
 *   The launcher binds it to 127.0.0.1 (fauxqs' own startFauxqs() would listen on 0.0.0.0).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const TEST_REGION = 'us-east-1';

/** An S3 client for s3rver at `endpoint`, configured as the collector's `s3` config block does it. */
export function s3ClientFor(endpoint: string): S3Client {
  return new S3Client({
    region: TEST_REGION,
    endpoint,
    forcePathStyle: true,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler(),
  });
}

export function sqsClientFor(endpoint: string): SQSClient {
  return new SQSClient({ region: TEST_REGION, endpoint, credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });
}

export interface S3Emulator {
  readonly endpoint: string;
  readonly client: S3Client;
  /** Where s3rver keeps its objects. */
  readonly directory: string;
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 with a fresh directory. Bucket names must be 3-63 characters. */
export async function startS3(): Promise<S3Emulator> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as new (options: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };
  const directory = mkdtempSync(join(tmpdir(), 'cwl-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = s3ClientFor(endpoint);
  return {
    endpoint,
    client,
    directory,
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export interface SqsEmulator {
  readonly endpoint: string;
  readonly client: SQSClient;
  close(): Promise<void>;
}

/** Starts fauxqs in a child process; rejects if it does not report its address within 20 s. */
export async function startSqs(): Promise<SqsEmulator> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'fauxqs-launcher.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fauxqs did not start within 20 s: ${stderr}`)), 20000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fauxqs exited with ${code} before starting: ${stderr}`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = sqsClientFor(endpoint);
  return {
    endpoint,
    client,
    async close() {
      client.destroy();
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise<void>((resolve) => setTimeout(resolve, 5000).unref())]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
