import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import { SENSOR_CATALOGUE, sensorCodeTokens } from '../../../src/sensors';
import { MAX_UNIT_LENGTH, UCUM_SYSTEM, UNIT_REPAIRS, resolveUnit } from '../../../src/sensors/units';

const ucum = UcumLhcUtils.getInstance();

describe('sensor catalogue', () => {
  it('maps every code to exactly one concept', () => {
    const tokens = sensorCodeTokens();
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('lists the CGM IG 1.0.0 codes and both blood-pressure panel codes (research §1.2)', () => {
    const tokens = sensorCodeTokens();
    const cgm = [
      '99504-3',
      '105272-9',
      '107931-8',
      '106793-3',
      '104642-4',
      '104641-6',
      '97510-2',
      '104640-8',
    ];
    const more = [
      '104639-0',
      '97506-0',
      '97507-8',
      '105273-7',
      '104638-2',
      '104636-6',
      '104637-4',
      '85354-9',
      '55284-4',
    ];
    for (const code of [...cgm, ...more]) expect(tokens).toContain(`http://loinc.org|${code}`);
  });

  it('keeps every canonical unit valid UCUM', () => {
    for (const unit of SENSOR_CATALOGUE.flatMap((c) => c.units)) {
      expect([unit, ucum.validateUnitString(unit).status]).toEqual([unit, 'valid']);
    }
  });
});

describe('unit repair table', () => {
  it.each(Object.entries(UNIT_REPAIRS))('%s is invalid UCUM and is repaired to valid UCUM %s', (from, to) => {
    expect(ucum.validateUnitString(from).status).not.toBe('valid');
    expect(ucum.validateUnitString(to).status).toBe('valid');
  });
});

describe('unit strings named like Object.prototype members', () => {
  const heartRate = SENSOR_CATALOGUE.find((c) => c.units.includes('/min'));

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'a unit code or unit text %s is rejected, not read as a repair',
    (text) => {
      expect(heartRate).toBeDefined();
      expect(resolveUnit({ code: text, system: UCUM_SYSTEM }, heartRate!)).toMatchObject({ ok: false });
      expect(resolveUnit({ unit: text }, heartRate!).ok).toBe(heartRate!.unitWhenMissing !== undefined);
    },
  );
});

describe('a unit longer than any unit', () => {
  const heartRate = SENSOR_CATALOGUE.find((c) => c.units.includes('/min'));

  it('is refused with its length, not quoted, whether sent as code or as text', () => {
    // Valid UCUM all the same: a count per minute with a long annotation.
    const long = `{${'heartbeats'.repeat(8)}}/min`;
    expect(ucum.validateUnitString(long).status).toBe('valid');
    for (const quantity of [{ code: long, system: UCUM_SYSTEM }, { unit: long }]) {
      const resolved = resolveUnit(quantity, heartRate!);
      expect(resolved).toEqual({ ok: false, reason: 'unit longer than 64 characters: not a unit' });
    }
  });

  it('leaves the units devices send alone', () => {
    for (const unit of SENSOR_CATALOGUE.flatMap((c) => c.units)) {
      expect(unit.length).toBeLessThanOrEqual(MAX_UNIT_LENGTH);
    }
  });
});
