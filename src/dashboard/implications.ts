/**
 * CPIC implication text → plain sentences for the patient page. An implication says, clause by clause, which way
 * something goes for this result: "Significantly reduced clopidogrel active metabolite formation; increased risk for
 * adverse cardiac and cerebrovascular events". Each clause is read for its topics (a harm, the amount in the blood,
 * the active form, how well the drug works) and, for each topic, the direction the words just before it give: up,
 * down, usual, unknown, or denied ("no association with higher bleeding risk", "weak or no evidence for an increased
 * risk of"). A topic word alone never makes a sentence: "Normal risk of … hearing loss" must not read as "raises the
 * chance of hearing loss".
 *
 * The sentences are ours, at reading grade 8 or lower; which sentence a clause gets is decided only by CPIC's words.
 * What no rule reads gets the neutral `IMPLICATION_FALLBACK`. Every implication line of the CPIC data set is read by a
 * unit test that checks the direction words against the sentences (`test/unit/dashboard/implications.test.ts`); the
 * rules are documented in `src/dashboard/README.md`.
 */

/** When nothing in an implication is read: a sentence that says only that it matters. */
export const IMPLICATION_FALLBACK = 'This can change how the medicine works for you.';

/** Said of a topic that is as for most people; dropped when another sentence says something changes. */
export const USUAL = 'The medicine is expected to work as usual for you.';

type Direction = 'up' | 'down' | 'usual' | 'unknown' | 'denied';

/** A harm the medicine may do, and how a sentence names it. */
interface Harm {
  readonly kind: 'harm';
  /** Its words, global and case-insensitive (read with `matchAll`). */
  readonly noun: RegExp;
  readonly phrase: string;
  /** A whole sentence for `up`, where "This raises the chance of …" would not read well. */
  readonly raised?: string;
}

/** Something that goes up or down with a fixed sentence each way (`usual` gives `USUAL`). */
interface Measure {
  readonly kind: 'measure';
  /** Its words, global and case-insensitive (read with `matchAll`). */
  readonly noun: RegExp;
  readonly up?: string;
  readonly down?: string;
  readonly usual?: boolean;
}

type Topic = Harm | Measure;

const LESS_WORK = 'The medicine may not work as well for you.';
const MORE_WORK = 'The medicine may work more strongly for you than usual.';

const MORE_ACTIVE = 'More of the medicine is turned into its active form than usual.';
const LESS_ACTIVE = 'Less of the medicine is turned into the form that works.';
const MORE_IN_BLOOD = 'This can leave more of the medicine in your blood than usual.';
const LESS_IN_BLOOD = 'This can leave less of the medicine in your blood than usual.';

/**
 * Sentences that say a cause (how much of the drug, or of its active form, is in the blood): said before the effects
 * they lead to, whatever order CPIC wrote them in. TPMT's implications give the risk of a drop in blood cells in one
 * line and the higher TGN concentrations behind it in the next; read in that order, the page put the result before its
 * cause.
 */
export const CAUSES: ReadonlySet<string> = new Set([MORE_ACTIVE, LESS_ACTIVE, MORE_IN_BLOOD, LESS_IN_BLOOD]);

/** `sentences` with the causes (`CAUSES`) first, each group in its own order. */
export function causesFirst<T>(sentences: readonly T[], text: (s: T) => string): T[] {
  return [...sentences.filter((s) => CAUSES.has(text(s))), ...sentences.filter((s) => !CAUSES.has(text(s)))];
}
/**
 * Topics in the order they are looked for; a clause's words are taken by the first topic that names them, so the
 * specific harms come before the general "side effects" ("adverse cardiac … events" is heart problems, not side
 * effects).
 */
const TOPICS: readonly Topic[] = [
  {
    kind: 'harm',
    noun: /malignant hyperthermia|\bMH\b/gi,
    phrase: 'a dangerous reaction to some drugs used for surgery',
    raised: 'Some drugs used to put you to sleep for surgery could cause a dangerous reaction.',
  },
  {
    kind: 'harm',
    noun: /cardiac and cerebrovascular events|cardiovascular events/gi,
    phrase: 'heart problems or a stroke',
  },
  {
    kind: 'harm',
    noun: /hypersensitivity|SJS\/TEN|\bSJS\b|\bTEN\b|\bDRESS\b|\bMPE\b|\bSCAR\b|Stevens|epidermal necrolysis|cutaneous/gi,
    phrase: 'a serious skin or allergic reaction',
  },
  { kind: 'harm', noun: /myopathy|rhabdomyolysis/gi, phrase: 'muscle pain or damage' },
  { kind: 'harm', noun: /hearing loss|ototoxicity/gi, phrase: 'hearing loss' },
  { kind: 'harm', noun: /\bha?emoly\w*/gi, phrase: 'harm to your red blood cells' },
  {
    kind: 'harm',
    noun: /leukopenia|neutropenia|myelosuppression/gi,
    phrase: 'a dangerous drop in blood cells',
  },
  { kind: 'harm', noun: /\bbleeding\b/gi, phrase: 'bleeding' },
  {
    kind: 'harm',
    noun: /breast cancer recurrence/gi,
    phrase: 'the cancer coming back',
    raised: 'This raises the chance that the cancer comes back.',
  },
  {
    kind: 'harm',
    noun: /bilirubin-related discontinuation/gi,
    phrase: 'side effects that make people stop this medicine',
  },
  { kind: 'harm', noun: /\bdiscontinuation\b/gi, phrase: 'stopping this medicine early' },
  { kind: 'harm', noun: /CNS adverse events/gi, phrase: 'side effects on the brain and nerves' },
  {
    kind: 'harm',
    noun: /(?:severe or even )?fatal (?:drug )?toxicity/gi,
    phrase: 'severe or even deadly side effects',
  },
  // Toxicity is harm from the drug, not any side effect: "higher risk of toxicity" (codeine and tramadol for CYP2D6
  // ultrarapid metabolizers, whose rows avoid the drug "because of potential for serious toxicity") had read as
  // "raises the chance of side effects", softer than CPIC.
  { kind: 'harm', noun: /toxicit(?:y|ies)/gi, phrase: 'harm from the medicine' },
  { kind: 'harm', noun: /adverse (?:events?|effects?)|side effects?/gi, phrase: 'side effects' },
  // "Increased risk of therapeutic failure" is less benefit, so its "up" reads as the medicine working less.
  { kind: 'measure', noun: /(?:therapeutic|pharmacotherapy|treatment) failure/gi, up: LESS_WORK },
  {
    kind: 'measure',
    noun: /\bresponse\b|\befficacy\b|clinical benefit|analgesia|lipid[- ]lowering effects?|improvement|heart rate and blood pressure reductions/gi,
    up: MORE_WORK,
    down: LESS_WORK,
    usual: true,
  },
  {
    kind: 'measure',
    noun: /active metabolite|morphine formation|formation of morphine|hydromorphone formation|O-desmethyltramadol|endoxifen(?: concentrations?)?/gi,
    up: MORE_ACTIVE,
    down: LESS_ACTIVE,
    usual: true,
  },
  {
    kind: 'measure',
    // MeMPN (methylated thiopurine metabolites) are not the active drug: their concentrations are left unread.
    noun: /(?:plasma |serum |trough |erythrocyte |drug )?(?:concentrations?|exposure|levels?)\b(?! of MeMPN)/gi,
    up: MORE_IN_BLOOD,
    down: LESS_IN_BLOOD,
    usual: true,
  },
  // How fast the body breaks the drug down is the result sentence's to say; only "normal" adds something.
  { kind: 'measure', noun: /\bmetabolism\b|\bactivity\b/gi, usual: true },
];

/**
 * Direction words, tried at each position from the topic backwards (the nearest wins). Compound forms come first:
 * "normal or increased" is usual, "low or reduced" down, "moderate to high" up. `denied` is any negation before the
 * topic in its clause, whatever the nearest word ("no association with higher bleeding risk").
 */
const DIRECTIONS: readonly (readonly [RegExp, Direction])[] = [
  [/\bnormal or (?:increased|reduced|lower|decreased)\b/gi, 'usual'],
  [/\bmoderate to high\b/gi, 'up'],
  [/\bnormal\b|\btypical\b|\bexpected\b|\btherapeutic\b|\breference\b/gi, 'usual'],
  [/\bunknown\b|\bvariable\b|\buncertain\b/gi, 'unknown'],
  [
    /\bincrease[sd]?\b|\bhigher\b|\bhigh\b|\bgreater\b|\belevated\b|\bmore\b|\bmedium\b|\bassociated with\b/gi,
    'up',
  ],
  [
    /\breduced\b|\bdecrease[sd]?\b|\blower\b|\blow\b|\bdiminished\b|\bless\b|\black of\b|\bloss of\b/gi,
    'down',
  ],
];

/** A negation anywhere before the topic: "no association with", "weak or no evidence for", "does not". */
const DENIAL = /\bno association\b|\bno evidence\b|\bnot\b/i;

/**
 * Whole-clause statements, read before topics and taking the words they match: hedges about what a change means,
 * limits of the evidence, and the targets a dose reaches. `text: undefined` reads the words and says nothing (they
 * are about something a patient page does not explain).
 */
const STATEMENTS: readonly { readonly pattern: RegExp; readonly text: string | undefined }[] = [
  // Paroxetine inhibiting its own breakdown: a prescriber's concern, not the patient's result.
  { pattern: /[^.;]*(?:phenoconver|autoinhibition)[^.;]*/i, text: undefined },
  {
    pattern: /[^.;]*do not eliminate the chance[^.;]*/i,
    text: 'This test cannot rule out a dangerous reaction to some drugs used for surgery.',
  },
  { pattern: /[^.;]*genetic cause of about half[^.;]*/i, text: undefined },
  {
    pattern: /[^.;]*does not appear to translate into clinically significant changes[^.;]*/i,
    text: 'This does not seem to make a difference to your health.',
  },
  {
    pattern: /[^.;]*(?:\bunclear\b|insufficient evidence|questionable clinical significance)[^.;]*/i,
    text: 'It is not clear if this makes a difference to your health.',
  },
  {
    pattern: /(?:based on )?(?:very )?(?:limited data|no data|minimal evidence)[^,.;]*/i,
    text: 'There is little research on this medicine for people with your result.',
  },
  {
    pattern:
      /(?:attainment of therapeutic[^.;]*\b(?:small|modest|variable)\b|(?:decreased|lower) chance of achieving target|unlikely[^.;]*achieve adequate)[^.;]*/i,
    text: 'The usual dose may not give enough of the medicine in your blood to work.',
  },
  { pattern: /increased chance of achieving target[^.;]*/i, text: undefined },
  { pattern: /[^.;]*may affect response or side effects[^.;]*/i, text: IMPLICATION_FALLBACK },
  {
    pattern: /fatal toxicity possible without dose decrease/i,
    text: 'Without a lower dose, the side effects can be deadly.',
  },
  // Responsiveness to ivacaftor (CFTR), as the FDA label lists it.
  {
    pattern: /[^.;]*negative for [^.;]*responsive[^.;]*/i,
    text: 'This medicine is not expected to help you.',
  },
  { pattern: /[^.;]*\bresponsive\b[^.;]*/i, text: 'This medicine is expected to help you.' },
];

/** "Typical myopathy risk with doses ≤40 mg": the dose limit a clause holds, said after its sentences. */
const DOSE_LIMIT = /\s*with (?:doses )?(?:less )?≤\s*(\d+) ?mg/i;

/**
 * A line's clauses: CPIC separates them with semicolons, full stops (sometimes with no space after), "however" and
 * "but", and a line may hold a second gene's text after ", GENE:". Parenthetical asides are left out, except a quoted
 * "normal", which is a direction ("Higher ("normal") … concentrations").
 */
function clauses(line: string): string[] {
  const text = line
    .replace(/\(\s*"normal"\s*\)|"normal"|'normal'/g, 'normal')
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\s+/g, ' ');
  return text
    .split(/;|\.\s+|\.(?=[A-Z])|,\s*however,?|,?\s+but\s+(?:also\s+)?|,\s*[A-Z0-9-]+:\s+/)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/** The direction the words before a topic give; undefined when they give none. */
function directionOf(before: string): Direction | undefined {
  if (DENIAL.test(before)) return 'denied';
  let best: { readonly at: number; readonly direction: Direction } | undefined;
  for (const [pattern, direction] of DIRECTIONS) {
    for (const m of before.matchAll(pattern)) {
      // The nearest word wins; at the same place, the earlier (compound) pattern.
      const end = m.index + m[0].length;
      if (best === undefined || end > best.at) best = { at: end, direction };
    }
  }
  return best?.direction;
}

/** A sentence, and whether it leaves "as usual" standing (it says a risk is usual, low, unknown or not shown). */
interface Said {
  readonly text: string;
  readonly neutral: boolean;
}

function harmSentence(harm: Harm, direction: Direction): Said {
  switch (direction) {
    case 'up':
      return { text: harm.raised ?? `This raises the chance of ${harm.phrase}.`, neutral: false };
    case 'down':
      return { text: `Your chance of ${harm.phrase} is low.`, neutral: true };
    case 'usual':
      return { text: `Your chance of ${harm.phrase} is about the same as for most people.`, neutral: true };
    case 'unknown':
      return { text: `Your chance of ${harm.phrase} is not known.`, neutral: true };
    case 'denied':
      return {
        text: `Studies have not shown a higher chance of ${harm.phrase} with your result.`,
        neutral: true,
      };
  }
}

function measureSentence(measure: Measure, direction: Direction): Said | undefined {
  const text =
    direction === 'up'
      ? measure.up
      : direction === 'down'
        ? measure.down
        : direction === 'usual' && measure.usual
          ? USUAL
          : undefined;
  return text === undefined ? undefined : { text, neutral: text === USUAL };
}

/** Where each topic is named in a clause, in reading order; words are taken by the first topic naming them. */
function topicsIn(clause: string): { readonly topic: Topic; readonly start: number; readonly end: number }[] {
  const taken: boolean[] = new Array<boolean>(clause.length).fill(false);
  const found: { topic: Topic; start: number; end: number }[] = [];
  for (const topic of TOPICS) {
    for (const m of clause.matchAll(topic.noun)) {
      const start = m.index;
      const end = start + m[0].length;
      if (m[0].length === 0 || taken.slice(start, end).some(Boolean)) continue;
      taken.fill(true, start, end);
      found.push({ topic, start, end });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** The sentences of one clause, after its statements were taken out. */
function clauseSentences(clause: string): (Said & { readonly at: number })[] {
  const out: (Said & { readonly at: number })[] = [];
  let previous: Direction | undefined;
  let from = 0;
  for (const { topic, start, end } of topicsIn(clause)) {
    // Read back to the previous topic; with no direction word there ("leukopenia, neutropenia and
    // myelosuppression", "typical myopathy risk and statin exposure"), the previous topic's direction carries over.
    const direction = directionOf(clause.slice(from, start)) ?? previous;
    from = end;
    if (direction === undefined) continue;
    previous = direction;
    const sentence =
      topic.kind === 'harm' ? harmSentence(topic, direction) : measureSentence(topic, direction);
    if (sentence !== undefined) out.push({ ...sentence, at: start });
  }
  return out;
}

/**
 * The plain sentences of one implication line (without its `GENE:` prefix), in reading order with the causes first
 * (`CAUSES`), each once. `USUAL` is
 * dropped when another sentence says something changes ("Normal PPI metabolism; may be at increased risk of
 * therapeutic failure"), and kept beside one that a risk is usual, low or not shown.
 */
export function implicationSentences(implication: string): string[] {
  // TPMT normal metabolizers are described against intermediate and poor ones, and CPIC says so.
  if (/this is the normal pattern/i.test(implication.replace(/['"]/g, ''))) return [USUAL];
  const said: Said[] = [];
  for (const whole of clauses(implication)) {
    const dose = DOSE_LIMIT.exec(whole)?.[1];
    let clause = whole.replace(DOSE_LIMIT, '');
    const found: (Said & { readonly at: number })[] = [];
    for (const statement of STATEMENTS) {
      const m = statement.pattern.exec(clause);
      if (!m) continue;
      if (statement.text !== undefined) found.push({ text: statement.text, neutral: false, at: m.index });
      // Blanked rather than removed, so that what follows keeps its place in the reading order.
      clause = clause.slice(0, m.index) + ' '.repeat(m[0].length) + clause.slice(m.index + m[0].length);
    }
    found.push(...clauseSentences(clause));
    for (const s of found.sort((a, b) => a.at - b.at)) {
      said.push(dose ? { ...s, text: `${s.text.slice(0, -1)}, at doses up to ${dose} mg.` } : s);
    }
  }
  const changes = said.some((s) => !s.neutral);
  const texts = said.filter((s) => !(changes && s.text === USUAL)).map((s) => s.text);
  return texts.length > 0 ? causesFirst([...new Set(texts)], (t) => t) : [IMPLICATION_FALLBACK];
}
