/**
 * Conformance of the VPC Flow Logs parser against externally authored expectations in
 * ../shared/fixtures/02-vpc-flow-logs (Vector's VRL test cases, the AWS user guide's examples,
 * OpenTelemetry's payloads), when that corpus is present; skipped otherwise.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { decodeKinesisRecord } from '../../src/decoders/kinesis';
import { envelopeToEvents } from '../../src/events';
import { createParser } from '../../src/parsers';
import { parseVpcFlowLog } from '../../src/parsers/vpcflow';

const DIR = path.resolve(__dirname, '../../..', '../shared/fixtures/02-vpc-flow-logs');
const d = existsSync(DIR) ? describe : describe.skip;
const text = (p: string) => readFileSync(path.join(DIR, p), 'utf8');
const optional = (p: string) => (existsSync(path.join(DIR, p)) ? text(p).trim() : undefined);

d('conformance: VPC Flow Logs', () => {
  const cases = existsSync(path.join(DIR, 'vrl'))
    ? readdirSync(path.join(DIR, 'vrl'))
        .filter((f) => f.endsWith('.input.txt'))
        .map((f) => f.replace('.input.txt', ''))
    : [];

  test.each(cases)('VRL case %s parses to the expected fields', (name) => {
    const line = text(`vrl/${name}.input.txt`).replace(/\n$/, '');
    const format = optional(`vrl/${name}.format.txt`);
    expect(parseVpcFlowLog(line, format)).toEqual(JSON.parse(text(`vrl/${name}.expected.json`)));
  });

  test('every VRL case in cases.json parses to its expected fields', () => {
    const all = JSON.parse(text('vrl/cases.json')) as { input: string; format: string | null; expected: Record<string, unknown> }[];
    for (const c of all) expect(parseVpcFlowLog(c.input, c.format ?? undefined)).toEqual(c.expected);
  });

  test("every record of VRL's parse-ok samples parses (v2, v3, NAT, TGW, v5, v7 ECS, v8-v11)", () => {
    const { groups } = JSON.parse(text('vrl/unit-test-samples-parse-ok.json')) as { groups: { format: string | null; records: string[] }[] };
    for (const g of groups) for (const r of g.records) expect([r, parseVpcFlowLog(r, g.format ?? undefined)]).toEqual([r, expect.any(Object)]);
  });

  test("the AWS user guide's examples parse, except its annotated and elided lines", () => {
    const groups = JSON.parse(text('awsdoc-examples/index.json')) as { name: string; format: string; records: string[] }[];
    for (const g of groups) {
      for (const r of g.records) {
        const annotated = r.includes('#') || r.trim() === '...';
        expect([g.name, r, parseVpcFlowLog(r, g.format) !== undefined]).toEqual([g.name, r, !annotated]);
      }
    }
  });

  test('flow logs delivered through a subscription become vpcflow events', () => {
    const envelope = decodeKinesisRecord(Buffer.from(text('otel-awslogsencoding/valid_vpc_flow_cw.json')));
    const events = envelopeToEvents(envelope, { kind: 'file', file: 'f', offset: 0 }, createParser());
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.type === 'vpcflow')).toBe(true);
  });

  test('a custom format configured for the group is used', () => {
    const envelope = decodeKinesisRecord(Buffer.from(text('otel-awslogsencoding/valid_vpc_flow_cw_custom.json')));
    const parser = createParser({
      vpcFlowLogs: [{ logGroup: envelope.logGroup, format: text('otel-awslogsencoding/valid_vpc_flow_cw_custom.format.txt').trim() }],
    });
    const events = envelopeToEvents(envelope, { kind: 'file', file: 'f', offset: 0 }, parser);
    expect(events.map((e) => e.type)).toEqual(envelope.logEvents.map(() => 'vpcflow'));
    expect(Object.keys(events[0].fields ?? {})).toEqual(['version', 'interface_id', 'srcaddr', 'dstaddr']);
  });

  test("Vector's behaviour test inputs parse", () => {
    const input = JSON.parse(text('vector-behavior/remap-behavior.input.json')) as { input_log_fields: { a: string; b: string } };
    expect(parseVpcFlowLog(input.input_log_fields.a)).toMatchObject({ log_status: 'NODATA', srcaddr: null });
    expect(parseVpcFlowLog(input.input_log_fields.b, 'instance_id interface_id srcaddr dstaddr pkt_srcaddr pkt_dstaddr')).toMatchObject({
      instance_id: null,
      pkt_dstaddr: '203.0.113.5',
    });
  });
});
