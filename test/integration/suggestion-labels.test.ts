/**
 * Suggestion labels are button text (CDS Hooks 2.0 `suggestion.label`, https://cds-hooks.hl7.org/2.0/#suggestion):
 * the action and the drug, and the dose only where the card computed it ("Switch to prasugrel", "Reduce capecitabine
 * to 2 tablets"). CPIC's words (a caveat, the alternative's own advice, a condition) are each action's `description`.
 * Every label of every demo patient's order-sign cards and of the sandbox fixture's order-sign call fits a button.
 * (The clinical panel's and every CPIC row's cards are held to the same ceiling by `CARD_TEXT_LIMITS.label`.)
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Card } from '../../src/cds/types';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { CARD_TEXT_LIMITS } from '../helpers/card-text';
import { demoDraftOrders, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';

const DEMO_FHIR = 'http://localhost:3000/demo/fhir';

async function orderSignCards(t: TestApp, body: JsonObject): Promise<Card[]> {
  const res = await request(t.app).post('/cds-services/pgx-order-sign').send(body);
  expect(res.status).toBe(200);
  expect(res.body).toBeSpecValid();
  return (res.body as { cards: Card[] }).cards;
}

/** Every suggestion of the cards, as `label` with the card's summary (for a readable failure). */
function labelsOf(cards: readonly Card[]): { summary: string; label: string; descriptions: string[] }[] {
  return cards.flatMap((card) =>
    (card.suggestions ?? []).map((s) => ({
      summary: card.summary,
      label: s.label,
      descriptions: (s.actions ?? []).map((a) => a.description),
    })),
  );
}

describe('suggestion labels fit a button', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ demo: true });
  });
  afterAll(async () => {
    await t.close();
  });

  it('the ceiling is a button, not a sentence', () => {
    expect(CARD_TEXT_LIMITS.label).toBeLessThanOrEqual(60);
  });

  it('every demo patient: each order-sign suggestion label is at most 60 characters, with a description', async () => {
    const demo = t.deps.demo!;
    const all: ReturnType<typeof labelsOf> = [];
    for (const { id } of demo.index.patients) {
      const drafts = demoDraftOrders(demo, id);
      if (drafts.length === 0) continue;
      const cards = await orderSignCards(t, {
        hookInstance: randomUUID(),
        hook: 'order-sign',
        fhirServer: DEMO_FHIR,
        context: {
          userId: 'Practitioner/COREPRACTITIONER1',
          patientId: id,
          draftOrders: {
            resourceType: 'Bundle',
            type: 'collection',
            entry: drafts.map((resource) => ({ resource })),
          },
        },
      });
      all.push(...labelsOf(cards));
    }
    // The demo offers every kind: dose changes, replacements and pre-test orders.
    expect(all.some((s) => s.label.startsWith('Switch to '))).toBe(true);
    expect(all.some((s) => s.label.startsWith('Order '))).toBe(true);
    expect(all.filter((s) => s.label.length > 60)).toEqual([]);
    // Each action says what it does; the label is not said again as its description.
    for (const s of all) {
      expect(s.descriptions.length).toBeGreaterThan(0);
      for (const d of s.descriptions)
        expect([s.label, d.length > 0, d === s.label]).toEqual([s.label, true, false]);
    }
  });

  it('the sandbox fixture (clopidogrel, CYP2C19 poor metabolizer): "Switch to prasugrel", CPIC\'s caveat in the description', async () => {
    const cards = await orderSignCards(t, sandboxRequest('sandbox-order-sign-clopidogrel.json', undefined));
    const suggestions = labelsOf(cards);
    expect(suggestions.filter((s) => s.label.length > 60)).toEqual([]);
    const prasugrel = suggestions.find((s) => s.label === 'Switch to prasugrel');
    expect(prasugrel?.descriptions.join(' ')).toContain(
      'CPIC: "Prasugrel is contraindicated in patients with a history of stroke or TIA."',
    );
    expect(suggestions.map((s) => s.label)).toContain('Switch to ticagrelor');
    // A client showing only the buttons (the CDS Hooks sandbox) shows no description: the card's detail says the
    // caveat, once, before anyone switches.
    const detail =
      cards.find((c) => c.suggestions?.some((s) => s.label === 'Switch to prasugrel'))?.detail ?? '';
    const caveat = 'Prasugrel is contraindicated in patients with a history of stroke or TIA.';
    expect(detail).toContain(`**Before switching** (CPIC):\n\n- ${caveat}`);
    expect(detail.split(caveat)).toHaveLength(2);
  });
});
