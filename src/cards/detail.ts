/**
 * The markdown `detail` of a decision card: CPIC's recommendation verbatim, implications, the why-chain (genotype →
 * phenotype → CPIC row → sensor evidence), strength, population, other rows, versions and PMIDs.
 * All data is escaped (`escapeMarkdown`), so it renders exactly as written and never as HTML.
 */
import { rowOf } from '../rules/cpic/types';
import type { CpicRow, GeneResult, ResultReading } from '../rules/cpic/types';
import type { Decision, SensorModifier } from '../rules/types';
import { decisionExplanation, decisionRuleIds } from '../rules/types';
import { escapeMarkdown as md } from './text';

/** Every line of `text` as a markdown blockquote line (CPIC texts may hold paragraphs). */
function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.trim() ? `> ${md(line)}` : '>'))
    .join('\n');
}

function rowHeading(row: CpicRow): string {
  const parts = [
    row.strength ? `strength: ${row.strength}` : 'strength: not graded',
    ...(row.population && row.population !== 'general' ? [`population: ${row.population}`] : []),
  ];
  return parts.map(md).join('; ');
}

function rowSection(row: CpicRow): string[] {
  return [
    `**CPIC recommendation** (${rowHeading(row)}):`,
    '',
    quote(row.recommendation),
    '',
    ...(row.implications.length > 0
      ? ['**Implications:**', '', ...row.implications.map((i) => `- ${md(i)}`), '']
      : []),
    ...(row.otherConsiderations ? ['**Other considerations:**', '', quote(row.otherConsiderations), ''] : []),
  ];
}

/** What a source gave, in words (issue 14: say what was read). */
const READING_WORDS: Readonly<Record<ResultReading['kind'], string>> = {
  genotype: 'genotype',
  haplotype: 'haplotype',
  presence: 'presence result',
  'lab-phenotype': 'laboratory phenotype',
};

/** Each source once, with what was read from it: `Observation/a (genotype), Observation/b (laboratory phenotype)`. */
function sourcesRead(gene: GeneResult): string {
  const readings = gene.readings ?? [];
  return [...new Set(gene.sources)]
    .map((source) => {
      const reading = readings.find((r) => r.source === source);
      return reading
        ? `${source} (${READING_WORDS[reading.kind]}${reading.text ? ', free text' : ''})`
        : source;
    })
    .join(', ');
}

function geneEvidence(gene: GeneResult): string {
  const kinds = [...new Set((gene.readings ?? []).map((r) => READING_WORDS[r.kind]))];
  const read = gene.diplotype ?? gene.alleles?.join('/') ?? (kinds.join(' and ') || 'phenotype reported');
  const parts = [
    `${gene.gene} ${read} → ${gene.phenotype}${gene.activityScore ? ` (activity score ${gene.activityScore})` : ''}`,
    `from ${sourcesRead(gene)}${gene.date ? ` dated ${gene.date}` : ''}`,
    ...(gene.reportedPhenotype ? [`laboratory reported "${gene.reportedPhenotype}"`] : []),
    ...(gene.reinterpreted ? ['re-interpreted under current CPIC'] : []),
  ];
  return `- ${md(parts.join('; '))}`;
}

const EVIDENCE_WORDING: Readonly<Record<SensorModifier['evidence'], string>> = {
  guideline: 'threshold from a guideline',
  label: 'threshold from the drug label',
  consensus: 'this rule rests on expert consensus, not on a pharmacogenomic guideline',
  design: 'this rule is a design choice of this service, not a pharmacogenomic guideline',
};

const EFFECT_WORDING: Readonly<Record<SensorModifier['effect'], string>> = {
  raise: 'raised the alert one step',
  lower: 'lowered the alert one step',
  context: 'shown for context only; did not change the alert',
};

/**
 * One sensor modifier with everything wearables research §2.1 principle 5 asks a card to state. `withNote: false`
 * leaves out the modifier's note when the card shows it elsewhere (the rules engine puts it in the "Why" chain).
 */
export function sensorEvidence(m: SensorModifier, { withNote = true } = {}): string {
  const value = m.value === undefined ? 'no value' : `${m.value}${m.unit ? ` ${m.unit}` : ''}`;
  const parts = [
    `${m.metric}: ${value}`,
    ...(m.window ? [`window ${m.window.start} to ${m.window.end}`] : []),
    `data ${m.status}`,
    ...(m.devices.length > 0 ? [`device ${m.devices.join(', ')}`] : []),
    ...(m.newestSample ? [`last sample ${m.newestSample}`] : []),
    ...(m.threshold ? [`threshold ${m.threshold}`] : []),
    EFFECT_WORDING[m.effect],
    EVIDENCE_WORDING[m.evidence],
    `source: ${m.source}`,
    `rule ${m.ruleId}`,
  ];
  return `- ${md(`${parts.join('; ')}.${withNote ? ` ${m.note}` : ''}`)}`;
}

function pmidLinks(pmids: readonly string[]): string {
  return pmids
    .filter((p) => /^\d+$/.test(p))
    .map((p) => `[${p}](https://pubmed.ncbi.nlm.nih.gov/${p}/)`)
    .join(', ');
}

/** The detail markdown for a decision; `notes` are what the suggestion builders could not offer, and why. */
export function decisionDetail(decision: Decision, notes: readonly string[]): string {
  const { finding } = decision;
  const row = rowOf(finding);
  const explanation = decisionExplanation(decision);
  const lines: string[] = [];
  if (row) lines.push(...rowSection(row));
  const otherRows = finding.kind === 'recommendation' ? finding.alternatives : [];
  if (otherRows.length > 0) {
    lines.push('**Other CPIC rows that may apply** (not decidable from the order):', '');
    for (const alt of otherRows) {
      lines.push(`- ${md(alt.label)} (${rowHeading(alt.row)}):`, '', quote(alt.row.recommendation), '');
    }
  }
  lines.push('**Why:**', '', ...explanation.map((e) => `- ${md(e)}`), '');
  if (finding.genes.length > 0) lines.push('**Results used:**', '', ...finding.genes.map(geneEvidence), '');
  if (decision.modifiers.length > 0) {
    // A note the "Why" chain already gives is not repeated.
    const evidence = decision.modifiers.map((m) =>
      sensorEvidence(m, { withNote: !explanation.some((line) => line.includes(m.note)) }),
    );
    lines.push('**Sensor evidence:**', '', ...evidence, '');
  }
  if (notes.length > 0) lines.push('**Not suggested:**', '', ...notes.map((n) => `- ${md(n)}`), '');
  const pmids = row ? pmidLinks(row.pmids) : '';
  lines.push(
    `Knowledge ${md(finding.knowledgeVersion)}; thresholds ${md(decision.thresholdVersion)}; rules ${md(decisionRuleIds(decision).join(', '))}.${pmids ? ` PMIDs: ${pmids}.` : ''}`,
  );
  return lines.join('\n');
}
