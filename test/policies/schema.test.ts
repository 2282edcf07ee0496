import { policyProblems, policySchema, POLICY_SIZE_LIMITS } from '../../policies';

const allow = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/key' };
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });

describe('IAM policy schema', () => {
  test('accepts a minimal identity policy', () => {
    expect(policyProblems(doc(allow), 'identity', 'aws')).toEqual([]);
  });

  test.each([
    ['an old policy version', { Version: '2008-10-17', Statement: [allow] }, 'identity', /Version/],
    ['no statements', doc(), 'identity', /Statement/],
    ['an unknown top-level key', { ...doc(allow), Extra: 1 }, 'identity', /additional/],
    ['a lower-case effect', doc({ ...allow, Effect: 'allow' }), 'identity', /Effect/],
    ['both Action and NotAction', doc({ ...allow, NotAction: 's3:PutObject' }), 'identity', /oneOf/],
    ['an action without a service prefix', doc({ ...allow, Action: 'GetObject' }), 'identity', /Action/],
    ['a resource that is no ARN', doc({ ...allow, Resource: 'bucket/key' }), 'identity', /Resource/],
    [
      'a principal in an identity policy',
      doc({ ...allow, Principal: { AWS: '111111111111' } }),
      'identity',
      /\/Statement\/0\/Principal is not allowed in an identity policy/,
    ],
    [
      'a trust policy with a resource',
      doc({ ...allow, Action: 'sts:AssumeRole', Principal: { Service: 'logs.us-east-1.amazonaws.com' } }),
      'trust',
      /\/Statement\/0\/Resource is not allowed in a trust policy/,
    ],
    ['a bucket policy without principal', doc(allow), 'bucket', /Principal/],
    ['a service principal outside amazonaws.com', doc({ ...allow, Principal: { Service: 'logs.example.com' } }), 'bucket', /Service/],
    ['an unknown condition operator', doc({ ...allow, Condition: { StringMatches: { 'aws:SourceAccount': '1' } } }), 'identity', /Condition/],
    ['a Sid with a dash', doc({ ...allow, Sid: 'my-sid' }), 'identity', /Sid/],
  ])('rejects %s', (_what, document, kind, expected) => {
    const problems = policyProblems(document, kind as 'identity', 'aws');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(expected);
  });

  test('accepts a Terraform reference where an ARN is expected', () => {
    expect(policyProblems(doc({ ...allow, Action: 'kms:Decrypt', Resource: '${aws_kms_key.k.arn}' }), 'identity', 'aws')).toEqual([]);
  });

  test('accepts IfExists and set operators', () => {
    const c = { BoolIfExists: { 'aws:SecureTransport': 'false' }, 'ForAnyValue:StringLike': { 'aws:TagKeys': ['a*'] } };
    expect(policyProblems(doc({ ...allow, Condition: c }), 'identity', 'aws')).toEqual([]);
  });

  test('reports duplicate Sids', () => {
    expect(policyProblems(doc({ ...allow, Sid: 'A' }, { ...allow, Sid: 'A' }), 'identity', 'aws')).toEqual(['/Statement Sid "A" is used twice']);
  });

  test('reports an ARN of another partition', () => {
    expect(policyProblems(doc({ ...allow, Resource: 'arn:aws-cn:s3:::bucket/key' }), 'identity', 'aws')).toEqual([
      '/Statement/0 arn:aws-cn:s3:::bucket/key is not in partition aws',
    ]);
  });

  test('reports a document over its size quota', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ ...allow, Sid: `S${i}`, Resource: `arn:aws:s3:::bucket/${'k'.repeat(20)}${i}` }));
    const problems = policyProblems(doc(...many), 'identity', 'aws');
    expect(problems.join('\n')).toMatch(new RegExp(`at most ${POLICY_SIZE_LIMITS.identity}`));
  });

  test('the schema is plain JSON, usable outside this library', () => {
    const schema = policySchema('bucket');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
