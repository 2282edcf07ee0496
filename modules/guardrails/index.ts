export { Guardrails, SUPPRESSION_COMMENT_KEY, SUPPRESSION_METADATA } from './aspect';
export type { GuardrailFinding, Suppression } from './aspect';
export {
  ALL_RULES,
  collectorLogGroupUnsubscribed,
  dynamodbDeletionProtection,
  dynamodbEncryption,
  dynamodbPointInTimeRecovery,
  ecsCircuitBreaker,
  ecsContainersHardened,
  firehoseEncryption,
  iamDynamodbTablesNamed,
  iamLiteralJson,
  iamNoWildcardAction,
  iamNoWildcardPrincipal,
  kinesisEncryption,
  logGroupRetention,
  s3BucketEncryption,
  s3TlsOnly,
  sqsEncryption,
} from './rules';
export type { Rule, RuleResult } from './rules';
