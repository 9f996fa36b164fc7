/**
 * The custom matchers fail when they should: a matcher that always passes would hide every error-path regression.
 * Responses are shaped like supertest's; the outcome shape is FHIR R4 OperationOutcome.
 */
const outcome = (code: string, issueType = 'processing', extra: Record<string, unknown> = {}) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: issueType, details: { coding: [{ code }] }, ...extra }],
});
const response = (status: number, body: unknown, contentType = 'application/fhir+json; charset=utf-8') => ({
  status,
  body,
  headers: { 'content-type': contentType },
});

describe('toBeOutcome', () => {
  it('passes for the status, code and issue type of a catalogue OperationOutcome', () => {
    expect(response(404, outcome('HTTP_NOT_FOUND', 'not-found'))).toBeOutcome(404, 'HTTP_NOT_FOUND');
    expect(response(404, outcome('HTTP_NOT_FOUND', 'not-found'))).toBeOutcome(
      404,
      'HTTP_NOT_FOUND',
      'not-found',
    );
  });

  it.each([
    ['another status', response(400, outcome('HTTP_NOT_FOUND'))],
    ['another code', response(404, outcome('CDS_UNKNOWN_SERVICE'))],
    ['another issue type', response(404, outcome('HTTP_NOT_FOUND', 'processing'))],
    ['a body that is no OperationOutcome', response(404, { error: 'HTTP_NOT_FOUND' })],
    ['an HTML answer', response(404, outcome('HTTP_NOT_FOUND', 'not-found'), 'text/html')],
    [
      'a stack trace in the body',
      response(404, outcome('HTTP_NOT_FOUND', 'not-found', { diagnostics: 'at run (/app/src/x.ts:12:3)' })),
    ],
    ['something that is not a response', 'HTTP_NOT_FOUND'],
  ])('fails for %s', (_case, received) => {
    expect(() => {
      expect(received).toBeOutcome(404, 'HTTP_NOT_FOUND', 'not-found');
    }).toThrow(/OperationOutcome|HTTP response/);
  });
});

describe('toBeSpecValid', () => {
  const card = {
    summary: 'Avoid codeine',
    indicator: 'critical',
    source: { label: 'CPIC' },
  };

  it('passes for a CDS Hooks 2.0 response', () => {
    expect({ cards: [card] }).toBeSpecValid();
    expect({ cards: [] }).toBeSpecValid();
  });

  it('fails with the problems for a response the schema refuses', () => {
    expect(() => {
      expect({ cards: [{ ...card, indicator: 'urgent' }] }).toBeSpecValid();
    }).toThrow(/spec-valid[\s\S]*indicator/);
    expect({ cards: [{ ...card, summary: undefined }] }).not.toBeSpecValid();
  });
});
