/** Defaults of the S3 constructs, in one place. */
export const S3_DEFAULTS = {
  /** Export objects are deleted by the collector once delivered; this only catches leftovers. */
  exportExpirationDays: 7,
  /** Central bucket: long enough to replay a SIEM outage, bounded because the SIEM holds the copy. */
  centralExpirationDays: 30,
  /** Multipart uploads Firehose or an export abandoned stop costing money after this. */
  abortIncompleteUploadDays: 1,
  /** With versioning on, deleted/overwritten versions are kept this long. */
  noncurrentVersionExpirationDays: 7,
} as const;
