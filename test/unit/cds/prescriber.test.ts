/**
 * The prescriber's name for the override review, from the `user` prefetch as EHRs send a Practitioner: Epic's one
 * `usual` name with its text, Oracle Health's `official` name beside an `old` one, a sandbox Practitioner with parts
 * only. Someone else's Practitioner, another resource type or a prefetch error names no one.
 */
import { prescriberName } from '../../../src/cds/prescriber';

const call = (userId: string, user: unknown) => ({ context: { userId }, prefetch: { user } });

/** Epic's Practitioner.Read (R4) answer, trimmed: one `usual` name whose `text` carries the credential. */
const EPIC = {
  resourceType: 'Practitioner',
  id: 'eM5CWtq15N0WJeuCet5bJlQ3',
  identifier: [
    { use: 'usual', type: { text: 'NPI' }, system: 'http://hl7.org/fhir/sid/us-npi', value: '1627363736' },
  ],
  active: true,
  name: [
    { use: 'usual', text: 'Physician Family Medicine, MD', family: 'Physician', given: ['Family Medicine'] },
  ],
  gender: 'male',
};

/** Oracle Health (Cerner) Millennium: an `official` name, and the name the person had before (`old`). */
const CERNER = {
  resourceType: 'Practitioner',
  id: '4122622',
  active: true,
  name: [
    {
      use: 'old',
      text: 'Smith, Maria',
      family: 'Smith',
      given: ['Maria'],
      period: { end: '2019-06-01T00:00:00Z' },
    },
    { use: 'official', text: 'Cardoso, Maria', family: 'Cardoso', given: ['Maria'], prefix: ['Dr.'] },
  ],
};

describe('prescriberName', () => {
  it("reads the EHR's text of the name, preferring the official name to an old one", () => {
    expect(prescriberName(call('Practitioner/eM5CWtq15N0WJeuCet5bJlQ3', EPIC))).toBe(
      'Physician Family Medicine, MD',
    );
    expect(prescriberName(call('Practitioner/4122622', CERNER))).toBe('Cardoso, Maria');
  });

  it('puts a name without text together from its parts', () => {
    const parts = {
      resourceType: 'Practitioner',
      id: 'dr-ada',
      name: [{ prefix: ['Dr.'], given: ['Ada', 'King'], family: 'Lovelace', suffix: ['MD', 'PhD'] }],
    };
    expect(prescriberName(call('Practitioner/dr-ada', parts))).toBe('Dr. Ada King Lovelace, MD PhD');
  });

  it("names no one for someone else's Practitioner, a PractitionerRole user, an error or no prefetch", () => {
    expect(prescriberName(call('Practitioner/someone-else', EPIC))).toBeUndefined();
    expect(prescriberName(call('PractitionerRole/eM5CWtq15N0WJeuCet5bJlQ3', EPIC))).toBeUndefined();
    expect(
      prescriberName(
        call('Practitioner/x', { resourceType: 'OperationOutcome', issue: [{ severity: 'error' }] }),
      ),
    ).toBeUndefined();
    expect(prescriberName(call('Practitioner/x', null))).toBeUndefined();
    expect(prescriberName({ context: { userId: 'Practitioner/x' } })).toBeUndefined();
    expect(
      prescriberName(
        call('Practitioner/x', {
          resourceType: 'Practitioner',
          id: 'x',
          name: [{ use: 'old', text: 'Gone' }],
        }),
      ),
    ).toBeUndefined();
  });

  it('keeps junk out: control characters, runs of spaces, a name of any length, parts that are not strings', () => {
    const junk = {
      resourceType: 'Practitioner',
      id: 'x',
      name: [{ use: 'official', given: ['Ada\u0007\n', 42], family: `  Lovelace${'e'.repeat(400)}` }],
    };
    const name = prescriberName(call('Practitioner/x', junk));
    expect(name?.startsWith('Ada Lovelace')).toBe(true);
    expect(name).toHaveLength(200);
    expect(name).not.toMatch(/\p{Cc}|\s{2}/u);
  });
});
