import { ConfigError, ConfigProblem, loadConfig, parseConfig } from '../../config/load';

/** Configs and helpers the toolkit config tests share. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test configs are built and broken at any depth
export type Json = Record<string, any>;

/** A valid config with one stack that has only an export bucket. */
export function minimal(): Json {
  return { stacks: [{ name: 'main', region: 'us-east-1', accountId: '111122223333', export: { bucketName: 'acme-exports-111122223333' } }] };
}

/** The minimal config with the first stack's fields replaced (undefined deletes a field). */
export function withStack(fields: Json): Json {
  const config = minimal();
  const stack = config.stacks[0];
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) delete stack[k];
    else stack[k] = v;
  }
  return config;
}

export const kinesis = (extra: Json = {}): Json => ({ streamName: 'logs', subscription: { logGroupNames: ['/app/a'] }, ...extra });
export const firehose = (extra: Json = {}): Json => ({
  deliveryStreamName: 'to-central',
  destination: { bucketName: 'acme-central' },
  subscription: { logGroupNames: ['/app/b'] },
  ...extra,
});
export const central = (extra: Json = {}): Json => ({ bucketName: 'acme-central', organizationId: 'o-a1b2c3d4e5', ...extra });

/** A bucket stack letting a user or role of 444455556666 export, and that account's sending stack. */
export function crossAccount(mode: 'user' | 'role', senderIdentity: Json): Json {
  const access =
    mode === 'user'
      ? { mode: 'cross-account-user', sendingAccountId: '444455556666', userName: 'exporter' }
      : { mode: 'cross-account-role', sendingAccountId: '444455556666', roleName: 'exporter' };
  return {
    stacks: [
      { name: 'bucket', region: 'us-east-1', accountId: '111122223333', export: { bucketName: 'acme-exports', access } },
      {
        name: 'sender',
        region: 'us-east-1',
        accountId: '444455556666',
        exportSender: { bucketName: 'acme-exports', bucketAccountId: '111122223333', identity: senderIdentity },
      },
    ],
  };
}

/** A receiving stack (Kinesis stream behind a destination listing 444455556666) and that account's sending stack. */
export function destinationPair(sender: Json = {}): Json {
  return {
    stacks: [
      {
        name: 'receiver',
        region: 'us-east-1',
        accountId: '111122223333',
        kinesis: kinesis(),
        destination: { name: 'to-siem', senderAccountIds: ['444455556666'] },
      },
      { name: 'sender', region: 'us-east-1', accountId: '444455556666', destinationSender: { subscription: { logGroupNames: ['/app/c'] }, ...sender } },
    ],
  };
}

/** The problems a config is rejected with. */
export function problemsOf(raw: unknown): readonly ConfigProblem[] {
  try {
    parseConfig(raw, 'test.json');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('the config was accepted');
}

export function loadError(path: string): ConfigError {
  try {
    loadConfig(path);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('the config was accepted');
}
