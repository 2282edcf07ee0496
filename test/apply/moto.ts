import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';

/**
 * A moto_server (moto 5.2, a local AWS) on 127.0.0.1 for one example, and the accounts in it.
 * moto takes the account of a request from the access key of an IAM user created in that account,
 * so one server holds every account of an example and cross-account stacks work across them.
 */

export const MOTO_MISSING =
  'moto_server is not on PATH: the apply tests need moto 5.2 with its server (pip install "moto[server]==5.2.1"), ' +
  'which the machine image carries; they do not pass without it.';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function motoAvailable(): boolean {
  return spawnSync('moto_server', ['--help'], { encoding: 'utf8' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One raw call to moto (query or JSON protocol), signed with a placeholder key: moto checks no signatures. */
function raw(port: number, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export class Moto {
  private readonly accounts = new Map<string, Credentials>();
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly output: () => string,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<Moto> {
    if (!motoAvailable()) throw new Error(MOTO_MISSING);
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20000)));
    child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20000)));
    const moto = new Moto(port, child, () => output);
    const deadline = Date.now() + 30000;
    for (;;) {
      const ok = await new Promise<boolean>((resolve) =>
        request({ host: '127.0.0.1', port, path: '/moto-api/' }, (r) => {
          r.resume();
          resolve((r.statusCode ?? 500) < 500);
        })
          .on('error', () => resolve(false))
          .end(),
      );
      if (ok) return moto;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`moto_server did not start on port ${port}:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Credentials of an IAM user `cwl-siem-apply` created in `account` (made on first use): with them
   * every request acts in that account, as a deploying identity of that account would.
   */
  async account(account: string): Promise<Credentials> {
    const known = this.accounts.get(account);
    if (known) return known;
    const headers = {
      'x-moto-account-id': account,
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    };
    const user = await raw(this.port, headers, 'Action=CreateUser&UserName=cwl-siem-apply&Version=2010-05-08');
    if (user.status !== 200) throw new Error(`moto CreateUser in ${account} failed (${user.status}): ${user.body}`);
    const key = await raw(this.port, headers, 'Action=CreateAccessKey&UserName=cwl-siem-apply&Version=2010-05-08');
    const id = /<AccessKeyId>([^<]+)</.exec(key.body)?.[1];
    const secret = /<SecretAccessKey>([^<]+)</.exec(key.body)?.[1];
    if (!id || !secret) throw new Error(`moto CreateAccessKey in ${account} failed (${key.status}): ${key.body}`);
    const creds = { accessKeyId: id, secretAccessKey: secret };
    this.accounts.set(account, creds);
    return creds;
  }

  logs(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
