/**
 * Defaults of the S3 constructs that the toolkit config does not declare, in one place; the ones it
 * declares (prefixes, expiry, versioning, export access) are read from its schema
 * (config/defaults.ts TOOLKIT_DEFAULTS).
 */
export const S3_DEFAULTS = {
  /** Multipart uploads Firehose or an export abandoned stop costing money after this. */
  abortIncompleteUploadDays: 1,
  /** With versioning on, deleted/overwritten versions are kept this long. */
  noncurrentVersionExpirationDays: 7,
} as const;
