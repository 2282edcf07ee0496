/**
 * CloudTrail delivers each event to CloudWatch Logs as one JSON message; `eventVersion` and
 * `eventSource` are present in every record type (management, data, Insights, network activity).
 */
export function isCloudTrailRecord(json: Record<string, unknown>): boolean {
  return typeof json.eventVersion === 'string' && typeof json.eventSource === 'string';
}
