/**
 * AWS SDK clients of the sources, built from the config: region, endpoint override, an assumed
 * role (the identity the toolkit's stack created for the collector), and no SDK-level retries
 * where the source paces and retries calls itself.
 */
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** A role assumed for the source's AWS calls. */
export interface AssumeRoleConfig {
  readonly roleArn: string;
  readonly externalId?: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
}

/** How the collector reaches S3. */
export interface S3ClientConfig {
  readonly endpoint?: string;
  readonly forcePathStyle: boolean;
  /** The bucket's region when it differs from the source's. */
  readonly region?: string;
}

/** Credentials for a source: the default chain (env, web identity, container/instance role), or that chain assuming `assumeRole`. */
export function sourceCredentials(assumeRole: AssumeRoleConfig | undefined, region: string): AwsCredentialIdentityProvider | undefined {
  if (!assumeRole) return undefined;
  return fromTemporaryCredentials({
    params: {
      RoleArn: assumeRole.roleArn,
      RoleSessionName: assumeRole.sessionName,
      DurationSeconds: assumeRole.durationSeconds,
      ...(assumeRole.externalId !== undefined ? { ExternalId: assumeRole.externalId } : {}),
    },
    clientConfig: { region },
  });
}

/** The request handler every client uses: bounded connect time, and a request timeout longer than a 20 s long poll. */
export function requestHandler(): NodeHttpHandler {
  return new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 60000 });
}

/** Options of an S3Client for the `s3` config block. */
export function s3ClientOptions(s3: S3ClientConfig, region: string, credentials: AwsCredentialIdentityProvider | undefined) {
  return {
    region: s3.region ?? region,
    endpoint: s3.endpoint,
    forcePathStyle: s3.forcePathStyle,
    credentials,
    requestHandler: requestHandler(),
    // Plain checksums: S3-compatible stores and VPC endpoints do not all accept the SDK's newer defaults.
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
  };
}
