/**
 * The CSV export past one read batch (500 rows): every matching override exactly once, in list order (overrides of
 * the same minute by card), and the audited row count, on both stores.
 */
import request from 'supertest';
import type { FeedbackRecord } from '../../src/store';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { startTestIssuer } from '../helpers/oidc';
import type { TestIssuer } from '../helpers/oidc';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';
import { labResult, override, recordCard } from '../helpers/review-data';

const COUNT = 501;
const CYP2C19_PM = labResult('CYP2C19', 'Poor Metabolizer', '*2/*2', '2025-11-03');

const stores = [
  {
    engine: 'sqlite',
    create: (): Promise<TestDatabase> => Promise.resolve({ url: ':memory:', drop: () => Promise.resolve() }),
  },
  { engine: 'postgres', create: createTestDatabase },
] as const;

describe.each(stores)('CSV export of $engine', ({ create }) => {
  let database: TestDatabase;
  let issuer: TestIssuer;
  let t: TestApp;
  /** Each override's card and time, in the list's order: newest first, then by card uuid, descending. */
  const listed: { uuid: string; at: string }[] = [];

  beforeAll(async () => {
    database = await create();
    issuer = await startTestIssuer();
    t = await startTestApp({ env: issuer.env(), databaseUrl: database.url });
    const entries: FeedbackRecord[] = [];
    for (let i = 0; i < COUNT; i += 1) {
      // Two overrides a minute: a page may end between two of the same time.
      const at = new Date(Date.UTC(2026, 4, 1) + Math.floor(i / 2) * 60_000).toISOString();
      const card = await recordCard(t.store, { drug: 'clopidogrel', genes: [CYP2C19_PM], shownAt: at });
      entries.push(override(card, at, { code: 'patient-tolerated' }));
      listed.push({ uuid: card.uuid, at });
    }
    await t.store.feedback.record(entries);
    listed.sort((a, b) => b.at.localeCompare(a.at) || b.uuid.localeCompare(a.uuid));
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await issuer.close();
    await database.drop();
  });

  it('writes every override once, newest first, and audits the row count', async () => {
    const token = await issuer.token('alice', { claims: { roles: ['pharmacist'] } });
    const res = await request(t.app)
      .get('/api/overrides.csv')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    // RFC 4180 §3: the header line is announced.
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    const records = res.text.split('\r\n').slice(1, -1);
    expect(records).toHaveLength(COUNT);
    expect(records.map((r) => r.split(',')[2])).toEqual(listed.map((l) => l.uuid));
    const [event] = await t.store.audit.list({ action: 'overrides.export' });
    expect(event?.details).toEqual({ filters: {}, rows: COUNT });
  });
});
