import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AppError,
  ERROR_AREAS,
  ERROR_CATALOGUE,
  ERROR_CODE_SYSTEM,
  operationOutcome,
} from '../../../src/http/errors';
import type { ErrorCode } from '../../../src/http/errors';

interface DocumentedError {
  readonly status: number;
  readonly issueCode: string;
  readonly when: string;
}

/** The rows of the "Codes" table in docs/errors.md: | `CODE` | status | `issue type` | when |. */
function documentedErrors(): Map<string, DocumentedError> {
  const text = readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');
  const section = text.split(/^## Codes$/m)[1] ?? '';
  const rows = new Map<string, DocumentedError>();
  for (const line of section.split('\n')) {
    const match = /^\| `([A-Z_]+)` \| (\d{3}) \| `([a-z-]+)` \| (.+) \|$/.exec(line.trim());
    if (!match) continue;
    const [, code, status, issueCode, when] = match;
    expect(rows.has(code!)).toBe(false); // documented once
    rows.set(code!, { status: Number(status), issueCode: issueCode!, when: when!.trim() });
  }
  return rows;
}

/** The prefixes listed under "## Areas" in docs/errors.md: - `PREFIX_` … */
function documentedAreas(): string[] {
  const text = readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8');
  const section = (text.split(/^## Areas$/m)[1] ?? '').split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^- `([A-Z]+)_`/gm)].map((m) => m[1]!);
}

const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

describe('ERROR_CATALOGUE and docs/errors.md', () => {
  const documented = documentedErrors();

  it('finds the table', () => {
    expect(documented.size).toBeGreaterThan(0);
  });

  it.each(CODES)('documents %s with the same status and issue type, and says when', (code) => {
    const doc = documented.get(code);
    expect(doc).toBeDefined();
    expect(doc?.status).toBe(ERROR_CATALOGUE[code].status);
    expect(doc?.issueCode).toBe(ERROR_CATALOGUE[code].issueCode);
    expect(doc?.when.length).toBeGreaterThan(10);
  });

  it('documents nothing the catalogue does not have', () => {
    expect([...documented.keys()].filter((code) => !(code in ERROR_CATALOGUE))).toEqual([]);
  });

  it('documents the same areas, in the same order', () => {
    expect(documentedAreas()).toEqual([...ERROR_AREAS]);
  });

  it.each(CODES)('prefixes %s with a documented area', (code) => {
    const area = /^([A-Z]+)_[A-Z][A-Z_]*$/.exec(code)?.[1];
    expect(documentedAreas()).toContain(area);
  });
});

describe('the catalogue', () => {
  it('gives every code an HTTP error status and a title', () => {
    for (const code of CODES) {
      const entry = ERROR_CATALOGUE[code];
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.title.length).toBeGreaterThan(0);
    }
  });

  it('uses FHIR R4 issue types (https://hl7.org/fhir/R4/valueset-issue-type.html)', () => {
    const issueTypes = new Set([
      'invalid',
      'structure',
      'required',
      'value',
      'invariant',
      'security',
      'login',
      'unknown',
      'expired',
      'forbidden',
      'suppressed',
      'processing',
      'not-supported',
      'duplicate',
      'multiple-matches',
      'not-found',
      'deleted',
      'too-long',
      'code-invalid',
      'extension',
      'too-costly',
      'business-rule',
      'conflict',
      'transient',
      'lock-error',
      'no-store',
      'exception',
      'timeout',
      'incomplete',
      'throttled',
      'informational',
    ]);
    for (const code of CODES) expect(issueTypes.has(ERROR_CATALOGUE[code].issueCode)).toBe(true);
  });
});

describe('AppError', () => {
  it('carries its code, the catalogue status and the caller-facing details', () => {
    const err = new AppError('CDS_PREFETCH_UNAVAILABLE', ['pgx: not prefetched; no fhirServer']);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('CDS_PREFETCH_UNAVAILABLE');
    expect(err.status).toBe(412);
    expect(err.details).toEqual(['pgx: not prefetched; no fhirServer']);
    expect(err.headers).toEqual({});
  });

  it('carries the response headers it requires', () => {
    const err = new AppError('AUTH_UNAUTHORIZED', [], { 'WWW-Authenticate': 'Bearer' });
    expect(err.status).toBe(401);
    expect(err.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });
});

describe('operationOutcome', () => {
  it('without details: one issue carrying the code, its title, and no diagnostics', () => {
    const oo = operationOutcome('CDS_UNKNOWN_SERVICE');
    expect(oo).toEqual({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-found',
          details: {
            coding: [
              {
                system: ERROR_CODE_SYSTEM,
                code: 'CDS_UNKNOWN_SERVICE',
                display: ERROR_CATALOGUE.CDS_UNKNOWN_SERVICE.title,
              },
            ],
            text: ERROR_CATALOGUE.CDS_UNKNOWN_SERVICE.title,
          },
        },
      ],
    });
  });

  it('with details: one issue per detail, each in diagnostics', () => {
    const oo = operationOutcome('CDS_INVALID_REQUEST', ['hookInstance: required', 'context: required']);
    expect(oo.issue).toHaveLength(2);
    expect(oo.issue.map((i) => i.diagnostics)).toEqual(['hookInstance: required', 'context: required']);
    for (const issue of oo.issue) {
      expect(issue.code).toBe('invalid');
      expect(issue.details?.coding?.[0]?.code).toBe('CDS_INVALID_REQUEST');
    }
  });

  it.each(CODES)('%s: severity fatal for 5xx, error otherwise; issue type from the catalogue', (code) => {
    const oo = operationOutcome(code);
    const issue = oo.issue[0]!;
    expect(issue.severity).toBe(ERROR_CATALOGUE[code].status >= 500 ? 'fatal' : 'error');
    expect(issue.code).toBe(ERROR_CATALOGUE[code].issueCode);
    expect(issue.details?.coding).toEqual([
      { system: ERROR_CODE_SYSTEM, code, display: ERROR_CATALOGUE[code].title },
    ]);
  });
});
