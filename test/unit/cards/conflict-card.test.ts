/**
 * Two current results of one gene that disagree (same day): the card says so in its summary and detail, as finished
 * text (issue 9 card text): no empty summary after the colon, no resource ids, no ISO dates.
 */
import { decisionCard } from '../../../src/cards';
import { findingsForOrder, readGeneResults } from '../../../src/rules/cpic';
import { expectClinicianReadable } from '../../helpers/card-text';
import { decideFinding, drugOrder, noSensorFacts, shown, snapshotOf } from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';

describe('the conflicting-results card', () => {
  it('names the conflict in the summary and the results without their resource ids', async () => {
    const { results, conflicts } = readGeneResults(readFixture('pgx', 'conflict.json') as unknown[]);
    const [conflict] = conflicts;
    expect(conflict).toBeDefined();
    const gene = conflict?.gene ?? '';
    const drug = gene === 'CYP2C19' ? 'clopidogrel' : gene === 'CYP2D6' ? 'codeine' : 'warfarin';
    const [finding] = findingsForOrder(drugOrder(drug), results, {}, conflicts);
    expect(finding?.kind).toBe('conflict');
    const decision = shown(await decideFinding(finding!));
    const { card } = decisionCard(decision, {
      patientId: 'p1',
      newUuid: () => 'card-1',
      snapshot: snapshotOf([decision], noSensorFacts()),
    });
    // The action first: the laboratory has to say which result is right before the drug is dosed by it.
    expect(card.summary).toBe(`Confirm ${gene} result before ${drug}: results disagree`);
    for (const { value } of conflict?.results ?? [])
      expect(card.detail).toContain(value.replace(/\*/g, '\\*'));
    expectClinicianReadable(card);
  });
});
