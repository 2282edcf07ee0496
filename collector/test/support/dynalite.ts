import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Server } from 'http';
import type { AddressInfo } from 'net';

/** Test helpers: dynalite (a DynamoDB emulator) in process, and lease tables shaped as the toolkit creates them. */

export interface RunningDynalite {
  readonly port: number;
  readonly endpoint: string;
  /** A client for this server; destroyed by `close`. */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

export async function startDynalite(): Promise<RunningDynalite> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (options: object) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  return {
    port,
    endpoint,
    client() {
      const c = new DynamoDBClient({
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10000 }),
        maxAttempts: 1,
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
    },
  };
}

/** A lease table as the toolkit creates it: hash key leaseKey (S), on-demand. */
export async function createLeaseTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
