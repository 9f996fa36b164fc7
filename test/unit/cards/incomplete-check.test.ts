/**
 * The "Pharmacogenomic check incomplete" card (issue 9 item 5): its indicator is the threshold set's choice (`info`
 * or `warning`, nothing else), the caller's links (retry, dashboard) follow the CPIC guideline links, and its text
 * leads with what to do.
 */
import { incompleteCheckCard, INCOMPLETE_CHECK_SUMMARY } from '../../../src/cards';
import { DEFAULT_THRESHOLDS, parseThresholdSet } from '../../../src/rules/thresholds';
import type { DecisionSnapshot } from '../../../src/rules/types';
import { DECISION_SNAPSHOT_SCHEMA } from '../../../src/rules/types';
import { NO_SENSORS } from '../../fixtures/rules/builders';

const snapshot: DecisionSnapshot = {
  schema: DECISION_SNAPSHOT_SCHEMA,
  decisions: [],
  facts: { sensors: NO_SENSORS, continuingDrugs: [] },
};

const base = {
  drugs: ['clopidogrel', 'warfarin'],
  gap: 'late' as const,
  retry: 'sign' as const,
  guidelines: [
    {
      name: 'Clopidogrel and CYP2C19',
      url: 'https://cpicpgx.org/guidelines/guideline-for-clopidogrel-and-cyp2c19/',
    },
  ],
  snapshot,
  thresholdVersion: 'test',
  knowledgeVersion: 'cpic-test',
  newUuid: () => '5d6a1f1e-0000-4000-8000-000000000001',
};

describe('incompleteCheckCard', () => {
  it('says the check is incomplete, action first, each sentence once, at the set’s indicator', () => {
    const { card, provenance } = incompleteCheckCard({ ...base, indicator: 'info' });
    expect(card.summary).toBe('Pharmacogenomic check incomplete: results could not be retrieved in time');
    expect(card.summary).toBe(INCOMPLETE_CHECK_SUMMARY);
    expect(card.detail).toMatch(/did not arrive in time/);
    expect(card.detail).toMatch(/Signing again in a minute repeats the check\./);
    expect(card.summary.length).toBeLessThan(140);
    expect(card.indicator).toBe('info');
    expect(card.detail?.split('\n')[0]).toBe(
      "**Review the patient's pharmacogenomic results before prescribing clopidogrel and warfarin.**",
    );
    const sentences = (card.detail ?? '').split(/(?<=\.)\s+/).map((s) => s.trim());
    expect(new Set(sentences).size).toBe(sentences.length);
    expect(provenance).toMatchObject({ uuid: card.uuid, ruleIds: [], decision: snapshot });
  });

  it('says what happened to the results, and offers a retry only where asking again can help', () => {
    const cardFor = (gap: 'partial' | 'unavailable' | 'unreadable', retry: 'sign' | 'select' | 'open') =>
      incompleteCheckCard({ ...base, gap, retry, indicator: 'warning' }).card;
    const partial = cardFor('partial', 'select');
    expect(partial.summary).toMatch(/^Pharmacogenomic check incomplete: only part of the results/);
    expect(partial.detail).toMatch(/Only part of the results could be read/);
    expect(partial.detail).toMatch(/Selecting the order again in a minute repeats the check\./);
    const unavailable = cardFor('unavailable', 'open');
    expect(unavailable.summary).toBe('Pharmacogenomic check incomplete: results could not be retrieved');
    expect(unavailable.detail).not.toMatch(/in time/);
    expect(unavailable.detail).toMatch(/Opening the chart again in a minute repeats the check\./);
    // Too large, not FHIR, or linking off the server: the same answer would come again.
    const unreadable = cardFor('unreadable', 'sign');
    expect(unreadable.summary).toBe('Pharmacogenomic check incomplete: results could not be read');
    expect(unreadable.detail).toMatch(
      /could not read, so the order was not checked against the CPIC guidelines\.$/,
    );
    expect(unreadable.detail).not.toMatch(/\bagain\b/);
    for (const card of [partial, unavailable, unreadable]) {
      expect(card.detail?.split('\n')[0]).toMatch(/^\*\*Review the patient's pharmacogenomic results/);
      expect(card.summary.length).toBeLessThan(140);
    }
  });

  it('links the guidelines, then what the caller adds (the place for retry and dashboard links)', () => {
    const dashboard = {
      label: 'Open the PGx dashboard',
      url: 'https://pgx.example.org/launch',
      type: 'smart' as const,
    };
    const { card } = incompleteCheckCard({ ...base, indicator: 'warning', links: [dashboard] });
    expect(card.links).toEqual([
      { label: 'CPIC guideline: Clopidogrel and CYP2C19', url: base.guidelines[0]!.url, type: 'absolute' },
      dashboard,
    ]);
  });

  it('without a guideline, links CPIC’s guideline index', () => {
    const { card } = incompleteCheckCard({ ...base, guidelines: [], indicator: 'warning' });
    expect(card.links).toEqual([
      { label: 'CPIC guidelines', url: 'https://cpicpgx.org/guidelines/', type: 'absolute' },
    ]);
  });
});

describe('ThresholdSet incompleteCheck', () => {
  it('defaults to warning, and a set may say info but nothing louder', () => {
    expect(DEFAULT_THRESHOLDS.incompleteCheck).toEqual({ indicator: 'warning' });
    const { incompleteCheck: _omitted, ...rest } = DEFAULT_THRESHOLDS;
    expect(
      parseThresholdSet({ ...rest, incompleteCheck: { indicator: 'info' } }).incompleteCheck.indicator,
    ).toBe('info');
    expect(() => parseThresholdSet({ ...rest, incompleteCheck: { indicator: 'critical' } })).toThrow(
      /incompleteCheck\.indicator: must be info or warning/,
    );
  });
});
