/**
 * "Wrong for this patient" reports and the pharmacy's follow-ups in the store (`store.reports`, migration 0220), on
 * both engines: a report is a card's current `wrong-patient` rating by some rater, listed newest answer first with
 * what the pharmacist needs; a follow-up is kept (never updated, the newest current), audited in its transaction, and
 * refused for a card and rater without such a rating. Cards are recorded with real decision snapshots
 * (test/helpers/review-data.ts) and rated through `store.ratings`, as the rating page's API does. PostgreSQL is the one
 * named by TEST_DATABASE_URL, else the embedded one jest's globalSetup starts (test/helpers/postgres.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../../src/store';
import type { CardRecord, Store } from '../../../src/store';
import { createTestDatabase } from '../../helpers/postgres';
import type { TestDatabase } from '../../helpers/postgres';
import { labResult, recordCard } from '../../helpers/review-data';

async function createSqliteDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cds-reports-'));
  return { url: path.join(dir, 'cds.sqlite'), drop: () => rm(dir, { recursive: true }) };
}

const engines = [
  { engine: 'sqlite', createDatabase: createSqliteDatabase },
  { engine: 'postgres', createDatabase: createTestDatabase },
] as const;

const CYP2C19_PM = labResult('CYP2C19', 'Poor Metabolizer', '*2/*2', '2025-11-03');
const CYP2D6_PM = labResult('CYP2D6', 'Poor Metabolizer', '*4/*4', '2024-02-20', '0.0');
const pharmacist = { by: 'alice', role: 'pharmacist' } as const;

describe.each(engines)('wrong-patient reports on $engine', ({ createDatabase }) => {
  let database: TestDatabase;
  let store: Store;
  /** Rated wrong-patient by dr-a (named on the call), then by dr-b: two reports. */
  let clopidogrel: CardRecord;
  /** Rated wrong-patient by dr-c, who changed the answer to useful: no report. */
  let codeine: CardRecord;
  /** Rated useful only: no report. */
  let simvastatin: CardRecord;

  beforeAll(async () => {
    database = await createDatabase();
    store = await openStore(database.url);
    clopidogrel = await recordCard(store, {
      drug: 'clopidogrel',
      genes: [CYP2C19_PM],
      shownAt: '2026-05-10T09:59:00.000Z',
      clinician: 'Practitioner/dr-a',
      clinicianName: 'Ada Lovelace, MD',
      patientRef: 'Patient/pt-1',
      detail: 'Clopidogrel: **avoid**; prefer prasugrel or ticagrelor if no contraindication.',
    });
    codeine = await recordCard(store, {
      drug: 'codeine',
      genes: [CYP2D6_PM],
      shownAt: '2026-05-11T09:00:00.000Z',
      clinician: 'Practitioner/dr-c',
    });
    simvastatin = await recordCard(store, {
      drug: 'simvastatin',
      genes: [labResult('SLCO1B1', 'Poor Function', '*5/*5', '2025-01-02')],
      shownAt: '2026-05-11T10:00:00.000Z',
      clinician: 'Practitioner/dr-a',
    });
    const rate = (
      card: CardRecord,
      rater: string,
      rating: 'useful' | 'wrong-patient',
      at: string,
      comment?: string,
    ) =>
      store.ratings.upsert({
        cardUuid: card.uuid,
        rater,
        rating,
        ...(comment !== undefined ? { comment } : {}),
        ratedAt: new Date(at),
      });
    await rate(
      clopidogrel,
      'Practitioner/dr-a',
      'wrong-patient',
      '2026-05-10T10:05:00.000Z',
      'Not her genotype',
    );
    await rate(clopidogrel, 'Practitioner/dr-b', 'wrong-patient', '2026-05-12T08:00:00.000Z');
    await rate(codeine, 'Practitioner/dr-c', 'wrong-patient', '2026-05-11T09:10:00.000Z');
    await rate(codeine, 'Practitioner/dr-c', 'useful', '2026-05-11T09:20:00.000Z');
    await rate(simvastatin, 'Practitioner/dr-a', 'useful', '2026-05-11T10:01:00.000Z');
  });
  afterAll(async () => {
    await store.close();
    await database.drop();
  });

  it('lists the cards whose current rating by some rater is wrong-patient, newest answer first', async () => {
    const { reports, total } = await store.reports.list({}, 100);
    expect(total).toBe(2);
    expect(reports.map((r) => [r.cardUuid, r.rater, r.state])).toEqual([
      [clopidogrel.uuid, 'Practitioner/dr-b', 'open'],
      [clopidogrel.uuid, 'Practitioner/dr-a', 'open'],
    ]);
    const byDrA = reports[1];
    expect(byDrA).toMatchObject({
      serviceId: 'pgx-order-sign',
      hook: 'order-sign',
      shownAt: new Date('2026-05-10T09:59:00.000Z'),
      indicator: clopidogrel.indicator,
      summary: clopidogrel.summary,
      drug: 'clopidogrel',
      shown: clopidogrel.shown,
      patientRef: 'Patient/pt-1',
      // The call's user is the rater the link names: their recorded name comes with it.
      raterName: 'Ada Lovelace, MD',
      comment: 'Not her genotype',
      reportedAt: new Date('2026-05-10T10:05:00.000Z'),
      followUps: [],
    });
    expect(byDrA?.decision).toEqual(clopidogrel.decision);
    // Dr B was not the call's user: no name is guessed for them.
    expect(reports[0]).not.toHaveProperty('raterName');
    expect(reports[0]).not.toHaveProperty('comment');
    expect((await store.reports.list({}, 1)).reports).toHaveLength(1);
    expect(await store.reports.find(codeine.uuid, 'Practitioner/dr-c')).toBeUndefined();
    expect(await store.reports.find(simvastatin.uuid, 'Practitioner/dr-a')).toBeUndefined();
  });

  it('refuses a follow-up of a card and rater without a wrong-patient rating, writing nothing', async () => {
    const at = new Date('2026-05-13T09:00:00.000Z');
    for (const [card, rater] of [
      [codeine, 'Practitioner/dr-c'], // changed to useful
      [simvastatin, 'Practitioner/dr-a'], // useful only
      [clopidogrel, 'Practitioner/dr-z'], // someone else reported it
    ] as const) {
      expect(
        await store.reports.addFollowUp({
          cardUuid: card.uuid,
          rater,
          outcome: 'result-confirmed',
          at,
          ...pharmacist,
        }),
      ).toBeUndefined();
      expect(await store.audit.list({ target: `card:${card.uuid}` })).toEqual([]);
    }
  });

  it('keeps each follow-up with its audit event; the newest is current; the state follows', async () => {
    const first = new Date('2026-05-13T09:00:00.000Z');
    const later = new Date('2026-05-13T11:00:00.000Z');
    const saved = await store.reports.addFollowUp({
      cardUuid: clopidogrel.uuid,
      rater: 'Practitioner/dr-a',
      outcome: 'result-confirmed',
      at: first,
      ...pharmacist,
    });
    expect(saved).toMatchObject({
      outcome: 'result-confirmed',
      by: 'alice',
      at: first,
      reportedAt: new Date('2026-05-10T10:05:00.000Z'),
    });
    expect(saved).not.toHaveProperty('note');
    await store.reports.addFollowUp({
      cardUuid: clopidogrel.uuid,
      rater: 'Practitioner/dr-a',
      outcome: 'result-wrong',
      note: 'Sample swap confirmed; laboratory re-issuing the report.',
      at: later,
      by: 'bea',
      role: 'admin',
    });

    const found = await store.reports.find(clopidogrel.uuid, 'Practitioner/dr-a');
    expect(found?.state).toBe('followed-up');
    expect(found?.followUps.map((f) => [f.outcome, f.by, f.note])).toEqual([
      ['result-wrong', 'bea', 'Sample swap confirmed; laboratory re-issuing the report.'],
      ['result-confirmed', 'alice', undefined],
    ]);
    // Dr B's report of the same card is another report: still open, with no follow-up of its own.
    expect((await store.reports.find(clopidogrel.uuid, 'Practitioner/dr-b'))?.followUps).toEqual([]);
    expect((await store.reports.list({ state: 'open' }, 100)).reports.map((r) => r.rater)).toEqual([
      'Practitioner/dr-b',
    ]);
    const followedUp = await store.reports.list({ state: 'followed-up' }, 100);
    expect([followedUp.total, followedUp.reports.map((r) => r.rater)]).toEqual([1, ['Practitioner/dr-a']]);

    // Audited in the same transaction, without the note (it may name the patient), newest first.
    const audited = await store.audit.list({ target: `card:${clopidogrel.uuid}` });
    expect(audited.map((e) => [e.actor, e.role, e.action, e.at, e.details])).toEqual([
      [
        'bea',
        'admin',
        'report.follow-up',
        later,
        {
          followUpId: found?.followUps[0]?.id,
          outcome: 'result-wrong',
          rater: 'Practitioner/dr-a',
          withNote: true,
        },
      ],
      [
        'alice',
        'pharmacist',
        'report.follow-up',
        first,
        {
          followUpId: found?.followUps[1]?.id,
          outcome: 'result-confirmed',
          rater: 'Practitioner/dr-a',
          withNote: false,
        },
      ],
    ]);
  });

  it('opens a followed-up report again when the clinician answers again', async () => {
    await store.ratings.upsert({
      cardUuid: clopidogrel.uuid,
      rater: 'Practitioner/dr-a',
      rating: 'wrong-patient',
      comment: 'Still showing after the new report: the genotype is her sister’s',
      ratedAt: new Date('2026-05-14T08:00:00.000Z'),
    });
    const again = await store.reports.find(clopidogrel.uuid, 'Practitioner/dr-a');
    expect(again?.state).toBe('open');
    expect(again?.comment).toBe('Still showing after the new report: the genotype is her sister’s');
    // The earlier follow-ups stay, of the earlier answer.
    expect(again?.followUps.map((f) => f.reportedAt.toISOString())).toEqual([
      '2026-05-10T10:05:00.000Z',
      '2026-05-10T10:05:00.000Z',
    ]);
    const { reports } = await store.reports.list({ state: 'open' }, 100);
    expect(reports.map((r) => r.rater)).toEqual(['Practitioner/dr-a', 'Practitioner/dr-b']);
  });
});
