/**
 * Sensor evidence in words (cards/sensor-text.ts): values with their units as people write them, windows as dates,
 * and thresholds in words. Threshold sources: test/unit/rules/citations.test.ts.
 */
import {
  inSentence,
  dayText,
  limitsOf,
  metricName,
  metricValueText,
  movedReadingsText,
  quantityText,
  readingText,
  reasonText,
  thresholdText,
  windowText,
} from '../../../src/cards/sensor-text';
import { sensorEvidenceTexts } from '../../../src/cards/detail';
import type { SensorModifier } from '../../../src/rules/types';
import { textProblems } from '../../helpers/card-text';

const modifier = (change: Partial<SensorModifier>): SensorModifier => ({
  ruleId: 'R1-metoprolol-resting-hr:resting-hr-below-60',
  effect: 'raise',
  metric: 'resting-heart-rate',
  status: 'sufficient',
  devices: [],
  note: '',
  evidence: 'guideline',
  source: '',
  ...change,
});

describe('sensor text', () => {
  it('writes values as people do', () => {
    expect(quantityText(48, '/min')).toBe('48/min');
    expect(quantityText(6.94444, '%')).toBe('6.9 %');
    expect(quantityText(131.25, 'mm[Hg]')).toBe('131.3 mmHg');
    expect(quantityText(4.5, '{INR}')).toBe('INR 4.5');
    expect(quantityText(2, '1')).toBe('2');
  });

  it("names a measure with its value, saying a unit that is the measure's name once", () => {
    expect(metricValueText('inr-latest', 4.4, '{INR}', 'short')).toBe('INR 4.4');
    expect(metricValueText('inr-latest', 4.4, '{INR}')).toBe('Latest home INR 4.4');
    expect(metricValueText('resting-heart-rate', 53.5, '/min', 'short')).toBe('resting HR 54/min');
    expect(metricValueText('resting-heart-rate', 54.6, '/min', 'short', [55])).toBe('resting HR 54.6/min');
    expect(metricValueText('resting-heart-rate', undefined, '/min', 'short')).toBe('resting HR');
  });

  it('writes a reading in whole beats, mmHg, ms, mg/dL and steps, as clinicians do, and other units to one decimal', () => {
    // A 7-day median of an even number of days, and means of whole readings.
    expect(readingText(51.5, '/min')).toBe('52/min');
    expect(readingText(139.84, 'mm[Hg]')).toBe('140 mmHg');
    expect(readingText(463.4, 'ms')).toBe('463 ms');
    expect(readingText(154.6, 'mg/dL')).toBe('155 mg/dL');
    expect(readingText(8012.5, '/d')).toBe('8013 steps/day');
    expect(readingText(4.44, '{INR}')).toBe('INR 4.4');
    expect(readingText(4.17, '%')).toBe('4.2 %');
    expect(readingText(7.46, 'h')).toBe('7.5 h');
  });

  it('never rounds a reading onto or past a threshold it is shown with', () => {
    // 54.6/min beside "below 55/min" would read as 55/min, which is not below 55.
    expect(readingText(54.6, '/min', [55])).toBe('54.6/min');
    expect(readingText(129.6, 'mm[Hg]', [130])).toBe('129.6 mmHg');
    expect(readingText(130.4, 'mm[Hg]', [130])).toBe('130.4 mmHg');
    // Limits the rounding does not reach leave it whole.
    expect(readingText(54.4, '/min', [60, 50])).toBe('54/min');
  });

  it('reads the limits from the thresholds of the modifiers on that measure only', () => {
    const below70 = modifier({ metric: 'cgm-time-below-70', threshold: 'cgm-time-below-70 > 4 %' });
    const older = modifier({
      metric: 'cgm-time-below-70',
      threshold: 'cgm-time-below-70 > 1 %, age 65 or older',
    });
    const range = modifier({ metric: 'resting-heart-rate', threshold: 'resting-heart-rate 65–80 /min' });
    const steps = modifier({ metric: 'steps-change', threshold: 'steps-change <= -30 %' });
    // Neither the 70 of the metric's name nor the age is a limit.
    expect(limitsOf([below70, older, range, steps], 'cgm-time-below-70')).toEqual([4, 1]);
    expect(limitsOf([below70, range], 'resting-heart-rate')).toEqual([65, 80]);
    expect(limitsOf([steps], 'steps-change')).toEqual([-30]);
    expect(limitsOf([modifier({})], 'resting-heart-rate')).toEqual([]);
  });

  it('says a count of events as a count, the number first, singular for one', () => {
    expect(metricValueText('cgm-level2-hypoglycaemia-events', 10, '1', 'short')).toBe('10 level 2 hypos');
    expect(metricValueText('cgm-level2-hypoglycaemia-events', 1, '1', 'short')).toBe('1 level 2 hypo');
    expect(metricValueText('cgm-level2-hypoglycaemia-events', 2, '1')).toBe(
      '2 level 2 hypoglycaemia events (15 min or more below 54 mg/dL)',
    );
    expect(metricValueText('low-heart-rate-events', 1, '1', 'short')).toBe('1 low-HR alert');
    expect(metricValueText('low-heart-rate-events', 3, '1')).toBe('3 low-heart-rate notifications');
    // Nothing counted: the measure's name alone.
    expect(metricValueText('low-heart-rate-events', undefined, '1')).toBe('Low-heart-rate notifications');
  });

  it('says a share of night-time SpO2 readings as a sentence, the share inside it', () => {
    expect(metricValueText('spo2-below-90-share', 100, '%')).toBe(
      'SpO2 below 90 % in 100 % of night-time readings',
    );
    expect(metricValueText('spo2-below-90-share', 12.34, '%', 'short')).toBe(
      'SpO2 <90 % in 12.3 % of night readings',
    );
    // As a card's evidence line shows it (R6, a share of 100 % meeting the ≥ 10 % trigger).
    const share = modifier({
      ruleId: 'R6-opioid-spo2:spo2-below-90-sustained',
      metric: 'spo2-below-90-share',
      value: 100,
      unit: '%',
      threshold: 'spo2-below-90-share ≥ 10 %',
    });
    const [line] = sensorEvidenceTexts([share]);
    expect(line).toMatch(/^SpO2 below 90 % in 100 % of night-time readings/);
    expect(line).not.toContain('90 % 100 %');
    expect(textProblems(line ?? '')).toEqual([]);
  });

  it('says the readings that moved the alert once each, a home blood pressure as one reading', () => {
    const sbp = modifier({ metric: 'home-bp-systolic', value: 139.84, unit: 'mm[Hg]' });
    const dbp = modifier({ metric: 'home-bp-diastolic', value: 86.6, unit: 'mm[Hg]' });
    const hr = modifier({ metric: 'resting-heart-rate', value: 48, unit: '/min' });
    expect(movedReadingsText([sbp, dbp])).toBe('home BP 140/87 mmHg');
    // Two triggers on one measure say it once; a reading shown for context only did not move the alert.
    expect(movedReadingsText([hr, sbp, { ...hr, ruleId: 'other' }, { ...dbp, effect: 'context' }])).toBe(
      'resting HR 48/min, home SBP 140 mmHg',
    );
    expect(movedReadingsText([{ ...dbp, effect: 'lower' }])).toBe('home DBP 87 mmHg');
    // A systolic just over its threshold keeps its decimal, whichever modifier on it shows the threshold.
    const justOver = {
      ...sbp,
      value: 130.4,
      effect: 'context' as const,
      threshold: 'home-bp-systolic >= 130 mm[Hg]',
    };
    expect(movedReadingsText([{ ...sbp, value: 130.4 }, dbp, justOver])).toBe('home BP 130.4/87 mmHg');
    expect(movedReadingsText([{ ...hr, effect: 'context' }])).toBe('');
  });

  it('writes windows as dates: "7 days to 29 Nov, 6 of 7 days with data, Apple Watch"', () => {
    const m = modifier({
      window: { start: '2026-11-22T09:00:00.000Z', end: '2026-11-29T09:00:00.000Z' },
      daysWithData: 6,
      devices: ['Apple Watch'],
    });
    expect(windowText(m)).toBe('7 days to 29 Nov, 6 of 7 days with data, Apple Watch');
    expect(dayText('2026-05-01T06:10:00Z')).toBe('1 May');
    expect(reasonText('newest sample 2026-11-25T06:00:00.000Z is older than 72 h')).toBe(
      'newest sample 25 Nov is older than 72 h',
    );
  });

  it('writes thresholds in words', () => {
    expect(thresholdText(modifier({ threshold: 'resting-heart-rate < 60 /min' }))).toBe('below 60/min');
    expect(
      thresholdText(modifier({ metric: 'home-bp-systolic', threshold: 'home-bp-systolic ≥ 130 mm[Hg]' })),
    ).toBe('at or above 130 mmHg');
    expect(thresholdText(modifier({ threshold: 'resting-heart-rate 65–80 /min' }))).toBe('within 65–80/min');
    // An INR limit reads as an INR value does ("INR 4.4").
    expect(thresholdText(modifier({ metric: 'inr-latest', threshold: 'inr-latest > 4 {INR}' }))).toBe(
      'above INR 4',
    );
    // A count (UCUM "1") has no unit to show; an age condition stays.
    expect(
      thresholdText(
        modifier({
          metric: 'cgm-level2-hypoglycaemia-events',
          threshold: 'cgm-level2-hypoglycaemia-events ≥ 1 1',
        }),
      ),
    ).toBe('at or above 1');
    expect(
      thresholdText(
        modifier({ metric: 'cgm-time-below-70', threshold: 'cgm-time-below-70 > 1 %, age 65 or older' }),
      ),
    ).toBe('above 1 %, age 65 or older');
    expect(metricName('cgm-time-below-70')).toBe('CGM time below 70 mg/dL');
    expect(metricName('resting-heart-rate', 'short')).toBe('resting HR');
  });
});

describe('a measure named inside a sentence', () => {
  it('lower-cases only a first word that is not an abbreviation', () => {
    expect(inSentence(metricName('inr-latest'))).toBe('latest home INR');
    expect(inSentence(metricName('cgm-time-below-54'))).toBe('CGM time below 54 mg/dL');
    expect(inSentence(metricName('resting-heart-rate'))).toBe('resting heart rate');
  });
});

describe('sensor evidence lines', () => {
  it('says a design value\'s source once as the service\'s choice, not "design choice" twice', () => {
    // R6's stored source, as the default threshold set holds it.
    const [line] = sensorEvidenceTexts([
      modifier({
        ruleId: 'R6-opioid-respiratory:rr-below-10',
        effect: 'context',
        metric: 'respiratory-rate',
        value: 9,
        unit: '/min',
        threshold: 'respiratory-rate < 10 /min',
        evidence: 'design',
        source: 'knowledge/research/wearables-in-fhir.md §2.2 R6: RR < 10 /min (clinical convention, design)',
      }),
    ]);
    expect(line).toContain(
      "Source: RR < 10/min (clinical convention) (this service's design choice, not a pharmacogenomic guideline).",
    );
    expect(line?.match(/design choice/g)).toHaveLength(1);
  });

  it('says no threshold for a measure a context rule shows whatever its value (R12: sleep "≥ 0 h")', () => {
    const [line] = sensorEvidenceTexts([
      modifier({
        ruleId: 'R12-ssri-sleep:sleep-duration',
        effect: 'context',
        metric: 'sleep-duration',
        value: 6.5,
        unit: 'h',
        threshold: 'sleep-duration ≥ 0 h',
        evidence: 'design',
        source: 'No guideline link; sleep changes are non-specific: display only, never escalate',
      }),
    ]);
    expect(line).toMatch(/^Sleep per night \(median\) 6\.5 h: shown for context; the alert is unchanged\./);
    expect(line).not.toContain('0 h');
  });
});

describe('a data-quality reason about a unit, as the explanation page says it', () => {
  it("says what was written and how it was read, not the unit code system's terms", () => {
    // The sensors module's reasons, written for logs (src/sensors/units.ts).
    const reasons = [
      "unit code 'beats/min' is not UCUM; read as '/min'",
      "unit code 'bpm' is from 'http://example.org/units', not UCUM",
      "unit code 'beats per fortnight' is not valid UCUM",
      "no unit code; unit text 'beats/min' read as '/min'",
      "unit 'kg' does not convert to 'mm[Hg]' (systolic blood pressure)",
    ];
    const words = reasons.map(reasonText);
    expect(words).toEqual([
      "unit written 'beats/min', read as per minute",
      "unit 'bpm' is from another coding system: not read",
      "unit 'beats per fortnight' is not a unit this service recognises",
      "no coded unit; unit text 'beats/min' read as per minute",
      "unit 'kg' does not convert to mmHg (systolic blood pressure)",
    ]);
    expect(words.flatMap(textProblems)).toEqual([]);
  });
});
