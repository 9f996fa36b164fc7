/**
 * `POST /cds-services/{id}/feedback` (https://cds-hooks.hl7.org/2.0/#feedback) on both store engines. Hooks do
 * not produce cards yet, so a stub handler issues (and records) a spec-valid card the feedback can name.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp } from '../helpers/app';
import type { TestApp } from '../helpers/app';
import { cardIssuingHandler, cdsFixture, sandboxRequest } from '../helpers/cds';
import type { JsonObject } from '../helpers/cds';
import { createTestDatabase } from '../helpers/postgres';
import type { TestDatabase } from '../helpers/postgres';

const SERVICE = 'pgx-order-sign';
const FEEDBACK_URL = `/cds-services/${SERVICE}/feedback`;

interface IssuedCard {
  readonly uuid: string;
  readonly suggestionId: string;
  readonly hookInstance: string;
}

/** The sandbox's feedback fixture with its card (and suggestion) replaced: one entry, as the sandbox sends it. */
function sandboxFeedback(fixture: string, card: IssuedCard, changes: JsonObject = {}): JsonObject {
  const [entry] = cdsFixture(fixture).feedback as JsonObject[];
  const suggestions =
    entry?.acceptedSuggestions === undefined ? {} : { acceptedSuggestions: [{ id: card.suggestionId }] };
  return { ...entry, card: card.uuid, ...suggestions, ...changes };
}

function accepted(card: IssuedCard, changes: JsonObject = {}): JsonObject {
  return sandboxFeedback('sandbox-feedback-accepted.json', card, changes);
}

function overridden(card: IssuedCard, changes: JsonObject = {}): JsonObject {
  return sandboxFeedback('sandbox-feedback-overridden.json', card, changes);
}

const engines: [string, () => Promise<TestDatabase | undefined>][] = [
  ['SQLite', () => Promise.resolve(undefined)], // startTestApp's in-memory SQLite
  ['PostgreSQL', createTestDatabase],
];

describe.each(engines)('feedback on %s', (engine, createDatabase) => {
  let database: TestDatabase | undefined;
  let t: TestApp;
  const stub = cardIssuingHandler();

  beforeAll(async () => {
    database = await createDatabase();
    t = await startTestApp({
      handlers: { 'order-sign': stub.handler, 'patient-view': stub.handler },
      ...(database ? { databaseUrl: database.url } : {}),
    });
    expect(t.store.engine).toBe(engine === 'SQLite' ? 'sqlite' : 'postgres');
  });
  afterAll(async () => {
    await t.close();
    await database?.drop();
  });

  /** Calls the service so it issues and records one card; returns it. */
  async function issueCard(service = SERVICE): Promise<IssuedCard> {
    const fixture = service === SERVICE ? 'sandbox-order-sign-clopidogrel.json' : 'sandbox-patient-view.json';
    const body = sandboxRequest(fixture, undefined);
    const res = await request(t.app).post(`/cds-services/${service}`).send(body).expect(200);
    const [card] = (res.body as { cards: { uuid: string; suggestions: { uuid: string }[] }[] }).cards;
    expect(card?.uuid).toBe(stub.issued().at(-1)?.uuid);
    return {
      uuid: card!.uuid,
      suggestionId: card!.suggestions[0]!.uuid,
      hookInstance: body.hookInstance as string,
    };
  }

  function feedbackRows(cardUuid: string) {
    return t.store.feedback.listForCard(cardUuid);
  }

  function post(entries: readonly JsonObject[], url = FEEDBACK_URL) {
    return request(t.app).post(url).send({ feedback: entries });
  }

  it('stores an accepted card with its accepted suggestions, linked to the recorded card', async () => {
    const card = await issueCard();
    const res = await post([accepted(card)]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
    const rows = await feedbackRows(card.uuid);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      serviceId: SERVICE,
      outcome: 'accepted',
      outcomeTimestamp: '2026-11-22T10:14:00.000Z',
    });
    expect(rows[0]).not.toHaveProperty('overrideReason');
    expect(rows[0]!.acceptedSuggestions).toEqual([card.suggestionId]);
    // The link: feedback → card → the invocation that produced it.
    const linked = await t.store.invocations.findByCard(rows[0]!.cardUuid);
    expect({
      hookInstance: linked?.hookInstance,
      serviceId: linked?.serviceId,
      cards: linked?.cards.map((c) => ({ summary: c.summary, ruleIds: c.ruleIds })),
    }).toEqual({
      hookInstance: card.hookInstance,
      serviceId: SERVICE,
      cards: [{ summary: 'Stub card for tests', ruleIds: ['stub-rule'] }],
    });
  });

  it('stores an override with a reason as the sandbox sends it (no display)', async () => {
    const card = await issueCard();
    const entry = overridden(card);
    expect((entry.overrideReason as { reason: JsonObject }).reason.display).toBeUndefined();
    await post([entry]).expect(200);
    const [row] = await feedbackRows(card.uuid);
    expect(row).toMatchObject({
      outcome: 'overridden',
      outcomeTimestamp: '2026-11-22T10:15:00.000Z',
    });
    // No display: the reason holds exactly the code and system.
    expect(row?.overrideReason).toEqual({
      code: 'benefit-outweighs-risk',
      system: 'urn:pgx-cds-hooks:CodeSystem:override-reason',
    });
    expect(row!.acceptedSuggestions).toEqual([]);
  });

  it('stores an override without a reason', async () => {
    const card = await issueCard();
    const { overrideReason: _, ...entry } = overridden(card);
    await post([entry]).expect(200);
    const rows = await feedbackRows(card.uuid);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'overridden' });
    expect(rows[0]).not.toHaveProperty('overrideReason');
    expect(rows[0]).not.toHaveProperty('userComment');
  });

  it('stores an override with only a user comment', async () => {
    const card = await issueCard();
    await post([overridden(card, { overrideReason: { userComment: 'discussed with the patient' } })]).expect(
      200,
    );
    const [row] = await feedbackRows(card.uuid);
    expect(row).toMatchObject({ userComment: 'discussed with the patient' });
    expect(row).not.toHaveProperty('overrideReason');
  });

  it('stores a batch of several entries on several cards', async () => {
    const first = await issueCard();
    const second = await issueCard();
    await post([
      accepted(first),
      overridden(second),
      overridden(first, { outcomeTimestamp: '2026-11-22T11:00:00.000Z' }),
    ]).expect(200);
    expect(await feedbackRows(first.uuid)).toHaveLength(2);
    expect(await feedbackRows(second.uuid)).toHaveLength(1);
  });

  it('answers a repeat with 200 and stores it once', async () => {
    const card = await issueCard();
    const entry = overridden(card);
    await post([entry]).expect(200);
    const again = await post([entry]);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({});
    // A repeat inside one batch counts once too.
    await post([entry, entry]).expect(200);
    expect(await feedbackRows(card.uuid)).toHaveLength(1);
  });

  it('refuses feedback on an unknown card with 422 and stores nothing from the batch', async () => {
    const known = await issueCard();
    const unknownUuid = randomUUID();
    const res = await post([overridden(known), overridden({ ...known, uuid: unknownUuid })]);
    expect(res).toBeOutcome(422, 'FEEDBACK_UNKNOWN_CARD');
    expect(JSON.stringify(res.body)).toContain(unknownUuid);
    expect(await feedbackRows(known.uuid)).toHaveLength(0);
  });

  it('refuses an accepted suggestion the card did not offer with 422, naming it, and stores nothing from the batch', async () => {
    const card = await issueCard();
    const other = await issueCard();
    const foreign = randomUUID();
    const res = await post([
      overridden(card),
      accepted(other, { acceptedSuggestions: [{ id: other.suggestionId }, { id: foreign }] }),
    ]);
    expect(res).toBeOutcome(422, 'FEEDBACK_UNKNOWN_SUGGESTION');
    expect(JSON.stringify(res.body)).toContain(`suggestion ${foreign} was not offered by card ${other.uuid}`);
    expect(await feedbackRows(card.uuid)).toHaveLength(0);
    expect(await feedbackRows(other.uuid)).toHaveLength(0);
    // Another card's suggestion is not this card's either.
    const swapped = await post([accepted(card, { acceptedSuggestions: [{ id: other.suggestionId }] })]);
    expect(swapped).toBeOutcome(422, 'FEEDBACK_UNKNOWN_SUGGESTION');
    expect(await feedbackRows(card.uuid)).toHaveLength(0);
    // The card's own suggestion is accepted.
    await post([accepted(card)]).expect(200);
    expect((await feedbackRows(card.uuid))[0]?.acceptedSuggestions).toEqual([card.suggestionId]);
  });

  it('refuses feedback on a card another service issued with 422', async () => {
    const card = await issueCard('pgx-patient-view');
    const res = await post([overridden(card)]);
    expect(res).toBeOutcome(422, 'FEEDBACK_UNKNOWN_CARD');
    expect(await feedbackRows(card.uuid)).toHaveLength(0);
    // Sent to the service that issued it, the same entry is accepted.
    await post([overridden(card)], '/cds-services/pgx-patient-view/feedback').expect(200);
  });

  it('answers 404 for feedback to an unknown service', async () => {
    const card = await issueCard();
    const res = await post([overridden(card)], '/cds-services/no-such-service/feedback');
    expect(res).toBeOutcome(404, 'CDS_UNKNOWN_SERVICE');
  });

  const invalid: [string, (card: IssuedCard) => unknown][] = [
    [
      'no outcomeTimestamp',
      (card) => ({ feedback: [(({ outcomeTimestamp: _, ...e }) => e)(overridden(card))] }),
    ],
    [
      'an outcomeTimestamp that is not a date-time',
      (card) => ({ feedback: [overridden(card, { outcomeTimestamp: 'yesterday' })] }),
    ],
    [
      'accepted without acceptedSuggestions',
      (card) => ({ feedback: [(({ acceptedSuggestions: _, ...e }) => e)(accepted(card))] }),
    ],
    [
      'accepted with an empty acceptedSuggestions',
      (card) => ({ feedback: [accepted(card, { acceptedSuggestions: [] })] }),
    ],
    ['an unknown outcome', (card) => ({ feedback: [overridden(card, { outcome: 'dismissed' })] })],
    [
      'an overrideReason on an accepted card',
      (card) => ({ feedback: [accepted(card, { overrideReason: { userComment: 'x' } })] }),
    ],
    ['no card', (card) => ({ feedback: [(({ card: _, ...e }) => e)(overridden(card))] })],
    ['an empty feedback array', () => ({ feedback: [] })],
    ['no feedback array', (card) => overridden(card)],
  ];

  it.each(invalid)('answers 400 with an OperationOutcome for %s, storing nothing', async (_name, build) => {
    const card = await issueCard();
    const valid = overridden(card, { outcomeTimestamp: '2026-11-22T12:00:00.000Z' });
    const body = build(card) as JsonObject;
    // A valid entry in the same batch is not stored either.
    const batch =
      Array.isArray(body.feedback) && body.feedback.length > 0
        ? { feedback: [valid, ...(body.feedback as unknown[])] }
        : body;
    const res = await request(t.app).post(FEEDBACK_URL).send(batch);
    expect(res).toBeOutcome(400, 'CDS_INVALID_REQUEST');
    expect(await feedbackRows(card.uuid)).toHaveLength(0);
  });
});
