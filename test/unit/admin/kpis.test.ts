/**
 * Reviewer agreement on overrides: Cohen's κ against the textbook's worked example, and which reviews make a pair
 * (each pharmacist's first judgement; follow-up flags are not judgements; one pharmacist twice is not two).
 */
import { genesOfCard } from '../../../src/admin/evidence';
import { cohensKappa, computeKpis, kpiFacts } from '../../../src/admin/kpis';
import type { KpiCardFacts } from '../../../src/admin/kpis';
import { findingsForOrder, readGeneResults } from '../../../src/rules/cpic';
import type { KpiCard } from '../../../src/store';
import { decideFinding, drugOrder, noSensorFacts, snapshotOf } from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';

const PERIOD = { from: new Date('2026-05-01T00:00:00Z'), to: new Date('2026-06-01T00:00:00Z') };

type Judged = KpiCard['reviews'];

function overridden(uuid: string, reviews: Judged): KpiCard<KpiCardFacts> {
  return {
    uuid,
    hook: 'order-sign',
    shownAt: new Date('2026-05-10T08:00:00Z'),
    ruleIds: ['cpic:PA166104948'],
    facts: kpiFacts({}),
    outcome: 'overridden',
    ratings: [],
    ...(reviews.length > 0 ? { reviewStatus: reviews[reviews.length - 1]!.status } : {}),
    reviews,
  };
}

const repeat = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

describe("Cohen's kappa", () => {
  it('gives 0.4 for the textbook table: 20 both yes, 5 and 10 split, 15 both no (po 0.7, pe 0.5)', () => {
    const pairs = [
      ...repeat(20, [true, true] as const),
      ...repeat(5, [true, false] as const),
      ...repeat(10, [false, true] as const),
      ...repeat(15, [false, false] as const),
    ];
    expect(cohensKappa(pairs)).toBeCloseTo(0.4, 10);
  });

  it('is 1 for full agreement on both answers, 0 at chance, and undefined without items or variety', () => {
    expect(
      cohensKappa([
        [true, true],
        [false, false],
      ]),
    ).toBe(1);
    // Rater A always yes, rater B half yes: po 0.5, pe 0.5.
    expect(
      cohensKappa([
        [true, true],
        [true, false],
      ]),
    ).toBe(0);
    expect(cohensKappa([])).toBeNull();
    expect(
      cohensKappa([
        [true, true],
        [true, true],
      ]),
    ).toBeNull();
  });
});

describe('reviewer agreement in the governance figures', () => {
  it("pairs each override's first two pharmacists, by their first judgement", () => {
    const cards = [
      // alice: appropriate, then changes her mind (her first judgement counts); bob only flags; carol agrees.
      overridden('agreed', [
        { status: 'appropriate', reviewer: 'alice' },
        { status: 'not-appropriate', reviewer: 'alice' },
        { status: 'follow-up', reviewer: 'bob' },
        { status: 'appropriate', reviewer: 'carol' },
      ]),
      overridden('disagreed', [
        { status: 'not-appropriate', reviewer: 'bob' },
        { status: 'appropriate', reviewer: 'alice' },
        { status: 'not-appropriate', reviewer: 'carol' },
      ]),
      // One pharmacist twice, and a card not reviewed: no pair.
      overridden('alone', [
        { status: 'appropriate', reviewer: 'alice' },
        { status: 'appropriate', reviewer: 'alice' },
      ]),
      overridden('unreviewed', []),
    ];
    const { totals } = computeKpis({ orderSignCallsByDay: new Map(), cards }, PERIOD, 'rule');
    // Pairs (first, second): (yes, yes) and (no, yes): po 0.5; first rater yes 0.5, second 1.0: pe 0.5 → κ 0.
    expect(totals.reviewerAgreement).toEqual({ overrides: 2, agreed: 1, kappa: 0 });
  });
});

describe('the appropriate share when pharmacists disagree', () => {
  it("counts an override whose pharmacists' current judgements differ as concluded, never as settled appropriate", () => {
    const cards = [
      // alice: not appropriate; carol, last: appropriate. The current review says appropriate; the judgements differ.
      overridden('differ', [
        { status: 'not-appropriate', reviewer: 'alice' },
        { status: 'appropriate', reviewer: 'carol' },
      ]),
      // alice changes her mind after carol's: each one's latest counts, and both now say appropriate.
      overridden('settled', [
        { status: 'not-appropriate', reviewer: 'alice' },
        { status: 'appropriate', reviewer: 'carol' },
        { status: 'appropriate', reviewer: 'alice' },
      ]),
      // bob's latest is a follow-up flag: no judgement of his; the current review asks for follow-up.
      overridden('flagged', [
        { status: 'not-appropriate', reviewer: 'bob' },
        { status: 'appropriate', reviewer: 'carol' },
        { status: 'follow-up', reviewer: 'bob' },
      ]),
    ];
    const { totals } = computeKpis({ orderSignCallsByDay: new Map(), cards }, PERIOD, 'rule');
    expect(totals).toMatchObject({ reviewedShare: 0.6667, appropriateShare: 0.5, judgementsDiffer: 1 });
    // Agreement stays over the first, independent judgements: both pairs (no, yes) disagreed.
    expect(totals.reviewerAgreement).toMatchObject({ overrides: 3, agreed: 0 });
  });
});

describe('the drug–gene pair and genes of a card', () => {
  it('counts a conflicting-results card under the gene whose results disagree, not under no gene', async () => {
    // conflict.json: CYP2C19 *1/*1 and *2/*2 of the same day.
    const [first, second] = readFixture('pgx', 'conflict.json') as Record<string, unknown>[];
    const { results, conflicts } = readGeneResults([
      { ...first, valueCodeableConcept: { text: '*1/*1' } },
      { ...second, valueCodeableConcept: { text: '*2/*2' } },
    ]);
    const [finding] = findingsForOrder(drugOrder('clopidogrel'), results, {}, conflicts);
    expect(finding?.kind).toBe('conflict');
    const decision = await decideFinding(finding!);
    const snapshot = snapshotOf([decision], noSensorFacts());
    const { pairs } = kpiFacts(snapshot);
    expect(pairs).toEqual([{ key: 'clopidogrel|CYP2C19', drug: 'clopidogrel', gene: 'CYP2C19' }]);
    // The override list's genes column (and its filter) say the same gene.
    expect(genesOfCard(snapshot)).toEqual(['CYP2C19']);
  });
});
