/** The Flesch-Kincaid grade (Kincaid et al. 1975) and its syllable counter, on examples counted by hand. */
import { fleschKincaid, splitSentences, syllables } from '../../../src/dashboard/readability';

describe('syllables', () => {
  it.each([
    ['the', 1],
    ['medicine', 3],
    ['body', 2],
    ['slowly', 2],
    ['people', 2],
    ['breaks', 1],
    ['doctor', 2],
    ['reaction', 3],
    ['usual', 3],
    ['dangerous', 3],
    ['make', 1],
  ])('%s has %i', (word, n) => {
    expect(syllables(word)).toBe(n);
  });
});

describe('fleschKincaid', () => {
  it('applies 0.39 x words/sentences + 11.8 x syllables/words - 15.59', () => {
    // "The cat sat." = 3 words, 3 syllables, 1 sentence: 0.39 x 3 + 11.8 x 1 - 15.59 = -2.62
    const r = fleschKincaid('The cat sat.');
    expect(r).toMatchObject({ sentences: 1, words: 3, syllables: 3 });
    expect(r.grade).toBeCloseTo(-2.62, 2);
    // 2 sentences, 8 words, 11 syllables ("Your body breaks down this medicine." 1+2+1+1+1+3 = 9; "Ask first." 2):
    // 0.39 x 4 + 11.8 x 11/8 - 15.59 = 2.195
    expect(fleschKincaid('Your body breaks down this medicine. Ask first.').grade).toBeCloseTo(2.195, 2);
  });

  it('does not end a sentence inside a number', () => {
    expect(splitSentences('Use about 1.5 times the dose. Then stop.')).toHaveLength(2);
  });
});
