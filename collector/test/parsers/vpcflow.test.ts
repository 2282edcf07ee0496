import { DEFAULT_VPC_FORMAT, VPC_FLOW_LOG_FIELDS, VpcFormatError, compileVpcFormat, isVpcRecord, parseVpcFlowLog } from '../../src/parsers/vpcflow';
import { VPC_DEFAULT_LINES } from '../fixtures/payloads';

describe('VPC flow logs, default format (version 2)', () => {
  test('parses an accepted flow: AWS names with _, integers as numbers, in format order', () => {
    const fields = parseVpcFlowLog(VPC_DEFAULT_LINES.accept);
    expect(fields).toEqual({
      version: 2,
      account_id: '123456789010',
      interface_id: 'eni-1235b8ca123456789',
      srcaddr: '172.31.16.139',
      dstaddr: '172.31.16.21',
      srcport: 20641,
      dstport: 22,
      protocol: 6,
      packets: 20,
      bytes: 4249,
      start: 1418530010,
      end: 1418530070,
      action: 'ACCEPT',
      log_status: 'OK',
    });
    expect(Object.keys(fields!)).toEqual([
      'version',
      'account_id',
      'interface_id',
      'srcaddr',
      'dstaddr',
      'srcport',
      'dstport',
      'protocol',
      'packets',
      'bytes',
      'start',
      'end',
      'action',
      'log_status',
    ]);
  });

  test('parses a rejected flow', () => {
    expect(parseVpcFlowLog(VPC_DEFAULT_LINES.reject)).toMatchObject({ srcaddr: '172.31.9.69', dstport: 3389, action: 'REJECT', log_status: 'OK' });
  });

  test('turns "-" into null for NODATA and SKIPDATA records', () => {
    for (const [line, status] of [
      [VPC_DEFAULT_LINES.nodata, 'NODATA'],
      [VPC_DEFAULT_LINES.skipdata, 'SKIPDATA'],
    ]) {
      expect(parseVpcFlowLog(line)).toEqual({
        version: 2,
        account_id: '123456789010',
        interface_id: expect.stringMatching(/^eni-/),
        srcaddr: null,
        dstaddr: null,
        srcport: null,
        dstport: null,
        protocol: null,
        packets: null,
        bytes: null,
        start: 1431280876,
        end: 1431280934,
        action: null,
        log_status: status,
      });
    }
  });

  test('parses IPv6 addresses and ICMP flows', () => {
    expect(parseVpcFlowLog(VPC_DEFAULT_LINES.ipv6)).toMatchObject({ srcaddr: '2001:db8:1234:a100:8d6e:3477:df66:f105', dstport: 22 });
    expect(parseVpcFlowLog('2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK')).toMatchObject({
      srcport: 0,
      dstport: 0,
      protocol: 1,
    });
  });

  test('accepts runs of blanks, and blanks around the record', () => {
    const line =
      '3 vpc-a subnet-a i-1 eni-1 123456789010 IPv4 10.0.0.62 52.213.180.42 5001 43638  10.0.0.62 52.213.180.42 6 967 14 1566933133 1566933193 ACCEPT 19 OK';
    const format =
      'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status';
    expect(parseVpcFlowLog(line, format)).toMatchObject({ dstport: 43638, pkt_srcaddr: '10.0.0.62', tcp_flags: 19 });
    expect(parseVpcFlowLog(`  ${VPC_DEFAULT_LINES.accept}\n`)).toEqual(parseVpcFlowLog(VPC_DEFAULT_LINES.accept));
  });

  test('leaves a line whose field count does not match unparsed', () => {
    expect(parseVpcFlowLog(VPC_DEFAULT_LINES.accept.replace(' OK', ''))).toBeUndefined();
    expect(parseVpcFlowLog(`${VPC_DEFAULT_LINES.accept} extra`)).toBeUndefined();
    expect(
      parseVpcFlowLog(
        'i-01234567890123456 eni-1111aaaa2222bbbb3 10.0.1.5 203.0.113.5 10.0.1.5 203.0.113.5 #comment',
        'instance-id interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr',
      ),
    ).toBeUndefined();
    expect(parseVpcFlowLog('')).toBeUndefined();
    expect(parseVpcFlowLog('hello world')).toBeUndefined();
  });

  test('leaves a line with a non-integer in an integer field unparsed', () => {
    expect(parseVpcFlowLog(VPC_DEFAULT_LINES.accept.replace(' 20641 ', ' 2064x '))).toBeUndefined();
    expect(parseVpcFlowLog(VPC_DEFAULT_LINES.accept.replace(' 20641 ', ' -5 '))).toBeUndefined();
    expect(parseVpcFlowLog(VPC_DEFAULT_LINES.accept.replace(' 20641 ', ' 1.5 '))).toBeUndefined();
  });

  test('reads large and zero-padded integers as numbers', () => {
    expect(parseVpcFlowLog(VPC_DEFAULT_LINES.accept.replace(' 4249 ', ' 123456789012345678 '))?.bytes).toBe(Number('123456789012345678'));
    expect(parseVpcFlowLog(VPC_DEFAULT_LINES.accept.replace(' 22 ', ' 022 '))?.dstport).toBe(22);
  });

  test('parsed records serialize like plain objects and are recognised', () => {
    const fields = parseVpcFlowLog(VPC_DEFAULT_LINES.nodata)!;
    expect(JSON.stringify(fields)).toBe(JSON.stringify({ ...fields }));
    expect(isVpcRecord(fields)).toBe(true);
    expect(isVpcRecord({ ...fields })).toBe(false);
  });
});

describe('VPC flow logs, custom formats', () => {
  test('v3: TCP flags, packet addresses, VPC, subnet and instance', () => {
    const format =
      '${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status}';
    const line =
      '3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 123456789010 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK';
    expect(parseVpcFlowLog(line, format)).toEqual({
      version: 3,
      vpc_id: 'vpc-abcdefab012345678',
      subnet_id: 'subnet-aaaaaaaa012345678',
      instance_id: 'i-01234567890123456',
      interface_id: 'eni-1235b8ca123456789',
      account_id: '123456789010',
      type: 'IPv4',
      srcaddr: '52.213.180.42',
      dstaddr: '10.0.0.62',
      srcport: 43416,
      dstport: 5001,
      pkt_srcaddr: '52.213.180.42',
      pkt_dstaddr: '10.0.0.62',
      protocol: 6,
      bytes: 568,
      packets: 8,
      start: 1566848875,
      end: 1566848933,
      action: 'ACCEPT',
      tcp_flags: 2,
      log_status: 'OK',
    });
  });

  test('v4 and v5: region, zone, sublocation, AWS services, flow direction, traffic path', () => {
    const format =
      'version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr pkt-src-aws-service pkt-dst-aws-service traffic-path flow-direction log-status';
    const egress =
      '5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK';
    expect(parseVpcFlowLog(egress, format)).toMatchObject({
      version: 5,
      region: 'ap-southeast-2',
      az_id: 'apse2-az3',
      sublocation_type: null,
      sublocation_id: null,
      pkt_src_aws_service: null,
      pkt_dst_aws_service: 'S3',
      traffic_path: 8,
      flow_direction: 'egress',
    });
  });

  test('v4 sublocation on an Outpost or Wavelength zone', () => {
    expect(parseVpcFlowLog('wavelength wlz-1234 usw2-wl1-bos-wlz1', 'sublocation-type sublocation-id az-id')).toEqual({
      sublocation_type: 'wavelength',
      sublocation_id: 'wlz-1234',
      az_id: 'usw2-wl1-bos-wlz1',
    });
  });

  test('v6: Transit Gateway flow log fields, packet-loss counters as numbers', () => {
    const format =
      'version resource-type account-id tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end log-status type packets-lost-no-route packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region flow-direction pkt-src-aws-service pkt-dst-aws-service';
    const line =
      '6 TransitGateway 123456789012 tgw-0123456789abcdef0 tgw-attach-0123456789abcdef0 123456789012 210987654321 vpc-0a1b2c3d vpc-0d3c2b1a subnet-0123 subnet-0456 eni-0aaa eni-0bbb use1-az1 use1-az2 tgw-attach-0fedcba987654321 10.0.1.10 10.1.2.20 44321 443 6 12 3400 1700000000 1700000060 OK IPv4 0 1 2 3 19 us-east-1 ingress - -';
    expect(parseVpcFlowLog(line, format)).toMatchObject({
      version: 6,
      resource_type: 'TransitGateway',
      tgw_id: 'tgw-0123456789abcdef0',
      tgw_src_vpc_account_id: '123456789012',
      tgw_dst_vpc_account_id: '210987654321',
      tgw_pair_attachment_id: 'tgw-attach-0fedcba987654321',
      packets_lost_no_route: 0,
      packets_lost_blackhole: 1,
      packets_lost_mtu_exceeded: 2,
      packets_lost_ttl_expired: 3,
      tcp_flags: 19,
      pkt_src_aws_service: null,
    });
  });

  test('v7: ECS fields', () => {
    const format =
      'version srcaddr dstaddr srcport dstport protocol start end action log-status ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id';
    const line =
      '7 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 ACCEPT OK arn:aws:ecs:us-east-1:123456789012:cluster/my-cluster my-cluster arn:aws:ecs:us-east-1:123456789012:container-instance/my-cluster/abcd i-0c50d5961bcb2d47b 1234567890abcdef - my-service arn:aws:ecs:us-east-1:123456789012:task-definition/my-task:1 arn:aws:ecs:us-east-1:123456789012:task/my-cluster/abcd abcd1234';
    expect(parseVpcFlowLog(line, format)).toMatchObject({
      ecs_cluster_arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/my-cluster',
      ecs_cluster_name: 'my-cluster',
      ecs_container_instance_id: 'i-0c50d5961bcb2d47b',
      ecs_container_id: '1234567890abcdef',
      ecs_second_container_id: null,
      ecs_service_name: 'my-service',
      ecs_task_id: 'abcd1234',
    });
  });

  test('v8 and later: reject reason, resource id, encryption status as a number', () => {
    const format = 'version srcaddr dstaddr srcport dstport protocol start end action log-status reject-reason resource-id encryption-status interface-type';
    expect(
      parseVpcFlowLog('11 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 REJECT OK BPA nat-0c50d5961bcb2d47b 1 nat_gateway', format),
    ).toMatchObject({
      reject_reason: 'BPA',
      resource_id: 'nat-0c50d5961bcb2d47b',
      encryption_status: 1,
      interface_type: 'nat_gateway',
    });
  });

  test('the integer fields are exactly those AWS types as integers', () => {
    const ints = Object.entries(VPC_FLOW_LOG_FIELDS)
      .filter(([, t]) => t === 'int')
      .map(([f]) => f)
      .sort();
    expect(ints).toEqual(
      [
        'version',
        'srcport',
        'dstport',
        'protocol',
        'packets',
        'bytes',
        'start',
        'end',
        'tcp-flags',
        'traffic-path',
        'encryption-status',
        'packets-lost-no-route',
        'packets-lost-blackhole',
        'packets-lost-mtu-exceeded',
        'packets-lost-ttl-expired',
      ].sort(),
    );
  });
});

describe('compileVpcFormat', () => {
  test('accepts ${name}, plain names and VRL-style underscores alike', () => {
    const a = compileVpcFormat('${srcaddr} ${pkt-srcaddr} ${tcp-flags}');
    const b = compileVpcFormat('srcaddr pkt-srcaddr tcp-flags');
    const c = compileVpcFormat('srcaddr pkt_srcaddr tcp_flags');
    for (const f of [a, b, c]) {
      expect(f.fields).toEqual(['srcaddr', 'pkt-srcaddr', 'tcp-flags']);
      expect(f.keys).toEqual(['srcaddr', 'pkt_srcaddr', 'tcp_flags']);
      expect(f.parse('1.2.3.4 5.6.7.8 18')).toEqual({ srcaddr: '1.2.3.4', pkt_srcaddr: '5.6.7.8', tcp_flags: 18 });
    }
  });

  test('the default format is version 2', () => {
    expect(compileVpcFormat(DEFAULT_VPC_FORMAT).fields).toEqual([
      'version',
      'account-id',
      'interface-id',
      'srcaddr',
      'dstaddr',
      'srcport',
      'dstport',
      'protocol',
      'packets',
      'bytes',
      'start',
      'end',
      'action',
      'log-status',
    ]);
  });

  test('keeps unknown fields as strings and lists them', () => {
    const f = compileVpcFormat('version brand-new-field');
    expect(f.unknownFields).toEqual(['brand-new-field']);
    expect(f.parse('9 value')).toEqual({ version: 9, brand_new_field: 'value' });
  });

  test.each([
    ['', 'it names no field'],
    ['version ${bad field}', 'is not a field name'],
    ['version "quoted"', 'is not a field name'],
    ['srcaddr ${srcaddr}', 'field "srcaddr" appears twice'],
    ['srcaddr src_addr srcaddr', 'appears twice'],
  ])('rejects the format %j', (format, message) => {
    expect(() => compileVpcFormat(format)).toThrow(VpcFormatError);
    expect(() => compileVpcFormat(format)).toThrow(message);
  });
});
