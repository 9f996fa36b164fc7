import { callPhenotype, normalizePhenotype } from '../../../../src/rules/cpic';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { cpicGene, cpicGenes, diplotypeGenes, diplotypeTable, knowledgePath } from '../../../reference';

const tables = diplotypeGenes().map((gene) => ({ gene, rows: diplotypeTable(gene) }));

describe('diplotype tables: every CPIC row gives its phenotype and lookup key', () => {
  it.each(tables.map((t) => [t.gene, t] as const))('%s', (_gene, table) => {
    const mismatches: string[] = [];
    for (const [diplotype, phenotype, lookupKey] of table.rows) {
      const call = callPhenotype(table.gene, [diplotype]);
      if (call.phenotype !== phenotype || call.lookupKey !== lookupKey) {
        mismatches.push(`${diplotype}: ${call.phenotype}/${call.lookupKey}, CPIC ${phenotype}/${lookupKey}`);
      }
      // Order-insensitive: the reversed diplotype gives the same row.
      const reversed = diplotype.split('/').reverse();
      if (reversed.length === 2 && callPhenotype(table.gene, reversed).phenotype !== phenotype) {
        mismatches.push(`${reversed.join('/')} (reversed)`);
      }
    }
    expect(table.rows.length).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
  });
});

describe('CYP2D6 activity score', () => {
  const examples = cpicGene('CYP2D6').confirmedExamples ?? [];

  it.each(examples.map((e) => [e.diplotype, e.activityScore, e.phenotype]))(
    '%s → AS %s, %s (CPIC confirmed example)',
    (diplotype, score, phenotype) => {
      const call = callPhenotype('CYP2D6', [diplotype]);
      expect(call.activityScore).toBe(score);
      expect(call.lookupKey).toBe(score);
      expect(call.phenotype).toBe(phenotype);
    },
  );

  it('has confirmed examples to test', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  it('reads three or more copies as CPIC x≥3 and says so', () => {
    // *1x≥3 has activity value ≥3.0 in genes.json, *1 has 1.0: ≥4.0 (the *1/*1x≥3 confirmed example).
    const call = callPhenotype('CYP2D6', ['*1/*1x3']);
    expect(call.activityScore).toBe('≥4.0');
    expect(call.notes.join(' ')).toMatch(/x≥3/);
  });

  // CPIC's "xN combinations" row lists what each xN allele may be ("*2xN: *2x2 or *2x≥3", "*3xN: *3x2", "*4xN: *4x2
  // or *4x≥3"; *10xN is not listed) and tabulates *1x2 (activity 2) with a no-function allele → AS 2, Normal
  // Metabolizer; with a normal function allele → AS 3.0, Ultrarapid; *1x≥3 → ≥3, Ultrarapid.
  describe('with a copy number the laboratory did not report (xN)', () => {
    it('calls the phenotype every reading CPIC lists agrees on, with each reading as a candidate key', () => {
      const call = callPhenotype('CYP2D6', ['CYP2D6*1/*2xN']);
      expect(call.phenotype).toBe('Ultrarapid Metabolizer');
      expect(call.copyNumberReadings?.map((r) => r.diplotype)).toEqual(['*1/*2x2', '*1/*2x≥3']);
      expect(call.candidateLookupKeys).toEqual(['3.0', '≥4.0']);
      expect(call.activityScore).toBe('≥3.0');
      expect(call.notes.join(' ')).toContain('copy number not reported');
    });

    it('is Indeterminate when the readings differ, and keeps each reading with its phenotype and key', () => {
      const call = callPhenotype('CYP2D6', ['*4/*1xN']);
      expect(call.phenotype).toBe('Indeterminate');
      expect(call.copyNumberReadings).toEqual([
        { diplotype: '*4/*1x2', phenotype: 'Normal Metabolizer', lookupKey: '2.0' },
        { diplotype: '*4/*1x≥3', phenotype: 'Ultrarapid Metabolizer', lookupKey: '≥3.0' },
      ]);
      expect(call.candidateLookupKeys).toEqual(['2.0', '≥3.0']);
    });

    it('needs no candidates when every reading has the same score, or CPIC lists one reading', () => {
      const poor = callPhenotype('CYP2D6', ['*4/*4xN']);
      expect([poor.phenotype, poor.lookupKey, poor.candidateLookupKeys]).toEqual([
        'Poor Metabolizer',
        '0.0',
        undefined,
      ]);
      const one = callPhenotype('CYP2D6', ['*1/*3xN']);
      expect(one.copyNumberReadings?.map((r) => r.diplotype)).toEqual(['*1/*3x2']);
      expect([one.phenotype, one.lookupKey]).toEqual(['Intermediate Metabolizer', '1.0']);
    });

    it('keeps the CPIC "xN combinations" key for an allele CPIC lists no reading of', () => {
      const call = callPhenotype('CYP2D6', ['*1/*10xN']);
      expect([call.phenotype, call.lookupKey, call.copyNumberReadings]).toEqual([
        'Indeterminate',
        'xN combinations',
        undefined,
      ]);
    });
  });

  it('is n/a and Indeterminate when an allele has no activity value', () => {
    // *22 is "Uncertain function" with no activity value in genes.json.
    const call = callPhenotype('CYP2D6', ['*1/*22']);
    expect(call.lookupKey).toBe('n/a');
    expect(call.phenotype).toBe('Indeterminate');
  });
});

describe('G6PD by number of X alleles (genes.json G6PD.phenotypeRules and ruleEvidence)', () => {
  it.each([
    ['A', 'Normal'],
    ['A- 202A_376G', 'Deficient'],
    ['Aachen', 'Deficient with CNSHA'],
  ])('hemizygous %s → %s', (allele, phenotype) => {
    expect(callPhenotype('G6PD', [allele], { sex: 'male' }).phenotype).toBe(phenotype);
  });

  it.each([
    ['202G>A_376A>G_1264C>G', 'Cosenza', 'Deficient'],
    ['202G>A_376A>G_1264C>G', 'Covao do Lobo', 'Deficient with CNSHA'],
    ['202G>A_376A>G_1264C>G', 'Dagua', 'Indeterminate'],
    ['202G>A_376A>G_1264C>G', 'Insuli', 'Variable'],
    ['A- 202A_376G', 'B (reference)', 'Variable'],
    ['B (reference)', 'Mt Sinai', 'Variable'],
    ['A', 'Asahi', 'Variable'],
    ['Asahi', 'Viangchan, Jammu', 'Deficient'],
    ['Cassano', 'Union,Maewo, Chinese-2, Kalo', 'Deficient'],
  ])('two X alleles %s + %s → %s', (a, b, phenotype) => {
    expect(callPhenotype('G6PD', [a, b], { sex: 'female' }).phenotype).toBe(phenotype);
  });

  it('reads two identical alleles of a male patient as hemizygous, and says it assumed so', () => {
    const call = callPhenotype('G6PD', ['A- 202A_376G', 'A- 202A_376G'], { sex: 'male' });
    expect(call.phenotype).toBe('Deficient');
    expect(call.assumed).toEqual([expect.stringMatching(/two identical alleles .*male.*hemizygous/)]);
  });

  it('reads one allele of a patient recorded as female as hemizygous, and says it assumed so', () => {
    const call = callPhenotype('G6PD', ['A- 202A_376G'], { sex: 'female' });
    expect(call.phenotype).toBe('Deficient');
    expect(call.assumed).toEqual([expect.stringMatching(/one allele .*recorded as female.*hemizygous/)]);
    // A male patient's one allele is what the laboratory reports for one X: nothing assumed.
    expect(callPhenotype('G6PD', ['A- 202A_376G'], { sex: 'male' }).assumed).toBeUndefined();
  });

  it('refuses two different alleles for a male patient', () => {
    expect(callPhenotype('G6PD', ['A', 'Aachen'], { sex: 'male' }).phenotype).toBe('Indeterminate');
  });
});

describe('HLA allele status', () => {
  it('marks a carrier positive for the allele and negative for the other risk alleles', () => {
    const call = callPhenotype('HLA-B', ['*57:01/*44:02']);
    expect(call.alleleStatus).toEqual({ '*15:02': 'negative', '*57:01': 'positive', '*58:01': 'negative' });
  });

  it('marks a non-carrier negative', () => {
    expect(callPhenotype('HLA-A', ['HLA-A*02:01/HLA-A*24:02']).alleleStatus).toEqual({
      '*31:01': 'negative',
    });
  });

  it('reads HLA alleles with more than two fields at two-field resolution', () => {
    const call = callPhenotype('HLA-B', ['HLA-B*15:02:01/HLA-B*40:01']);
    expect(call.alleleStatus?.['*15:02']).toBe('positive');
    expect(call.notes.join(' ')).toMatch(/two-field/);
  });

  it('reads allele names written before 2010 without colons, and says how it read them', () => {
    const call = callPhenotype('HLA-B', ['HLA-B*5701/HLA-B*440201']);
    expect(call.alleleStatus).toEqual({ '*15:02': 'negative', '*57:01': 'positive', '*58:01': 'negative' });
    expect(call.notes).toContain('HLA-B*5701 read as *57:01 (name written before 2010)');
    expect(callPhenotype('HLA-A', ['*3101/*0201']).alleleStatus).toEqual({ '*31:01': 'positive' });
  });
});

describe('allele names', () => {
  it.each(['CYP2C19*2/*17', '*2/*17', '*17/*2', ' cyp2c19 *2 / *17 ', 'CYP2C19*2/CYP2C19*17'])(
    '%s is the CPIC diplotype *2/*17',
    (text) => {
      const cpic = diplotypeTable('CYP2C19').find((r) => r[0] === '*2/*17');
      expect(callPhenotype('CYP2C19', [text]).phenotype).toBe(cpic?.[1]);
    },
  );

  it('maps a sub-allele to the CPIC core allele and says so', () => {
    const call = callPhenotype('CYP2C19', ['*2.001/*1']);
    expect(call.alleles).toEqual(['*2', '*1']);
    expect(call.notes.join(' ')).toMatch(/sub-allele \*2\.001/);
  });

  it('maps a letter sub-allele when CPIC defines only the core allele', () => {
    const call = callPhenotype('CYP2C19', ['*1/*4B']);
    expect(call.alleles).toEqual(['*1', '*4']);
  });

  it('keeps a lettered allele CPIC defines (TPMT *3A)', () => {
    expect(callPhenotype('TPMT', ['*1/*3A']).alleles).toEqual(['*1', '*3A']);
  });

  it('reads a DPYD star alias as the CPIC variant name', () => {
    const call = callPhenotype('DPYD', ['*2A/Reference']);
    expect(call.alleles).toContain('c.1905+1G>A (*2A)');
  });

  it('reads each variant of a DPYD haplotype CPIC names by its variants, as that haplotype', () => {
    // CPIC keeps HapB3 for tests that report only its tag variant c.1236G>A.
    const hapB3 = Object.keys(cpicGene('DPYD').alleles).find((a) => a.endsWith('(HapB3)'));
    expect(hapB3).toBeDefined();
    const call = callPhenotype('DPYD', ['c.1236G>A/Reference']);
    expect(call.alleles).toContain(hapB3);
    expect(call.phenotype).toBe(callPhenotype('DPYD', [`${hapB3 ?? ''}/Reference`]).phenotype);
    expect(call.phenotype).not.toBe('Indeterminate');
  });

  it.each([
    // The genotype at the variant a gene's CPIC alleles are named by.
    ['VKORC1', 'rs9923231 C/T', 'rs9923231 reference (C)/rs9923231 variant (T)'],
    ['VKORC1', 'VKORC1 rs9923231 TT', 'rs9923231 variant (T)/rs9923231 variant (T)'],
    ['ABCG2', 'rs2231142 G/T', 'rs2231142 reference (G)/rs2231142 variant (T)'],
    // VKORC1 in the promoter notation CPIC's phenotypes use (`-1639 AG`), and its rsID written with those nucleotides.
    ['VKORC1', '-1639 AG', 'rs9923231 reference (C)/rs9923231 variant (T)'],
    ['VKORC1', 'c.-1639 G/A', 'rs9923231 reference (C)/rs9923231 variant (T)'],
    ['VKORC1', 'VKORC1 -1639G>A homozygous', 'rs9923231 variant (T)/rs9923231 variant (T)'],
    ['VKORC1', '-1639 GG', 'rs9923231 reference (C)/rs9923231 reference (C)'],
    ['VKORC1', 'rs9923231 G/A', 'rs9923231 reference (C)/rs9923231 variant (T)'],
    // A zygosity the lab states that agrees with the alleles.
    ['CYP2C19', '*1/*2 (heterozygous)', '*1/*2'],
    ['CYP2C9', 'CYP2C9 *3/*3 (homozygous)', '*3/*3'],
    ['CYP2C19', '*2 homozygous', '*2/*2'],
    ['TPMT', 'TPMT*3A, homozygous', '*3A/*3A'],
    // One variant heterozygous, where CPIC names the allele with none of the variants tested `Reference`.
    ['DPYD', 'c.1905+1G>A heterozygous', 'Reference/c.1905+1G>A (*2A)'],
    ['DPYD', 'DPYD HapB3 (heterozygous)', 'Reference/c.1129-5923C>G, c.1236G>A (HapB3)'],
    ['RYR1', 'c.7300G>A heterozygous', 'Reference/c.7300G>A'],
  ])('%s %s is read as CPIC %s', (gene, text, diplotype) => {
    const row = diplotypeTable(gene).find((r) => r[0] === diplotype);
    expect(row).toBeDefined();
    expect(callPhenotype(gene, [text]).phenotype).toBe(row?.[1]);
  });

  it.each([
    // Nucleotides of both notations at once, a stated reference that is the variant, no genotype; another variant, a
    // gene of star alleles.
    ['VKORC1', 'rs9923231 C/A'],
    ['VKORC1', '-1639A>G homozygous'],
    ['VKORC1', '-1639G>A'],
    ['VKORC1', '-1640 AA'],
    ['VKORC1', 'rs2231142 C/T'],
    ['SLCO1B1', 'rs4149056 T/C'],
    // A zygosity that contradicts the alleles, or leaves one unnamed.
    ['CYP2C19', '*1/*2 (homozygous)'],
    ['CYP2C19', '*2/*2 heterozygous'],
    ['CYP2C19', '*2 heterozygous'],
  ])('%s %s is not read', (gene, text) => {
    expect(callPhenotype(gene, [text]).phenotype).toBe('Indeterminate');
  });

  it('reads an allele reported alone only when CPIC gives it the same call with every other allele', () => {
    const withVariant = (gene: string, allele: string) =>
      diplotypeTable(gene).filter((row) => row[0].split('/').includes(allele));
    // Every RYR1 diplotype holding c.7300G>A has one phenotype in CPIC's table.
    const ryr1 = new Set(withVariant('RYR1', 'c.7300G>A').map((row) => row[1]));
    expect(ryr1.size).toBe(1);
    const call = callPhenotype('RYR1', ['RYR1 c.7300G>A']);
    expect(call.phenotype).toBe([...ryr1][0]);
    expect(call.notes.join(' ')).toMatch(/reported alone/);
    expect(call.assumed).toEqual([expect.stringMatching(/other allele not reported/)]);
    // A lone DPYD variant's call depends on its partner: not read.
    const dpyd = new Set(withVariant('DPYD', 'c.1905+1G>A (*2A)').map((row) => row[1]));
    expect(dpyd.size).toBeGreaterThan(1);
    expect(callPhenotype('DPYD', ['c.1905+1G>A']).phenotype).toBe('Indeterminate');
  });

  it('gives Indeterminate with the reason for an unknown allele, never a guess', () => {
    const call = callPhenotype('CYP2C19', ['*1/*999']);
    expect(call.phenotype).toBe('Indeterminate');
    expect(call.notes.join(' ')).toMatch(/\*999.*not defined by CPIC/);
  });
});

describe('UGT1A1 TA repeats, as laboratories count them', () => {
  /** PharmCAT's UGT1A1 definition (CPIC's repeat allele of each named allele) and ClinVar's usual count, transcribed. */
  const supplement = JSON.parse(
    readFileSync(knowledgePath('cpic', 'supplements', 'ugt1a1-ta-repeat.json'), 'utf8'),
  ) as {
    namedAlleles: Record<string, { rs3064744: string }>;
    usualCount: { offset: number };
  };
  const alleles = Object.entries(supplement.namedAlleles).map(([name, { rs3064744 }]) => {
    const hgvs = Number(/^TA\((\d+)\)$/.exec(rs3064744)?.[1]);
    return { name, hgvs, usual: hgvs + supplement.usualCount.offset };
  });
  const pairs = alleles.flatMap((a) => alleles.map((b) => [a, b] as const));
  /** CPIC's row for a diplotype, in either order. */
  const cpicRow = (a: string, b: string) =>
    diplotypeTable('UGT1A1').find((r) => r[0] === `${a}/${b}` || r[0] === `${b}/${a}`);

  it('has the four repeat alleles CPIC defines to test', () => {
    expect(alleles.map((a) => a.name).sort()).toEqual(['*1', '*28', '*36', '*37']);
    expect(alleles.every((a) => Number.isInteger(a.hgvs))).toBe(true);
  });

  it.each(
    pairs.map(([a, b]) => [`(TA)${a.usual}/(TA)${b.usual}`, `TA[${a.hgvs}]/TA[${b.hgvs}]`, a.name, b.name]),
  )('reads %s and %s as CPIC %s/%s', (usual, hgvs, a, b) => {
    const row = cpicRow(a, b);
    expect(row).toBeDefined();
    for (const text of [usual, hgvs, `UGT1A1 A${usual.replace('/', 'TAA/A')}TAA`]) {
      const call = callPhenotype('UGT1A1', [text]);
      expect(call.phenotype).toBe(row?.[1]);
      expect([...call.alleles].sort()).toEqual([a, b].sort());
    }
  });

  it('reads a star allele and a repeat count together, and says once how a homozygous count was read', () => {
    const star28 = alleles.find((a) => a.name === '*28');
    expect(callPhenotype('UGT1A1', [`*1/(TA)${star28?.usual}`]).alleles).toEqual(['*1', '*28']);
    const notes = callPhenotype('UGT1A1', [`(TA)${star28?.usual}/(TA)${star28?.usual}`]).notes;
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/read as CPIC allele \*28/);
  });

  it.each(['TA(7)/TA(8)', '6/7', 'TA6/TA7'])(
    'refuses %s, which is written in both counts, and asks for the star alleles',
    (text) => {
      const call = callPhenotype('UGT1A1', [text]);
      expect(call.phenotype).toBe('Indeterminate');
      expect(call.notes.join(' ')).toMatch(
        /does not say how the TA repeats were counted: ask the laboratory/,
      );
    },
  );

  it('leaves a count CPIC defines no allele for unread', () => {
    const longest = Math.max(...alleles.map((a) => a.usual));
    const call = callPhenotype('UGT1A1', [`(TA)6/(TA)${longest + 1}`]);
    expect(call.phenotype).toBe('Indeterminate');
    expect(call.notes.join(' ')).toMatch(/is not defined by CPIC/);
  });

  it('reads repeat counts for UGT1A1 only', () => {
    expect(callPhenotype('CYP2C19', ['(TA)6/(TA)7']).phenotype).toBe('Indeterminate');
  });
});

describe('normalizePhenotype', () => {
  it('maps lab phenotype text to the CPIC term of the gene', () => {
    expect(normalizePhenotype('CYP2C19', 'likely poor metabolizer')).toBe('Likely Poor Metabolizer');
    expect(normalizePhenotype('SLCO1B1', 'decreased function')).toBe('Decreased Function');
    expect(normalizePhenotype('CYP2C19', 'green')).toBeUndefined();
  });

  it.each([
    ['CYP2C19', 'Ultra-rapid metabolizer', 'Ultrarapid Metabolizer'],
    ['CYP2C19', 'ULTRA RAPID METABOLIZER', 'Ultrarapid Metabolizer'],
    ['CYP2D6', 'Poor Metaboliser', 'Poor Metabolizer'],
    ['CYP2D6', 'Phenotype: Intermediate metabolizer (IM).', 'Intermediate Metabolizer'],
    ['CYP2D6', 'Patient is a poor metabolizer', 'Poor Metabolizer'],
    ['TPMT', 'Possible Intermediate Metabolizer', 'Possible Intermediate Metabolizer'],
    ['HLA-B', 'HLA-B*57:01 Positive', '*57:01 positive'],
    ['HLA-B', 'B*58:01: negative', '*58:01 negative'],
    ['HLA-B', 'HLA-B*5701 Positive', '*57:01 positive'],
    ['HLA-B', 'B*5801: negative', '*58:01 negative'],
    ['CFTR', 'Ivacaftor non-responsive in CF patients', 'ivacaftor non-responsive in CF patients'],
    // Words after the term that do not deny it: a former name, an interpretation, another statement.
    ['CYP2C19', 'Normal Metabolizer (previously Extensive Metabolizer)', 'Normal Metabolizer'],
    ['CYP2D6', 'Ultrarapid Metabolizer - duplication detected', 'Ultrarapid Metabolizer'],
    ['CYP2D6', 'Normal Metabolizer - no dose adjustment required', 'Normal Metabolizer'],
    ['CYP2D6', 'Normal Metabolizer. No action needed.', 'Normal Metabolizer'],
    ['CYP2C9', 'Intermediate Metabolizer (activity score 1.0)', 'Intermediate Metabolizer'],
  ])('reads %s "%s" as the CPIC term %s', (gene, text, term) => {
    expect(cpicGene(gene).phenotypes).toContain(term);
    expect(normalizePhenotype(gene, text)).toBe(term);
  });

  it('never reads a term its statement denies, whatever the gene, term, case and punctuation', () => {
    // Every metabolizer term of every CPIC gene (the HLA and CFTR terms are read clause by clause elsewhere).
    const terms = Object.entries(cpicGenes()).flatMap(([gene, g]) =>
      g.phenotypes.filter((t) => /Metabolizer$/.test(t)).map((term) => ({ gene, term })),
    );
    const denials = [
      (t: string) => `${t}: No`,
      (t: string) => `${t} (PM) - No`,
      (t: string) => `${t} - not detected`,
      (t: string) => `${t}: NOT PRESENT`,
      (t: string) => `${t} ruled out`,
      (t: string) => `${t} unlikely`,
      (t: string) => `Negative for ${t}`,
      (t: string) => `Rule out ${t.toLowerCase()}`,
      (t: string) => `Not a ${t}`,
      (t: string) => `No ${t} detected`,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...terms),
        fc.constantFrom(...denials),
        fc.constantFrom(
          (t: string) => t,
          (t: string) => t.toUpperCase(),
          (t: string) => t.toLowerCase(),
        ),
        fc.constantFrom('', '.', ';'),
        ({ gene, term }, deny, caseOf, end) => {
          expect(normalizePhenotype(gene, `${caseOf(deny(term))}${end}`)).toBeUndefined();
        },
      ),
      { numRuns: 400 },
    );
  });

  it.each([
    ['CYP2C19', 'Possible Intermediate Metabolizer'],
    ['CYP2D6', 'Likely poor metabolizer'],
    ['CYP2D6', 'not a poor metabolizer'],
    ['G6PD', 'Not deficient'],
    ['CYP2B6', 'Non-rapid metabolizer'],
    ['CYP2D6', 'Normal Metabolizer / Intermediate Metabolizer'],
    // The words after or before the term deny or doubt it.
    ['CYP2C19', 'Poor Metabolizer: No'],
    ['CYP2D6', 'Poor Metabolizer (PM) - No'],
    ['CYP2C19', 'Poor Metabolizer - not detected'],
    ['CYP2D6', 'Normal Metabolizer ruled out'],
    ['CYP2D6', 'Poor metabolizer unlikely'],
    ['CYP2C19', 'Intermediate Metabolizer, likely'],
    ['CYP2C19', 'Negative for Poor Metabolizer'],
    ['CYP2D6', 'Rule out poor metabolizer'],
  ])(
    'does not read %s "%s": words qualify or deny a term CPIC does not qualify, or it names two',
    (gene, text) => {
      expect(normalizePhenotype(gene, text)).toBeUndefined();
    },
  );
});
