/**
 * Flesch-Kincaid grade level, the formula of Kincaid JP, Fishburne RP, Rogers RL, Chissom BS. "Derivation of new
 * readability formulas (Automated Readability Index, Fog Count and Flesch Reading Ease Formula) for Navy enlisted
 * personnel." Research Branch Report 8-75, Naval Technical Training Command, 1975:
 *
 *   grade = 0.39 x (words / sentences) + 11.8 x (syllables / words) - 15.59
 *
 * Syllables are counted by a small rule set (vowel groups, vowel pairs said apart such as `ua` and `io` but not in `-tion`, a
 * silent final `e`, at least one per word), the usual approximation of automated readability checkers. Tokens that hold digits (gene names such as
 * `CYP2C19`, numbers) count one syllable per run of letters or digits.
 */

/** Syllables in one word (letters only; see the module comment for tokens with digits). */
export function syllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, '');
  if (w.length === 0) return 0;
  if (w.length <= 3) return 1;
  const trimmed = w
    .replace(/(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$/, (m) => m.charAt(0))
    .replace(/^y/, '');
  const groups = trimmed.match(/[aeiouy]+/g)?.length ?? 0;
  // Vowel pairs usually said as two syllables (us-u-al, re-ac-tion), but not in -tion, -sion, -cious, -cial.
  const splits = trimmed.match(/ia|ua|uo|iu|io/g)?.length ?? 0;
  const joined = trimmed.match(/[stcg]io|[ct]ia/g)?.length ?? 0;
  const prefix = /^re[aeiou]/.test(trimmed) ? 1 : 0;
  return Math.max(1, groups + splits - joined + prefix);
}

function tokenSyllables(token: string): number {
  if (/\d/.test(token)) return (token.match(/[a-z]+|\d+/gi) ?? []).length || 1;
  return syllables(token);
}

export interface Readability {
  readonly sentences: number;
  readonly words: number;
  readonly syllables: number;
  readonly grade: number;
}

/** Sentences end at `.`, `!` or `?` followed by a space or the end (decimals such as `1.5` do not end one). */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => /[a-z0-9]/i.test(s));
}

/** Flesch-Kincaid grade of `text` (one or more sentences). */
export function fleschKincaid(text: string): Readability {
  const sentences = splitSentences(text);
  const words = sentences.flatMap((s) => s.split(/[\s/–—-]+/).filter((w) => /[a-z0-9]/i.test(w)));
  const syllableCount = words.reduce((n, w) => n + tokenSyllables(w), 0);
  const grade =
    words.length === 0
      ? 0
      : 0.39 * (words.length / Math.max(1, sentences.length)) + 11.8 * (syllableCount / words.length) - 15.59;
  return { sentences: sentences.length, words: words.length, syllables: syllableCount, grade };
}
