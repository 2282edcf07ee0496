import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { Construct } from 'constructs';
import { iamUserArn, Partition, PolicyDocument, renderPolicy } from '../../policies';

export interface PolicyUserProps {
  readonly partition: Partition;
  readonly accountId: string;
  readonly userName: string;
  /** Inline policies by name; each is rendered as literal JSON. */
  readonly policies: Readonly<Record<string, PolicyDocument>>;
}

/**
 * An IAM user for collectors that can only use access keys (some SaaS connectors). The toolkit
 * never creates access keys: keys in Terraform state are secrets in state; create them out of band.
 */
export class PolicyUser extends Construct {
  readonly user: IamUser;
  readonly userName: string;
  readonly userArn: string;

  constructor(scope: Construct, id: string, props: PolicyUserProps) {
    super(scope, id);
    this.userName = props.userName;
    this.userArn = iamUserArn(props.partition, props.accountId, props.userName);
    this.user = new IamUser(this, 'user', { name: props.userName });
    for (const [name, doc] of Object.entries(props.policies)) {
      new IamUserPolicy(this, `policy_${name}`, { name, user: this.user.name, policy: renderPolicy(doc) });
    }
  }
}
