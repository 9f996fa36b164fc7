/**
 * The markdown `detail` of a decision card, written to be read in five seconds (issue 9): it leads with CPIC's
 * recommendation (verbatim) — what to do — then one short "why" (genotype → phenotype → CPIC row → sensor evidence),
 * then the rows of other populations that may apply, CPIC's implications, the results used, the sensor evidence with
 * human dates, and the provenance. No sentence is said twice, and no internal note (rule ids, research file paths or
 * sections, "verify" marks, raw timestamps) reaches it. All data is escaped (`escapeMarkdown`), so it renders exactly
 * as written and never as HTML.
 */
import { firstCitation } from '../rules/citations';
import { copyNumberPhenotypes, populationWords, reinterpretationSentence } from '../rules/cpic';
import { lookupKeyText } from '../rules/cpic/recommendations';
import { rowOf } from '../rules/cpic/types';
import { adviceOf } from '../rules/advice';
import type { CpicRow, Finding, GeneResult, ResultReading } from '../rules/cpic/types';
import type { Decision, SensorModifier } from '../rules/types';
import {
  limitsOf,
  metricValueText,
  movedReadingsText,
  readingDayText,
  reasonText,
  thresholdText,
  windowText,
} from './sensor-text';
import { calendarDate, escapeMarkdown as md, listPhrase, versionsText } from './text';
import type { CalledGene } from './text';
import type { Caution } from './suggestions';

/** Every line of `text` as a markdown blockquote line (CPIC texts may hold paragraphs). */
/** CPIC text as a markdown quote; `indent` nests it under the list item before it (CommonMark: its content column). */
function quote(text: string, indent = ''): string {
  return text
    .split('\n')
    .map((line) => `${indent}${line.trim() ? `> ${md(line)}` : '>'}`)
    .join('\n');
}

/** The sentences of a text (CPIC's rows are sentences ending in "."). */
function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A row's strength as cards write it: `CPIC Strong`, or `CPIC, not graded`. */
export function strengthText(row: CpicRow): string {
  return row.strength ? `CPIC ${row.strength}` : 'CPIC, not graded';
}

/**
 * What the "What to do" heading says of the row led with: its strength and population (`CPIC Strong; ACS and/or
 * PCI`), and the result it is for when other rows differ by result (`CPIC Strong; CYP2D6 activity score ≥3.0`).
 */
export function rowAbout(row: CpicRow, others: ReturnType<typeof otherRows>): string {
  return [
    strengthText(row),
    ...(row.population && row.population !== 'general' ? [populationWords(row.population)] : []),
    ...(others.byPopulation || !others.leading ? [] : [others.leading]),
  ].join('; ');
}

/** What a source gave, in words (issue 14: say what was read). */
const READING_WORDS: Readonly<Record<ResultReading['kind'], string>> = {
  genotype: 'genotype',
  haplotype: 'haplotype',
  presence: 'presence result',
  'lab-phenotype': 'laboratory phenotype',
  'activity-score': 'laboratory activity score without a genotype',
};

/** By whom and when a source was produced, in words: `Acme Lab, 12 Jun 2025`. */
function readingAbout(reading: ResultReading): string {
  const date = reading.date === undefined ? undefined : calendarDate(reading.date);
  return [reading.producer, date].filter((part): part is string => part !== undefined).join(', ');
}

/**
 * Each source once, described by kind, producer and date, never by its resource id: `a genotype in free text (Acme
 * Lab, 12 Jun 2025) and a laboratory phenotype (Acme Lab, 12 Jun 2025)`; sources alike are counted (`2 presence
 * results (…)`).
 */
function sourcesRead(gene: GeneResult): string {
  const bySource = new Map<string, ResultReading>();
  for (const r of gene.readings ?? []) if (!bySource.has(r.source)) bySource.set(r.source, r);
  const alike = new Map<string, { noun: string; form: string; about: string; count: number }>();
  for (const source of new Set(gene.sources)) {
    const reading = bySource.get(source);
    const noun = reading ? READING_WORDS[reading.kind] : 'result';
    // How the value was written belongs to the source, not to who produced it: "a genotype in free text (Acme Lab)".
    const form = reading?.text ? ' in free text' : '';
    const about = reading ? readingAbout(reading) : '';
    const key = `${noun}|${form}|${about}`;
    const seen = alike.get(key);
    alike.set(key, { noun, form, about, count: (seen?.count ?? 0) + 1 });
  }
  return listPhrase(
    [...alike.values()].map(
      ({ noun, form, about, count }) =>
        `${count === 1 ? `a ${noun}` : `${count} ${noun}s`}${form}${about ? ` (${about})` : ''}`,
    ),
  );
}

/**
 * An unreported copy number whose readings agree (`*1/*2xN`): which readings the call holds for. Readings that
 * differ are the detail's first reason instead (`rules/cpic/recommendations.ts`).
 */
function copyNumberPart(gene: GeneResult): string[] {
  const readings = gene.copyNumberReadings ?? [];
  if (readings.length === 0 || copyNumberPhenotypes(gene).length > 1) return [];
  const diplotypes = readings.map((r) => r.diplotype);
  return [
    diplotypes.length === 1
      ? `copy number not reported, read as ${diplotypes[0] ?? ''}`
      : `copy number not reported, the same for ${listPhrase(diplotypes)}`,
  ];
}

/**
 * A result's phenotype in words; an unreported copy number whose readings differ reads as what it may be: `Normal or
 * Ultrarapid Metabolizer` (a shared last word said once), not `Indeterminate`.
 */
export function phenotypeWords(result: GeneResult): string {
  const phenotypes = copyNumberPhenotypes(result);
  if (phenotypes.length < 2) return result.phenotype;
  const last = phenotypes[0]?.split(' ').pop() ?? '';
  return phenotypes.every((p) => p.endsWith(` ${last}`))
    ? `${phenotypes.map((p) => p.slice(0, -last.length - 1)).join(' or ')} ${last}`
    : phenotypes.join(' or ');
}

/**
 * One gene's "Results used" line: the genotype and what current CPIC calls it (`CYP2D6 *1/*4 → Intermediate
 * Metabolizer`), or the phenotype alone when no genotype was read, then its sources. What the laboratory reported is
 * said when it differs from the phenotype shown (a re-interpretation), never as a repeat of it; what the call assumed
 * that the laboratory did not report (`GeneResult.assumed`) last.
 */
function geneEvidence(gene: GeneResult): string {
  const genotype = gene.diplotype ?? gene.alleles?.join('/');
  const dated = gene.readings?.some((r) => r.date !== undefined)
    ? undefined
    : gene.date && calendarDate(gene.date);
  const from = (gene.readings ?? []).length > 0 ? sourcesRead(gene) : undefined;
  const score = gene.activityScore ? ` (activity score ${gene.activityScore})` : '';
  const reported = gene.reportedPhenotype;
  const parts = [
    genotype
      ? `${gene.gene} ${genotype} → ${phenotypeWords(gene)}${score}`
      : `${gene.gene} ${phenotypeWords(gene)}${score}`,
    ...copyNumberPart(gene),
    ...(from ? [`from ${from}`] : [`phenotype reported`]),
    ...(dated ? [`dated ${dated}`] : []),
    // A re-interpretation is its own sentence after the line (`reinterpretationSentence`); a lab phenotype that
    // differs otherwise (not re-interpreted: the genotype could not be called) is named here.
    ...(reported && reported !== gene.phenotype && !gene.reinterpreted
      ? [`laboratory reported "${reported}"`]
      : []),
    // What the call took for granted changes what the result means: said here, not only behind the card.
    ...(gene.assumed ?? []),
  ];
  const sentence = reinterpretationSentence(gene);
  return `- ${md(parts.join('; '))}${sentence ? `. ${md(sentence)}` : ''}`;
}

const EVIDENCE_WORDING: Readonly<Record<SensorModifier['evidence'], string>> = {
  guideline: 'threshold from a guideline',
  label: 'threshold from the drug label',
  consensus: 'expert consensus, not a pharmacogenomic guideline',
  design: "this service's design choice, not a pharmacogenomic guideline",
};

const STEP_WORDS = ['', 'one step', 'two steps', 'three steps'];

/** Why a night-time measure read in UTC cannot lower an alert (`SensorModifier.localTimeUnknown`). */
const UTC_NIGHT = "the readings do not say the patient's local time";

/**
 * What one modifier did, in words: "below 60/min: raised the alert", "not used: the data are stale (newest reading
 * 25 Nov)" (also the explanation page's wording, `src/links/explanation.ts`). `alert`: the alert moved, where the card
 * is not that alert (the patient summary: `the alert on a metoprolol order`); said as what the reading would do, since
 * no such alert is shown with the summary ("would raise the alert on a metoprolol order to critical").
 */
export function modifierEffect(m: SensorModifier, raisedTo?: string, alert?: string): string {
  const threshold = thresholdText(m);
  const [raise, lower] = alert === undefined ? ['raised', 'lowered'] : ['would raise', 'would lower'];
  const moved = alert ?? 'the alert';
  // Night-time hours read on UTC: said once, where it changes what the reading did (research §2.1 principle 5).
  const utcNight = m.localTimeUnknown === true ? UTC_NIGHT : undefined;
  switch (m.effect) {
    case 'raise':
      return `${threshold ?? 'threshold met'}: ${raise} ${moved}${raisedTo ? ` to ${raisedTo}` : ''}${lowCoverage(m)}${utcNight ? ` (night-time hours taken in UTC: ${utcNight})` : ''}`;
    case 'lower':
      return `${threshold ?? 'in range'}: ${lower} ${moved} ${STEP_WORDS[1] ?? ''}`;
    case 'context': {
      if (m.status === 'stale')
        return `not used: the data are stale${m.newestSample ? ` (newest reading ${dayOf(m.newestSample)})` : ''}`;
      if (m.status === 'insufficient') {
        const why = (m.reasons ?? []).map(reasonText).join('; ');
        return `not used: insufficient data${why ? ` (${why})` : ''}`;
      }
      if (utcNight && m.met !== true) return `not used to lower the alert: ${utcNight}`;
      // A context rule that shows the measure whatever its value (`≥ 0`) has no threshold worth saying.
      return threshold && !/^at or above 0(?![\d.])/.test(threshold)
        ? `${threshold}: shown for context; the alert is unchanged`
        : 'shown for context; the alert is unchanged';
    }
  }
}

/**
 * A raise on too little data (a trigger marked `evenWithLowCoverage`, research §2.4: "escalate even with low coverage
 * but say so"): ", even though readings were on only 2 of 7 days: a value this low counts on little data".
 */
function lowCoverage(m: SensorModifier): string {
  if (m.status !== 'insufficient') return '';
  const days = m.window
    ? Math.round((Date.parse(m.window.end) - Date.parse(m.window.start)) / 86_400_000)
    : undefined;
  if (m.daysWithData !== undefined && days !== undefined && days > 0)
    return `, even though readings were on only ${String(m.daysWithData)} of ${String(days)} days: a value this low counts on little data`;
  const why = (m.reasons ?? []).map(reasonText).join('; ');
  return `, even though there was too little data for the usual rule${why ? ` (${why})` : ''}`;
}

function dayOf(iso: string): string {
  return reasonText(iso);
}

/** A markdown list item as plain text (no list marker, no markdown escapes), for pages that show text. */
function plainItem(line: string): string {
  return line.replace(/^- /, '').replace(/\\(.)/g, '$1');
}

/** `sensorEvidenceLines` as plain text, for pages that show text, not markdown. */
export function sensorEvidenceTexts(modifiers: readonly SensorModifier[]): string[] {
  return sensorEvidenceLines(modifiers).map(plainItem);
}

/** A gene's "Results used" line as plain text: `CYP2C19 *2/*2 → Poor Metabolizer; from a genotype (GeneDx, 18 Oct 2025)`. */
export function geneEvidenceText(gene: GeneResult): string {
  return plainItem(geneEvidence(gene));
}

/** A citation without its "design choice" mark (`(clinical convention, design choice)` → `(clinical convention)`). */
function withoutDesignMark(citation: string): string {
  // Cited text has its spaces collapsed already (`firstCitation`): one optional space is all there is.
  return citation
    .replace(/ ?\(design choice\)/g, '')
    .replace(/, ?design choice(?=\))/g, '')
    .replace(/\(design choice, ?/g, '(');
}

/**
 * One markdown list item per metric the rules read: the value and its window, then what each rule did with it (two
 * triggers on one metric make one line, not two near-identical ones). Wearables research §2.1 principle 5: metric,
 * value, window, coverage, device, threshold and its source are stated.
 */
export function sensorEvidenceLines(
  modifiers: readonly SensorModifier[],
  raisedTo?: string,
  /**
   * What the rules would move, where the card is not that alert itself (the patient summary: `the alert on a metoprolol
   * order`): said as what the readings would do (`modifierEffect`).
   */
  alert?: string,
): string[] {
  const byMetric = new Map<string, SensorModifier[]>();
  for (const m of modifiers) {
    const same = byMetric.get(m.metric);
    if (same) same.push(m);
    else byMetric.set(m.metric, [m]);
  }
  let previousCited = '';
  return [...byMetric.values()].flatMap((group) => {
    const [first] = group;
    if (!first) return [];
    const window = windowText(first);
    const strongest = group.filter((m) => m.effect === 'raise').length;
    const effects = [
      ...new Set(
        group.map((m, i) =>
          modifierEffect(m, strongest > 0 && i === group.length - 1 ? raisedTo : undefined, alert),
        ),
      ),
    ];
    const acted = group.filter((m) => m.effect !== 'context' || m.status === 'sufficient');
    // The label says "this service's design choice" for design values: a source's own "design choice" mark is not
    // said again beside it ("RR < 10/min (clinical convention)").
    const designOnly = acted.length > 0 && acted.every((m) => m.evidence === 'design');
    const sources = [
      ...new Set(
        acted.map((m) => {
          const cited = firstCitation(m.source);
          return designOnly ? withoutDesignMark(cited) : cited;
        }),
      ),
    ].filter(Boolean);
    const evidence = [...new Set(acted.map((m) => EVIDENCE_WORDING[m.evidence]))].join('; ');
    const cited =
      acted.length === 0
        ? ''
        : sources.length > 0
          ? ` Source: ${sources.join('; ')} (${evidence}).`
          : ` Threshold: ${evidence}.`;
    // A source the line before cited already is not said again (three CGM metrics share one consensus).
    const said = cited !== '' && cited === previousCited ? ' Same source.' : cited;
    previousCited = cited;
    return [
      `- ${md(`${metricValueText(first.metric, first.value, first.unit, 'long', limitsOf(group, first.metric))}${readingDayText(first)}${window ? ` (${window})` : ''}: ${effects.join('; ')}.${said}`)}`,
    ];
  });
}

/**
 * What the wearable readings did to the alert, as a Why says it (`resting HR 54/min: alert raised to critical`); the
 * card's chain and the explanation page's reasoning end with it. Undefined when no reading moved the alert.
 */
export function sensorEffectText(decision: Decision): string | undefined {
  const readings = movedReadingsText(decision.modifiers);
  if (readings === '') return undefined;
  const direction = decision.modifiers.some((m) => m.effect === 'raise') ? 'raised' : 'lowered';
  return `${readings}: alert ${direction} to ${decision.decidedIndicator ?? decision.indicator}`;
}

/**
 * The short "why" chain: genotype → phenotype → CPIC row (or safety rule) → what the sensors did to the alert. Only
 * when the sensors moved the alert: otherwise it would only repeat the "What to do" heading (strength and population)
 * and the "Results used" lines (genotype → phenotype).
 */
function whyChain(decision: Decision, row: CpicRow | undefined): string | undefined {
  const { finding } = decision;
  // What the alert rests on before the sensors: the CPIC row, or for a drug CPIC does not grade, the safety rule.
  const population = row?.population && row.population !== 'general' ? row.population : undefined;
  const basis = row
    ? `CPIC ${finding.drug} recommendation (${row.strength ?? 'not graded'}${population ? `, ${populationWords(population)}` : ''})`
    : finding.kind === 'safety-rule'
      ? `${finding.drug} safety rule`
      : undefined;
  const sensorEffect = sensorEffectText(decision);
  if (finding.genes.length === 0 || basis === undefined || sensorEffect === undefined) return undefined;
  const genes = finding.genes
    .map((g) =>
      `${g.gene} ${g.diplotype ?? g.alleles?.join('/') ?? ''} → ${g.phenotype}`.replace(/(?<!\s)\s+→/, ' →'),
    )
    .join('; ');
  return `${genes} → ${basis} → ${sensorEffect}; confirm clinically.`;
}

/** Another CPIC row the result or the order leaves open, labelled by what tells it apart. */
export interface OtherRow {
  /** `CYP2D6 activity score 2.0`, or the population in words (`neurovascular indications`, `phenytoin-naive`). */
  readonly label: string;
  /** `CPIC Strong`, `CPIC, not graded`. */
  readonly strength: string;
  readonly recommendation: string;
  /**
   * When the text is one said in full before, the row that said it: the one led with (`label` its `leading` words,
   * absent when there are none) or an earlier row (its label). Named rather than "the same" alone, which would read as
   * the row just above and is often not the one (clopidogrel: the non-ACS, non-PCI row repeats the ACS and/or PCI
   * row, not the neurovascular row listed between them).
   */
  readonly repeats?: { readonly label?: string };
}

/**
 * The CPIC rows shown after the one the card leads with, and whether they differ by population (an indication or
 * earlier use the record does not settle) rather than by result (the result does not settle which).
 */
export function otherRows(finding: Finding): {
  readonly rows: readonly OtherRow[];
  /**
   * What the row led with is for, when others follow: its population in words when they differ by population, else
   * the result it is looked up by (`CYP2D6 activity score ≥3.0`), which the card's heading does not otherwise say.
   */
  readonly leading?: string;
  readonly byPopulation: boolean;
} {
  const row = rowOf(finding);
  const alternatives = finding.kind === 'recommendation' ? finding.alternatives : [];
  const byPopulation = alternatives.some((alt) => alt.row.population !== row?.population);
  const leading =
    !row || alternatives.length === 0
      ? undefined
      : byPopulation
        ? row.population && populationWords(row.population)
        : lookupKeyText(row.lookupKey);
  // Each text with the row that said it first.
  const saidBy = new Map<string, { readonly label?: string }>(
    row ? [[row.recommendation, leading ? { label: leading } : {}]] : [],
  );
  return {
    byPopulation,
    ...(leading ? { leading } : {}),
    rows: alternatives.map((alt) => {
      const label = byPopulation && alt.row.population ? populationWords(alt.row.population) : alt.label;
      const repeats = saidBy.get(alt.row.recommendation);
      if (repeats === undefined) saidBy.set(alt.row.recommendation, { label });
      return {
        label,
        strength: strengthText(alt.row),
        recommendation: alt.row.recommendation,
        ...(repeats ? { repeats } : {}),
      };
    }),
  };
}

/**
 * What a decision adds to its CPIC row, in the card's words: the finding's explanation and notes without the gene
 * lines, the row's own text, sensor lines (said as sensor evidence) and, when other rows differ by population, the
 * population line.
 */
export function decisionReasons(
  decision: Decision,
  byPopulation = otherRows(decision.finding).byPopulation,
): string[] {
  const { finding } = decision;
  const geneStarts = finding.genes.map((g) => `${g.gene} `);
  const recommendationStart = rowOf(finding)?.recommendation.slice(0, 30);
  return [...finding.explanation, ...decision.notes].filter(
    (line) =>
      !geneStarts.some((g) => line.startsWith(g)) &&
      !(recommendationStart && line.includes(recommendationStart)) &&
      !/^Sensor /.test(line) &&
      !(byPopulation && line.startsWith('Population:')),
  );
}

/** Advice as the card says it: one sentence as a paragraph, more as a list. */
function adviceBlock(advice: readonly string[]): string[] {
  return advice.length === 1 ? [`${md(advice[0] ?? '')}.`] : advice.map((a) => `- ${md(a)}.`);
}

/**
 * The results a card's provenance line dates the allele functions of: the finding's, and for results that disagree,
 * each as it would be read alone (what the card's "if … is right" lines rest on).
 */
function calledGenes(finding: Finding): readonly CalledGene[] {
  if (finding.kind !== 'conflict') return finding.genes;
  return finding.conflicts.flatMap((c) => c.results.flatMap((r) => (r.alone ? [r.alone] : [])));
}

/** Marks, in a quoted CPIC row, sentences left out because the card says them above. */
const OMITTED = '[…]';

/**
 * The detail markdown for a decision; `notes` are what the suggestion builders could not offer, and why; `cautions`
 * CPIC's sentences restricting an alternative a suggestion offers, said once before the rows' implications (a client
 * that shows only the suggestion's button shows none of its description).
 */
export function decisionDetail(
  decision: Decision,
  notes: readonly string[],
  leftOut?: string,
  cautions: readonly Caution[] = [],
): string {
  const { finding } = decision;
  const row = rowOf(finding);
  const lines: string[] = [];
  const said = new Set<string>();
  const say = (text: string): string[] => {
    const fresh = sentences(text).filter((s) => !said.has(s));
    for (const s of fresh) said.add(s);
    return fresh;
  };
  /**
   * CPIC text to quote, each sentence said before marked `[…]` (`cut`): undefined when every sentence was said before.
   */
  const sayMarked = (text: string): { readonly quoted?: string; readonly cut: boolean } => {
    const fresh = new Set(say(text));
    if (fresh.size === 0) return { cut: false };
    const marked = sentences(text)
      .map((sentence) => (fresh.has(sentence) ? sentence : OMITTED))
      .filter((sentence, i, list) => sentence !== OMITTED || list[i - 1] !== OMITTED);
    return { quoted: marked.join(' '), cut: marked.includes(OMITTED) };
  };
  const others = otherRows(finding);
  // A safety rule's advice is its What to do; what the readings ask for follows a CPIC row under its own heading.
  const { forResults, forReadings } = adviceOf(decision);
  const rulesOwn = finding.kind === 'safety-rule' ? [...forResults, ...forReadings] : [];
  const forSensorData = finding.kind === 'safety-rule' ? [] : forReadings;
  for (const a of [...rulesOwn, ...forSensorData]) say(a);
  // What the readings ask for comes first when they raised the alert and the drug may still be given: the check they
  // ask for ("Recheck the INR", "Confirm the QTc") is what the alert now turns on. Beside an "avoid" it follows.
  const readingsBlock =
    forSensorData.length > 0 ? ['**Given the sensor data:**', '', ...adviceBlock(forSensorData), ''] : [];
  const readingsFirst = finding.action !== 'avoid' && decision.modifiers.some((m) => m.effect === 'raise');
  if (readingsFirst) lines.push(...readingsBlock);
  if (row) {
    say(row.recommendation);
    lines.push(`**What to do** (${md(rowAbout(row, others))}):`, '', quote(row.recommendation), '');
  } else if (rulesOwn.length > 0) {
    lines.push('**What to do** (safety rule, not a CPIC guideline):', '', ...adviceBlock(rulesOwn), '');
  }
  if (!readingsFirst) lines.push(...readingsBlock);
  // Why: the chain, when the sensors moved the alert; then what the finding adds that is not the CPIC text or the gene
  // lines again.
  const chain = whyChain(decision, row);
  const why = [...(chain ? [chain] : []), ...decisionReasons(decision, others.byPopulation)].flatMap(
    (line) => (say(line).length > 0 ? [line] : []),
  );
  if (why.length > 0) lines.push('**Why:**', '', ...why.map((l) => `- ${md(l)}`), '');
  if (others.rows.length > 0) {
    lines.push(
      others.byPopulation
        ? '**For other patient groups** (the record does not say which applies; choose the row that fits):'
        : '**Other CPIC rows that may apply** (the result does not settle which):',
      '',
    );
    for (const other of others.rows) {
      const heading = `- ${md(other.label)} (${md(other.strength)}):`;
      if (other.repeats) {
        const { label } = other.repeats;
        lines.push(
          `${heading} the same recommendation ${label ? `as for ${md(label)}` : 'as under **What to do**'}.`,
          '',
        );
        continue;
      }
      // A sentence said before is not said again, but its place is marked: the neurovascular row begins "Avoid
      // clopidogrel if possible.", and a quotation of its second sentence alone would read as CPIC's whole advice for
      // that group, and a milder one. A row all of whose sentences were said, but spread over several rows, is quoted
      // whole (none is in the CPIC data now).
      const text = sayMarked(other.recommendation);
      lines.push(
        text.cut
          ? `- ${md(other.label)} (${md(other.strength)}; ${md(OMITTED)} marks what is given above):`
          : heading,
        '',
        // Inside the row's list item, so the label and its quote stay one item ("list end" is not read between them).
        quote(text.quoted ?? other.recommendation, '  '),
        '',
      );
    }
  }
  // Each sentence names the drug it restricts ("Prasugrel is contraindicated in patients with a history of stroke or
  // TIA."), so it is quoted as it stands.
  const before = cautions.flatMap((c) => c.sentences.flatMap((sentence) => say(sentence)));
  if (before.length > 0)
    lines.push('**Before switching** (CPIC):', '', ...before.map((b) => `- ${md(b)}`), '');
  if (row) {
    // CPIC repeats sentences across genes' implications: each is said once.
    const implications = row.implications.map((i) => say(i).join(' ')).filter(Boolean);
    if (implications.length > 0)
      lines.push('**Implications:**', '', ...implications.map((i) => `- ${md(i)}`), '');
    const considerations = row.otherConsiderations ? sayMarked(row.otherConsiderations).quoted : undefined;
    if (considerations !== undefined) lines.push('**Other considerations:**', '', quote(considerations), '');
  }
  if (finding.genes.length > 0) lines.push('**Results used:**', '', ...finding.genes.map(geneEvidence), '');
  if (decision.modifiers.length > 0 || leftOut !== undefined) {
    lines.push(
      '**Sensor evidence:**',
      '',
      ...sensorEvidenceLines(decision.modifiers, decision.decidedIndicator ?? decision.indicator),
      ...(leftOut === undefined ? [] : [`- ${md(leftOut)}`]),
      '',
    );
  }
  if (notes.length > 0) lines.push('**Not suggested:**', '', ...notes.map((n) => `- ${md(n)}`), '');
  const pmids = row ? pmidLinks(row.pmids) : '';
  lines.push(
    `${versionsText(finding.knowledgeVersion, decision.thresholdVersion, calledGenes(finding), decision.modifiers.length > 0)}${pmids ? ` PubMed: ${pmids}.` : ''}`,
  );
  return lines.join('\n');
}

function pmidLinks(pmids: readonly string[]): string {
  return pmids
    .filter((p) => /^\d+$/.test(p))
    .map((p) => `[${p}](https://pubmed.ncbi.nlm.nih.gov/${p}/)`)
    .join(', ');
}
