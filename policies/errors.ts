/** Stable error codes of the policies library. */
export const POLICY_INPUT_ERROR = 'CWL_SIEM_POLICY_INPUT';
export const POLICY_DOCUMENT_ERROR = 'CWL_SIEM_POLICY_INVALID';

/** One rejected input: which parameter, what was given, what was expected. */
export interface InputProblem {
  readonly param: string;
  readonly value: unknown;
  readonly expected: string;
}

/**
 * Thrown when a policy function is called with bad input. Lists every problem found,
 * not only the first, so a caller can fix them all at once.
 */
export class PolicyInputError extends Error {
  readonly code = POLICY_INPUT_ERROR;
  constructor(
    readonly fn: string,
    readonly problems: readonly InputProblem[],
  ) {
    super(
      `${fn}: ${problems.length === 1 ? 'invalid input' : `${problems.length} invalid inputs`}:\n` +
        problems.map((p) => `  - ${p.param}: got ${show(p.value)}; expected ${p.expected}`).join('\n'),
    );
    this.name = 'PolicyInputError';
  }
}

/**
 * Thrown when a rendered document fails the IAM policy schema or a structural check.
 * This is a bug in the library, never the caller's input: inputs are checked first.
 */
export class PolicyDocumentError extends Error {
  readonly code = POLICY_DOCUMENT_ERROR;
  constructor(
    readonly fn: string,
    readonly errors: readonly string[],
  ) {
    super(`${fn}: rendered policy is invalid:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
    this.name = 'PolicyDocumentError';
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
