import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { iamRoleArn, Partition, PolicyDocument, renderPolicy } from '../../policies';

export interface PolicyRoleProps {
  readonly partition: Partition;
  /** Account the role is created in (its ARN is built from it, not read back from Terraform). */
  readonly accountId: string;
  readonly roleName: string;
  readonly trustPolicy: PolicyDocument;
  /** Inline policies by name; each is rendered as literal JSON. */
  readonly policies: Readonly<Record<string, PolicyDocument>>;
  /** @default none */
  readonly description?: string;
  /** @default 3600 */
  readonly maxSessionDurationSeconds?: number;
}

/** An IAM role whose trust and inline policies come from the policies library as literal JSON. */
export class PolicyRole extends Construct {
  readonly role: IamRole;
  readonly roleName: string;
  /** Resolved from partition, account and name, so other policies can name it verbatim. */
  readonly roleArn: string;
  /**
   * The role and its inline policies. ARNs here are literal strings, so Terraform sees no reference
   * to the role: a resource that uses it must list these in `dependsOn`.
   */
  readonly dependables: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: PolicyRoleProps) {
    super(scope, id);
    this.roleName = props.roleName;
    this.roleArn = iamRoleArn(props.partition, props.accountId, props.roleName);
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: renderPolicy(props.trustPolicy),
      maxSessionDuration: props.maxSessionDurationSeconds,
    });
    this.dependables = [this.role];
    for (const [name, doc] of Object.entries(props.policies)) {
      this.dependables.push(new IamRolePolicy(this, `policy_${name}`, { name, role: this.role.name, policy: renderPolicy(doc) }));
    }
  }
}

export interface RolePolicyAttachmentProps {
  /** Name of a role that exists outside this stack. */
  readonly roleName: string;
  readonly policyName: string;
  readonly policy: PolicyDocument;
}

/** An inline policy on a role created elsewhere (the user names the role, the toolkit grants). */
export class ExistingRolePolicy extends Construct {
  readonly policy: IamRolePolicy;
  constructor(scope: Construct, id: string, props: RolePolicyAttachmentProps) {
    super(scope, id);
    this.policy = new IamRolePolicy(this, 'policy', { name: props.policyName, role: props.roleName, policy: renderPolicy(props.policy) });
  }
}
