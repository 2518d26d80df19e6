/** @clue/cli public entry: exit codes (the command itself is `main.ts`). */
export { EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './exit-codes.js';
