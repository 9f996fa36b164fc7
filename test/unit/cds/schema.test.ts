import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkCdsResponse } from '../../../src/cds/schema';

type Json = Record<string, unknown>;

/** A response using every card attribute, valid per https://cds-hooks.hl7.org/2.0/#cds-service-response. */
function validResponse(): { cards: Json[]; systemActions?: unknown } {
  const file = path.join(__dirname, '..', '..', 'fixtures', 'cds', 'spec-valid-response.json');
  return JSON.parse(readFileSync(file, 'utf8')) as { cards: Json[] };
}

/** The fixture's response with its one card changed by `mutate`. */
function withCard(mutate: (card: Json) => Json): unknown {
  const response = validResponse();
  return { ...response, cards: [mutate(response.cards[0]!)] };
}

function suggestionsOf(card: Json): Json[] {
  return card.suggestions as Json[];
}

describe('checkCdsResponse', () => {
  it('accepts a spec-valid response using every card attribute', () => {
    expect(checkCdsResponse(validResponse())).toEqual([]);
  });

  it('accepts the empty answer and a minimal card', () => {
    expect(checkCdsResponse({ cards: [] })).toEqual([]);
    expect(
      checkCdsResponse({ cards: [{ summary: 'x', indicator: 'info', source: { label: 'y' } }] }),
    ).toEqual([]);
  });

  it('accepts several recommended suggestions when selectionBehavior is any', () => {
    const response = withCard((card) => ({
      ...card,
      selectionBehavior: 'any',
      suggestions: suggestionsOf(card).map((s) => ({ ...s, isRecommended: true })),
    }));
    expect(checkCdsResponse(response)).toEqual([]);
  });

  const breaks: [string, () => unknown][] = [
    [
      'suggestions without selectionBehavior (cds-resp-6)',
      () => withCard(({ selectionBehavior: _, ...card }) => card),
    ],
    [
      'two recommended suggestions with at-most-one (cds-resp-1)',
      () =>
        withCard((card) => ({
          ...card,
          suggestions: suggestionsOf(card).map((s) => ({ ...s, isRecommended: true })),
        })),
    ],
    ['a summary of 140 characters', () => withCard((card) => ({ ...card, summary: 'x'.repeat(140) }))],
    ['a summary over 140 characters', () => withCard((card) => ({ ...card, summary: 'x'.repeat(200) }))],
    [
      'an override reason without display (cds-resp-4)',
      () => withCard((card) => ({ ...card, overrideReasons: [{ system: 'urn:x', code: 'y' }] })),
    ],
    [
      'a relative link URL',
      () => withCard((card) => ({ ...card, links: [{ label: 'l', url: '/guideline', type: 'absolute' }] })),
    ],
    [
      'a relative source URL',
      () => withCard((card) => ({ ...card, source: { label: 's', url: 'source.html' } })),
    ],
    ['an empty suggestions array', () => withCard((card) => ({ ...card, suggestions: [] }))],
    ['an empty links array', () => withCard((card) => ({ ...card, links: [] }))],
    ['an empty overrideReasons array', () => withCard((card) => ({ ...card, overrideReasons: [] }))],
    [
      'an empty actions array',
      () =>
        withCard((card) => ({
          ...card,
          suggestions: suggestionsOf(card).map((s) => ({ ...s, actions: [] })),
        })),
    ],
    ['an empty systemActions array', () => ({ ...validResponse(), systemActions: [] })],
    ['an empty summary', () => withCard((card) => ({ ...card, summary: '' }))],
    ['a blank detail', () => withCard((card) => ({ ...card, detail: '   ' }))],
    ['an empty source label', () => withCard((card) => ({ ...card, source: { label: '' } }))],
    ['a null detail', () => withCard((card) => ({ ...card, detail: null }))],
    ['a null uuid', () => withCard((card) => ({ ...card, uuid: null }))],
    ['a null links', () => withCard((card) => ({ ...card, links: null }))],
    ['a null selectionBehavior', () => withCard((card) => ({ ...card, selectionBehavior: null }))],
    [
      'a delete action with a resource instead of a resourceId',
      () =>
        withCard((card) => ({
          ...card,
          suggestions: [
            {
              label: 'Remove',
              actions: [
                { type: 'delete', description: 'Remove', resource: { resourceType: 'MedicationRequest' } },
              ],
            },
          ],
        })),
    ],
    [
      'a create action without a resource',
      () =>
        withCard((card) => ({
          ...card,
          suggestions: [{ label: 'Add', actions: [{ type: 'create', description: 'Add' }] }],
        })),
    ],
    ['an unknown indicator', () => withCard((card) => ({ ...card, indicator: 'hard-stop' }))],
    ['a card without source', () => withCard(({ source: _, ...card }) => card)],
    ['a card with an unknown attribute', () => withCard((card) => ({ ...card, severity: 'high' }))],
    ['a response without cards', () => ({})],
  ];

  it.each(breaks)('rejects %s', (_name, build) => {
    const problems = checkCdsResponse(build());
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(typeof p).toBe('string');
  });

  it('names the broken invariant in its problem text', () => {
    expect(checkCdsResponse(withCard(({ selectionBehavior: _, ...card }) => card)).join(' ')).toMatch(
      /selectionBehavior/,
    );
    expect(checkCdsResponse(withCard((card) => ({ ...card, summary: 'x'.repeat(140) }))).join(' ')).toMatch(
      /summary/,
    );
  });
});
