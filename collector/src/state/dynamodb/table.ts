/**
 * The lease table as the DynamoDB state store calls it: the few DynamoDB operations it uses, each
 * counted in `lease_table_calls_total{operation,result}`. Errors are the SDK's (a refused condition
 * is `isConditionFailed` in aws/errors.ts); reads are strongly consistent, since every lease decision
 * depends on the latest counter.
 *
 * These are exactly the actions the toolkit grants the collector on the table:
 * dynamodb:DescribeTable, GetItem, PutItem, UpdateItem, DeleteItem, Scan (LEASE_TABLE_ACTIONS, names.ts).
 */
import {
  AttributeValue,
  DeleteItemCommand,
  DeleteItemCommandInput,
  DescribeTableCommand,
  DescribeTableCommandOutput,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  PutItemCommandInput,
  ScanCommand,
  UpdateItemCommand,
  UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { isConditionFailed } from '../../aws/errors';
import type { CollectorMetrics } from '../../ops/metrics';
import { LEASE_KEY, LEASE_TABLE_ACTIONS } from './names';

/** A DynamoDB item in the SDK's attribute-value form. */
export type Item = Record<string, AttributeValue>;

export { LEASE_KEY, LEASE_TABLE_ACTIONS };

export class LeaseTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
    private readonly metrics: CollectorMetrics,
  ) {}

  describe(): Promise<DescribeTableCommandOutput> {
    return this.call('DescribeTable', () => this.client.send(new DescribeTableCommand({ TableName: this.name })));
  }

  /** The item of `key`, read consistently; undefined when there is none. */
  async get(key: string): Promise<Item | undefined> {
    const out = await this.call('GetItem', () =>
      this.client.send(new GetItemCommand({ TableName: this.name, Key: { [LEASE_KEY]: { S: key } }, ConsistentRead: true })),
    );
    return out.Item;
  }

  async put(input: Omit<PutItemCommandInput, 'TableName'>): Promise<void> {
    await this.call('PutItem', () => this.client.send(new PutItemCommand({ ...input, TableName: this.name })));
  }

  /** UpdateItem returning the whole item as written (ALL_NEW). */
  async update(input: Omit<UpdateItemCommandInput, 'TableName' | 'ReturnValues'>): Promise<Item> {
    const out = await this.call('UpdateItem', () => this.client.send(new UpdateItemCommand({ ...input, TableName: this.name, ReturnValues: 'ALL_NEW' })));
    return out.Attributes ?? {};
  }

  async delete(input: Omit<DeleteItemCommandInput, 'TableName'>): Promise<void> {
    await this.call('DeleteItem', () => this.client.send(new DeleteItemCommand({ ...input, TableName: this.name })));
  }

  /**
   * Every item whose key starts with `prefix` (all items when ''), read consistently, every page.
   * A filter does not make a Scan cheaper, so the prefix is applied here.
   */
  async scan(prefix = ''): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.call('Scan', () => this.client.send(new ScanCommand({ TableName: this.name, ConsistentRead: true, ExclusiveStartKey: start })));
      for (const item of out.Items ?? []) if (item[LEASE_KEY]?.S?.startsWith(prefix)) items.push(item);
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      const out = await send();
      this.metrics.leaseTableCalls.inc({ operation, result: 'ok' });
      return out;
    } catch (e) {
      this.metrics.leaseTableCalls.inc({ operation, result: isConditionFailed(e) ? 'condition' : 'error' });
      throw e;
    }
  }
}

/** Attribute helpers: DynamoDB's typed values, both ways. */
export const attr = {
  s: (v: string): AttributeValue => ({ S: v }),
  n: (v: number | bigint | string): AttributeValue => ({ N: String(v) }),
  ss: (v: readonly string[]): AttributeValue => ({ SS: [...v] }),
  str: (item: Item, name: string): string | undefined => item[name]?.S,
  num: (item: Item, name: string): number | undefined => (item[name]?.N !== undefined ? Number(item[name].N) : undefined),
  strs: (item: Item, name: string): string[] => item[name]?.SS ?? [],
};
