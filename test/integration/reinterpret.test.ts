/**
 * The re-interpretation report after a CPIC knowledge update (src/admin/reinterpret.ts, `npm run reinterpret`), on a
 * real SQLite store: each patient's newest recorded results are read again under the knowledge in force, and the
 * patients whose results are called differently are listed, with what each result was and is. The change used is the
 * CYP2D6 2019–2020 consensus (Caudle et al., Clin Transl Sci 2020;13:116): *1/*3, activity score 1.0, was Normal
 * Metabolizer under the 2016 table and is Intermediate now. The advice a card gave is read again too: a card whose
 * CPIC text CPIC has since revised (the earlier text here is the test's own: the data set keeps only the current
 * release) is listed with the text then and now; a card CPIC still gives word for word is not.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import request from 'supertest';
import { createReinterpreter, reinterpretationReport, reportText } from '../../src/admin/reinterpret';
import type { FollowUpResponse, ReinterpretationReport } from '../../src/admin/schemas';
import { KNOWLEDGE_VERSION } from '../../src/rules/cpic';
import type { GeneResult } from '../../src/rules/cpic';
import { openStore } from '../../src/store';
import type { Store } from '../../src/store';
import { genotyped } from '../fixtures/rules/builders';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { startTestIssuer } from '../helpers/oidc';
import type { TestIssuer } from '../helpers/oidc';
import { CYP2D6_BEFORE_2020, callWithCard, callWithResults } from '../helpers/review-data';
import { cpicCall, cpicGene, cpicRow } from '../reference';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

const current = genotyped('CYP2D6', '*1/*3');
const cyp2c19 = genotyped('CYP2C19', '*2/*2');
const cyp2d6Poor = genotyped('CYP2D6', '*5/*5');
/** CPIC's codeine row for a CYP2D6 poor metabolizer, as the data set has it. */
const codeinePoor = cpicRow('codeine', { CYP2D6: cyp2d6Poor.lookupKey }).row;
const EARLIER_TEXT = 'Use an alternative analgesic.';

/** Runs `body` against the app on the report's store, with a test OpenID issuer for its tokens; closes both. */
async function withApp(file: string, body: (t: TestApp, issuer: TestIssuer) => Promise<void>): Promise<void> {
  const issuer = await startTestIssuer();
  const t = await startTestApp({ env: issuer.env(), databaseUrl: file });
  try {
    await body(t, issuer);
  } finally {
    await t.close();
    await issuer.close();
  }
}

describe('re-interpretation report', () => {
  let dir: string;
  let file: string;
  let store: Store;
  let report: ReinterpretationReport;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reinterpret-'));
    file = path.join(dir, 'cds.sqlite');
    store = await openStore(file);
    const call = (patientRef: string, receivedAt: string, pgx: readonly GeneResult[], knowledge: string) =>
      store.invocations.record(callWithResults(patientRef, receivedAt, pgx, knowledge));
    // Called before the update and not since: listed.
    await call(
      'Patient/before-only',
      '2019-03-01T10:00:00Z',
      [cyp2c19, CYP2D6_BEFORE_2020],
      'cpic-2019-01-12',
    );
    // Called before, then again since the update (its newest call gave the current advice): not listed.
    await call('Patient/called-since', '2019-03-02T10:00:00Z', [CYP2D6_BEFORE_2020], 'cpic-2019-01-12');
    await call('Patient/called-since', '2026-05-02T10:00:00Z', [current], KNOWLEDGE_VERSION);
    // Nothing that reads differently: not listed.
    await call('Patient/unchanged', '2019-03-03T10:00:00Z', [cyp2c19], 'cpic-2019-01-12');
    // A codeine card whose CPIC text was revised since: listed, with the text then and now, and whom it was given to.
    await store.invocations.record({
      ...(await callWithCard(
        'Patient/advice-revised',
        '2022-06-01T10:00:00Z',
        [cyp2d6Poor],
        'codeine',
        'cpic-2022-05-30',
        (row) => ({ ...row, recommendation: EARLIER_TEXT }),
      )),
      userId: 'Practitioner/pr-7',
      userName: 'Dana Reyes',
    });
    // The same card with the text CPIC still gives: not listed, though the knowledge version is older.
    await store.invocations.record(
      await callWithCard(
        'Patient/advice-same',
        '2022-06-02T10:00:00Z',
        [cyp2d6Poor],
        'codeine',
        'cpic-2022-05-30',
      ),
    );
    // Cards whose decisions are not of the shape this service records (another version's, or altered): passed over,
    // the report does not fail on them.
    const odd = (decision: unknown) => ({
      uuid: randomUUID(),
      indicator: 'warning' as const,
      summary: 'codeine',
      decision,
      ruleIds: [],
      thresholdVersion: 'thresholds-1',
      knowledgeVersion: 'cpic-2022-05-30',
    });
    await store.invocations.record(
      callWithResults(
        'Patient/odd-cards',
        '2022-06-03T10:00:00Z',
        [cyp2d6Poor],
        'cpic-2022-05-30',
        [],
        [
          odd({ schema: 1, decisions: [{ finding: { kind: 'recommendation', drug: 'codeine' } }] }),
          odd({
            schema: 1,
            decisions: [{ finding: null }, { finding: { kind: 'no-row', drug: 'codeine' } }],
          }),
          odd({ schema: 2, decisions: 'later' }),
          odd({ schema: 1, decisions: 'none' }),
          odd({ schema: 1, decisions: [null, { finding: { kind: 'pre-test', drug: 'codeine' } }] }),
          odd({ schema: 1, decisions: [{ finding: { kind: 'no-row', drug: 'codeine', genes: [null] } }] }),
          odd('not a snapshot'),
        ],
      ),
    );
    // A call that kept no inputs is not read.
    await store.invocations.record({
      hookInstance: 'no-inputs',
      serviceId: 'pgx-order-sign',
      hook: 'order-sign',
      receivedAt: new Date('2026-05-03T10:00:00Z'),
      patientRef: 'Patient/no-inputs',
      latencyMs: 5,
      cards: [],
    });
    report = await reinterpretationReport(store);
  });

  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the patients whose newest recorded results or advice current CPIC gives differently, with what each was and is', () => {
    const { phenotype, lookupKey } = cpicCall('CYP2D6', '*1/*3');
    expect(report.knowledgeVersion).toBe(KNOWLEDGE_VERSION);
    expect(report.knowledge).toMatch(/^CPIC data of \d{1,2} [A-Z][a-z]{2} \d{4}$/);
    expect(report.patientsRead).toBe(6);
    const strength = `CPIC ${codeinePoor.strength ?? ''}`;
    expect(codeinePoor.strength).toBe('Strong');
    expect(report.patients).toEqual([
      {
        patient: 'Patient/advice-revised',
        recordedAt: '2022-06-01T10:00:00.000Z',
        clinician: 'Practitioner/pr-7',
        clinicianName: 'Dana Reyes',
        knowledgeVersion: 'cpic-2022-05-30',
        calledUnder: 'CPIC data of 30 May 2022',
        changes: [],
        adviceChanges: [
          {
            drug: 'codeine',
            was: `${EARLIER_TEXT} (${strength})`,
            now: `${codeinePoor.recommendation} (${strength})`,
            text: `codeine: ${EARLIER_TEXT} (${strength}) → ${codeinePoor.recommendation} (${strength})`,
          },
        ],
      },
      {
        patient: 'Patient/before-only',
        recordedAt: '2019-03-01T10:00:00.000Z',
        knowledgeVersion: 'cpic-2019-01-12',
        calledUnder: 'CPIC data of 12 Jan 2019',
        changes: [
          {
            gene: 'CYP2D6',
            genotype: '*1/*3',
            was: { phenotype: 'Normal Metabolizer', lookupKey, activityScore: '1.0' },
            // Called now with the data set's allele values; the 2019 record did not say which it was called with.
            now: {
              phenotype,
              lookupKey,
              activityScore: '1.0',
              alleleFunctions: cpicGene('CYP2D6').dataVersion,
            },
            // The same score, another phenotype: CPIC's phenotype for the score changed (the 2019–2020 consensus).
            reason: 'CPIC changed the phenotype for activity score 1.0',
            text: `CYP2D6 *1/*3: Normal Metabolizer (activity score 1.0) → ${phenotype} (activity score 1.0); CPIC changed the phenotype for activity score 1.0`,
          },
        ],
        adviceChanges: [],
      },
    ]);
  });

  it('says it as a pharmacist reads it: the knowledge, how many, and each patient with the change', () => {
    expect(reportText(report).split('\n')).toEqual([
      expect.stringMatching(
        /^CPIC data of \d{1,2} [A-Z][a-z]{2} \d{4}: 2 of 6 patients with recorded results have a result called differently or advice CPIC no longer gives\.$/,
      ),
      `- Patient/advice-revised (newest call 1 Jun 2022 by Dana Reyes (Practitioner/pr-7), called under CPIC data of 30 May 2022): codeine: ${EARLIER_TEXT} (CPIC Strong) → ${codeinePoor.recommendation} (CPIC Strong)`,
      '- Patient/before-only (newest call 1 Mar 2019, called under CPIC data of 12 Jan 2019): CYP2D6 *1/*3: Normal Metabolizer (activity score 1.0) → Intermediate Metabolizer (activity score 1.0); CPIC changed the phenotype for activity score 1.0',
    ]);
  });

  it('npm run reinterpret prints the same report from the store DATABASE_URL names', async () => {
    const { stdout } = await promisify(execFile)(TSX, ['scripts/reinterpret.ts', '--json'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: file, LOG_LEVEL: 'silent' },
    });
    expect(JSON.parse(stdout)).toEqual(report);
  });

  it('GET /api/reinterpretations gives pharmacists the same report, and no one else', async () => {
    await withApp(file, async (t, issuer) => {
      const as = async (roles: readonly string[]) =>
        request(t.app)
          .get('/api/reinterpretations')
          .set('Authorization', `Bearer ${await issuer.token('someone', { claims: { roles } })}`);
      const res = await as(['pharmacist']);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(report);
      // Patients are named: an informaticist or a clinician gets 403, no token 401.
      expect(await as(['informaticist'])).toBeOutcome(403, 'AUTH_FORBIDDEN');
      expect(await as(['clinician'])).toBeOutcome(403, 'AUTH_FORBIDDEN');
      expect(await request(t.app).get('/api/reinterpretations')).toBeOutcome(401, 'AUTH_UNAUTHORIZED');
    });
  });

  it('GET /api/reinterpretations.csv gives pharmacists the list as CSV, one row per patient, and audits the export', async () => {
    await withApp(file, async (t, issuer) => {
      const as = async (sub: string, roles: readonly string[]) =>
        request(t.app)
          .get('/api/reinterpretations.csv')
          .set('Authorization', `Bearer ${await issuer.token(sub, { claims: { roles } })}`);
      expect(await as('ivan', ['informaticist'])).toBeOutcome(403, 'AUTH_FORBIDDEN');
      const res = await as('alice', ['pharmacist']);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename=reinterpretations-\d{4}-\d{2}-\d{2}\.csv$/,
      );
      // UTF-8 with its byte-order mark, so a spreadsheet reads names with accents as written.
      expect(res.text.startsWith('\uFEFF')).toBe(true);
      const lines = res.text.slice(1).split('\r\n');
      expect(lines.pop()).toBe('');
      expect(lines[0]).toBe(
        'patient,newest_call_at_utc,clinician,clinician_name,knowledge_version_then,called_under,result_changes,advice_changes,followed_up_by,followed_up_at_utc,follow_up_note',
      );
      expect(lines).toHaveLength(1 + report.patients.length);
      // Fields with commas are quoted (RFC 4180); the CPIC text is kept whole.
      expect(lines[1]).toBe(
        `Patient/advice-revised,2022-06-01T10:00:00.000Z,Practitioner/pr-7,Dana Reyes,cpic-2022-05-30,CPIC data of 30 May 2022,,"codeine: ${EARLIER_TEXT} (CPIC Strong) → ${codeinePoor.recommendation.replace(/"/g, '""')} (CPIC Strong)",,,`,
      );
      expect(lines[2]).toMatch(
        /^Patient\/before-only,2019-03-01T10:00:00\.000Z,,,cpic-2019-01-12,CPIC data of 12 Jan 2019,CYP2D6 \*1\/\*3: Normal Metabolizer/,
      );
      const audited = await t.store.audit.list({ action: 'reinterpretations.export' });
      expect(audited.map((e) => [e.actor, e.role, e.target, e.details])).toEqual([
        ['alice', 'pharmacist', 'reinterpretations', { knowledgeVersion: KNOWLEDGE_VERSION, rows: 2 }],
      ]);
    });
  });

  it('a pharmacist marks a listed patient followed up: audited, then shown on the list', async () => {
    await withApp(file, async (t, issuer) => {
      const tokenOf = (sub: string, roles: readonly string[]) => issuer.token(sub, { claims: { roles } });
      const followUp = async (body: object, token: string) =>
        request(t.app)
          .post('/api/reinterpretations/follow-ups')
          .set('Authorization', `Bearer ${token}`)
          .send(body);
      const alice = await tokenOf('alice', ['pharmacist']);
      const res = await followUp({ patient: 'Patient/before-only', note: ' Prescriber told ' }, alice);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        patient: 'Patient/before-only',
        knowledgeVersion: KNOWLEDGE_VERSION,
        followedUp: { by: 'alice', at: expect.any(String) as unknown, note: 'Prescriber told' },
      });
      const audited = await t.store.audit.list({ action: 'reinterpretation.follow-up' });
      expect(audited.map((e) => [e.actor, e.role, e.target])).toEqual([
        ['alice', 'pharmacist', 'Patient/before-only'],
      ]);
      const list = await request(t.app).get('/api/reinterpretations').set('Authorization', `Bearer ${alice}`);
      const listed = (list.body as ReinterpretationReport).patients.find(
        (p) => p.patient === 'Patient/before-only',
      );
      expect(listed?.followedUp).toEqual((res.body as FollowUpResponse).followedUp);
      expect(reportText(list.body as ReinterpretationReport)).toMatch(
        /; followed up by alice on \d{1,2} [A-Z][a-z]{2} \d{4}$/,
      );
      // A body that names no patient, or more than the schema has, is refused; so is an informaticist.
      expect(await followUp({ patient: 'before-only' }, alice)).toBeOutcome(400, 'ADMIN_INVALID_REQUEST');
      expect(await followUp({ patient: 'Patient/x', status: 'done' }, alice)).toBeOutcome(
        400,
        'ADMIN_INVALID_REQUEST',
      );
      expect(
        await followUp({ patient: 'Patient/before-only' }, await tokenOf('ivan', ['informaticist'])),
      ).toBeOutcome(403, 'AUTH_FORBIDDEN');
      expect(await t.store.audit.list({ action: 'reinterpretation.follow-up' })).toHaveLength(1);
      // Whatever the body, never a 5xx: a 201 for a patient reference (and a note, if any), else a 400 outcome.
      type Outcome = { issue?: { details?: { coding?: { code?: string }[] } }[] };
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue(),
            fc.record(
              {
                patient: fc.oneof(fc.string(), fc.constant('Patient/x'), fc.jsonValue()),
                note: fc.jsonValue(),
              },
              { requiredKeys: [] },
            ),
          ),
          async (body) => {
            const answer = await request(t.app)
              .post('/api/reinterpretations/follow-ups')
              .set('Authorization', `Bearer ${alice}`)
              .set('content-type', 'application/json')
              .send(JSON.stringify(body ?? null));
            if (answer.status === 201) return;
            // A body that is not a JSON object is refused by the parser, one of the wrong shape by the schema.
            const code = (answer.body as Outcome).issue?.[0]?.details?.coding?.[0]?.code ?? '';
            expect(['HTTP_INVALID_JSON', 'ADMIN_INVALID_REQUEST']).toContain(code);
            expect(answer).toBeOutcome(400, code);
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  it('a chart opened since the update does not hide the advice an earlier order got under the old knowledge', async () => {
    const own = await openStore(path.join(dir, 'chart-opened.sqlite'));
    try {
      await own.invocations.record(
        await callWithCard(
          'Patient/ordered-then-viewed',
          '2022-06-01T10:00:00Z',
          [cyp2d6Poor],
          'codeine',
          'cpic-2022-05-30',
          (row) => ({ ...row, recommendation: EARLIER_TEXT }),
        ),
      );
      // A nurse opens the chart under the knowledge in force: a patient-view call, no order, no advice.
      await own.invocations.record({
        ...callWithResults(
          'Patient/ordered-then-viewed',
          '2026-05-02T10:00:00Z',
          [cyp2d6Poor],
          KNOWLEDGE_VERSION,
        ),
        serviceId: 'pgx-patient-view',
        hook: 'patient-view',
      });
      const listed = (await createReinterpreter(own).report()).patients;
      expect(listed.map((p) => [p.patient, p.adviceChanges.map((c) => c.drug)])).toEqual([
        ['Patient/ordered-then-viewed', ['codeine']],
      ]);
      // An order signed since under the knowledge in force did give the current advice: then it is not listed.
      await own.invocations.record(
        callWithResults(
          'Patient/ordered-then-viewed',
          '2026-05-03T10:00:00Z',
          [cyp2d6Poor],
          KNOWLEDGE_VERSION,
        ),
      );
      expect((await createReinterpreter(own).report()).patients).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('a later report reads again only the patients called since, and shows follow-ups made since', async () => {
    const own = await openStore(path.join(dir, 'later.sqlite'));
    try {
      const call = (patientRef: string, receivedAt: string, pgx: readonly GeneResult[], knowledge: string) =>
        own.invocations.record(callWithResults(patientRef, receivedAt, pgx, knowledge));
      await call('Patient/a', '2019-03-01T10:00:00Z', [CYP2D6_BEFORE_2020], 'cpic-2019-01-12');
      await call('Patient/b', '2019-03-02T10:00:00Z', [CYP2D6_BEFORE_2020], 'cpic-2019-01-12');
      // The store as the report reads it, noting each call it reads in full.
      let read: string[] = [];
      const reinterpreter = createReinterpreter({
        followUps: own.followUps,
        invocations: {
          ...own.invocations,
          eachPatientLatestInputs: (visit, known) =>
            own.invocations.eachPatientLatestInputs((p) => {
              read.push(p.patientRef);
              visit(p);
            }, known),
        },
      });
      const listed = async () =>
        (await reinterpreter.report()).patients.map((p) => [p.patient, p.followedUp?.by]);

      expect(await listed()).toEqual([
        ['Patient/b', undefined],
        ['Patient/a', undefined],
      ]);
      expect(read).toEqual(['Patient/b', 'Patient/a']);

      // Nothing new: nothing read again, the same list.
      read = [];
      expect(await listed()).toEqual([
        ['Patient/b', undefined],
        ['Patient/a', undefined],
      ]);
      expect(read).toEqual([]);

      // Patient/b called since under the knowledge in force, Patient/a followed up: only b's new call is read.
      await call('Patient/b', '2026-05-02T10:00:00Z', [current], KNOWLEDGE_VERSION);
      await own.followUps.record({
        patientRef: 'Patient/a',
        knowledgeVersion: KNOWLEDGE_VERSION,
        by: 'alice',
        at: new Date('2026-05-02T11:00:00Z'),
        role: 'pharmacist',
      });
      read = [];
      expect(await listed()).toEqual([['Patient/a', 'alice']]);
      expect(read).toEqual(['Patient/b']);

      // Patient/a called since, under the old knowledge again; two reports asked for at once read it once.
      await call('Patient/a', '2026-05-03T10:00:00Z', [CYP2D6_BEFORE_2020], 'cpic-2019-01-12');
      read = [];
      const [first, second] = await Promise.all([reinterpreter.report(), reinterpreter.report()]);
      expect(read).toEqual(['Patient/a']);
      expect(second).toEqual(first);
      expect(first.patients.map((p) => [p.patient, p.recordedAt])).toEqual([
        ['Patient/a', '2026-05-03T10:00:00.000Z'],
      ]);
      expect(first.patientsRead).toBe(2);
    } finally {
      await own.close();
    }
  });
});
