/**
 * The full explanation behind a card: every CPIC row that may apply, genotype → phenotype → row → sensor evidence,
 * versions and sources, all from the decision the service recorded when it showed the card.
 */
import { useEffect, useState } from 'preact/hooks';
import { linksApi } from '../api';
import type {
  ApiResult,
  ExplainedDecision,
  ExplainedRow,
  ExplainedSensorEvidence,
  ExplanationView,
  GeneResultView,
  SensorDataView,
} from '../api';
import { GeneResultsTable, SensorDataTable } from '../evidence';
import { ACTION_LABELS, INDICATOR_LABELS, formatDay, formatDayTime, sentenceStart } from '../format';
import { Loading, Problem } from '../refusal';
import { useTitle } from '../title';

function Genes({ genes }: { readonly genes: readonly GeneResultView[] }) {
  if (genes.length === 0) return null;
  return (
    <section>
      <h3>{genes.every((g) => g.disagreement) ? 'Results that disagree' : 'Genotype and phenotype'}</h3>
      <GeneResultsTable genes={genes} />
    </section>
  );
}

/** Which row above a repeated text is the same as: "the same as" plus this ("the alert’s", "under “…”"). */
function rowNamed(row: ExplainedRow): string {
  return row.applied ? 'the alert’s' : `under “${row.label}”`;
}

/**
 * One CPIC row. `above`: the rows shown before it. A recommendation or implications the same as one of theirs (CPIC
 * repeats them across a guideline's populations) are said in one line naming that row instead of again: "as above"
 * would read as the row just before, which is often not the one (clopidogrel's non-ACS, non-PCI row repeats the ACS
 * and/or PCI row, not the neurovascular row between them).
 */
function Row({ row, above }: { readonly row: ExplainedRow; readonly above: readonly ExplainedRow[] }) {
  const sameRecommendation = above.find((r) => r.recommendation === row.recommendation);
  const sameImplications = above.find((r) => r.implications.join('\n') === row.implications.join('\n'));
  return (
    <article class={`row${row.applied ? ' row-applied' : ''}`}>
      <h4>
        {row.label}
        {row.applied ? <span class="badge badge-applied">on the alert</span> : null}
      </h4>
      <dl>
        <dt>Guideline</dt>
        <dd>
          <a href={row.guideline.url} rel="noopener noreferrer" target="_blank">
            {row.guideline.name}
          </a>
        </dd>
        <dt>Looked up by</dt>
        <dd>{row.lookedUpBy || 'not keyed on a gene'}</dd>
        {row.population ? (
          <>
            <dt>Population</dt>
            <dd>{row.population}</dd>
          </>
        ) : null}
        <dt>Strength</dt>
        <dd>{row.strength ?? 'not graded'}</dd>
      </dl>
      {sameRecommendation ? (
        <p>The same recommendation as {rowNamed(sameRecommendation)}.</p>
      ) : (
        <blockquote class="cpic-text">{row.recommendation}</blockquote>
      )}
      {row.implications.length > 0 && sameImplications ? (
        <p>
          <span class="label">Implications</span>: the same as {rowNamed(sameImplications)}.
        </p>
      ) : row.implications.length > 0 ? (
        <>
          <p class="label">Implications</p>
          <ul>
            {row.implications.map((i) => (
              <li>{i}</li>
            ))}
          </ul>
        </>
      ) : null}
      {row.otherConsiderations ? (
        <>
          <p class="label">Other considerations</p>
          <p>{row.otherConsiderations}</p>
        </>
      ) : null}
      {row.pmids.length > 0 ? (
        <p class="note">
          Evidence:{' '}
          {row.pmids.map((p, i) => (
            <>
              {i > 0 ? ', ' : ''}
              <a href={`https://pubmed.ncbi.nlm.nih.gov/${p}/`} rel="noopener noreferrer" target="_blank">
                PMID {p}
              </a>
            </>
          ))}
        </p>
      ) : null}
    </article>
  );
}

/** When the EHR asked (the CDS hook), in words. */
const HOOK_WORDS: Readonly<Record<string, string>> = {
  'order-sign': 'when the order was signed',
  'order-select': 'while the order was written',
  'patient-view': "when the patient's record was opened",
};
/** Where a sensor threshold comes from, as the card says it ("threshold from a guideline"). */
const BASIS_LABELS = {
  guideline: 'a guideline',
  label: 'the drug label',
  consensus: 'expert consensus',
  design: "this service's design choice",
} as const;

function Sensors({ evidence }: { readonly evidence: readonly ExplainedSensorEvidence[] }) {
  if (evidence.length === 0) return null;
  return (
    <section>
      <h3>Wearable sensor evidence</h3>
      <ul class="sensors">
        {evidence.map((e) => (
          <li>
            <p>
              <strong>{e.label}</strong>: {e.valueText ?? 'no value'}
              {e.window ? `, ${formatDay(e.window.start)} to ${formatDay(e.window.end)}` : ''}. {e.note}
            </p>
            <p class="note">
              Data {e.status}
              {e.devices.length > 0 ? `; ${e.devices.join(', ')}` : ''}
              {e.newestSample ? `; newest sample ${formatDayTime(e.newestSample)}` : ''}; threshold from{' '}
              {BASIS_LABELS[e.evidence]}; source: {e.source}.
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function SensorData({
  data,
  notes,
}: {
  readonly data: readonly SensorDataView[];
  readonly notes: readonly string[];
}) {
  if (data.length === 0 && notes.length === 0) return null;
  return (
    <section>
      <h2>Wearable data on file</h2>
      {data.length > 0 ? <SensorDataTable data={data} /> : null}
      {notes.length > 0 ? (
        <ul class="note">
          {notes.map((n) => (
            <li>{n}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function Decision({ d }: { readonly d: ExplainedDecision }) {
  // Results that disagree are not read at all: what to do first is to have the laboratory confirm one, as the card says.
  const action = d.conflicts.length > 0 ? 'Confirm the result first' : ACTION_LABELS[d.action];
  return (
    <section class="decision" aria-label={`${action}: ${d.drug}`}>
      <h2>
        {sentenceStart(d.drug)}: {action.toLowerCase()}{' '}
        <span class={`badge badge-${d.indicator}`}>{INDICATOR_LABELS[d.indicator]}</span>
      </h2>
      {d.reasoning.length > 0 ? (
        <section>
          <h3>Why</h3>
          <ol class="chain">
            {d.reasoning.map((r) => (
              <li>{r}</li>
            ))}
          </ol>
        </section>
      ) : null}
      <Genes genes={d.genes} />
      {d.untested.length > 0 ? (
        <section>
          <h3>Tests without a result on file</h3>
          <ul>
            {d.untested.map((u) => (
              <li>
                {u.gene}
                {u.allele ?? ''} (CPIC level {u.level})
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {d.rows.length > 0 ? (
        <section>
          <h3>CPIC recommendations that may apply</h3>
          {d.rows.map((r, i) => (
            <Row row={r} above={d.rows.slice(0, i)} />
          ))}
        </section>
      ) : null}
      <Sensors evidence={d.sensors} />
    </section>
  );
}

/** What a patient summary lists: the results with their sources, and what the card says of them besides. */
function Listed({ listed }: { readonly listed: NonNullable<ExplanationView['listed']> }) {
  if (listed.results.length === 0 && listed.notes.length === 0) return null;
  return (
    <section>
      <h2>Results the summary lists</h2>
      {listed.results.length > 0 ? <GeneResultsTable genes={listed.results} /> : null}
      {listed.notes.length > 0 ? (
        <ul>
          {listed.notes.map((n) => (
            <li>{n}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export function ExplainPage({ cardUuid, token }: { readonly cardUuid: string; readonly token: string }) {
  const [page, setPage] = useState<ApiResult<ExplanationView> | undefined>(undefined);
  useEffect(() => {
    void linksApi.explanation(cardUuid, token).then(setPage);
  }, [cardUuid, token]);
  // The drugs in the title: "Clopidogrel – Full explanation" (SC 2.4.2).
  const drugs = page?.ok ? [...new Set(page.value.decisions.map((d) => d.drug))].join(', ') : '';
  useTitle(drugs ? sentenceStart(drugs) : undefined);

  if (!page) return <Loading />;
  if (!page.ok) return <Problem status={page.status} message={page.message} cardLink />;
  const view = page.value;
  return (
    <main>
      <h1>Full explanation</h1>
      <p class="lead">
        <span class={`badge badge-${view.card.indicator}`}>{INDICATOR_LABELS[view.card.indicator]}</span>{' '}
        <strong>{view.card.summary}</strong>
      </p>
      {view.unavailable ? <p role="note">{view.unavailable}</p> : null}
      {view.listed ? <Listed listed={view.listed} /> : null}
      {view.decisions.map((d) => (
        <Decision d={d} />
      ))}
      <SensorData data={view.sensorData} notes={view.sensorNotes} />
      <section class="provenance">
        <h2>Versions and provenance</h2>
        <dl>
          <dt>Shown</dt>
          <dd>
            {formatDayTime(view.shownAt)}
            {HOOK_WORDS[view.hook] ? `, ${HOOK_WORDS[view.hook]}` : ''}
          </dd>
          <dt>CPIC knowledge</dt>
          <dd>{view.versions.inWords.knowledge}</dd>
          <dt>Threshold set</dt>
          <dd>{view.versions.inWords.threshold}</dd>
        </dl>
      </section>
      <p class="expiry">This link works until {formatDay(view.linkExpiresAt)}.</p>
    </main>
  );
}
