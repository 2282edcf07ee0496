/**
 * The policies library: pure functions returning typed, validated IAM policy documents for the
 * three ingestion paths. Nothing here imports CDKTF, so constructs, tests and tools can all use it.
 */
export * from './types';
export * from './errors';
export * from './partitions';
export * from './arns';
export { InputCheck, isUnresolved } from './inputs';
export { policySchema, policyProblems, POLICY_SIZE_LIMITS } from './schema';
export { renderPolicy } from './document';
export { tlsOnlyStatement } from './statements';
export * from './export';
export * from './logs';
export * from './kinesis';
export * from './firehose';
export * from './central';
export * from './state';
export * from './collector-service';
export * from './compose';
