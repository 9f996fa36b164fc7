/**
 * The demo data's pure pieces: moving dates to the present, FHIR date ranges, and the in-process fetcher (which must
 * answer exactly what the HTTP endpoint answers, pages included).
 */
import type { FhirResource, Observation } from 'fhir/r4';
import { createDemoFetcher } from '../../../src/demo/fetcher';
import { daysSince, loadDemoData, shiftDate, shiftDates } from '../../../src/demo/data';
import { parseQuery, rangeOf, searchDemo } from '../../../src/demo/search';

describe('shiftDate', () => {
  it.each([
    ['2026-11-28', 3, '2026-12-01'],
    ['2026-11-28T07:12:00-05:00', 3, '2026-12-01T07:12:00-05:00'],
    ['2026-02-27T23:30:00Z', 2, '2026-03-01T23:30:00Z'],
    ['2024-02-28T10:00:00.250+01:00', 1, '2024-02-29T10:00:00.250+01:00'],
    ['2026-11-28', 0, '2026-11-28'],
  ])('moves %s by %i days keeping form, time and offset', (value, days, expected) => {
    expect(shiftDate(value, days)).toBe(expected);
  });

  it.each(['CYP2C19 *2/*2', 'hla#3.55.0#HLA-B*57:01:01+HLA-B*44:02:01:01', '2026', '2026-11', '120 140 E'])(
    'leaves %s alone',
    (value) => {
      expect(shiftDate(value, 5)).toBe(value);
    },
  );

  it('moves record dates but not birth dates', () => {
    const patient = {
      resourceType: 'Patient',
      birthDate: '1958-04-12',
      meta: { lastUpdated: '2026-11-28T08:00:00Z' },
    };
    expect(shiftDates(patient, 10)).toEqual({
      resourceType: 'Patient',
      birthDate: '1958-04-12',
      meta: { lastUpdated: '2026-12-08T08:00:00Z' },
    });
  });

  it('counts whole days since the data was made', () => {
    expect(daysSince('2026-11-28T08:00:00Z', new Date('2026-11-28T07:59:59Z'))).toBe(-1);
    expect(daysSince('2026-11-28T08:00:00Z', new Date('2026-11-28T08:00:00Z'))).toBe(0);
    expect(daysSince('2026-11-28T08:00:00Z', new Date('2026-12-05T09:00:00Z'))).toBe(7);
  });
});

describe('rangeOf', () => {
  it('reads a FHIR date at its precision', () => {
    expect(rangeOf('2026')).toEqual([Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1)]);
    expect(rangeOf('2026-02')).toEqual([Date.UTC(2026, 1, 1), Date.UTC(2026, 2, 1)]);
    expect(rangeOf('2026-02-03')).toEqual([Date.UTC(2026, 1, 3), Date.UTC(2026, 1, 4)]);
    const t = Date.parse('2026-02-03T10:00:00+01:00');
    expect(rangeOf('2026-02-03T10:00:00+01:00')).toEqual([t, t + 1000]);
    expect(rangeOf('2026-02-03T10:00+01:00')).toEqual([t, t + 60_000]);
    expect(rangeOf('yesterday')).toBeUndefined();
  });
});

describe('the in-process demo fetcher', () => {
  const data = loadDemoData(undefined);
  const base = 'http://localhost:3000/demo/fhir';
  const patient = 'demo-cyp2c9-cgm';

  it('reads a resource and follows every page of a search, as the HTTP endpoint pages it', async () => {
    const fetcher = createDemoFetcher(data, base);
    expect(fetcher.serverUrl).toBe(`${base}/`);
    const signal = new AbortController().signal;
    const read = await fetcher.read(`Patient/${patient}`, signal);
    expect(read).toEqual({ resources: [data.byTypeAndId('Patient', patient)], complete: true });
    const paged = await fetcher.read(`Observation?patient=${patient}&_count=7&_sort=-date`, signal);
    const whole = searchDemo(
      data,
      base,
      'Observation',
      parseQuery(`patient=${patient}&_count=1000&_sort=-date`),
    );
    expect(paged.complete).toBe(true);
    expect(paged.resources.map((r) => r.id)).toEqual((whole.entry ?? []).map((e) => e.resource!.id));
    expect(paged.resources.length).toBeGreaterThan(7);
  });

  it('fails as a FHIR server would: 404 for what it does not hold, 400 for what it cannot read', async () => {
    const fetcher = createDemoFetcher(data, base);
    const signal = new AbortController().signal;
    await expect(fetcher.read('Patient/nobody', signal)).rejects.toMatchObject({ kind: 'http', status: 404 });
    await expect(fetcher.read('Observation?date=soon', signal)).rejects.toMatchObject({
      kind: 'http',
      status: 400,
    });
  });

  it('leaves a next link to another server unread', async () => {
    const fetcher = createDemoFetcher(data, base);
    const first = data.ofType('Observation')[0] as FhirResource;
    const result = await fetcher.followPages(
      {
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: 'https://elsewhere.example.org/fhir/Observation?page=2' }],
        entry: [{ resource: first }],
      },
      new AbortController().signal,
    );
    expect(result).toEqual({ resources: [first], complete: false });
  });

  it('sorts by date and keeps equal dates in Bundle order', () => {
    const up = searchDemo(data, base, 'Observation', parseQuery(`patient=${patient}&_sort=date&_count=1000`));
    const times = (up.entry ?? []).map((e) => {
      const o = e.resource as Observation;
      return Date.parse(o.effectiveDateTime ?? o.effectivePeriod?.start ?? '');
    });
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
