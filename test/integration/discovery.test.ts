import request from 'supertest';
import { readFileSync } from 'node:fs';
import { SERVICES_FILE } from '../../src/cds/discovery';
import { createHookHandlers } from '../../src/hooks';
import { KNOWLEDGE_VERSION } from '../../src/rules/cpic';
import { createRuleEngine } from '../../src/rules/engine';
import { DEFAULT_THRESHOLDS } from '../../src/rules/thresholds';
import { PGX_OBSERVATION_CODES } from '../../src/rules/cpic';
import { sensorCodeTokens } from '../../src/sensors';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';

interface RawService {
  hook: string;
  id: string;
  title?: string;
  description: string;
  prefetch?: Record<string, string>;
  usageRequirements?: string;
}
const file = JSON.parse(readFileSync(SERVICES_FILE, 'utf8')) as { services: RawService[] };

describe('GET /cds-services (discovery)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves cds-services.json with the required fields of every service', async () => {
    const res = await request(t.app).get('/cds-services').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    const body = res.body as { services: RawService[] };
    expect(body.services.map((s) => s.id)).toEqual(file.services.map((s) => s.id));
    for (const service of body.services) {
      expect(typeof service.hook).toBe('string');
      expect(service.description.length).toBeGreaterThan(0);
      expect(service.title?.length).toBeGreaterThan(0);
      expect(service.id).toMatch(/^[\w-]+$/);
    }
  });

  it('tells an integrator what each service needs: the FHIR data, the read access and the client JWT', async () => {
    const res = await request(t.app).get('/cds-services').expect(200);
    for (const service of (res.body as { services: RawService[] }).services) {
      const needs = service.usageRequirements ?? '';
      // Every resource type a prefetch template reads is one the service says it may read from fhirServer (the
      // prescriber's Practitioner is read from the prefetch only, never fetched: src/cds/prescriber.ts).
      for (const template of Object.values(service.prefetch ?? {})) {
        const type = /^(\w+)[/?]/.exec(template)?.[1] ?? '';
        if (type !== 'Practitioner')
          expect([service.id, needs]).toEqual([service.id, expect.stringContaining(type)]);
      }
      expect(needs).toMatch(/FHIR R4/);
      expect(needs).toMatch(/client JWT \(ES384 or RS384\)/);
      // The order hooks read the drug from the draft orders, in each shape the service accepts.
      if (service.hook !== 'patient-view') expect(needs).toMatch(/RxNorm.*MedicationOrder/);
    }
  });

  it('offers one service per hook with distinct ids (the sandbox keys services by id)', () => {
    expect(file.services.map((s) => s.hook).sort()).toEqual(['order-select', 'order-sign', 'patient-view']);
    expect(new Set(file.services.map((s) => s.id)).size).toBe(file.services.length);
  });

  it('has a handler for every service and a service for every handler', () => {
    const engine = createRuleEngine(DEFAULT_THRESHOLDS);
    const handlers = createHookHandlers({ ruleEngine: () => engine, knowledgeVersion: KNOWLEDGE_VERSION });
    expect(new Set(file.services.map((s) => s.hook))).toEqual(new Set(Object.keys(handlers)));
  });

  it('uses only CDS Hooks 2.0 prefetch tokens and the allowed query subset', () => {
    for (const service of file.services) {
      for (const template of Object.values(service.prefetch ?? {})) {
        const tokens = template.match(/\{\{[^}]*\}\}/g) ?? [];
        // 2.0: root-level context fields, or one of the four user tokens (https://cds-hooks.hl7.org/2.0/#prefetch-tokens).
        for (const token of tokens) {
          expect(token).toMatch(
            /^\{\{(context\.(patientId|userId|encounterId)|userPractitionerId|userPractitionerRoleId|userPatientId|userRelatedPersonId)\}\}$/,
          );
        }
        const [, query = ''] = template.split('?');
        for (const param of query.split('&').filter(Boolean)) {
          expect(param.split('=')[0]).toMatch(/^(patient|subject|code|category|status|date|_count|_sort)$/);
        }
      }
    }
  });

  it('declares the Patient, PGx results, wearable data (newest first, bounded) and active medications', () => {
    for (const service of file.services) {
      const p = service.prefetch ?? {};
      expect(p.patient).toBe('Patient/{{context.patientId}}');
      expect(p.pgx).toContain('http://loinc.org|84413-4');
      expect(p.pgx).toContain('http://loinc.org|84414-2');
      expect(p.wearables).toMatch(/_sort=-date&_count=\d+/);
      expect(p.medications).toBe('MedicationRequest?patient={{context.patientId}}&status=active');
    }
  });

  it('asks the order hooks for the prescriber (their name for the override review), as a read of one Practitioner', () => {
    const byHook = Object.fromEntries(file.services.map((s) => [s.hook, s.prefetch ?? {}]));
    expect(byHook['order-select']?.user).toBe('Practitioner/{{userPractitionerId}}');
    expect(byHook['order-sign']?.user).toBe('Practitioner/{{userPractitionerId}}');
    expect(byHook['patient-view']?.user).toBeUndefined();
  });

  it('asks for exactly the codes the PGx reader and the sensor catalogue accept', () => {
    const codesOf = (template: string | undefined): string[] =>
      /[?&]code=([^&]*)/.exec(template ?? '')?.[1]?.split(',') ?? [];
    for (const service of file.services) {
      expect(codesOf(service.prefetch?.pgx).sort()).toEqual(
        PGX_OBSERVATION_CODES.map((c) => `${c.system}|${c.code}`).sort(),
      );
      expect(codesOf(service.prefetch?.wearables).sort()).toEqual([...sensorCodeTokens()].sort());
    }
  });

  it('answers another method with 405 naming the allowed ones, and an unknown service with 404', async () => {
    const cases = [
      { res: await request(t.app).delete('/cds-services'), allow: 'GET, HEAD' },
      { res: await request(t.app).get('/cds-services/pgx-order-sign'), allow: 'POST' },
      { res: await request(t.app).put('/cds-services/pgx-patient-view').send({}), allow: 'POST' },
      { res: await request(t.app).get('/cds-services/pgx-order-select/feedback'), allow: 'POST' },
    ];
    for (const { res, allow } of cases) {
      expect(res).toBeOutcome(405, 'HTTP_METHOD_NOT_ALLOWED', 'not-supported');
      expect(res.headers.allow).toBe(allow);
    }
    for (const path of ['/cds-services/no-such-service', '/cds-services/no-such-service/feedback']) {
      expect(await request(t.app).get(path)).toBeOutcome(404, 'CDS_UNKNOWN_SERVICE');
    }
  });

  it('reports the knowledge and threshold versions as namespaced extensions', async () => {
    const res = await request(t.app).get('/cds-services').expect(200);
    const body = res.body as { services: { extension?: Record<string, unknown> }[] };
    for (const s of body.services) {
      expect(s.extension?.['org.pgx-cds-hooks.knowledgeVersion']).toBe(KNOWLEDGE_VERSION);
      // No threshold set is published in a new store: the documented defaults are in force.
      expect(s.extension?.['org.pgx-cds-hooks.thresholdVersion']).toBe(DEFAULT_THRESHOLDS.version);
    }
  });
});
