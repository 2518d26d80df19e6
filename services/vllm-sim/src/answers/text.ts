/** Text helpers for building answers from prompt text: words, content words, sentences, overlaps. */

const STOPWORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with from as is are was were be been being am do does did ' +
    'have has had having i me my we our you your he him his she her it its they them their this that these those what ' +
    'which who whom whose when where why how not no nor so than too very can could should would will shall may might ' +
    'must just also about into over after before under again further once here there all any both each few more most ' +
    'other some such only own same up down out off s t don now hi hello dear thanks thank please know want like get ' +
    'got one two would im ive dont cant also really still since because while during per via patient pt ' +
    'good morning afternoon evening dear sir madam doctor doctors regards question questions help need any anyone ' +
    'tell ask asking wondering wonder thank thanks name unit date'
  ).split(' '),
);

/** Words (letters, digits, inner apostrophes/hyphens) in order of appearance. */
export function words(text: string): string[] {
  return text.match(/[\p{L}][\p{L}\p{N}'-]*|\p{N}+(?:\.\p{N}+)?/gu) ?? [];
}

/** True for words that carry meaning (not stopwords, at least 3 characters). */
export function isContentWord(w: string): boolean {
  return w.length >= 3 && !STOPWORDS.has(w.toLowerCase());
}

/** Content words in order, lower-cased duplicates removed. */
export function contentWords(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const w of words(text)) {
    const k = w.toLowerCase();
    if (isContentWord(w) && !seen.has(k)) {
      seen.add(k);
      out.push(w);
    }
  }
  return out;
}

/** Lower-cased content-word set. */
export function wordSet(text: string): Set<string> {
  return new Set(words(text).filter(isContentWord).map((w) => w.toLowerCase()));
}

/** Prose sentences (split after . ! ? or at line breaks) of at least 5 words, mostly lower-case. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.replace(/^[\s#\-*•]+/, '').trim())
    .filter((s) => {
      const ws = words(s);
      return ws.length >= 5 && ws.filter((w) => /^[a-z]/.test(w)).length >= ws.length / 2 && !s.includes('___');
    });
}

/** The text between two markers (exclusive), or null. */
export function between(text: string, start: string, end: string): string | null {
  const i = text.indexOf(start);
  if (i < 0) return null;
  const j = text.indexOf(end, i + start.length);
  return text.slice(i + start.length, j < 0 ? undefined : j);
}

/** Fraction of `a`'s content words present in `set` (0 when `a` has none). */
export function overlap(a: string, set: ReadonlySet<string>): number {
  const ws = [...wordSet(a)];
  if (ws.length === 0) return 0;
  return ws.filter((w) => set.has(w)).length / ws.length;
}

/** First `n` words of a text joined by spaces. */
export function firstWords(text: string, n: number): string {
  return words(text).slice(0, n).join(' ');
}

/** Upper-cases the first character. */
export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
