/**
 * The SMART clinician dashboard (`/app`): one patient's PGx results, medications with the findings the cards come
 * from, sensor trends with the live thresholds, and the Ambulatory Glucose Profile.
 *
 * Launched three ways: standalone over the demo endpoint (`/app?patient=<id>`, or the picker at `/app`); from a
 * card's `smart` link or an EHR (`/app/launch?iss=…&launch=…`, fhirclient's `oauth2.authorize`, then `/app/launched`
 * with the authorisation code, `oauth2.ready`). Standalone, the patient is read through fhirclient and the assessment
 * comes from `/app/api/patients/{id}` (the demo patients). After an EHR launch the page sends the FHIR server, the
 * patient and the access token fhirclient obtained to `POST /app/api/launched`, which reads the record server-side
 * and answers the same view; the token stays in fhirclient's session storage of this tab.
 */
import FHIR from 'fhirclient';
import type { Patient } from 'fhir/r4';
import { useEffect, useState } from 'preact/hooks';
import { dashboardApi } from '../api';
import type {
  ApiResult,
  LaunchRequest,
  DashboardFinding,
  DashboardMedication,
  DashboardSeries,
  DashboardView,
  DemoPatientList,
} from '../api';
import { AgpChart, LIMIT_STYLES, TrendChart } from '../chart';
import { hourText, trendDays } from '../chart-text';
import { PhenotypeText } from '../evidence';
import { INDICATOR_LABELS, formatDay, formatDayTime, genotypeText, sentenceStart } from '../format';
import { Loading, Problem } from '../refusal';
import { useTitle } from '../title';

/** The demo FHIR endpoint of this origin. */
const DEMO_FHIR = `${window.location.origin}/demo/fhir`;

function Results({ view }: { readonly view: DashboardView }) {
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">Pharmacogenomic results</h2>
      {view.results.length === 0 && view.conflicts.length === 0 ? (
        <p>No pharmacogenomic result is on file.</p>
      ) : (
        // A frame that scrolls in a narrow window: focusable, so a keyboard can scroll it, and named apart from its section.
        <div class="table-frame" role="region" aria-label="Pharmacogenomic results table" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">Gene</th>
                <th scope="col">Genotype</th>
                <th scope="col">Phenotype</th>
                <th scope="col">CPIC priority</th>
                <th scope="col">Tested</th>
              </tr>
            </thead>
            <tbody>
              {view.results.map((r) => (
                <tr key={r.gene}>
                  <th scope="row">{r.gene}</th>
                  <td>{genotypeText(r)}</td>
                  <td>
                    <PhenotypeText result={r} />
                  </td>
                  <td>{r.priority ?? 'None given by CPIC'}</td>
                  <td>{r.date ? formatDay(r.date) : 'Date not given'}</td>
                </tr>
              ))}
              {view.conflicts.map((c) => (
                <tr key={`conflict-${c.gene}`}>
                  <th scope="row">{c.gene}</th>
                  <td colSpan={4}>
                    Results disagree: {c.values.join('; ')}. Resolve before relying on either.
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * The CPIC rows after the one led with, each with its strength; `ledWith` names the row led with where a row repeats
 * its text ("the alert’s"). Nothing when there are none.
 */
export function OtherRows({
  rows,
  ledWith,
}: {
  readonly rows: DashboardFinding['otherRows'];
  readonly ledWith: string;
}) {
  if (rows.rows.length === 0) return null;
  return (
    <>
      <p>
        {rows.byPopulation
          ? 'For other patient groups (the record does not say which applies):'
          : 'Other CPIC rows that may apply (the result does not settle which):'}
      </p>
      <ul>
        {rows.rows.map((row) => (
          <li key={row.label}>
            {sentenceStart(row.label)} ({row.strength}):{' '}
            {/* A repeated text names the row it repeats, not "the same" alone (`otherRows` in cards/detail). */}
            {row.repeats ? (
              `the same recommendation as ${row.repeats.label ? `for ${row.repeats.label}` : ledWith}.`
            ) : (
              <span class="cpic-text">{row.recommendation}</span>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

function Finding({ finding }: { readonly finding: DashboardFinding }) {
  const indicator = finding.indicator as keyof typeof INDICATOR_LABELS;
  const { leading } = finding.otherRows;
  return (
    <div class={`finding card card-${finding.indicator}`}>
      {/* The summary names the action, the drug and each gene's result; the badge adds only the indicator. */}
      <p class="indicator">
        <span class={`badge badge-${finding.indicator}`}>{INDICATOR_LABELS[indicator]}</span>
      </p>
      <p class="summary">
        <strong>{finding.summary}</strong>
      </p>
      {finding.reasons.map((r) => (
        <p key={r}>{r}</p>
      ))}
      {finding.recommendation ? (
        <p class="cpic-text">
          {leading ? `${sentenceStart(leading)}: ` : ''}
          {finding.recommendation}
        </p>
      ) : null}
      <OtherRows rows={finding.otherRows} ledWith="the alert’s" />
      {finding.alternatives.length > 0 ? (
        // With what CPIC advises for an alternative itself ("celecoxib (CPIC for celecoxib with this result: …)"),
        // one per line; bare names read as one sentence.
        finding.alternatives.some((a) => a.includes('(')) ? (
          <>
            <p>Alternatives CPIC names:</p>
            <ul>
              {finding.alternatives.map((a) => (
                <li key={a}>{a}</li>
              ))}
            </ul>
          </>
        ) : (
          <p>Alternatives CPIC names: {finding.alternatives.join(', ')}.</p>
        )
      ) : null}
      {finding.implications.length > 0 ? <p class="note">{finding.implications.join(' ')}</p> : null}
      {finding.sensorNotes.map((n) => (
        <p class="note" key={n}>
          {n}
        </p>
      ))}
      {finding.kind === 'pre-test' ? (
        <p>No result is on file for the gene this medicine depends on.</p>
      ) : null}
      {finding.guideline ? (
        <p class="note">
          <a href={finding.guideline.url}>CPIC guideline: {finding.guideline.name}</a>
        </p>
      ) : null}
    </div>
  );
}

/** How a chart draws its limits, in words: "red dashes raise the alert; green dots may lower it". */
function limitsCaption(lines: DashboardSeries['thresholds']): string {
  const effects = (['raise', 'lower', 'context'] as const).filter((e) => lines.some((l) => l.effect === e));
  return effects.map((e) => LIMIT_STYLES[e].words).join('; ');
}

/** Where a medicine's printable patient explanation is: per demo patient, or of the launched patient. */
function explanationHref(view: DashboardView, drug: string, launched: boolean): string {
  return launched
    ? `/app/launched/explain/${encodeURIComponent(drug)}`
    : `/app/patient/${encodeURIComponent(view.patient.id)}/explain/${encodeURIComponent(drug)}`;
}

function Medications({ view, launched }: { readonly view: DashboardView; readonly launched: boolean }) {
  const explainable = (m: DashboardMedication): DashboardFinding | undefined =>
    m.findings.find((f) => f.explanation !== undefined);
  return (
    <section aria-labelledby="meds-heading">
      <h2 id="meds-heading">Medications and findings</h2>
      {view.medications.length === 0 ? <p>No active or draft medication is on file.</p> : null}
      {view.medications.map((m) => {
        const drug = explainable(m)?.drug;
        return (
          <article key={m.ref} class="medication">
            <h3>
              {m.display}{' '}
              <span class={`badge badge-${m.status === 'draft' ? 'warning' : 'none'}`}>{m.status}</span>
            </h3>
            {m.findings.length === 0 ? (
              <p class="note">No pharmacogenomic finding for this medicine.</p>
            ) : null}
            {m.findings.map((f) => (
              <Finding key={`${f.drug}-${f.kind}`} finding={f} />
            ))}
            {drug ? (
              <p>
                <a href={explanationHref(view, drug, launched)}>Patient explanation for {drug} (printable)</a>
              </p>
            ) : null}
          </article>
        );
      })}
    </section>
  );
}

function Freshness({ series }: { readonly series: DashboardSeries }) {
  if (!series.newest) return null;
  // The chart's last values as text, for readers who cannot see the canvas.
  // One line is named by the caption; several (systolic, diastolic) each by name.
  const named = series.lines.length > 1;
  const latest = series.lines
    .map((l) => {
      const last = l.points[l.points.length - 1];
      if (!last) return '';
      const value = String(Math.round(last[1] * 10) / 10);
      const quantity = series.unit === '/min' ? `${value}/min` : `${value} ${series.unit}`;
      return named ? `${l.name.toLowerCase()} ${quantity}` : quantity;
    })
    .filter((t) => t !== '')
    .join(', ');
  return (
    <p class="note">
      Latest: {latest}. Newest reading {formatDayTime(series.newest)}
      {series.stale ? (
        <>
          {' '}
          <span class="badge badge-warning">Out of date</span> older than {series.maxAgeHours} hours: the
          rules do not use it.
        </>
      ) : (
        ' (current)'
      )}
    </p>
  );
}

/** What a trend chart draws, as a table: each day's readings with their unit, and those beyond a drawn limit. */
function TrendTable({ series }: { readonly series: DashboardSeries }) {
  const days = trendDays(series);
  if (days.length === 0) return null;
  const limits = series.thresholds.some((t) => t.applies !== undefined);
  return (
    <details>
      <summary>The figures as a table</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {series.lines.map((l) => (
              <th scope="col" key={l.name}>
                {series.lines.length > 1 ? l.name : 'Readings'} ({series.unit})
              </th>
            ))}
            {limits ? <th scope="col">Readings past a drawn line</th> : null}
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.day}>
              <th scope="row">{d.day}</th>
              {d.readings.map((r, i) => (
                <td key={series.lines[i]?.name ?? i}>{r}</td>
              ))}
              {limits ? <td>{d.beyond.length === 0 ? 'None' : d.beyond.join('; ')}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function Sensors({ view }: { readonly view: DashboardView }) {
  return (
    <section aria-labelledby="sensors-heading">
      <h2 id="sensors-heading">Sensor trends, last 28 days</h2>
      {view.sensorNotes.map((n) => (
        <p key={n}>{n.replace(/^Consent\/\S+ /, 'The patient’s consent ')}.</p>
      ))}
      {view.sensors.length === 0 && view.sensorNotes.length === 0 ? <p>No wearable data on file.</p> : null}
      <div class="charts">
        {view.sensors.map((s) => (
          <figure key={s.id} aria-label={`${s.label} chart`}>
            <figcaption>
              <strong>{s.label}</strong>
              {s.thresholds.length > 0
                ? // The legend under the chart names each limit's line and what it does.
                  ` · ${limitsCaption(s.thresholds)} (each named below the chart)`
                : ' · no rule limit applies'}
            </figcaption>
            <TrendChart series={s} />
            <TrendTable series={s} />
            <Freshness series={s} />
          </figure>
        ))}
      </div>
    </section>
  );
}

function pct(v: number): string {
  return `${v.toFixed(1)} %`;
}

function Agp({ view }: { readonly view: DashboardView }) {
  const { agp } = view;
  if (!agp) return null;
  const tir = agp.timeInRanges;
  const ranges = [
    { key: 'veryHigh', label: 'Very high, above 250 mg/dL', value: tir.veryHigh },
    { key: 'high', label: 'High, 181–250 mg/dL', value: tir.high },
    { key: 'inRange', label: 'In range, 70–180 mg/dL', value: tir.inRange },
    { key: 'low', label: 'Low, 54–69 mg/dL', value: tir.low },
    { key: 'veryLow', label: 'Very low, below 54 mg/dL', value: tir.veryLow },
  ];
  return (
    <section aria-labelledby="agp-heading">
      <h2 id="agp-heading">Ambulatory Glucose Profile</h2>
      <p class="note">
        {formatDay(agp.start)} to {formatDay(agp.end)} · {agp.days} days · sensor active{' '}
        {pct(agp.sensorUsePercent)}
        {agp.sufficient ? '' : ' · fewer than 14 days or under 70 % sensor use: read with caution'}
      </p>
      <div class="agp">
        <table class="tir">
          <caption>Time in ranges (international consensus, 2019)</caption>
          <tbody>
            {ranges.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.label}</th>
                <td>{pct(r.value)}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">Mean glucose</th>
              <td>{agp.meanMgdl.toFixed(0)} mg/dL</td>
            </tr>
            <tr>
              <th scope="row">Glucose management indicator</th>
              <td>{pct(agp.gmiPercent)}</td>
            </tr>
            <tr>
              <th scope="row">Coefficient of variation</th>
              <td>{pct(agp.cvPercent)}</td>
            </tr>
          </tbody>
        </table>
        <figure aria-label="Ambulatory glucose profile chart">
          <figcaption>
            Median, 25th–75th and 5th–95th percentiles by hour; grey dashes: target range 70–180 mg/dL
            {agp.thresholds.length > 0
              ? // The rule limits in the trend charts' styles, each named below the chart.
                `; ${limitsCaption(agp.thresholds)} (each named below the chart)`
              : ''}
          </figcaption>
          <AgpChart agp={agp} />
          <details>
            <summary>The figures as a table</summary>
            <table>
              <caption>Glucose by hour of day (mg/dL), {agp.days} days</caption>
              <thead>
                <tr>
                  <th scope="col">Hour</th>
                  <th scope="col">5th percentile</th>
                  <th scope="col">25th percentile</th>
                  <th scope="col">Median</th>
                  <th scope="col">75th percentile</th>
                  <th scope="col">95th percentile</th>
                </tr>
              </thead>
              <tbody>
                {agp.profile.map((b) => (
                  <tr key={b.minute}>
                    <th scope="row">{hourText(b.minute)}</th>
                    <td>{b.p5.toFixed(0)}</td>
                    <td>{b.p25.toFixed(0)}</td>
                    <td>{b.p50.toFixed(0)}</td>
                    <td>{b.p75.toFixed(0)}</td>
                    <td>{b.p95.toFixed(0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </figure>
      </div>
    </section>
  );
}

function Dashboard({
  view,
  patient,
  launched = false,
}: {
  readonly view: DashboardView;
  readonly patient?: Patient;
  /** Opened from the record (EHR launch): no demo picker, the record's own explanation pages. */
  readonly launched?: boolean;
}) {
  const born = patient?.birthDate ?? view.patient.birthDate;
  // The patient's name in the title, as in the heading: two patients open in two tabs are told apart (SC 2.4.2).
  useTitle(view.patient.name);
  return (
    <main class="wide dashboard">
      {launched ? null : (
        <p class="note">
          <a href="/app">All demo patients</a>
        </p>
      )}
      <h1>{view.patient.name}</h1>
      <p class="lead">
        {born ? `Born ${formatDay(born)}` : 'Birth date not given'}
        {view.patient.gender ? ` · ${view.patient.gender}` : ''} · assessed {formatDayTime(view.at)} ·{' '}
        {view.versionsInWords.knowledge} · thresholds {view.versionsInWords.threshold}
      </p>
      {view.recordNotes && view.recordNotes.length > 0 ? (
        <section class="record-notes" aria-label="What could not be read from the record">
          {view.recordNotes.map((n) => (
            <p key={n}>{n}</p>
          ))}
        </section>
      ) : null}
      <Results view={view} />
      <Medications view={view} launched={launched} />
      <Sensors view={view} />
      <Agp view={view} />
    </main>
  );
}

/** The public CDS Hooks sandbox with this service, its demo FHIR server and the patient filled in (README, Try it). */
function sandboxUrl(sandbox: DemoPatientList['sandbox'], patientId: string): string {
  const query = new URLSearchParams({
    serviceDiscoveryURL: sandbox.discoveryUrl,
    fhirServiceUrl: sandbox.fhirServer,
    patientId,
  });
  return `https://sandbox.cds-hooks.org/?${query.toString()}`;
}

function Picker() {
  const [patients, setPatients] = useState<ApiResult<DemoPatientList>>();
  useEffect(() => {
    void dashboardApi.patients().then(setPatients);
  }, []);
  if (!patients) return <Loading />;
  if (!patients.ok && patients.status === 404) {
    // No demo patients here (DEMO_FHIR=off): the dashboard opens from a patient's record only.
    return (
      <Problem
        status={404}
        title="Pharmacogenomic dashboard"
        message="Open the dashboard from a patient’s record in the EHR: this service has no demo patients."
      />
    );
  }
  if (!patients.ok) return <Problem status={patients.status} message={patients.message} />;
  return (
    <main>
      <h1>Pharmacogenomic dashboard</h1>
      <p class="lead">Choose a demo patient. The data are synthetic.</p>
      <p class="note">
        To see the cards an EHR would show, open a patient in the public CDS Hooks sandbox: it calls this
        service from your browser.
      </p>
      <ul class="patients">
        {patients.value.patients.map((p) => (
          <li key={p.id}>
            <a href={`/app?patient=${encodeURIComponent(p.id)}`}>{p.name}</a>
            <span class="note"> — {p.scenario} · </span>
            <a
              class="note"
              href={sandboxUrl(patients.value.sandbox, p.id)}
              rel="noopener noreferrer"
              target="_blank"
              aria-label={`${p.name} in the CDS Hooks sandbox`}
            >
              sandbox
            </a>
          </li>
        ))}
      </ul>
    </main>
  );
}

/** A patient by id: the Patient through fhirclient (demo endpoint), the assessment from the dashboard API. */
function PatientDashboard({ id, serverUrl }: { readonly id: string; readonly serverUrl: string }) {
  const [view, setView] = useState<ApiResult<DashboardView>>();
  const [patient, setPatient] = useState<Patient>();
  useEffect(() => {
    void dashboardApi.patient(id).then(setView);
    const client = FHIR.client({ serverUrl, tokenResponse: { patient: id } });
    client.patient
      .read()
      .then((p) => {
        setPatient(p);
      })
      .catch(() => {
        // The header falls back to the assessment's own patient fields.
      });
  }, [id, serverUrl]);
  if (!view) return <Loading />;
  if (!view.ok) return <Problem status={view.status} message={view.message} />;
  return <Dashboard view={view.value} {...(patient ? { patient } : {})} />;
}

/** What fhirclient holds after a SMART launch in this tab. */
export type SmartLaunch =
  | { readonly kind: 'failed' }
  /** The demo endpoint without an access token (an open server): its own dashboard API. */
  | { readonly kind: 'demo'; readonly patient: string }
  | { readonly kind: 'launched'; readonly launch: LaunchRequest; readonly accessToken: string };

/**
 * The launch fhirclient completed: with the code and state in the URL (just back from the EHR's authorisation server),
 * or from this tab's session storage (a reload, the printable explanation). `undefined` while it works.
 */
export function useSmartLaunch(): SmartLaunch | undefined {
  const [launch, setLaunch] = useState<SmartLaunch>();
  useEffect(() => {
    FHIR.oauth2
      .ready()
      .then((client) => {
        const patient = client.patient.id ?? '';
        const serverUrl = client.state.serverUrl;
        const accessToken = client.state.tokenResponse?.access_token;
        if (!patient) setLaunch({ kind: 'failed' });
        else if (accessToken) setLaunch({ kind: 'launched', launch: { serverUrl, patient }, accessToken });
        else if (serverUrl.replace(/(?<!\/)\/+$/, '') === DEMO_FHIR) setLaunch({ kind: 'demo', patient });
        else setLaunch({ kind: 'failed' });
      })
      .catch(() => {
        setLaunch({ kind: 'failed' });
      });
  }, []);
  return launch;
}

/** A failed launch or record read, in words, with what to do. */
export function LaunchProblem({ status, message }: { readonly status: number; readonly message: string }) {
  const title =
    status === 401
      ? 'The record did not accept this launch'
      : status === 403
        ? 'The dashboard cannot read this record'
        : status === 404
          ? 'Nothing to show for this patient'
          : status === 502 || status === 504 || status === 0
            ? 'The record cannot be read just now'
            : 'The dashboard cannot be shown';
  const retry =
    status === 502 || status === 504 || status === 0
      ? { href: window.location.pathname, label: 'Try again' }
      : undefined;
  return <Problem status={status} title={title} message={message} {...(retry ? { retry } : {})} />;
}

const LAUNCH_FAILED =
  'The launch from the record did not complete, or it has ended. Open the dashboard again from the record.';

/** After an EHR launch (`/app/launched`): the record's patient, read by the service with the launch's token. */
function LaunchedDashboard() {
  const launch = useSmartLaunch();
  const [view, setView] = useState<ApiResult<DashboardView>>();
  useEffect(() => {
    if (launch?.kind === 'launched') {
      void dashboardApi.launched(launch.launch, launch.accessToken).then(setView);
    }
  }, [launch]);
  if (!launch) return <Loading />;
  if (launch.kind === 'failed') return <LaunchProblem status={401} message={LAUNCH_FAILED} />;
  if (launch.kind === 'demo') return <PatientDashboard id={launch.patient} serverUrl={DEMO_FHIR} />;
  if (!view) return <Loading />;
  if (!view.ok) return <LaunchProblem status={view.status} message={view.message} />;
  return <Dashboard view={view.value} launched />;
}

/** How long after a failed start a refused connection (CSP) is still waited for: the browser reports it as a task. */
const VIOLATION_WAIT_MS = 100;

/**
 * `/app/launch`: the EHR (or a card's smart link) names the FHIR server and launch; fhirclient reads the server's
 * SMART configuration and sends the browser to its authorisation server. The pages may connect only to the FHIR
 * servers this service trusts (and `SMART_AUTH_ORIGINS`): a launch from any other server is refused by the browser
 * itself, which reports it as a `securitypolicyviolation`, and the page says so.
 */
export function DashboardLaunch() {
  const [failed, setFailed] = useState<'untrusted' | 'unreachable'>();
  useEffect(() => {
    let refused = false;
    const onViolation = (e: SecurityPolicyViolationEvent): void => {
      if (e.effectiveDirective === 'connect-src') refused = true;
    };
    document.addEventListener('securitypolicyviolation', onViolation);
    FHIR.oauth2
      .authorize({
        clientId: 'pgx-cds-dashboard',
        scope: 'launch launch/patient patient/*.read openid fhirUser',
        redirectUri: '/app/launched',
      })
      .catch(() => {
        setTimeout(() => {
          setFailed(refused ? 'untrusted' : 'unreachable');
        }, VIOLATION_WAIT_MS);
      });
    return () => {
      document.removeEventListener('securitypolicyviolation', onViolation);
    };
  }, []);
  if (failed === 'untrusted') {
    return (
      <LaunchProblem
        status={403}
        message="This service does not trust the record’s FHIR server, so the dashboard cannot open this patient. Ask the service’s administrators to add the server to a trust profile."
      />
    );
  }
  if (failed === 'unreachable') {
    return (
      <Problem
        status={502}
        title="The launch could not start"
        message="The record’s FHIR server did not say where to authorise the dashboard. Open the dashboard again from the record; if this persists, tell the service’s administrators."
      />
    );
  }
  return <Loading />;
}

/** `/app/launched`: the end of an EHR launch (`?code=&state=`), or a reload of it. */
export function LaunchedPage() {
  return <LaunchedDashboard />;
}

/** `/app`: the picker, a patient (`?patient=`), or the end of an EHR launch that was sent back here (`?code=&state=`). */
export function DashboardPage() {
  const params = new URLSearchParams(window.location.search);
  const patient = params.get('patient');
  if (patient) return <PatientDashboard id={patient} serverUrl={DEMO_FHIR} />;
  if (params.get('code') && params.get('state')) return <LaunchedDashboard />;
  return <Picker />;
}
