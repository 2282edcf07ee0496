import { envReferences, replaceEnvRefs, substituteEnv } from '../../src/config/env';

/** `${NAME}` references, one syntax for the config loader, `config from-terraform` and the sink headers. */

describe('${ENV} references', () => {
  test('are replaced by the variable, $${ is a literal ${, and unset variables are named in order', () => {
    expect(replaceEnvRefs('a-${X}-$${Y}-${Z}-${Z}', { X: '1' })).toEqual({ value: 'a-1-${Y}-${Z}-${Z}', missing: ['Z', 'Z'], used: ['1'] });
    expect(replaceEnvRefs('no references, $NOT_ONE, ${not-a-name}', {})).toEqual({ value: 'no references, $NOT_ONE, ${not-a-name}', missing: [], used: [] });
  });

  test('in a config: every string is substituted, a problem per unset variable at its path, sink headers left as written', () => {
    const config = {
      source: { streamName: '${STREAM}', tags: ['${MISSING}'] },
      sink: { url: 'https://${HOST}/', headers: { Authorization: 'Bearer ${TOKEN}' } },
      n: 1,
    };
    const { config: out, problems } = substituteEnv(config, { STREAM: 's', HOST: 'h' });
    expect(out).toEqual({
      source: { streamName: 's', tags: ['${MISSING}'] },
      sink: { url: 'https://h/', headers: { Authorization: 'Bearer ${TOKEN}' } },
      n: 1,
    });
    expect(problems).toEqual([{ path: '$.source.tags[0]', message: 'refers to the environment variable MISSING, which is not set' }]);
    expect(config.source.streamName).toBe('${STREAM}');
  });

  test('a VPC Flow Logs format is taken as written: its ${field} names are no references, whatever the environment holds', () => {
    const format = '${version} ${account_id} $${x} ${srcaddr}';
    const config = { parsers: { vpcFlowLogs: [{ logGroup: '${GROUP}', format }] } };
    const { config: out, problems } = substituteEnv(config, { version: 'REWRITTEN', account_id: 'REWRITTEN', GROUP: '/vpc' });
    expect(out).toEqual({ parsers: { vpcFlowLogs: [{ logGroup: '/vpc', format }] } });
    expect(problems).toEqual([]);
    expect(substituteEnv(config, {}).problems).toEqual([
      { path: '$.parsers.vpcFlowLogs[0].logGroup', message: 'refers to the environment variable GROUP, which is not set' },
    ]);
    expect(envReferences(config)).toEqual({ names: new Set(['GROUP']), paths: new Set(['$.parsers.vpcFlowLogs[0].logGroup']) });
  });

  test('the references of a config are the variables and paths substitution would resolve', () => {
    const config = { source: { queueUrl: '${Q}', 'odd key': ['$${LITERAL}', '${A}${B}'] }, sink: { headers: { X: '${SECRET}' } } };
    expect(envReferences(config)).toEqual({ names: new Set(['Q', 'A', 'B']), paths: new Set(['$.source.queueUrl', '$.source["odd key"][1]']) });
  });
});
