/**
 * Conformance against externally authored payloads in ../shared/fixtures (see SOURCES.md there),
 * when that corpus is present; skipped otherwise (a user's clone does not have it).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { decodeEnvelope } from '../../src/decoders/cloudwatch';
import { decodeExportObject } from '../../src/decoders/export-object';
import { decodeFirehoseObject } from '../../src/decoders/firehose-object';
import { decodeKinesisRecord } from '../../src/decoders/kinesis';
import { sniffFormat } from '../../src/decoders/sniff';
import { envelopeToEvents } from '../../src/events';
import { createParser } from '../../src/parsers';
import { DecodeError, EventOrigin } from '../../src/types';

const FIXTURES = path.resolve(__dirname, '../../..', '../shared/fixtures');
const d = existsSync(FIXTURES) ? describe : describe.skip;
const read = (p: string) => readFileSync(path.join(FIXTURES, p));
/** Files of a corpus folder; none when the corpus is absent (describe.skip still runs describe bodies). */
const list = (p: string): string[] => (existsSync(path.join(FIXTURES, p)) ? readdirSync(path.join(FIXTURES, p)) : []);
const json = (p: string) => JSON.parse(read(p).toString('utf8')) as unknown;
const origin: EventOrigin = { kind: 'file', file: 'fixture', offset: 0 };

d('conformance: 01-cwl-subscription', () => {
  const dir = '01-cwl-subscription';

  test.each([
    'awsdoc-kinesis-decoded-data-message.json',
    'awsdoc-lambda-decoded-data-message.json',
    'awsdoc-cross-account-kinesis-decoded-data-message.json',
    'datadog/logs_monitoring_tests_events_cloudwatch_logs.json',
  ])('the decoded payload %s has the envelope shape and decodes as a plain record', (file) => {
    const payload = json(`${dir}/${file}`);
    expect(decodeEnvelope(payload)).toBe(payload);
    expect(decodeKinesisRecord(read(`${dir}/${file}`))).toEqual(payload);
  });

  const encoded = list(path.join(dir, 'encoded')).filter((f) => f.endsWith('.gz'));
  test.each(encoded)('encoded/%s gunzips to its decoded JSON', (file) => {
    const decoded = json(`${dir}/encoded/${file.replace(/\.gz$/, '.decoded.json')}`);
    expect(decodeKinesisRecord(read(`${dir}/encoded/${file}`))).toEqual(decoded);
    expect(sniffFormat(read(`${dir}/encoded/${file}`))).toBe('kinesis-record');
  });

  test('the events of the decoded SAM records carry CloudWatch ids, and the control record makes none', () => {
    const control = decodeKinesisRecord(read(`${dir}/encoded/aws-sam-cli_KinesisFirehoseCloudwatchLogsProcessor.record0-control.gz`));
    expect(control.messageType).toBe('CONTROL_MESSAGE');
    expect(envelopeToEvents(control, origin, createParser())).toEqual([]);
    const data = decodeKinesisRecord(read(`${dir}/encoded/aws-sam-cli_KinesisFirehoseCloudwatchLogsProcessor.record1-data.gz`));
    const events = envelopeToEvents(data, origin, createParser());
    expect(events.map((e) => e.id)).toEqual(data.logEvents.map((e) => e.id));
  });

  test('an envelope without event ids (Datadog example) gets deterministic ids', () => {
    const data = decodeKinesisRecord(read(`${dir}/encoded/datadog_rds-enhanced-monitoring-readme-awslogs.data.gz`));
    expect(data.logEvents[0].id).toBeUndefined();
    const events = envelopeToEvents(data, origin, createParser());
    expect(events[0].id).toMatch(/^[0-9a-f]{32}$/);
    expect(events[0].type).toBe('json');
  });

  test.each([
    ['example-data-message', 'vrl/example-data-message'],
    ['unit-test-two-events', 'vrl/unit-test-two-events'],
  ])("VRL's %s decodes to the expected events", (_, base) => {
    const expectedFile = json(`${dir}/${base}.expected.json`) as Record<string, unknown>;
    const expected = (expectedFile.expected ?? expectedFile) as {
      owner: string;
      message_type: string;
      log_group: string;
      log_stream: string;
      subscription_filters: string[];
      log_events: { id: string; timestamp: string; message: string }[];
    };
    const envelope = decodeKinesisRecord(read(`${dir}/${base}.input.json`));
    expect(envelope).toMatchObject({
      owner: expected.owner,
      messageType: expected.message_type,
      logGroup: expected.log_group,
      logStream: expected.log_stream,
      subscriptionFilters: expected.subscription_filters,
    });
    const events = envelopeToEvents(envelope, origin, createParser());
    expect(events.map((e) => ({ id: e.id, timestamp: new Date(e.timestamp).toISOString(), message: e.message }))).toEqual(expected.log_events);
  });

  test("VRL's invalid inputs are decode errors", () => {
    for (const { input } of json(`${dir}/vrl/unit-test-invalid-inputs.json`) as { input: string }[]) {
      expect(() => decodeKinesisRecord(Buffer.from(input))).toThrow(DecodeError);
    }
  });

  test.each(['vector/remap-behavior-control-message.input.json', 'otel-awslogsencoding/valid_cloudwatch_log_control.json'])(
    'the control message %s makes no event',
    (file) => {
      expect(envelopeToEvents(decodeKinesisRecord(read(`${dir}/${file}`)), origin, createParser())).toEqual([]);
    },
  );

  test('the OpenTelemetry example decodes to one event per log event', () => {
    const envelope = decodeKinesisRecord(read(`${dir}/otel-awslogsencoding/valid_cloudwatch_log.json`));
    expect(envelopeToEvents(envelope, origin, createParser())).toHaveLength(envelope.logEvents.length);
  });
});

d('conformance: 03-firehose-s3-objects', () => {
  const dir = '03-firehose-s3-objects';
  const envelopes = (data: Buffer) => [...decodeFirehoseObject(data)].map((i) => ('envelope' in i ? i.envelope : undefined));

  test('concatenated gzip members of real records decode to the expected messages and events', () => {
    const base = `${dir}/reconstructed/firehose-s3-object_sam-records-0-3_concatenated-gzip-members`;
    const data = read(`${base}.gz`);
    expect(sniffFormat(data)).toBe('firehose-object');
    const items = [...decodeFirehoseObject(data)];
    const messages = read(`${base}.expected-messages.ndjson`)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(items.map((i) => ('envelope' in i ? i.envelope : i))).toEqual(messages);
    const zcat = read(`${base}.zcat.txt`).toString('utf8');
    const lines = read(`${base}.expected-messages.ndjson`).toString('utf8').trim().split('\n');
    // Offsets point into the decompressed stream (what zcat prints), at each document.
    items.forEach((item, k) => expect(zcat.startsWith(lines[k], item.offset)).toBe(true));

    const events = items.flatMap((i) =>
      'envelope' in i ? envelopeToEvents(i.envelope, { kind: 'firehose-object', key: 'k', offset: i.offset }, createParser()) : [],
    );
    const expected = read(`${base}.expected-data-events.ndjson`)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map(({ owner, logGroup, logStream, id, timestamp, message }) => ({ owner, logGroup, logStream, id, timestamp, message }))).toEqual(expected);
  });

  test('the AWS example twice, as gzip members or as JSON with no delimiter, gives two payloads', () => {
    expect(envelopes(read(`${dir}/reconstructed/awsdoc-example-x2_concatenated-gzip-members.gz`))).toHaveLength(2);
    const plain = envelopes(read(`${dir}/reconstructed/awsdoc-example-x2_concatenated-no-delimiter.txt`));
    expect(plain).toHaveLength(2);
    expect(plain[0]).toEqual(plain[1]);
  });

  test('newline-separated and pretty-printed payloads decode', () => {
    expect(envelopes(read(`${dir}/otel-awsfirehosereceiver-cwlog/multiple_records`)).every((e) => e?.messageType === 'DATA_MESSAGE')).toBe(true);
    expect(envelopes(read(`${dir}/otel-awsfirehosereceiver-cwlog/only_control`)).map((e) => e?.messageType)).toEqual(['CONTROL_MESSAGE']);
    expect(envelopes(read(`${dir}/otel-awslogsencoding/multiple_json_objects.json`))).toHaveLength(2);
  });

  test('a record that is not a payload is reported at its offset', () => {
    const data = read(`${dir}/otel-awsfirehosereceiver-cwlog/some_invalid_records`);
    const secondLine = data.indexOf('\n') + 1;
    let error: DecodeError | undefined;
    try {
      Array.from(decodeFirehoseObject(data));
    } catch (e) {
      error = e as DecodeError;
    }
    expect(error).toBeInstanceOf(DecodeError);
    expect(error?.message).toMatch(/messageType must be/);
    expect(error?.offset).toBe(secondLine);
  });
});

d('conformance: 04-export-task', () => {
  const dir = '04-export-task/reconstructed';

  test.each(['stream-1', 'stream-2'])('the export object of %s decodes to its lines', (stream) => {
    const objects = list(path.join(dir, 's3-tree/exportedlogs')).filter((f) => f !== 'aws-logs-write-test');
    const data = read(`${dir}/s3-tree/exportedlogs/${objects[0]}/${stream}/000000.gz`);
    expect(sniffFormat(data, `${stream}/000000.gz`)).toBe('export-object');
    const text = decodeExportObject(data)
      .map((e) => `${new Date(e.timestamp).toISOString()} ${e.message}\n`)
      .join('');
    expect(text).toBe(read(`${dir}/${stream}.000000.expected.txt`).toString('utf8'));
  });

  test('the write-test marker object is not an export object', () => {
    expect(() => decodeExportObject(read(`${dir}/s3-tree/exportedlogs/aws-logs-write-test`))).toThrow(DecodeError);
  });
});
