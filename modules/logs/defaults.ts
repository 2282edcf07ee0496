/** Defaults of the CloudWatch Logs constructs, in one place. */
export const LOGS_DEFAULTS = {
  /**
   * Wait before an account-level subscription policy is put with a role created in the same apply:
   * IAM takes seconds to make a new role assumable, and the provider does not retry the put.
   */
  rolePropagationSeconds: 15,
} as const;
