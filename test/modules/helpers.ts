import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

export type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** Builds constructs in a fresh stack and returns the synthesized resources by type and logical id. */
export function synthResources(build: (scope: Construct) => void): Resources {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  build(stack);
  return (JSON.parse(Testing.synth(stack)) as { resource: Resources }).resource;
}

/** All resources of a type, as a list. */
export const ofType = (resources: Resources, type: string): Record<string, unknown>[] => Object.values(resources[type] ?? {});

/** The one resource of a type; throws if there are several or none. */
export function only(resources: Resources, type: string): Record<string, unknown> {
  const list = ofType(resources, type);
  if (list.length !== 1) throw new Error(`expected one ${type}, found ${list.length}`);
  return list[0];
}

/** A policy attribute parsed from its literal JSON. */
export const doc = (
  value: unknown,
): { Statement: { Sid?: string; Effect: string; Principal?: unknown; Action: unknown; Resource?: unknown; Condition?: unknown }[] } =>
  JSON.parse(value as string);
