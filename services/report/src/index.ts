/** @clue/report — the HTML report, paired-bootstrap run differences and the regression gate. */
export * from './model.js';
