/** Exit codes of the `clue` command. */
export const EXIT_OK = 0;
/** Something failed at run time (I/O, a server). */
export const EXIT_FAILURE = 1;
/** The user's input was wrong (flag, file, dataset): the message says what. */
export const EXIT_USAGE = 2;
/** The coordinator refused the credentials (no, wrong or insufficient token) or its certificate is not trusted. */
export const EXIT_AUTH = 3;
/** `clue gate`: the run violates the regression policy. */
export const EXIT_GATE = 4;
/** `clue submit`: the idempotency key already names a run with a different spec (the message names the run). */
export const EXIT_CONFLICT = 5;
/** Ctrl-C or SIGTERM stopped the command (`clue up`) before it finished: 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;
