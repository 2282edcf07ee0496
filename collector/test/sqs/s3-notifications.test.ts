import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import path from 'path';
import { decodeS3Key, dedupeObjects, parseS3Notification, S3ObjectRef } from '../../src/sources/sqs/s3-notifications';
import { DecodeError } from '../../src/types';

// ---- builders for realistic bodies ------------------------------------------------------------

interface RecordOpts {
  eventName?: string;
  bucket?: string;
  key: string;
  size?: number;
  eTag?: string;
  sequencer?: string;
  eventTime?: string;
}

function s3Record(o: RecordOpts): Record<string, unknown> {
  const bucket = o.bucket ?? 'cwl-export-bucket';
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-1',
    eventTime: o.eventTime ?? '2026-11-22T10:15:30.123Z',
    eventName: o.eventName ?? 'ObjectCreated:Put',
    userIdentity: { principalId: 'AWS:AROAEXAMPLE:firehose' },
    requestParameters: { sourceIPAddress: '10.0.0.1' },
    responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 'cwl-siem-objects',
      bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: o.key,
        ...(o.size === undefined ? {} : { size: o.size }),
        ...(o.eTag === undefined ? {} : { eTag: o.eTag }),
        ...(o.sequencer === undefined ? {} : { sequencer: o.sequencer }),
      },
    },
  };
}

const s3Body = (...records: Record<string, unknown>[]): string => JSON.stringify({ Records: records });

const snsWrap = (message: string): string =>
  JSON.stringify({
    Type: 'Notification',
    MessageId: '63a3f6b6-d533-4a47-aef9-fcf5cf758c76',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:cwl-objects',
    Subject: 'Amazon S3 Notification',
    Message: message,
    Timestamp: '2026-11-22T10:15:31.000Z',
    SignatureVersion: '1',
    Signature: 'EXAMPLE==',
    SigningCertURL: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem',
    UnsubscribeURL: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=example',
  });

const testEventBody = JSON.stringify({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2026-11-22T10:00:00.000Z',
  Bucket: 'cwl-export-bucket',
  RequestId: '5582815E1AEA5ADF',
  HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
});

function eventBridgeBody(detailType: string, key: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': detailType,
    source: 'aws.s3',
    account: '123456789012',
    time: '2026-11-22T10:15:30Z',
    region: 'eu-west-1',
    resources: ['arn:aws:s3:::cwl-export-bucket'],
    detail: {
      version: '0',
      bucket: { name: 'cwl-export-bucket' },
      object: {
        key,
        size: 5576,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
        sequencer: '617f08299329d189',
        ...extra,
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '123456789012',
      'source-ip-address': '1.2.3.4',
      reason: 'PutObject',
    },
  });
}

function objectsOf(body: string): readonly S3ObjectRef[] {
  const r = parseS3Notification(body);
  if (r.kind !== 'objects') throw new Error(`expected objects, got ${r.kind}`);
  return r.objects;
}

function decodeErrorOf(body: string): DecodeError {
  try {
    parseS3Notification(body);
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

// ---- S3 event notifications -------------------------------------------------------------------

describe('parseS3Notification: S3 event notifications', () => {
  it('parses a single ObjectCreated:Put record', () => {
    const body = s3Body(
      s3Record({ key: 'AWSLogs/123456789012/2026/11/22/part-0001.gz', size: 1024, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' }),
    );
    expect(parseS3Notification(body)).toEqual({
      kind: 'objects',
      objects: [
        {
          bucket: 'cwl-export-bucket',
          key: 'AWSLogs/123456789012/2026/11/22/part-0001.gz',
          size: 1024,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          sequencer: '0055AED6DCD90281E5',
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-11-22T10:15:30.123Z',
        },
      ],
      ignored: [],
    });
  });

  it('parses several records in one message, in order, across ObjectCreated kinds and buckets', () => {
    const objects = objectsOf(
      s3Body(
        s3Record({ key: 'a/1.gz', sequencer: '01' }),
        s3Record({ eventName: 'ObjectCreated:CompleteMultipartUpload', key: 'a/2.gz', sequencer: '02', bucket: 'other-bucket' }),
        s3Record({ eventName: 'ObjectCreated:Copy', key: 'a/3.gz', sequencer: '03' }),
      ),
    );
    expect(objects.map((o) => [o.bucket, o.key, o.eventName])).toEqual([
      ['cwl-export-bucket', 'a/1.gz', 'ObjectCreated:Put'],
      ['other-bucket', 'a/2.gz', 'ObjectCreated:CompleteMultipartUpload'],
      ['cwl-export-bucket', 'a/3.gz', 'ObjectCreated:Copy'],
    ]);
  });

  it.each([
    ['+ is a space', 'exports/my+log+file.gz', 'exports/my log file.gz'],
    ['%2B is a literal plus', 'exports/a%2Bb.gz', 'exports/a+b.gz'],
    ['lower-case %2b is a literal plus', 'noog%2bnork', 'noog+nork'],
    ['plus and %2B together', 'x+%2B+y', 'x + y'],
    ['%20 is also a space', 'Happy%20Face.jpg', 'Happy Face.jpg'],
    ['= is percent-encoded (Hive partitions)', 'logs/year%3D2026/month%3D11/day%3D22/f.gz', 'logs/year=2026/month=11/day=22/f.gz'],
    ['/ stays a separator', 'AWSLogs/123456789012/vpcflowlogs/eu-west-1/f.log.gz', 'AWSLogs/123456789012/vpcflowlogs/eu-west-1/f.log.gz'],
    ['%2F decodes to /', 'a%2Fb', 'a/b'],
    ['unicode (UTF-8 percent-encoded)', 'r%C3%A9sum%C3%A9+%E6%97%A5%E6%9C%AC%F0%9F%98%80.gz', 'résumé 日本😀.gz'],
    ['a literal percent arrives as %25', '100%25+done', '100% done'],
    ['%252B decodes once only', 'a%252Bb', 'a%2Bb'],
  ])('decodes keys: %s', (_name, encoded, decoded) => {
    expect(objectsOf(s3Body(s3Record({ key: encoded })))[0].key).toBe(decoded);
    expect(decodeS3Key(encoded)).toBe(decoded);
  });

  it('rejects a key with malformed percent-encoding', () => {
    const err = decodeErrorOf(s3Body(s3Record({ key: 'bad%E0%A4%A.gz' })));
    expect(err.message).toContain('is not valid URL encoding');
    expect(() => decodeS3Key('100%')).toThrow(DecodeError);
  });

  it('reports ObjectRemoved and other non-create events in ignored, keeping the created ones', () => {
    const r = parseS3Notification(
      s3Body(
        s3Record({ eventName: 'ObjectRemoved:Delete', key: 'old+file.gz', sequencer: '10' }),
        s3Record({ key: 'new+file.gz', sequencer: '11' }),
        s3Record({ eventName: 'ObjectRestore:Completed', key: 'cold.gz' }),
      ),
    );
    expect(r.kind).toBe('objects');
    if (r.kind !== 'objects') return;
    expect(r.objects.map((o) => o.key)).toEqual(['new file.gz']);
    expect(r.ignored).toEqual([
      expect.objectContaining({
        index: 0,
        eventName: 'ObjectRemoved:Delete',
        bucket: 'cwl-export-bucket',
        key: 'old file.gz',
        reason: expect.stringContaining('ObjectRemoved:Delete'),
      }),
      expect.objectContaining({ index: 2, eventName: 'ObjectRestore:Completed', key: 'cold.gz' }),
    ]);
  });

  it('returns no objects when every record is ignored', () => {
    const r = parseS3Notification(s3Body(s3Record({ eventName: 'ObjectRemoved:DeleteMarkerCreated', key: 'k' })));
    expect(r).toMatchObject({ kind: 'objects', objects: [] });
    expect(r.kind === 'objects' && r.ignored).toHaveLength(1);
  });

  it('omits size, eTag and sequencer when absent (e.g. minimal records) and ignores a non-numeric size', () => {
    const [o] = objectsOf(s3Body(s3Record({ key: 'k.gz' })));
    expect(o).toEqual({ bucket: 'cwl-export-bucket', key: 'k.gz', eventName: 'ObjectCreated:Put', eventTime: '2026-11-22T10:15:30.123Z' });
    const rec = s3Record({ key: 'k.gz' });
    ((rec.s3 as Record<string, Record<string, unknown>>).object as Record<string, unknown>).size = 'object-size';
    expect(objectsOf(s3Body(rec))[0].size).toBeUndefined();
  });

  it('accepts a size of 0', () => {
    expect(objectsOf(s3Body(s3Record({ key: 'empty.gz', size: 0 })))[0].size).toBe(0);
  });
});

// ---- test events, SNS, EventBridge -------------------------------------------------------------

describe('parseS3Notification: test events and envelopes', () => {
  it('recognizes s3:TestEvent', () => {
    expect(parseS3Notification(testEventBody)).toEqual({ kind: 'test', bucket: 'cwl-export-bucket' });
  });

  it('unwraps an SNS Notification holding S3 records', () => {
    const inner = s3Body(s3Record({ key: 'via+sns/a%2Bb.gz', sequencer: 'AB' }), s3Record({ eventName: 'ObjectRemoved:Delete', key: 'gone' }));
    const r = parseS3Notification(snsWrap(inner));
    expect(r).toEqual(parseS3Notification(inner));
    expect(r.kind === 'objects' && r.objects.map((o) => o.key)).toEqual(['via sns/a+b.gz']);
  });

  it('unwraps an SNS Notification holding a TestEvent', () => {
    expect(parseS3Notification(snsWrap(testEventBody))).toEqual({ kind: 'test', bucket: 'cwl-export-bucket' });
  });

  it('rejects SNS messages that are not S3 notifications, naming the SNS layer', () => {
    expect(decodeErrorOf(snsWrap('Hello from SNS!')).message).toMatch(/SNS Message is not JSON/);
    expect(decodeErrorOf(snsWrap(JSON.stringify({ hello: 'world' }))).message).toMatch(/SNS Message: no "Records"/);
    expect(decodeErrorOf(snsWrap(snsWrap(testEventBody))).message).toMatch(/nested/);
    const confirm = JSON.stringify({
      Type: 'SubscriptionConfirmation',
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t',
      Message: 'You have chosen to subscribe',
      SubscribeURL: 'https://example',
    });
    expect(decodeErrorOf(confirm).message).toMatch(/Type "SubscriptionConfirmation"/);
  });

  it('parses an EventBridge Object Created event without URL-decoding the key', () => {
    expect(parseS3Notification(eventBridgeBody('Object Created', 'logs/year=2026/a+b c%2B.gz'))).toEqual({
      kind: 'objects',
      objects: [
        {
          bucket: 'cwl-export-bucket',
          key: 'logs/year=2026/a+b c%2B.gz',
          size: 5576,
          eTag: 'b1946ac92492d2347c6235b4d2611184',
          sequencer: '617f08299329d189',
          eventName: 'Object Created',
          eventTime: '2026-11-22T10:15:30Z',
        },
      ],
      ignored: [],
    });
  });

  it('reports EventBridge Object Deleted in ignored', () => {
    const r = parseS3Notification(eventBridgeBody('Object Deleted', 'x/y.gz'));
    expect(r).toEqual({ kind: 'objects', objects: [], ignored: [expect.objectContaining({ eventName: 'Object Deleted', key: 'x/y.gz' })] });
  });

  it('rejects EventBridge events from other sources', () => {
    const body = JSON.stringify({ version: '0', 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', time: 't', detail: {} });
    expect(decodeErrorOf(body).message).toMatch(/EventBridge event from "aws.ec2"/);
  });
});

// ---- malformed / wrong shape -----------------------------------------------------------------

describe('parseS3Notification: not a notification', () => {
  it.each([
    ['malformed JSON', '{"Records":[{"eventSource":"aws:s3"', /the body is not JSON/],
    ['empty body', '', /the body is empty/],
    ['whitespace body', '  \n', /the body is empty/],
    ['a JSON array', '[1,2]', /expected a JSON object, found an array/],
    ['a JSON string', '"ObjectCreated"', /found string/],
    ['null', 'null', /found null/],
    ['an unrelated object', '{"hello":"world","n":1}', /no "Records".*keys: "hello", "n"/],
    ['empty Records', '{"Records":[]}', /"Records" is empty/],
    ['Records not an array', '{"Records":{"eventSource":"aws:s3"}}', /"Records" is not an array/],
    ['a record that is not an object', '{"Records":["x"]}', /Records\[0\] is not an object/],
    [
      'a Lambda SQS event (the envelope, not a body)',
      JSON.stringify({ Records: [{ messageId: 'm', body: '{}', eventSource: 'aws:sqs' }] }),
      /Records\[0\] has eventSource "aws:sqs"/,
    ],
    ['a Lambda SNS event', JSON.stringify({ Records: [{ EventSource: 'aws:sns', Sns: { Message: 'hi' } }] }), /eventSource "aws:sns"/],
  ])('rejects %s', (_name, body, reason) => {
    const err = decodeErrorOf(body);
    expect(err.message).toMatch(/^not an S3 notification: /);
    expect(err.message).toMatch(reason);
    expect(err.message).toContain(`received ${JSON.stringify(body.slice(0, 200))}`);
    expect(err.code).toBe('CWL_COLLECTOR_DECODE');
  });

  it('rejects an ObjectCreated record missing its key, bucket or time', () => {
    const noKey = s3Record({ key: '' });
    expect(decodeErrorOf(s3Body(noKey)).message).toMatch(/Records\[0\] \(ObjectCreated:Put\) has no s3.object.key/);
    const noBucket = s3Record({ key: 'k' });
    delete ((noBucket.s3 as Record<string, unknown>).bucket as Record<string, unknown>).name;
    expect(decodeErrorOf(s3Body(s3Record({ key: 'ok' }), noBucket)).message).toMatch(/Records\[1\] .* has no s3.bucket.name/);
    const noTime = s3Record({ key: 'k' });
    delete noTime.eventTime;
    expect(decodeErrorOf(s3Body(noTime)).message).toMatch(/has no eventTime/);
  });

  it('quotes only the first 200 characters of a long body', () => {
    const body = JSON.stringify({ junk: 'x'.repeat(5000) });
    const err = decodeErrorOf(body);
    expect(err.message).toContain(JSON.stringify(body.slice(0, 200)));
    expect(err.message).not.toContain('x'.repeat(300));
    expect(err.message).toContain(`(${body.length} chars)`);
  });
});

// ---- dedupeObjects --------------------------------------------------------------------------

describe('dedupeObjects', () => {
  it('drops repeats of bucket+key+sequencer, keeping first occurrences in order', () => {
    const objects = objectsOf(
      s3Body(
        s3Record({ key: 'a.gz', sequencer: '01', size: 1 }),
        s3Record({ key: 'b.gz', sequencer: '01' }),
        s3Record({ key: 'a.gz', sequencer: '01', size: 2 }),
        s3Record({ key: 'a.gz', sequencer: '02' }),
        s3Record({ key: 'a.gz', sequencer: '01', bucket: 'other' }),
        s3Record({ key: 'a+b', sequencer: '03' }),
        s3Record({ key: 'a%20b', sequencer: '03' }),
      ),
    );
    expect(dedupeObjects(objects).map((o) => [o.bucket, o.key, o.sequencer, o.size])).toEqual([
      ['cwl-export-bucket', 'a.gz', '01', 1],
      ['cwl-export-bucket', 'b.gz', '01', undefined],
      ['cwl-export-bucket', 'a.gz', '02', undefined],
      ['other', 'a.gz', '01', undefined],
      ['cwl-export-bucket', 'a b', '03', undefined],
    ]);
  });

  it('treats a missing sequencer as a value of its own', () => {
    const objects = objectsOf(s3Body(s3Record({ key: 'k' }), s3Record({ key: 'k' }), s3Record({ key: 'k', sequencer: '1' })));
    expect(dedupeObjects(objects).map((o) => o.sequencer)).toEqual([undefined, '1']);
    expect(dedupeObjects([])).toEqual([]);
  });
});

// ---- conformance corpus ---------------------------------------------------------------------

// /work/shared/fixtures/05-s3-notifications, from collector/test/sources.
const CORPUS = path.resolve(__dirname, '../../../../shared/fixtures/05-s3-notifications');
const corpusPresent = existsSync(CORPUS) && statSync(CORPUS).isDirectory();

function listJson(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listJson(full).map((f) => path.join(name, f)));
    else if (name.endsWith('.json')) out.push(name);
  }
  return out;
}

type Expectation =
  | { readonly kind: 'objects'; readonly objects: readonly Partial<S3ObjectRef>[]; readonly ignored?: readonly string[] }
  | { readonly kind: 'test'; readonly bucket?: string }
  | { readonly kind: 'decode-error'; readonly reason: RegExp };

// From SOURCES.md section 05 and the files' neighbours (vector/expected-assertions.json).
const DATADOG_OBJECT = { bucket: 'my-bucket', key: 'my-key.log', size: 1234, eventName: 'ObjectCreated:Put', eventTime: '2024-01-15T12:00:00.000Z' };
const EXPECTED: Record<string, Expectation> = {
  'awsdoc-s3-ObjectCreated-Put-example.json': {
    kind: 'objects',
    objects: [
      {
        bucket: 'mybucket',
        key: 'HappyFace.jpg',
        size: 1024,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        sequencer: '0055AED6DCD90281E5',
        eventName: 'ObjectCreated:Put',
        eventTime: '1970-01-01T00:00:00.000Z',
      },
    ],
  },
  'awsdoc-s3-TestEvent.json': { kind: 'test', bucket: 'bucketname' },
  // Structure templates: placeholder eventName "event-type" is not ObjectCreated:*.
  'awsdoc-s3-event-message-structure-v2.0.json': { kind: 'objects', objects: [], ignored: ['event-type'] },
  'awsdoc-s3-event-message-structure-v2.2.json': { kind: 'objects', objects: [], ignored: ['event-type'] },
  'aws-lambda-go/s3-event.json': {
    kind: 'objects',
    objects: [{ bucket: 'sourcebucket', key: 'Happy Face.jpg', size: 1024, sequencer: 'Happy Sequencer', eventTime: '1970-01-01T00:00:00.123Z' }],
  },
  // Lambda-side envelopes are not SQS bodies; their bodies are checked below.
  'aws-lambda-go/sqs-event.json': { kind: 'decode-error', reason: /eventSource "aws:sqs"/ },
  'aws-lambda-go/sns-event.json': { kind: 'decode-error', reason: /eventSource "aws:sns"/ },
  'datadog/sqs_s3.json': { kind: 'decode-error', reason: /eventSource "aws:sqs"/ },
  'datadog/sqs_sns_s3.json': { kind: 'decode-error', reason: /eventSource "aws:sqs"/ },
  'vector/s3-TestEvent.raw.json': { kind: 'test', bucket: 'bucketname' },
  'vector/sns-wrapped-s3-TestEvent.raw.json': { kind: 'test', bucket: 'bucketname' },
  'vector/expected-assertions.json': { kind: 'decode-error', reason: /no "Records"/ },
};

// Bodies inside Lambda event envelopes: what an SQS consumer would receive.
const EXPECTED_INNER: Record<string, readonly Expectation[]> = {
  'datadog/sqs_s3.json': [{ kind: 'objects', objects: [DATADOG_OBJECT] }],
  'datadog/sqs_sns_s3.json': [{ kind: 'objects', objects: [DATADOG_OBJECT] }],
  'aws-lambda-go/sqs-event.json': [{ kind: 'decode-error', reason: /the body is not JSON/ }],
  'aws-lambda-go/sns-event.json': [{ kind: 'decode-error', reason: /the body is not JSON/ }],
};

function check(body: string, want: Expectation): void {
  if (want.kind === 'decode-error') {
    expect(decodeErrorOf(body).message).toMatch(want.reason);
    return;
  }
  const got = parseS3Notification(body);
  expect(got.kind).toBe(want.kind);
  if (want.kind === 'test') {
    expect(got).toEqual({ kind: 'test', ...(want.bucket === undefined ? {} : { bucket: want.bucket }) });
    return;
  }
  if (got.kind !== 'objects') return;
  expect(got.objects).toHaveLength(want.objects.length);
  want.objects.forEach((o, i) => expect(got.objects[i]).toMatchObject(o));
  expect(got.ignored.map((r) => r.eventName)).toEqual(want.ignored ?? []);
}

const describeCorpus = corpusPresent ? describe : describe.skip;

describeCorpus('conformance: shared/fixtures/05-s3-notifications', () => {
  const files = listJson(CORPUS);

  it('finds the corpus files', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [f]))('%s', (file) => {
    const body = readFileSync(path.join(CORPUS, file), 'utf8');
    const want = EXPECTED[file.split(path.sep).join('/')];
    if (want === undefined) {
      // A file added after these expectations: it must parse or fail with a DecodeError, nothing else.
      try {
        parseS3Notification(body);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
      }
      return;
    }
    check(body, want);
  });

  it.each(
    Object.keys(EXPECTED_INNER)
      .filter((f) => existsSync(path.join(CORPUS, f)))
      .map((f) => [f]),
  )('bodies inside the Lambda envelope %s', (file) => {
    const envelope = JSON.parse(readFileSync(path.join(CORPUS, file), 'utf8')) as { Records: Record<string, unknown>[] };
    const bodies = envelope.Records.map((r) => (typeof r.body === 'string' ? r.body : ((r.Sns as Record<string, unknown>).Message as string)));
    const wants = EXPECTED_INNER[file];
    expect(bodies).toHaveLength(wants.length);
    bodies.forEach((b, i) => check(b, wants[i]));
  });

  it('decodes keys as vector/expected-assertions.json says', () => {
    const assertionsFile = path.join(CORPUS, 'vector/expected-assertions.json');
    if (!existsSync(assertionsFile)) return;
    const assertions = JSON.parse(readFileSync(assertionsFile, 'utf8')) as Record<string, unknown>;
    const cases = assertions['object key URL-decoding'] as { input: { key: string }; decoded_key: string }[];
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) {
      expect(objectsOf(s3Body(s3Record({ key: c.input.key })))[0].key).toBe(c.decoded_key);
    }
    const testEvent = assertions['s3-TestEvent.raw.json'] as { bucket: string };
    expect(parseS3Notification(readFileSync(path.join(CORPUS, 'vector/s3-TestEvent.raw.json'), 'utf8'))).toEqual({ kind: 'test', bucket: testEvent.bucket });
    const sns = assertions['sns-wrapped-s3-TestEvent.raw.json'] as Record<string, { bucket: string }>;
    expect(parseS3Notification(readFileSync(path.join(CORPUS, 'vector/sns-wrapped-s3-TestEvent.raw.json'), 'utf8'))).toEqual({
      kind: 'test',
      bucket: sns['inner Message (parsed as S3TestEvent)'].bucket,
    });
  });
});
