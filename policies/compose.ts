import { accountRootArn } from './arns';
import { finishDocument, oneOrList } from './document';
import { InputCheck } from './inputs';
import { Partition } from './partitions';
import * as perms from './perms';
import { PolicyDocument, PolicyKind, Statement } from './types';

/**
 * Merges documents for one resource into one (a bucket policy gathers statements from several
 * constructs). A statement repeated with the same Sid and content is kept once; the same Sid with
 * different content is a conflict and throws, as silently dropping either would change access.
 */
export function mergePolicies(kind: PolicyKind, partition: Partition, docs: readonly PolicyDocument[]): PolicyDocument {
  const fn = 'mergePolicies';
  const bySid = new Map<string, Statement>();
  const statements: Statement[] = [];
  for (const doc of docs) {
    for (const s of doc.Statement) {
      if (s.Sid === undefined) {
        statements.push(s);
        continue;
      }
      const seen = bySid.get(s.Sid);
      if (seen === undefined) {
        bySid.set(s.Sid, s);
        statements.push(s);
      } else if (JSON.stringify(seen) !== JSON.stringify(s)) {
        throw new Error(`${fn}: two different statements share the Sid "${s.Sid}":\n  ${JSON.stringify(seen)}\n  ${JSON.stringify(s)}`);
      }
    }
  }
  // Deny statements last, as people read them: what is allowed, then what is never allowed.
  const ordered = [...statements.filter((s) => s.Effect === 'Allow'), ...statements.filter((s) => s.Effect === 'Deny')];
  return finishDocument(fn, kind, partition, ordered);
}

export interface PrincipalsTrustPolicyProps {
  readonly partition: Partition;
  /** IAM principals (role, user or account root ARNs) that may assume the role. */
  readonly principalArns: readonly string[];
  /**
   * Require this external id (for a third party's principals).
   * @default none
   */
  readonly externalId?: string;
}

/** Trust policy for a role that the given IAM principals assume, e.g. where the collector runs. */
export function principalsTrustPolicy(props: PrincipalsTrustPolicyProps): PolicyDocument {
  const fn = 'principalsTrustPolicy';
  const check = new InputCheck(fn);
  const partition = check.partition('partition', props.partition);
  const principals = check.list('principalArns', props.principalArns, (p, v) => check.arnOrReference(p, v, partition, 'iam'));
  const externalId = props.externalId === undefined ? undefined : check.externalId('externalId', props.externalId);
  check.done();
  return finishDocument(fn, 'trust', partition, [
    {
      Sid: 'TrustedPrincipalsAssumeRole',
      Effect: 'Allow',
      Principal: { AWS: oneOrList([...new Set(principals)]) },
      Action: perms.ASSUME_ROLE,
      Condition: externalId ? { StringEquals: { 'sts:ExternalId': externalId } } : undefined,
    },
  ]);
}

/** The account root as a principal ARN, for trust policies that delegate to the account's IAM. */
export function accountPrincipalArn(partition: Partition, accountId: string): string {
  const check = new InputCheck('accountPrincipalArn');
  check.partition('partition', partition);
  check.accountId('accountId', accountId);
  check.done();
  return accountRootArn(partition, accountId);
}
