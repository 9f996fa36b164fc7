/**
 * The provenance line that ends a card: the CPIC data release, the date of the allele functions each genotype was
 * called with (they can be older than the recommendations: next-capabilities §6), and the threshold set. Results are
 * read from real-shaped fixtures; the dates are those the CPIC data set gives its genes (knowledge/cpic/genes.json
 * `dataVersion`: PharmCAT's CYP2C19 definitions exported 2025-11-05; CYP2D6's activity values of 2025 and functions of
 * July 2023, from two sources).
 */
import { alleleFunctionsText, versionsText } from '../../../src/cards/text';
import { recommendationCardDetail } from '../../helpers/decisions';
import { readFixture } from '../../helpers/fixtures';
import { cpicGene } from '../../reference';

/** The last line of the first CPIC card the drug gets from the results in the fixture. */
async function provenanceLine(drug: string, fixture: string): Promise<string> {
  const detail = await recommendationCardDetail(drug, readFixture('pgx', fixture) as unknown[]);
  return detail.split('\n').at(-1) ?? '';
}

describe('the provenance line of a card', () => {
  it('dates the allele functions a genotype was called with, after the CPIC data release', async () => {
    expect(cpicGene('CYP2C19').dataVersion).toMatch(/^2025-11-05/);
    expect(await provenanceLine('clopidogrel', 'genotype-pharmvar-https.json')).toMatch(
      /^CPIC data of \d{1,2} [A-Z][a-z]{2} \d{4} \(CYP2C19 allele functions of 5 Nov 2025\)\./,
    );
  });

  it("names each part of a gene whose source dates its parts apart (CYP2D6's activity values and functions)", async () => {
    expect(cpicGene('CYP2D6').dataVersion).toBe('activity values 2025 / functions 2023-07');
    expect(await provenanceLine('amitriptyline', 'genotype-pharmvar-http-display.json')).toContain(
      '(CYP2D6 allele activity values of 2025, functions of Jul 2023).',
    );
  });

  it('gives no allele-function date for a phenotype the laboratory called (no genotype was called)', async () => {
    const line = await provenanceLine('capecitabine', 'phenotype-text.json');
    expect(line).toMatch(/^CPIC data of \d{1,2} [A-Z][a-z]{2} \d{4}\./);
    expect(line).not.toContain('allele');
  });
});

describe('alleleFunctionsText', () => {
  it('puts genes of one date together, each gene once, and dates by the day, month or year given', () => {
    expect(
      alleleFunctionsText([
        { gene: 'TPMT', alleleFunctions: '2025-11-05-00-25' },
        { gene: 'NUDT15', alleleFunctions: '2025-11-05-00-25' },
        { gene: 'TPMT', alleleFunctions: '2025-11-05-00-25' },
        { gene: 'RYR1', alleleFunctions: '2023-10-05-00-25' },
        { gene: 'G6PD', alleleFunctions: '2025' },
        { gene: 'HLA-B' },
      ]),
    ).toBe(
      'TPMT and NUDT15 allele functions of 5 Nov 2025; RYR1 allele functions of 5 Oct 2023; G6PD allele functions of 2025',
    );
  });

  it('says a date it cannot read as the source wrote it, and nothing when no result is dated', () => {
    expect(alleleFunctionsText([{ gene: 'CYP2B6', alleleFunctions: 'v2 (draft)' }])).toBe(
      'CYP2B6 allele functions (v2 (draft))',
    );
    expect(alleleFunctionsText([{ gene: 'HLA-A' }])).toBeUndefined();
    expect(alleleFunctionsText([])).toBeUndefined();
  });

  it('names the shipped threshold set only on a card a wearable-data rule looked at; a published set always', async () => {
    // No wearable-data rule for clopidogrel: no threshold set on the card (the pages behind it keep it).
    expect(await provenanceLine('clopidogrel', 'genotype-pharmvar-https.json')).not.toMatch(/threshold/);
    expect(versionsText('cpic-2026-04-30', 'default-2026-11-29', [], true)).toBe(
      "CPIC data of 30 Apr 2026; wearable-data thresholds: this service's defaults of 29 Nov 2026.",
    );
    expect(versionsText('cpic-2026-04-30', 'default-2026-11-29')).toBe('CPIC data of 30 Apr 2026.');
    // A published set, the institution's own alert levels, is named on every card.
    expect(versionsText('cpic-2026-04-30', 'hospital-2027-01-10')).toBe(
      'CPIC data of 30 Apr 2026; alert settings: hospital of 10 Jan 2027.',
    );
  });
});
