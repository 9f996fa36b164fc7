/**
 * The informaticist's threshold editor (`/admin/thresholds`, issue 11): the set in force by drug and rule with each
 * value's meaning, unit and source; a draft edited value by value, and its sensor rules one by one as JSON (each
 * shown in words), saved only when the server's checks pass (their messages shown in words); the draft's changes; a
 * what-if replay of recent calls (table and chart); a dry run, which publishing needs; publish with a comment; roll
 * back to any earlier version.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { thresholdsApi } from '../api';
import { useChart } from '../chart';
import type {
  ApiResult,
  DraftSummary,
  DryRunReport,
  NotPredicted,
  ReplayGroup,
  ReplayReport,
  SensorRuleView,
  ThresholdChangeLine,
  ThresholdDraftView,
  ThresholdEntry,
  ThresholdOverview,
  ThresholdSetJson,
} from '../api';
import { formatDay, formatDayTime, sentenceStart } from '../format';
import { useFocusAfter } from '../focus';
import { Loading, Problem } from '../refusal';

const INDICATOR_CHOICES = ['none', 'info', 'warning', 'critical'] as const;
const INDICATOR_WORDS: Readonly<Record<string, string>> = {
  none: 'No card',
  info: 'Info',
  warning: 'Warning',
  critical: 'Critical',
};

/** A copy of `set` with the value at `path` (dot-separated; array indexes as numbers) replaced. */
function withValue(set: ThresholdSetJson, path: string, value: unknown): ThresholdSetJson {
  const copy = structuredClone(set) as Record<string, unknown>;
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys[keys.length - 1] ?? ''] = value;
  return copy;
}

function valueAt(set: ThresholdSetJson, path: string): unknown {
  let node: unknown = set;
  for (const key of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[key];
  return node;
}

/** A value's UCUM unit as people write it after the number: `/min` → "60/min", `mm[Hg]` → "130 mmHg", `1` → "2". */
function unitText(unit: string | undefined): string {
  switch (unit) {
    case undefined:
    case '1':
    case '{INR}':
      return '';
    case '/min':
      return unit;
    case 'mm[Hg]':
      return ' mmHg';
    default:
      return ` ${unit}`;
  }
}

function shownValue(e: ThresholdEntry): string {
  if (typeof e.value === 'boolean') return e.value ? 'Yes' : 'No';
  if (typeof e.value === 'string') return INDICATOR_WORDS[e.value] ?? e.value;
  return `${String(e.value)}${unitText(e.unit)}`;
}

/** One row per editable value (a sensor trigger listed once, with all its drugs). */
function rowsOf(entries: readonly ThresholdEntry[]): (ThresholdEntry & { drugs: string })[] {
  const byPath = new Map<string, ThresholdEntry & { drugs: string }>();
  for (const e of entries) {
    const seen = byPath.get(e.path);
    if (seen) seen.drugs = `${seen.drugs}, ${e.drug}`;
    else byPath.set(e.path, { ...e, drugs: e.drug });
  }
  return [...byPath.values()];
}

export function ThresholdsEditor() {
  const [overview, setOverview] = useState<ApiResult<ThresholdOverview> | undefined>(undefined);
  const [draft, setDraft] = useState<ThresholdDraftView | undefined>(undefined);
  const [status, setStatus] = useState('');
  const [openError, setOpenError] = useState('');
  const statusLine = useRef<HTMLParagraphElement>(null);
  // Published or rolled back: the editor or the button is gone, so the focus goes to the status line saying so.
  const focusStatus = useFocusAfter(() => statusLine.current);
  // A draft started or opened: the form that started it gives way to the draft, whose heading takes the focus.
  const focusDraft = useFocusAfter(() => document.getElementById('draft-heading'));
  const refresh = () => {
    void thresholdsApi.overview().then(setOverview);
  };
  useEffect(refresh, []);

  if (!overview) return <Loading />;
  if (!overview.ok) {
    return overview.status === 403 ? (
      <Problem
        status={403}
        title="Alert thresholds are for informaticists"
        message="Your account does not hold the informaticist role. Ask an informaticist to change a threshold; the other pages open to you are listed on the home page."
        retry={{ href: '/admin', label: 'Back to the home page' }}
      />
    ) : (
      <Problem status={overview.status} message={overview.message} />
    );
  }
  const { published, versions, events, drafts } = overview.value;
  const open = (version: string) => {
    setOpenError('');
    void thresholdsApi.draft(version).then((r) => {
      if (r.ok) {
        setStatus('');
        focusDraft();
        setDraft(r.value);
      } else setOpenError(r.details?.join(' ') ?? r.message);
    });
  };
  return (
    <main class="wide">
      <h1>Alert thresholds</h1>
      <p class="lead">
        In force: <strong>{published.version}</strong>
        {published.description ? ` — ${published.description}` : ''}
      </p>
      <p ref={statusLine} role="status" class="status-saved">
        {status}
      </p>
      <Watch key={published.version + status} />
      {draft ? (
        <DraftEditor
          key={`${draft.version}-${String(draft.revision)}`}
          initial={draft}
          onReload={() => {
            open(draft.version);
          }}
          onClose={() => {
            setDraft(undefined);
            refresh();
          }}
          onPublished={(message) => {
            focusStatus();
            setDraft(undefined);
            setStatus(message);
            refresh();
          }}
        />
      ) : (
        <>
          <OpenDrafts drafts={drafts} onOpen={open} onChanged={refresh} error={openError} />
          <NewDraft
            onCreated={(view) => {
              focusDraft();
              setStatus('');
              setDraft(view);
            }}
          />
        </>
      )}
      <SetTable entries={published.entries} />
      <History
        versions={versions}
        events={events}
        onRolledBack={(message) => {
          focusStatus();
          setStatus(message);
          refresh();
        }}
      />
    </main>
  );
}

const DRY_RUN_WORDS: Readonly<Record<DraftSummary['dryRun'], string>> = {
  none: 'Not dry-run yet',
  passed: 'Dry run passed',
  failed: 'Dry run failed',
  outdated: 'Changed since its dry run',
};

/** The drafts saved and not yet published: open one to go on editing it; stop a shadow from here. */
function OpenDrafts({
  drafts,
  onOpen,
  onChanged,
  error,
}: {
  readonly drafts: readonly DraftSummary[];
  readonly onOpen: (version: string) => void;
  readonly onChanged: () => void;
  readonly error: string;
}) {
  const [shadowError, setShadowError] = useState('');
  return (
    <section aria-labelledby="open-drafts">
      <h2 id="open-drafts">Open drafts</h2>
      {drafts.length === 0 ? (
        <p>No draft is waiting: start one below.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Draft</th>
                <th scope="col">Made from</th>
                <th scope="col">Last saved</th>
                <th scope="col">Dry run</th>
                <th scope="col">Shadow</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {drafts.map((d) => (
                <tr key={d.version}>
                  <td>{d.version}</td>
                  <td>
                    {d.basedOn ?? 'Not known'}
                    {d.behind ? (
                      <>
                        <br />
                        <span class="note">No longer in force: its changes must be carried over.</span>
                      </>
                    ) : null}
                  </td>
                  <td>
                    {formatDayTime(d.savedAt)} by {d.savedBy}
                  </td>
                  <td>{DRY_RUN_WORDS[d.dryRun]}</td>
                  <td>
                    {d.inShadow ? (
                      <>
                        Runs in shadow{' '}
                        <button
                          type="button"
                          class="secondary"
                          onClick={() => {
                            setShadowError('');
                            void thresholdsApi.setShadow(null).then((r) => {
                              if (r.ok) onChanged();
                              else setShadowError(r.details?.join(' ') ?? r.message);
                            });
                          }}
                        >
                          Stop the shadow of {d.version}
                        </button>
                      </>
                    ) : (
                      'No'
                    )}
                  </td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        onOpen(d.version);
                      }}
                    >
                      Open {d.version}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {error || shadowError ? (
        <p role="alert" class="status-error">
          {error || shadowError}
        </p>
      ) : null}
    </section>
  );
}

function NewDraft({ onCreated }: { readonly onCreated: (view: ThresholdDraftView) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  return (
    <section aria-labelledby="new-draft">
      <h2 id="new-draft">Start a draft</h2>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void thresholdsApi.createDraft(name.trim()).then((r) => {
            if (r.ok) onCreated(r.value);
            else setError(r.details?.join(' ') ?? r.message);
          });
        }}
      >
        <label for="draft-name">Draft name</label>
        <input
          id="draft-name"
          value={name}
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
          title="Letters, digits, dots, dashes and underscores, no spaces: e.g. lower-hr-limit"
          aria-describedby="draft-name-hint"
          onInput={(e) => {
            setName(e.currentTarget.value);
          }}
        />
        <button type="submit">Start a draft from the set in force</button>
      </form>
      <p id="draft-name-hint" class="note">
        The name becomes the version's label: letters, digits, dots, dashes and underscores, no spaces (e.g.
        lower-hr-limit).
      </p>
      {error ? (
        <p role="alert" class="status-error">
          {error}
        </p>
      ) : null}
    </section>
  );
}

/** Why publishing is not offered yet, in words (undefined: it may be published). */
function publishBlocker(state: {
  readonly dirty: boolean;
  readonly editingRule: boolean;
  readonly behind: boolean;
  readonly dryRun: ApiResult<DryRunReport> | undefined;
}): string | undefined {
  if (state.behind) return 'Carry this draft’s changes onto the version in force first (above).';
  if (state.dirty)
    return 'You have changes on screen that are not saved: save the draft and dry-run it before publishing.';
  if (state.editingRule) return 'Save or cancel the sensor rule you are editing before publishing.';
  if (!state.dryRun?.ok) return 'Dry-run the draft as it stands before publishing it.';
  if (!state.dryRun.value.passed) return 'Correct the draft and dry-run it again: its last dry run failed.';
  return undefined;
}

function DraftEditor({
  initial,
  onPublished,
  onReload,
  onClose,
}: {
  readonly initial: ThresholdDraftView;
  readonly onPublished: (message: string) => void;
  /** Read the draft again from the server (someone else saved it). */
  readonly onReload: () => void;
  readonly onClose: () => void;
}) {
  const { version } = initial;
  const [view, setView] = useState(initial);
  // What is on screen, and what is saved: they differ while the informaticist has unsaved edits.
  const [set, setSet] = useState(initial.set);
  const [entries, setEntries] = useState<readonly ThresholdEntry[]>(initial.entries);
  const [dryRun, setDryRun] = useState<ApiResult<DryRunReport> | undefined>(undefined);
  const [filter, setFilter] = useState('');
  const [acknowledge, setAcknowledge] = useState(false);
  const [problems, setProblems] = useState<readonly string[]>([]);
  const [staleSave, setStaleSave] = useState(false);
  const [saved, setSaved] = useState('');
  const [replay, setReplay] = useState<ApiResult<ReplayReport> | undefined>(undefined);
  const [last, setLast] = useState(1000);
  const [comment, setComment] = useState('');
  const [publishError, setPublishError] = useState('');
  const [editingRule, setEditingRule] = useState(false);
  const [rebased, setRebased] = useState<ThresholdDraftView['rebased']>(undefined);
  const [rebaseError, setRebaseError] = useState('');

  useEffect(() => {
    // A draft opened again: its newest dry run counts if it ran on the draft as saved.
    void thresholdsApi.latestDryRun(version).then((r) => {
      if (r.ok && r.value.current && r.value.latest) setDryRun({ ok: true, value: r.value.latest });
    });
  }, [version]);

  const dirty = JSON.stringify(set) !== JSON.stringify(view.set);
  const needle = filter.trim().toLowerCase();
  const rows = rowsOf(entries).filter(
    (r) => !needle || `${r.drugs} ${r.rule} ${r.meaning}`.toLowerCase().includes(needle),
  );

  /** A saved draft (values, a sensor rule, carried over): what is on screen is what is saved; an earlier replay or dry run no longer applies. */
  const savedDraft = (next: ThresholdDraftView, message: string) => {
    setView(next);
    setSet(next.set);
    setEntries(next.entries);
    setSaved(message);
    setStaleSave(false);
    setReplay(undefined);
    setDryRun(undefined);
    setPublishError('');
  };
  // A refused save: its reasons take the focus and are scrolled into view (they are drawn under the long table).
  const problemsBox = useRef<HTMLDivElement>(null);
  const focusProblems = useFocusAfter(() => problemsBox.current);
  const refused = (r: { status: number; message: string; details?: readonly string[] }) => {
    focusProblems();
    setProblems(r.details ?? [r.message]);
    setStaleSave(r.status === 409);
  };
  /** Saves what is on screen; resolves true when it is saved (or was already). */
  const save = async (): Promise<boolean> => {
    setSaved('');
    const r = await thresholdsApi.saveDraft(version, set, acknowledge, view.revision);
    if (r.ok) {
      setProblems([]);
      savedDraft(r.value, 'Draft saved.');
      return true;
    }
    refused(r);
    return false;
  };
  const saveIfEdited = async (): Promise<boolean> => (dirty ? save() : true);
  const blocker = publishBlocker({ dirty, editingRule, behind: view.behind !== undefined, dryRun });

  return (
    <section aria-labelledby="draft-heading" class="draft">
      <h2 id="draft-heading">Draft {version}</h2>
      <p>
        {view.basedOn ? `Made from ${view.basedOn}` : 'Not made in the editor'}
        {view.updatedAt
          ? `; last saved ${formatDayTime(view.updatedAt)} by ${view.updatedBy ?? 'someone'}`
          : ''}
        .{' '}
        <button type="button" class="secondary" onClick={onClose}>
          Close the draft
        </button>
      </p>
      {view.behind ? (
        <div class="problems" role="region" aria-labelledby="behind-heading">
          <h3 id="behind-heading">
            {view.behind.inForce} came into force after this draft was made from {view.behind.basedOn}
          </h3>
          {view.behind.undone.length + view.behind.replaced.length > 0 ? (
            <>
              <p>Published as it stands, it would change these values of the version in force:</p>
              <ul>
                {view.behind.undone.map((c) => (
                  <li key={c.path}>
                    {c.text} <span class="note">(undoing {view.behind?.inForce})</span>
                  </li>
                ))}
                {view.behind.replaced.map((c) => (
                  <li key={c.path}>
                    {c.text} <span class="note">(you changed it too)</span>
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p>It would undo nothing, but it was checked against a version no longer in force.</p>
          )}
          <p>
            Carry this draft’s own changes onto {view.behind.inForce}: the draft keeps its name and is then
            made from {view.behind.inForce}. Where both changed the same value, {view.behind.inForce}’s value
            is kept and listed, for you to change again if yours should stand. Dry-run it again afterwards.
          </p>
          <button
            type="button"
            disabled={dirty}
            onClick={() => {
              setRebaseError('');
              void thresholdsApi.rebase(version, view.revision).then((r) => {
                if (r.ok) {
                  setRebased(r.value.rebased);
                  setProblems([]);
                  savedDraft(r.value, '');
                } else setRebaseError(r.details?.join(' ') ?? r.message);
              });
            }}
          >
            Carry my changes onto {view.behind.inForce}
          </button>
          {dirty ? <p class="note">Save or undo the changes on screen first.</p> : null}
          {rebaseError ? (
            <p role="alert" class="status-error">
              {rebaseError}
            </p>
          ) : null}
        </div>
      ) : null}
      {rebased ? (
        <div role="status" class="rebased">
          <p class="status-saved">
            Your changes were carried onto {rebased.onto}; the draft is now made from it. Run the dry run
            again before publishing.
          </p>
          {rebased.conflicts.length > 0 ? (
            <>
              <p>
                {rebased.onto} changed these values too; its values were kept. Change them again if yours
                should stand:
              </p>
              <ul>
                {rebased.conflicts.map((c) => (
                  <li key={c.path}>{c.text}</li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
      <label for="filter">Show values for a drug or rule</label>
      <input
        id="filter"
        type="search"
        value={filter}
        onInput={(e) => {
          setFilter(e.currentTarget.value);
        }}
      />
      <div class="scroll">
        <table>
          <caption class="lead">Values of the draft ({rows.length} shown)</caption>
          <thead>
            <tr>
              <th scope="col">Drugs</th>
              <th scope="col">Rule</th>
              <th scope="col">Meaning</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.path}>
                <td>{r.drugs}</td>
                <td>{r.rule}</td>
                <td>{r.meaning}</td>
                <td>
                  <ValueInput
                    entry={r}
                    value={valueAt(set, r.path)}
                    onChange={(v) => {
                      setSet(withValue(set, r.path, v));
                      setSaved('');
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p>
        <input
          id="acknowledge"
          type="checkbox"
          checked={acknowledge}
          onChange={(e) => {
            setAcknowledge(e.currentTarget.checked);
          }}
        />{' '}
        <label for="acknowledge">
          I accept that this draft gives a contraindication (CPIC Strong “avoid”) less than a warning
        </label>
      </p>
      <p class="actions">
        <button type="button" onClick={() => void save()}>
          Check and save the draft
        </button>{' '}
        {dirty ? (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setSet(view.set);
              setProblems([]);
            }}
          >
            Undo the unsaved changes
          </button>
        ) : null}
      </p>
      {dirty ? <p class="note unsaved">Changes on screen are not saved yet.</p> : null}
      {problems.length > 0 ? (
        <div role="alert" class="problems" ref={problemsBox}>
          <h3>The draft was not saved</h3>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
          {staleSave ? (
            <button type="button" onClick={onReload}>
              Reload the draft
            </button>
          ) : null}
        </div>
      ) : null}
      {saved ? (
        <p role="status" class="status-saved">
          {saved}
        </p>
      ) : null}
      <SensorRules
        version={version}
        revision={view.revision}
        rules={view.rules}
        blocked={dirty}
        onEditing={setEditingRule}
        onStart={() => {
          setSaved('');
        }}
        onSaved={(next, message) => {
          setProblems([]);
          savedDraft(next, message);
        }}
      />
      <Changes changes={view.changes ?? []} />
      <section aria-labelledby="replay-heading">
        <h3 id="replay-heading">What would change</h3>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            setReplay(undefined);
            // The replay reads the saved draft: what is on screen is saved first, so it replays what is shown.
            void saveIfEdited().then((ok) => {
              if (ok) void thresholdsApi.replay(version, last).then(setReplay);
            });
          }}
        >
          <label for="replay-last">Replay the most recent calls</label>
          <input
            id="replay-last"
            type="number"
            min={1}
            max={10000}
            value={last}
            onInput={(e) => {
              setLast(Number(e.currentTarget.value));
            }}
          />
          <button type="submit">{dirty ? 'Save and replay' : 'Replay'}</button>
        </form>
        {replay ? (
          replay.ok ? (
            <ReplayView report={replay.value} />
          ) : (
            <p role="alert" class="status-error">
              {replay.details?.join(' ') ?? replay.message}
            </p>
          )
        ) : null}
        <Shadow version={version} />
      </section>
      <section aria-labelledby="dry-run-heading">
        <h3 id="dry-run-heading">Dry run</h3>
        <p>
          Loads the draft as the service would, runs each sensor rule on test data built from its own
          thresholds, and replays recent calls. Publishing needs a passing dry run of the draft as it stands;
          changes on screen are saved first.
        </p>
        <button
          type="button"
          onClick={() => {
            setDryRun(undefined);
            setPublishError('');
            void saveIfEdited().then((ok) => {
              if (ok) void thresholdsApi.dryRun(version).then(setDryRun);
            });
          }}
        >
          {dirty ? 'Save and dry run the draft' : 'Dry run the draft'}
        </button>
        {dryRun ? (
          dryRun.ok ? (
            <DryRunView report={dryRun.value} />
          ) : (
            <p role="alert" class="status-error">
              {dryRun.details?.join(' ') ?? dryRun.message}
            </p>
          )
        ) : null}
      </section>
      <section aria-labelledby="publish-heading" class="publish">
        <h3 id="publish-heading">Publish</h3>
        {blocker ? (
          <p class="publish-blocked">{blocker}</p>
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setPublishError('');
              void thresholdsApi.publish(version, comment, acknowledge, view.revision).then((r) => {
                if (r.ok)
                  onPublished(
                    `Published ${r.value.version}; it replaces ${r.value.previous} from the next call.`,
                  );
                else setPublishError(r.details?.join(' ') ?? r.message);
              });
            }}
          >
            <label for="publish-comment">Why this change (kept with the version)</label>
            <textarea
              id="publish-comment"
              rows={2}
              required
              value={comment}
              onInput={(e) => {
                setComment(e.currentTarget.value);
              }}
            />
            <button type="submit">Publish {version}</button>
          </form>
        )}
        {publishError ? (
          <p role="alert" class="status-error">
            {publishError}
          </p>
        ) : null}
      </section>
    </section>
  );
}

/** Rules whose firing rate left its usual range since the latest publication (7 days; u-chart limits). */
function Watch() {
  const [watch, setWatch] = useState<Awaited<ReturnType<typeof thresholdsApi.watch>> | undefined>(undefined);
  useEffect(() => {
    void thresholdsApi.watch().then(setWatch);
  }, []);
  if (!watch?.ok || !watch.value.publishedAt || !watch.value.watching) return null;
  const flagged = watch.value.rules.filter((r) => r.flagged);
  return (
    <section aria-labelledby="watch-heading" class={flagged.length > 0 ? 'problems' : undefined}>
      <h2 id="watch-heading">Since {watch.value.version} came into force</h2>
      {flagged.length === 0 ? (
        <p>Every rule fires within its usual range (compared with the 28 days before).</p>
      ) : (
        <ul>
          {flagged.map((r) => {
            const day = r.days.find((d) => d.outside);
            const when = day
              ? `${String(day.firings)} cards in ${String(day.calls)} calls on ${formatDay(day.day)}`
              : 'outside its range';
            return (
              <li key={r.rule}>
                {`${r.label}: ${when}, against about ${String(Math.round(r.baselineRate * 100))} per 100 calls before.`}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** Shadow mode: the draft runs beside the set in force on live calls, never showing a card. */
function Shadow({ version }: { readonly version: string }) {
  const [running, setRunning] = useState<string | null | undefined>(undefined);
  const [report, setReport] = useState<ReplayReport | undefined>(undefined);
  const [error, setError] = useState('');
  const read = () => {
    void thresholdsApi.shadow().then((r) => {
      if (!r.ok) {
        setError(r.message);
        return;
      }
      setRunning(r.value.version);
      setReport(r.value.version === version ? r.value.report : undefined);
    });
  };
  useEffect(read, [version]);
  const switchTo = (v: string | null) => {
    setError('');
    void thresholdsApi.setShadow(v).then((r) => {
      if (r.ok) read();
      else setError(r.details?.join(' ') ?? r.message);
    });
  };
  const mine = running === version;
  return (
    <div class="shadow">
      <h4>In shadow on live calls</h4>
      <p>
        {mine
          ? 'This draft runs in shadow: live calls are also assessed under it, and no prescriber sees its cards.'
          : running
            ? `Draft ${running} runs in shadow now.`
            : 'No draft runs in shadow.'}
      </p>
      <button
        type="button"
        class="secondary"
        onClick={() => {
          switchTo(mine ? null : version);
        }}
      >
        {mine ? 'Stop the shadow' : 'Run this draft in shadow on live calls'}
      </button>{' '}
      {mine ? (
        <button type="button" class="secondary" onClick={read}>
          Show what the shadow saw
        </button>
      ) : null}
      {error ? (
        <p role="alert" class="status-error">
          {error}
        </p>
      ) : null}
      {mine && report ? (
        report.replayed === 0 ? (
          <p>No live call has been assessed in shadow yet.</p>
        ) : (
          <ReplayView
            report={report}
            source={['live call assessed in shadow', 'live calls assessed in shadow']}
          />
        )
      ) : null}
    </div>
  );
}

/** A new rule's starting JSON: every field an author must fill in, valid as it stands only once filled. */
function newRuleTemplate(rules: readonly SensorRuleView[]): Record<string, unknown> {
  const used = rules.map((r) => Number(/^R(\d+)/.exec(r.id)?.[1] ?? 0));
  return {
    id: `R${String(Math.max(0, ...used) + 1)}-`,
    enabled: true,
    drugs: [],
    phenotypes: {},
    triggers: [
      {
        id: '',
        metric: 'resting-heart-rate',
        operator: 'lessThan',
        value: 0,
        unit: '/min',
        effect: 'raise',
        steps: 1,
        evidence: 'design',
        source: '',
      },
    ],
  };
}

/** The draft's sensor rules: each in words, with its JSON to edit, check and save; turn off, remove, add. */
function SensorRules({
  version,
  revision,
  rules,
  blocked,
  onEditing,
  onStart,
  onSaved,
}: {
  readonly version: string;
  /** The draft's revision the page shows (sent with each save). */
  readonly revision: number;
  readonly rules: readonly SensorRuleView[];
  /** Unsaved value edits on screen: a rule save would save the draft without them, so rules wait. */
  readonly blocked: boolean;
  /** Whether a rule's JSON is open for editing (publishing waits for it). */
  readonly onEditing: (editing: boolean) => void;
  /** A change to a rule begins: the last confirmation no longer describes the draft. */
  readonly onStart: () => void;
  readonly onSaved: (view: ThresholdDraftView, message: string) => void;
}) {
  const [editing, setEditingState] = useState<{ id: string; text: string } | undefined>(undefined);
  const [error, setError] = useState('');
  const setEditing = (next: { id: string; text: string } | undefined) => {
    setEditingState(next);
    onEditing(next !== undefined);
  };
  const edit = (id: string, text: string) => {
    onStart();
    setEditing({ id, text });
  };
  const act = (promise: Promise<ApiResult<ThresholdDraftView>>, message: string) => {
    onStart();
    setError('');
    void promise.then((r) => {
      if (r.ok) onSaved(r.value, message);
      else setError(r.details?.join(' ') ?? r.message);
    });
  };
  return (
    <section aria-labelledby="sensor-rules-heading">
      <h3 id="sensor-rules-heading">Sensor rules</h3>
      {blocked ? (
        <p class="note">Save or undo the changes to values above before changing a sensor rule.</p>
      ) : null}
      <ul class="plain sensor-rules">
        {rules.map((r) => (
          <li key={r.id} class={r.enabled ? 'sensor-rule' : 'sensor-rule off'}>
            <h4>
              {r.id}
              {r.enabled ? '' : ' (turned off)'}
            </h4>
            <ul>
              {r.words.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
            {editing?.id === r.id ? (
              <RuleJsonEditor
                version={version}
                revision={revision}
                id={r.id}
                text={editing.text}
                onCancel={() => {
                  setEditing(undefined);
                }}
                onSaved={(view, id) => {
                  setEditing(undefined);
                  onSaved(view, `Sensor rule ${id} saved.`);
                }}
              />
            ) : (
              <p class="actions">
                <button
                  type="button"
                  class="secondary"
                  disabled={blocked}
                  onClick={() => {
                    edit(r.id, JSON.stringify(r.rule, null, 2));
                  }}
                >
                  Edit {r.id} as JSON
                </button>{' '}
                <button
                  type="button"
                  class="secondary"
                  disabled={blocked}
                  onClick={() => {
                    act(
                      thresholdsApi.saveRule(version, r.id, { ...r.rule, enabled: !r.enabled }, revision),
                      `Sensor rule ${r.id} turned ${r.enabled ? 'off' : 'on'}.`,
                    );
                  }}
                >
                  {r.enabled ? 'Turn off' : 'Turn on'} {r.id}
                </button>{' '}
                <button
                  type="button"
                  class="secondary"
                  disabled={blocked}
                  onClick={() => {
                    act(thresholdsApi.removeRule(version, r.id, revision), `Sensor rule ${r.id} removed.`);
                  }}
                >
                  Remove {r.id}
                </button>
              </p>
            )}
          </li>
        ))}
      </ul>
      {editing?.id === '' ? (
        <RuleJsonEditor
          version={version}
          revision={revision}
          id=""
          text={editing.text}
          onCancel={() => {
            setEditing(undefined);
          }}
          onSaved={(view, id) => {
            setEditing(undefined);
            onSaved(view, `Sensor rule ${id} added.`);
          }}
        />
      ) : (
        <button
          type="button"
          class="secondary"
          disabled={blocked}
          onClick={() => {
            edit('', JSON.stringify(newRuleTemplate(rules), null, 2));
          }}
        >
          Add a sensor rule
        </button>
      )}
      {error ? (
        <p role="alert" class="status-error">
          {error}
        </p>
      ) : null}
    </section>
  );
}

/** One rule's JSON: "Check" asks the server (nothing saved), "Save" saves it into the draft. */
function RuleJsonEditor({
  version,
  revision,
  id,
  text: initial,
  onCancel,
  onSaved,
}: {
  readonly version: string;
  readonly revision: number;
  /** The rule being edited ('' for a new one). */
  readonly id: string;
  readonly text: string;
  readonly onCancel: () => void;
  readonly onSaved: (view: ThresholdDraftView, id: string) => void;
}) {
  const [text, setText] = useState(initial);
  const [problems, setProblems] = useState<readonly string[]>([]);
  const [passed, setPassed] = useState<readonly string[] | undefined>(undefined);
  /** The rule as JSON, or why it is not JSON. */
  const parsed = (): { rule: Record<string, unknown>; target: string } | undefined => {
    try {
      const rule = JSON.parse(text) as unknown;
      if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) {
        setProblems(['The rule must be one JSON object, between { and }.']);
        return undefined;
      }
      const own = (rule as { id?: unknown }).id;
      const target = id || (typeof own === 'string' ? own : '');
      if (!/^R\d[a-z0-9-]*$/.test(target)) {
        setProblems(['Give the rule an id that starts with R and its number, e.g. R13-metoprolol-night-hr.']);
        return undefined;
      }
      return { rule: rule as Record<string, unknown>, target };
    } catch (err) {
      setProblems([`The rule is not valid JSON: ${err instanceof Error ? err.message : String(err)}.`]);
      return undefined;
    }
  };
  const label = id ? `JSON of sensor rule ${id}` : 'JSON of the new sensor rule';
  return (
    <div class="rule-editor">
      <label for={`rule-${id || 'new'}`}>{label}</label>
      <textarea
        id={`rule-${id || 'new'}`}
        rows={16}
        spellcheck={false}
        class="json"
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setPassed(undefined);
        }}
      />
      <p class="actions">
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setPassed(undefined);
            const p = parsed();
            if (!p) return;
            void thresholdsApi.checkRule(version, p.target, p.rule).then((r) => {
              if (!r.ok) setProblems(r.details ?? [r.message]);
              else if (!r.value.valid) setProblems(r.value.problems.map((x) => x.message));
              else {
                setProblems([]);
                setPassed(r.value.words ?? []);
              }
            });
          }}
        >
          Check
        </button>{' '}
        <button
          type="button"
          onClick={() => {
            setPassed(undefined);
            const p = parsed();
            if (!p) return;
            void thresholdsApi.saveRule(version, p.target, p.rule, revision).then((r) => {
              if (r.ok) onSaved(r.value, typeof p.rule.id === 'string' ? p.rule.id : p.target);
              else setProblems(r.details ?? [r.message]);
            });
          }}
        >
          Save the rule
        </button>{' '}
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </p>
      {problems.length > 0 ? (
        <div role="alert" class="problems">
          <h4>The rule cannot be saved as it stands</h4>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {passed ? (
        <div role="status">
          <p class="status-saved">The rule passes every check; save it to keep it. It reads:</p>
          <ul>
            {passed.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

/**
 * What the recorded calls cannot predict, said next to the figures: a changed window (or days of data needed) is read
 * from figures over the old window, so those rules' level changes are left out of the counts.
 */
function NotPredictedNote({ report }: { readonly report: NotPredicted }) {
  return (
    <div class="not-predicted" role="note" aria-label="Not predicted">
      <p>
        <strong>Not predicted:</strong>{' '}
        {report.cards === 0
          ? 'the figures above cannot show what this change does.'
          : `${String(report.cards)} ${report.cards === 1 ? 'card' : 'cards'} whose level these rules would change on the recorded figures ${report.cards === 1 ? 'is' : 'are'} left out of the figures above.`}{' '}
        Watch these rules after publishing.
      </p>
      <ul>
        {report.reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
    </div>
  );
}

/** A dry run's outcome: passed or not, then each rule with its failing cases and their reasons. */
function DryRunView({ report }: { readonly report: DryRunReport }) {
  const cases = report.rules.reduce((n, r) => n + r.passed + r.failed, 0);
  const failed = report.rules.filter((r) => r.failed > 0);
  return (
    <div class={report.passed ? 'dry-run' : 'dry-run problems'} aria-live="polite">
      <p class={report.passed ? 'status-saved' : 'status-error'}>
        {report.passed
          ? `Dry run passed: the draft loads, ${String(cases)} test cases across ${String(report.rules.filter((r) => r.enabled).length)} sensor rules behave as the rules say, and ${String(report.replay?.replayed ?? 0)} recent calls replay under it. It may be published.`
          : report.loaded
            ? 'Dry run failed: correct the draft, then run it again before publishing.'
            : 'Dry run failed: the draft does not load.'}
      </p>
      {report.problems.length > 0 ? (
        <ul>
          {report.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}
      {report.replay?.error ? <p>{report.replay.error}</p> : null}
      {report.replay?.notPredicted ? <NotPredictedNote report={report.replay.notPredicted} /> : null}
      {failed.length > 0 ? (
        <table>
          <caption class="lead">Sensor rules that do not behave as written</caption>
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Test case</th>
              <th scope="col">What happened</th>
            </tr>
          </thead>
          <tbody>
            {failed.flatMap((r) =>
              r.cases
                .filter((c) => !c.passed)
                .map((c) => (
                  <tr key={`${r.id}-${c.trigger}-${c.expectation}`}>
                    <td>{r.id}</td>
                    <td>{c.expectation}</td>
                    <td>{c.reason ? `${sentenceStart(c.reason)}.` : ''}</td>
                  </tr>
                )),
            )}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function ValueInput({
  entry,
  value,
  onChange,
}: {
  readonly entry: ThresholdEntry;
  readonly value: unknown;
  readonly onChange: (v: unknown) => void;
}) {
  const label = `${entry.rule}: ${entry.meaning}`;
  if (typeof entry.value === 'boolean') {
    return (
      <input
        type="checkbox"
        aria-label={label}
        checked={value === true}
        onChange={(e) => {
          onChange(e.currentTarget.checked);
        }}
      />
    );
  }
  if (typeof entry.value === 'string') {
    return (
      <select
        aria-label={label}
        value={String(value)}
        onChange={(e) => {
          onChange(e.currentTarget.value);
        }}
      >
        {INDICATOR_CHOICES.filter((c) => c !== 'none' || entry.path !== 'preTest.indicator').map((c) => (
          <option key={c} value={c}>
            {INDICATOR_WORDS[c]}
          </option>
        ))}
      </select>
    );
  }
  return (
    <span class="value">
      <input
        type="number"
        step="any"
        aria-label={label}
        value={String(value)}
        onInput={(e) => {
          const n = e.currentTarget.valueAsNumber;
          onChange(Number.isNaN(n) ? e.currentTarget.value : n);
        }}
      />
      {unitText(entry.unit)}
    </span>
  );
}

function Changes({ changes }: { readonly changes: readonly ThresholdChangeLine[] }) {
  return (
    <section aria-labelledby="changes-heading">
      <h3 id="changes-heading">Changes against the set in force</h3>
      {changes.length === 0 ? (
        <p>None: the draft equals the set in force.</p>
      ) : (
        <ul>
          {changes.map((c) => (
            <li key={c.path}>{c.text}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

function GroupTable({
  caption,
  groups,
}: {
  readonly caption: string;
  readonly groups: readonly ReplayGroup[];
}) {
  const moved = groups.filter((g) => g.appear + g.disappear + g.change > 0);
  return (
    <table>
      <caption class="lead">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{caption.startsWith('By rule') ? 'Rule' : 'Drug and gene'}</th>
          <th scope="col">Would appear</th>
          <th scope="col">Would disappear</th>
          <th scope="col">Would change level</th>
          <th scope="col">Unchanged</th>
          <th scope="col">Examples</th>
        </tr>
      </thead>
      <tbody>
        {moved.length === 0 ? (
          <tr>
            <td colSpan={6}>No card would change.</td>
          </tr>
        ) : (
          moved.map((g) => (
            <tr key={g.key}>
              <td>{g.label}</td>
              <td>{g.appear}</td>
              <td>{g.disappear}</td>
              <td>{g.change}</td>
              <td>{g.same}</td>
              <td>
                <ul class="examples">
                  {g.examples.map((x, i) => (
                    <li key={i}>
                      {INDICATOR_WORDS[x.from]} → {INDICATOR_WORDS[x.to]}: {x.summary}
                    </li>
                  ))}
                </ul>
              </td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  );
}

/**
 * One bar per rule and change: each rule takes four slots on the x axis (appear, disappear, change level, a gap), so
 * the bars stand side by side without overlapping; the rule's name labels its middle slot.
 */
function ReplayChart({ groups }: { readonly groups: readonly ReplayGroup[] }) {
  const ref = useChart(
    (el, width) => {
      const slots = groups.length * 4;
      const xs = Array.from({ length: slots }, (_, i) => i);
      const column = (offset: number, pick: (g: ReplayGroup) => number) =>
        xs.map((x) => (x % 4 === offset ? pick(groups[Math.floor(x / 4)] as ReplayGroup) : null));
      const bars = uPlot.paths.bars?.({ size: [0.9, 60] });
      const series = (label: string, stroke: string, fill: string): uPlot.Series => ({
        label,
        stroke,
        fill,
        ...(bars ? { paths: bars } : {}),
        points: { show: false },
      });
      return new uPlot(
        {
          width,
          height: 240,
          legend: { live: false },
          scales: { x: { time: false, range: [-0.5, slots - 0.5] } },
          axes: [
            {
              splits: () => groups.map((_, i) => i * 4 + 1),
              values: (_u, ticks) => ticks.map((t) => groups[Math.floor(t / 4)]?.label ?? ''),
              size: 40,
            },
            { label: 'cards', size: 50, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
          ],
          series: [
            { label: 'Rule', value: (_u, v) => groups[Math.floor(v / 4)]?.label ?? '' },
            series('Would appear', '#1f5fa8', 'rgba(31,95,168,0.7)'),
            series('Would disappear', '#a4161a', 'rgba(164,22,26,0.7)'),
            series('Would change level', '#8a4b00', 'rgba(138,75,0,0.7)'),
          ],
        },
        [
          xs,
          column(0, (g) => g.appear),
          column(1, (g) => g.disappear),
          column(2, (g) => g.change),
        ] as uPlot.AlignedData,
        el,
      );
    },
    [groups],
    900,
  );
  return (
    <figure class="chart">
      <figcaption>Cards that would change, by rule (the table below gives the same numbers)</figcaption>
      <div ref={ref} aria-hidden="true" />
    </figure>
  );
}

function ReplayView({
  report,
  source = ['recent call replayed', 'recent calls replayed'],
}: {
  readonly report: ReplayReport;
  /** What was compared, singular and plural. */
  readonly source?: readonly [string, string];
}) {
  const { totals } = report;
  const movedRules = report.byRule.filter((g) => g.appear + g.disappear + g.change > 0).slice(0, 12);
  return (
    <div class="replay">
      <p class="replay-summary">
        {report.replayed} {source[report.replayed === 1 ? 0 : 1]}
        {report.period ? ` (${formatDayTime(report.period.from)} to ${formatDayTime(report.period.to)})` : ''}
        : <strong>{totals.appear}</strong> cards would appear, <strong>{totals.disappear}</strong> would
        disappear, <strong>{totals.change}</strong> would change level, {totals.same} would stay as they are.
      </p>
      {report.notPredicted ? <NotPredictedNote report={report.notPredicted} /> : null}
      {movedRules.length > 0 ? <ReplayChart groups={movedRules} /> : null}
      <GroupTable caption="By rule" groups={report.byRule} />
      <GroupTable caption="By drug and gene" groups={report.byPair} />
    </div>
  );
}

/**
 * For each item, how many rows its cell spans: the length of the run of equal values it starts, or 0 inside a run
 * (so a source shared by consecutive rows is shown once).
 */
function runSpans(values: readonly string[]): number[] {
  return values.map((v, i) => {
    if (i > 0 && values[i - 1] === v) return 0;
    let end = i + 1;
    while (end < values.length && values[end] === v) end += 1;
    return end - i;
  });
}

function SetTable({ entries }: { readonly entries: readonly ThresholdEntry[] }) {
  const [open, setOpen] = useState(false);
  const sourceSpans = runSpans(entries.map((e) => e.source));
  return (
    <section aria-labelledby="in-force">
      <h2 id="in-force">The set in force</h2>
      <button
        type="button"
        class="secondary"
        aria-expanded={open}
        onClick={() => {
          setOpen(!open);
        }}
      >
        {open ? 'Hide the values' : 'Show every value with its source'}
      </button>
      {open ? (
        <div class="scroll" tabIndex={0} aria-label="Every value in force">
          <table>
            <thead>
              <tr>
                <th scope="col">Drug</th>
                <th scope="col">Rule</th>
                <th scope="col">Meaning</th>
                <th scope="col">Value</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e, i) => (
                <tr key={`${e.path}-${e.drug}`}>
                  <td>{e.drug}</td>
                  <td>{e.rule}</td>
                  <td>{e.meaning}</td>
                  <td>{shownValue(e)}</td>
                  {sourceSpans[i] ? (
                    <td class="note" rowSpan={sourceSpans[i]}>
                      {e.source}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function History({
  versions,
  events,
  onRolledBack,
}: {
  readonly versions: ThresholdOverview['versions'];
  readonly events: ThresholdOverview['events'];
  readonly onRolledBack: (message: string) => void;
}) {
  const [comment, setComment] = useState('');
  const [error, setError] = useState('');
  // No reason given: said at the field, which takes the focus (SC 3.3.1), not the server's "comment: …" below.
  const [commentMissing, setCommentMissing] = useState(false);
  const commentField = useRef<HTMLTextAreaElement>(null);
  const focusComment = useFocusAfter(() => commentField.current);
  const retired = versions.filter((v) => v.status === 'retired');
  const changes = events.filter((e) => e.action !== 'save-draft');
  const shipped = versions.find((v) => v.shipped);
  return (
    <section aria-labelledby="history">
      <h2 id="history">Versions</h2>
      {changes.length === 0 ? (
        <p>
          No version has been published yet: the set shipped with the service
          {shipped ? `, ${shipped.version},` : ''} is in force.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Who</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((e) => (
              <tr key={e.id}>
                <td>{formatDayTime(e.at)}</td>
                <td>
                  {e.action === 'rollback' ? 'Rolled back to' : 'Published'} {e.version}
                  {e.fromVersion
                    ? ` (replacing ${e.fromVersion}${e.fromVersion === shipped?.version ? ', the set shipped with the service' : ''})`
                    : ''}
                  {e.changes ? (
                    e.changes.length === 0 ? (
                      <p class="note">No value changed.</p>
                    ) : (
                      <details>
                        <summary>
                          {e.changes.length} {e.changes.length === 1 ? 'value' : 'values'} changed
                        </summary>
                        <ul>
                          {e.changes.map((c) => (
                            <li key={c.path}>{c.text}</li>
                          ))}
                        </ul>
                      </details>
                    )
                  ) : null}
                </td>
                <td>{e.by}</td>
                <td>{e.comment ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {retired.length > 0 ? (
        <div class="rollback">
          <label for="rollback-comment">Why roll back (required; kept with the version)</label>
          {commentMissing ? (
            <p id="rollback-comment-error" class="field-error">
              Say why you roll back before choosing the version: the reason is kept with it.
            </p>
          ) : null}
          <textarea
            id="rollback-comment"
            ref={commentField}
            rows={2}
            required
            aria-invalid={commentMissing ? 'true' : undefined}
            aria-describedby={commentMissing ? 'rollback-comment-error' : undefined}
            value={comment}
            onInput={(e) => {
              setComment(e.currentTarget.value);
              setCommentMissing(false);
            }}
          />
          <ul class="plain">
            {retired.map((v) => (
              <li key={v.version}>
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    setError('');
                    if (!comment.trim()) {
                      setCommentMissing(true);
                      focusComment();
                      return;
                    }
                    void thresholdsApi.rollback(v.version, comment).then((r) => {
                      if (r.ok) {
                        setComment('');
                        onRolledBack(
                          `Rolled back to ${r.value.version}; it replaces ${r.value.previous} from the next call.`,
                        );
                      } else setError(r.details?.join(' ') ?? r.message);
                    });
                  }}
                >
                  Roll back to {v.version}
                </button>{' '}
                <span class="note">
                  {v.shipped
                    ? 'the set shipped with the service, in force before the first publication'
                    : `last published ${v.publishedAt ? formatDayTime(v.publishedAt) : ''} by ${v.publishedBy ?? ''}`}
                </span>
              </li>
            ))}
          </ul>
          {error ? (
            <p role="alert" class="status-error">
              {error}
            </p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
