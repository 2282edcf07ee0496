import { createParser, globMatcher } from '../../src/parsers';
import { isCloudTrailRecord } from '../../src/parsers/cloudtrail';
import { parseJsonObject } from '../../src/parsers/json';
import { VPC_DEFAULT_LINES } from '../fixtures/payloads';

const CLOUDTRAIL = JSON.stringify({
  eventVersion: '1.11',
  userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::123456789012:assumed-role/Admin/alice' },
  eventTime: '2024-06-10T08:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'PutObject',
  awsRegion: 'us-east-1',
});

describe('createParser', () => {
  test('parses VPC flow logs in log groups matching *flow* by default, in the default format', () => {
    const p = createParser();
    expect(p.parse(VPC_DEFAULT_LINES.accept, '/aws/vpc/flowlogs')?.type).toBe('vpcflow');
    expect(p.parse(VPC_DEFAULT_LINES.accept, 'VPCFlowLogs')?.type).toBe('vpcflow');
    expect(p.parse(VPC_DEFAULT_LINES.accept, '/app/api')).toBeUndefined();
  });

  test('uses the format configured for a group, by exact name or pattern, first match winning', () => {
    const p = createParser({
      vpcFlowLogs: [
        { logGroup: '/net/custom', format: '${srcaddr} ${dstaddr}' },
        { logGroup: '/net/*', format: 'version srcaddr' },
      ],
      vpcLogGroups: [],
    });
    expect(p.parse('1.2.3.4 5.6.7.8', '/net/custom')).toEqual({ type: 'vpcflow', fields: { srcaddr: '1.2.3.4', dstaddr: '5.6.7.8' } });
    expect(p.parse('3 1.2.3.4', '/net/other')).toEqual({ type: 'vpcflow', fields: { version: 3, srcaddr: '1.2.3.4' } });
    expect(p.parse(VPC_DEFAULT_LINES.accept, 'vpc-flow-logs')).toBeUndefined();
  });

  test('accepts formats as a map too, and several formats for one group', () => {
    const p = createParser({ vpcFormats: { 'tgw-logs': ['srcaddr dstaddr', 'version srcaddr dstaddr'] }, vpcLogGroups: [] });
    expect(p.parse('1.2.3.4 5.6.7.8', 'tgw-logs')?.fields).toEqual({ srcaddr: '1.2.3.4', dstaddr: '5.6.7.8' });
    expect(p.parse('6 1.2.3.4 5.6.7.8', 'tgw-logs')?.fields).toEqual({ version: 6, srcaddr: '1.2.3.4', dstaddr: '5.6.7.8' });
  });

  test('uses defaultVpcFormat for the default VPC groups', () => {
    const p = createParser({ defaultVpcFormat: 'version srcaddr' });
    expect(p.parse('5 10.0.0.1', 'my-flow-logs')?.fields).toEqual({ version: 5, srcaddr: '10.0.0.1' });
  });

  test('counts and reports VPC lines that do not match, and still recognises JSON in them', () => {
    const seen: [string, string][] = [];
    const p = createParser({ onUnparsedVpcLine: (m, g) => seen.push([m, g]) });
    expect(p.parse('garbage', 'flow')).toBeUndefined();
    expect(p.parse('{"a":1}', 'flow')).toEqual({ type: 'json', fields: { a: 1 } });
    expect(p.parse(VPC_DEFAULT_LINES.accept, 'flow')?.type).toBe('vpcflow');
    expect(p.unparsedVpcLines).toBe(2);
    expect(seen).toEqual([
      ['garbage', 'flow'],
      ['{"a":1}', 'flow'],
    ]);
    expect(p.expectedType('flow')).toBe('vpcflow');
    expect(p.expectedType('/app')).toBeUndefined();
  });

  test('recognises CloudTrail records, other JSON objects, and leaves the rest raw', () => {
    const p = createParser();
    expect(p.parse(CLOUDTRAIL, 'aws-cloudtrail-logs')).toEqual({ type: 'cloudtrail', fields: JSON.parse(CLOUDTRAIL) });
    expect(p.parse(' {"level":"warn","msg":"slow"}\n', '/app')).toEqual({ type: 'json', fields: { level: 'warn', msg: 'slow' } });
    expect(p.parse('[1,2]', '/app')).toBeUndefined();
    expect(p.parse('{not json}', '/app')).toBeUndefined();
    expect(p.parse('START RequestId: 1 Version: $LATEST', '/aws/lambda/f')).toBeUndefined();
    expect(p.parse('', '/app')).toBeUndefined();
  });

  test('rejects a bad format when it is built', () => {
    expect(() => createParser({ vpcFlowLogs: [{ logGroup: 'x', format: 'srcaddr srcaddr' }] })).toThrow('appears twice');
  });
});

describe('globMatcher', () => {
  test('matches whole names, * as any run, case-insensitively', () => {
    expect(globMatcher('*flow*')('/aws/vpc/FlowLogs')).toBe(true);
    expect(globMatcher('/net/*')('/net/a/b')).toBe(true);
    expect(globMatcher('/net/*')('/other/net/a')).toBe(false);
    expect(globMatcher('a.b')('axb')).toBe(false);
    expect(globMatcher('/exact')('/Exact')).toBe(true);
    expect(globMatcher('/exact')('/exact/more')).toBe(false);
  });
});

describe('CloudTrail and JSON detection', () => {
  test('a CloudTrail record has eventVersion and eventSource', () => {
    expect(isCloudTrailRecord(JSON.parse(CLOUDTRAIL))).toBe(true);
    expect(isCloudTrailRecord({ eventVersion: '1.0' })).toBe(false);
  });

  test('only JSON objects count, checked by their first and last characters first', () => {
    expect(parseJsonObject('{"a":{"b":[1]}}')).toEqual({ a: { b: [1] } });
    expect(parseJsonObject('{"a":1} trailing')).toBeUndefined();
    expect(parseJsonObject('"string"')).toBeUndefined();
    expect(parseJsonObject('null')).toBeUndefined();
  });
});
