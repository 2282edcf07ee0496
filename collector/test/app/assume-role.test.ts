import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { sourceCredentials } from '../../src/aws/clients';

/**
 * `source.assumeRole`: the source's calls are signed with the credentials of the role, obtained by
 * STS AssumeRole (with the external id, session name and duration of the config) signed with the
 * default credentials. STS and CloudWatch Logs are played by local servers; STS is reached through
 * the SDK's standard `AWS_ENDPOINT_URL_STS` setting (as a VPC endpoint would be configured).
 */

interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

function listen(handler: (seen: Seen) => { status: number; type: string; body: string }): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const s = { headers: req.headers, body };
      seen.push(s);
      const out = handler(s);
      res.writeHead(out.status, { 'content-type': out.type });
      res.end(out.body);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })),
  );
}

const ASSUMED = `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAASSUMEDROLEKEY01</AccessKeyId>
      <SecretAccessKey>assumed-secret</SecretAccessKey>
      <SessionToken>assumed-session-token</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/cwl-siem-reader/cwl-siem-collector</Arn><AssumedRoleId>AROAEXAMPLE:cwl-siem-collector</AssumedRoleId></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

test('calls are signed with the assumed role, obtained with the external id, session name and duration', async () => {
  const sts = await listen(() => ({ status: 200, type: 'text/xml', body: ASSUMED }));
  const logs = await listen(() => ({ status: 200, type: 'application/x-amz-json-1.1', body: '{"logGroups":[]}' }));
  try {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIABASECREDENTIALS1', AWS_SECRET_ACCESS_KEY: 'base-secret', AWS_ENDPOINT_URL_STS: sts.url });
    delete process.env.AWS_SESSION_TOKEN;
    const credentials = sourceCredentials(
      { roleArn: 'arn:aws:iam::123456789012:role/cwl-siem-reader', externalId: 'ext-1234', sessionName: 'cwl-siem-collector', durationSeconds: 900 },
      'us-east-1',
    );
    const client = new CloudWatchLogsClient({ region: 'us-east-1', endpoint: logs.url, credentials, maxAttempts: 1, requestHandler: new NodeHttpHandler() });
    await client.send(new DescribeLogGroupsCommand({}));
    await client.send(new DescribeLogGroupsCommand({}));
    client.destroy();

    // One AssumeRole (the credentials are cached until they near expiry), signed with the base keys.
    expect(sts.seen).toHaveLength(1);
    const params = new URLSearchParams(sts.seen[0].body);
    expect(Object.fromEntries(params)).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: 'arn:aws:iam::123456789012:role/cwl-siem-reader',
      ExternalId: 'ext-1234',
      RoleSessionName: 'cwl-siem-collector',
      DurationSeconds: '900',
    });
    expect(sts.seen[0].headers.authorization).toContain('Credential=AKIABASECREDENTIALS1/');

    // The source's calls carry the role's keys and session token, never the base keys.
    expect(logs.seen).toHaveLength(2);
    for (const call of logs.seen) {
      expect(call.headers.authorization).toContain('Credential=ASIAASSUMEDROLEKEY01/');
      expect(call.headers['x-amz-security-token']).toBe('assumed-session-token');
    }
  } finally {
    sts.server.close();
    logs.server.close();
  }
});

test('without assumeRole the default credential chain is used as is', async () => {
  expect(sourceCredentials(undefined, 'us-east-1')).toBeUndefined();
});
