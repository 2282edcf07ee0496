/**
 * Message parsers: which fields a message holds, decided per log group.
 *
 * Log groups that hold VPC (or Transit Gateway) flow logs are named by configuration (exact names
 * or `*` patterns, each with its format) or, by default, by the pattern `*flow*`; their messages are
 * parsed with the group's format. A line that does not match counts as unparsed and falls through
 * to the checks every other message gets: a JSON object is `cloudtrail` (with `eventVersion` and
 * `eventSource`) or `json`; anything else is raw (no type, no fields), a JSON object nested deeper
 * than `maxJsonDepth` too.
 */
import { DEFAULT_DECODE_LIMITS } from '../decoders/limits';
import { wildcardMatcher } from '../glob';
import { EventType } from '../types';
import { isCloudTrailRecord } from './cloudtrail';
import { parseJsonObject } from './json';
import { DEFAULT_VPC_FORMAT, VpcFlowFormat, vpcFormat } from './vpcflow';

export interface ParsedMessage {
  readonly type: EventType;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface ParserOptions {
  /**
   * VPC flow log groups with their formats, in order; the first entry whose `logGroup` (exact name,
   * or a pattern where `*` matches any run of characters) matches wins. `format` may list several
   * formats (flow logs of different formats writing to one group): each is tried in turn.
   * @default [] (only the vpcLogGroups patterns, with defaultVpcFormat)
   */
  readonly vpcFlowLogs?: readonly { readonly logGroup: string; readonly format?: string | readonly string[] }[];
  /** The same as vpcFlowLogs, as a map from name or pattern to format. Entries come after vpcFlowLogs. */
  readonly vpcFormats?: Readonly<Record<string, string | readonly string[]>>;
  /** Format for VPC flow log groups without their own. @default DEFAULT_VPC_FORMAT (version 2) */
  readonly defaultVpcFormat?: string;
  /** Patterns of further log groups holding VPC flow logs in defaultVpcFormat. @default ['*flow*'] */
  readonly vpcLogGroups?: readonly string[];
  /** Called for each message of a VPC flow log group that does not match its format. */
  readonly onUnparsedVpcLine?: (message: string, logGroup: string) => void;
  /**
   * Nesting levels of a JSON (or CloudTrail) message parsed into fields; a deeper one stays raw.
   * @default the config schema's limits.maxJsonDepth
   */
  readonly maxJsonDepth?: number;
}

export interface MessageParser {
  /** What `message` holds, or undefined for a raw message. Never throws. */
  parse(message: string, logGroup: string): ParsedMessage | undefined;
  /** The parser whose failure makes a message of this group "unparsed" (`vpcflow`), if any. */
  expectedType(logGroup: string): EventType | undefined;
  /**
   * The VPC flow log formats of this group, when it holds flow logs. A caller parsing many messages
   * of one group may try them directly and call parse() only for a message none of them matches.
   */
  vpcFormats(logGroup: string): readonly VpcFlowFormat[] | undefined;
  /** Messages of VPC flow log groups that did not match their format, since creation. */
  readonly unparsedVpcLines: number;
}

/** Patterns are matched case-insensitively, against the whole log group name. */
export const DEFAULT_VPC_LOG_GROUPS: readonly string[] = ['*flow*'];

interface Plan {
  readonly vpc?: readonly VpcFlowFormat[];
}

/**
 * Builds a parser. Formats are compiled here, so a bad format throws (a VpcFormatError) at start.
 */
export function createParser(options: ParserOptions = {}): MessageParser {
  const rules: { readonly match: (group: string) => boolean; readonly formats: readonly VpcFlowFormat[] }[] = [];
  const compile = (f: string | readonly string[] | undefined) =>
    (typeof f === 'string' ? [f] : (f ?? [options.defaultVpcFormat ?? DEFAULT_VPC_FORMAT])).map((x) => vpcFormat(x));
  for (const e of options.vpcFlowLogs ?? []) rules.push({ match: globMatcher(e.logGroup), formats: compile(e.format) });
  for (const [group, f] of Object.entries(options.vpcFormats ?? {})) rules.push({ match: globMatcher(group), formats: compile(f) });
  const defaults = compile(undefined);
  for (const p of options.vpcLogGroups ?? DEFAULT_VPC_LOG_GROUPS) rules.push({ match: globMatcher(p), formats: defaults });

  const plans = new Map<string, Plan>();
  const planFor = (group: string): Plan => {
    let plan = plans.get(group);
    if (!plan) {
      const rule = rules.find((r) => r.match(group));
      plan = rule ? { vpc: rule.formats } : {};
      if (plans.size >= 10000) plans.clear();
      plans.set(group, plan);
    }
    return plan;
  };

  let unparsed = 0;
  const onUnparsed = options.onUnparsedVpcLine;
  const maxJsonDepth = options.maxJsonDepth ?? DEFAULT_DECODE_LIMITS.maxJsonDepth;
  return {
    parse(message, logGroup) {
      const vpc = planFor(logGroup).vpc;
      if (vpc) {
        for (let i = 0; i < vpc.length; i++) {
          const fields = vpc[i].parse(message);
          if (fields !== undefined) return { type: 'vpcflow', fields };
        }
        unparsed++;
        onUnparsed?.(message, logGroup);
      }
      const json = parseJsonObject(message, maxJsonDepth);
      if (json === undefined) return undefined;
      return { type: isCloudTrailRecord(json) ? 'cloudtrail' : 'json', fields: json };
    },
    expectedType(logGroup) {
      return planFor(logGroup).vpc ? 'vpcflow' : undefined;
    },
    vpcFormats(logGroup) {
      return planFor(logGroup).vpc;
    },
    get unparsedVpcLines() {
      return unparsed;
    },
  };
}

/** `*` matches any run of characters; everything else is literal; case-insensitive. */
export function globMatcher(pattern: string): (name: string) => boolean {
  return wildcardMatcher(pattern, true);
}

export { DEFAULT_VPC_FORMAT, VPC_FLOW_LOG_FIELDS, compileVpcFormat, parseVpcFlowLog, VpcFormatError } from './vpcflow';
export type { VpcFlowFormat, VpcFlowRecord } from './vpcflow';
