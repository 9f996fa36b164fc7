/**
 * The gene results and wearable data behind a card, as tables: the same on the full explanation a clinician opens from
 * the card and on the pharmacist's override review. The dashboard's results table writes phenotypes the same way.
 */
import type { GeneResultView, SensorDataView } from './api';
import { formatDay, formatDayTime, genotypeText, sentenceStart } from './format';

/**
 * A result's phenotype as every page writes it: with its activity score, what the laboratory reported when current
 * CPIC calls it differently, why the service did not interpret it, and how the result was read; first, for one of
 * results that disagree, what it disagrees with.
 */
export function PhenotypeText({
  result: r,
}: {
  readonly result: Pick<
    GeneResultView,
    'phenotype' | 'activityScore' | 'reportedPhenotype' | 'reinterpreted' | 'notes' | 'calledWith'
  > &
    Partial<Pick<GeneResultView, 'reinterpretation'>> &
    Partial<Pick<GeneResultView, 'disagreement'>> & {
      readonly uninterpreted?: string | undefined;
    };
}) {
  return (
    <>
      {r.phenotype}
      {r.activityScore ? ` (activity score ${r.activityScore})` : ''}
      {r.disagreement ? <p class="note disagreement">{r.disagreement}</p> : null}
      {r.reinterpretation ? (
        <p class="note">{r.reinterpretation}</p>
      ) : r.reinterpreted && r.reportedPhenotype ? (
        <p class="note">Re-interpreted under current CPIC: the laboratory reported {r.reportedPhenotype}.</p>
      ) : null}
      {r.uninterpreted ? <p class="note">{r.uninterpreted}</p> : null}
      {r.notes.map((n) => (
        <p class="note" key={n}>
          {n}
        </p>
      ))}
      {r.calledWith ? <p class="note">{sentenceStart(r.calledWith)}</p> : null}
    </>
  );
}

/** Gene, genotype, phenotype and the results on file it was read from. */
export function GeneResultsTable({ genes }: { readonly genes: readonly GeneResultView[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Gene</th>
          <th scope="col">Genotype</th>
          <th scope="col">Phenotype</th>
          <th scope="col">Result</th>
        </tr>
      </thead>
      <tbody>
        {/* One gene may have several rows: results that disagree are each shown. */}
        {genes.map((g) => (
          <tr key={`${g.gene} ${g.sources.join(' ')}`}>
            <th scope="row">{g.gene}</th>
            <td>{genotypeText(g)}</td>
            <td>
              <PhenotypeText result={g} />
            </td>
            <td>
              {/* The FHIR ids stay out of the text (a clinician cannot use them); a hover shows them. */}
              <span title={g.sources.join(', ')}>
                {g.sources.length === 1 ? '1 result on file' : `${g.sources.length} results on file`}
              </span>
              {g.date ? <div class="note">dated {formatDay(g.date)}</div> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Each wearable measure: its value, period, how much data there was (or why none) and the devices. */
export function SensorDataTable({ data }: { readonly data: readonly SensorDataView[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Measure</th>
          <th scope="col">Value</th>
          <th scope="col">Period</th>
          <th scope="col">Data</th>
          <th scope="col">Device</th>
        </tr>
      </thead>
      <tbody>
        {data.map((d) => (
          <tr key={`${d.metric}-${d.window.start}`}>
            <th scope="row">{d.label}</th>
            {/* Nothing read: no value, counts or devices of nothing; the Data cell's reasons say why. */}
            <td>{d.sampleCount === 0 ? '—' : (d.valueText ?? 'no value')}</td>
            <td>
              {formatDay(d.window.start)} to {formatDay(d.window.end)}
            </td>
            {d.sampleCount === 0 ? (
              <td>{d.reasons.join('; ') || 'no data'}</td>
            ) : (
              <td>
                {d.status}: {d.daysWithData} {d.daysWithData === 1 ? 'day' : 'days'} with data,{' '}
                {d.sampleCount} {d.sampleCount === 1 ? 'sample' : 'samples'}
                {d.newestSample ? `, newest ${formatDayTime(d.newestSample)}` : ''}
                {d.reasons.map((r) => (
                  <div class="note" key={r}>
                    {r}
                  </div>
                ))}
              </td>
            )}
            <td>{d.sampleCount === 0 ? '—' : d.devices.join(', ') || 'not named'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
