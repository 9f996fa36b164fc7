/**
 * CDS request builders and hook-handler doubles shared by the integration tests.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MedicationRequest } from 'fhir/r4';
import type { Gathered } from '../../src/cds/prefetch';
import type { HookAnswer, HookCall } from '../../src/cds/routes';
import type { Card, HookName } from '../../src/cds/types';
import type { DemoData } from '../../src/demo';
import { gather } from '../../src/hooks/pipeline';

export type JsonObject = Record<string, unknown>;

/** A fixture from `test/fixtures/cds/`, freshly parsed (callers may change it). */
export function cdsFixture(name: string): JsonObject {
  const file = path.join(__dirname, '..', 'fixtures', 'cds', name);
  return JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
}

/**
 * A sandbox-shaped request from `fixture` with its `fhirServer` pointed at `fhirServer` (a local mock), a fresh
 * hookInstance, and the given changes. `prefetch: undefined` in `changes` drops the prefetch.
 */
export function sandboxRequest(
  fixture: string,
  fhirServer: string | undefined,
  changes: JsonObject = {},
): JsonObject {
  const { fhirServer: _original, ...body } = cdsFixture(fixture);
  const merged: JsonObject = { ...body, hookInstance: randomUUID(), ...changes };
  if (fhirServer !== undefined) merged.fhirServer = fhirServer;
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

/** A `fhirAuthorization` as the spec defines it (https://cds-hooks.hl7.org/2.0/#passing-the-access-token-to-the-cds-service). */
export function fhirAuthorization(accessToken: string): JsonObject {
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'patient/Patient.read patient/Observation.read',
    subject: 'cds-service',
  };
}

/** A handler that runs the real gather stage and keeps what it gathered, answering no cards. */
export function gatheringHandler<H extends HookName>(): {
  handler: (call: HookCall<H>) => Promise<HookAnswer>;
  last: () => Gathered | undefined;
} {
  let last: Gathered | undefined;
  return {
    handler: async (call) => {
      last = await gather(call);
      return { cards: [], provenance: [] };
    },
    last: () => last,
  };
}

/** A spec-valid card with a fresh uuid and one suggestion (for feedback tests). Not clinical advice. */
export function stubCard(): Card {
  return {
    uuid: randomUUID(),
    summary: 'Stub card for tests',
    indicator: 'warning',
    source: { label: 'pgx-cds-hooks test stub' },
    suggestions: [{ label: 'Stub suggestion', uuid: randomUUID(), isRecommended: true }],
    selectionBehavior: 'at-most-one',
    overrideReasons: [
      {
        system: 'urn:pgx-cds-hooks:CodeSystem:override-reason',
        code: 'benefit-outweighs-risk',
        display: 'Benefit outweighs risk',
      },
    ],
  };
}

/**
 * A handler answering one stub card with its provenance, so the card is recorded and feedback can name it.
 * `issued()` lists every card it has answered with, newest last.
 */
export function cardIssuingHandler(): {
  handler: (call: HookCall) => Promise<HookAnswer>;
  issued: () => readonly Card[];
} {
  const issued: Card[] = [];
  return {
    handler: (call) => {
      const card = stubCard();
      issued.push(card);
      return Promise.resolve({
        cards: [card],
        provenance: [
          {
            uuid: card.uuid!,
            drug: 'stub',
            decision: { stub: true, service: call.service.id },
            ruleIds: ['stub-rule'],
            thresholdVersion: 'test',
            knowledgeVersion: 'test',
          },
        ],
      });
    },
    issued: () => issued,
  };
}

/**
 * The card as the service composed it, without the service's own page links ("Rate this alert", "Full explanation"):
 * every response signs those anew (a fresh token), so the same card (same uuid) repeated carries other link URLs.
 */
export function withoutPageLinks(card: Card): Card {
  const links = (card.links ?? []).filter((l) => !/\/(rate|explain)\/[^/?]+\?t=/.test(l.url));
  return { ...card, links };
}

/** A demo patient's draft medication orders, as the demo FHIR server holds them. */
export function demoDraftOrders(demo: DemoData, patient: string): MedicationRequest[] {
  return demo
    .ofType('MedicationRequest')
    .filter(
      (r): r is MedicationRequest =>
        r.resourceType === 'MedicationRequest' &&
        r.status === 'draft' &&
        r.subject.reference === `Patient/${patient}`,
    );
}
