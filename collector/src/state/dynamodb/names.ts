/**
 * The lease table's facts the toolkit shares: its key and the IAM actions the collector calls on
 * it. It imports nothing, so the toolkit (modules/state, policies/perms.ts) imports it from the
 * collector workspace the way it imports STACK_OUTPUTS.
 */

/** The table's partition key (KCL's), a string. */
export const LEASE_KEY = 'leaseKey';

/** The IAM actions the collector uses on its state table: the calls of LeaseTable (table.ts), and what the toolkit grants. */
export const LEASE_TABLE_ACTIONS = [
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Scan',
] as const;
