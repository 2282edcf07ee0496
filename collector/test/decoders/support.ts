/** Helpers shared by the decoder tests. */
import { DecodeError } from '../../src/types';

/** The DecodeError `fn` throws (any other outcome fails the test). */
export function decodeError(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error('expected a DecodeError');
}
