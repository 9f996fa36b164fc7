/**
 * Conversions between dimensionless units. UCUM makes every dimensionless unit commensurable with every other, so
 * without a guard a percentage would be read as a step count (1 % = 0.01 steps) and an INR as steps. The units real
 * sources send come from research/wearables-in-fhir.md §1.4–1.5: steps `{steps}`, `1`, `{steps}/{tot}`; INR
 * `{INR}`, `1`; SpO2 `%`, or a fraction in `1`.
 */
import { SENSOR_CATALOGUE } from '../../../src/sensors/catalogue';
import type { SensorConcept } from '../../../src/sensors/catalogue';
import { canonicalConversion } from '../../../src/sensors/units';

function concept(id: string): SensorConcept {
  const found = SENSOR_CATALOGUE.find((c) => c.id === id);
  if (!found) throw new Error(`no concept ${id}`);
  return found;
}

/** The value `value` in `unit` becomes, in the concept's unit, or the reason it is refused. */
function read(id: string, unit: string, value: number): string {
  const conversion = canonicalConversion(unit, concept(id));
  return conversion.ok ? `${String(conversion.convert(value))} ${conversion.unit}` : conversion.reason;
}

describe('dimensionless units', () => {
  it('reads the units sources send for steps, INR and SpO2', () => {
    expect(read('steps', '{steps}', 8000)).toBe('8000 {steps}');
    expect(read('steps', '1', 8000)).toBe('8000 {steps}');
    expect(read('steps', '{steps}/{tot}', 8000)).toBe('8000 {steps}');
    expect(read('inr', '{INR}', 2.4)).toBe('2.4 {INR}');
    expect(read('inr', '1', 2.4)).toBe('2.4 {INR}');
    expect(read('spo2', '%', 97)).toBe('97 %');
    // A fraction of one is a percentage.
    expect(read('spo2', '1', 0.97)).toMatch(/^97(\.0+\d*)? %$/);
  });

  it('refuses a percentage as a count, a count as a percentage, and one count as another', () => {
    expect(read('steps', '%', 8000)).toMatch(/^unit '%' does not convert to '\{steps\}' or '\/d'/);
    expect(read('inr', '%', 2.4)).toMatch(/^unit '%' does not convert to '\{INR\}'/);
    expect(read('spo2', '{steps}', 97)).toMatch(/^unit '\{steps\}' does not convert to '%'/);
    expect(read('inr', '{steps}', 2.4)).toMatch(/^unit '\{steps\}' does not convert to '\{INR\}'/);
    expect(read('steps', '{INR}', 8000)).toMatch(/^unit '\{INR\}' does not convert/);
  });

  it('leaves units with a dimension to UCUM: steps a day convert, a pressure does not', () => {
    expect(read('steps', '/d', 8000)).toBe('8000 /d');
    expect(read('steps', 'mm[Hg]', 8000)).toMatch(/^unit 'mm\[Hg\]' does not convert/);
  });

  it('reads steps per day or per week as a daily total, never a cadence multiplied out', () => {
    expect(read('steps', '{steps}/d', 8000)).toBe('8000 /d');
    expect(read('steps', '/wk', 56000)).toMatch(/^8000(\.0+\d*)? \/d$/);
    // 100 steps a minute is a walking cadence, not 144,000 steps a day.
    expect(read('steps', '/min', 100)).toMatch(/^unit '\/min' does not convert to '\{steps\}' or '\/d'/);
    expect(read('steps', '/h', 500)).toMatch(/^unit '\/h' does not convert/);
    // Rates of other concepts convert as UCUM says: a heart rate per hour is still a heart rate.
    expect(read('heart-rate', '/h', 3600)).toBe('60 /min');
  });
});
