/**
 * yargs `coerce` checks shared by the commands, so a bad flag is a usage error (exit 2) naming the flag
 * and the accepted values while the command line is parsed, before anything starts.
 */
import { ClueError, getGpuClass } from '@clue/tasks';

/** A flag value for an error message (yargs has already turned a non-number into NaN). */
function shown(v: unknown): string {
  return typeof v === 'number' && Number.isNaN(v) ? 'something that is not a number' : String(v);
}

/** A whole number in [min, max]. */
export function wholeNumber(name: string, min: number, max: number): (v: unknown) => number {
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new ClueError('INVALID_ARGUMENT', `--${name} must be a whole number from ${min} to ${max}, got ${shown(v)}`);
    return n;
  };
}

/** A finite number > 0. */
export function positiveNumber(name: string): (v: unknown) => number {
  return (v) => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new ClueError('INVALID_ARGUMENT', `--${name} must be a number > 0, got ${shown(v)}`);
    return n;
  };
}

/** A GPU class the catalog and vllm-sim know (case-insensitive), in its canonical spelling. */
export function gpuClassName(v: unknown): string {
  return getGpuClass(String(v)).name;
}
