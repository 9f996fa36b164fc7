/**
 * The pages for pharmacists and informaticists (`/admin/...`), behind sign-in: a header saying who is signed in, with
 * sign-out, around the page the path names.
 */
import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { onSessionEnded, reviewApi, sessionApi } from '../api';
import type { ApiResult, SignedInView } from '../api';
import { formatDayTime } from '../format';
import { Loading, Problem } from '../refusal';

/** The roles that open the `/admin` pages (the server checks the same). */
const PAGE_ROLES: readonly string[] = ['pharmacist', 'informaticist'];

const ROLE_LABELS: Readonly<Record<string, string>> = {
  pharmacist: 'pharmacist',
  informaticist: 'informaticist',
  clinician: 'clinician',
};

/** The signed-in user of the page (`AdminShell`), for what a page offers when the session ends. */
const SignedInContext = createContext<SignedInView | undefined>(undefined);

/** Whether a call of this page has found the session ended since the page loaded. */
export function useSessionEnded(): boolean {
  const [ended, setEnded] = useState(false);
  useEffect(
    () =>
      onSessionEnded(() => {
        setEnded(true);
      }),
    [],
  );
  return ended;
}

/** The key prefix of the review drafts a page keeps in the tab's `sessionStorage` until saved. */
const DRAFT_PREFIX = 'pgx-draft:';

/** What a pharmacist has entered in a form (a review, a follow-up) and not saved yet: the answer chosen and the note. */
export interface TabDraft<C extends string> {
  readonly choice?: C | undefined;
  readonly note: string;
}

/**
 * The unsaved form kept under `key` in this tab's `sessionStorage` (`DRAFT_PREFIX`…): a session that ends mid-form (or
 * a reload) does not lose the answer and note. The tab's storage only: gone when the tab closes, on sign-out and once
 * saved; never sent anywhere. A kept answer not among `choices` is dropped.
 */
export function readTabDraft<C extends string>(
  key: string,
  choices: Readonly<Record<C, unknown>>,
): TabDraft<C> {
  try {
    const kept = JSON.parse(sessionStorage.getItem(`${DRAFT_PREFIX}${key}`) ?? 'null') as unknown;
    if (typeof kept !== 'object' || kept === null) return { note: '' };
    const { choice, note } = kept as { choice?: unknown; note?: unknown };
    return {
      ...(typeof choice === 'string' && choice in choices ? { choice: choice as C } : {}),
      note: typeof note === 'string' ? note : '',
    };
  } catch {
    return { note: '' };
  }
}

/** Keeps the unsaved form under `key` (an empty one, or `undefined` once saved, is removed). */
export function keepTabDraft(key: string, draft: TabDraft<string> | undefined): void {
  try {
    if (draft === undefined || (draft.choice === undefined && draft.note === ''))
      sessionStorage.removeItem(`${DRAFT_PREFIX}${key}`);
    else sessionStorage.setItem(`${DRAFT_PREFIX}${key}`, JSON.stringify(draft));
  } catch {
    // No storage (a private window may refuse it): the form still works, without keeping the draft.
  }
}

/** Forgets every draft kept in this tab (signing out: a note may name the patient). */
function forgetDrafts(): void {
  try {
    for (const key of Object.keys(sessionStorage)) {
      if (key.startsWith(DRAFT_PREFIX)) sessionStorage.removeItem(key);
    }
  } catch {
    // No storage: nothing kept.
  }
}

/**
 * How to sign in again and come back. A session from the identity provider: `/auth/sign-in?returnTo=` with this
 * page's path and query, so a list comes back with its filters (the server accepts only a path of these pages, nothing
 * else, so the address cannot lead elsewhere). A
 * one-time sign-in link always opens `/admin`: the person opens a new one in another tab and comes back to this one.
 */
export function SignInAgain() {
  const user = useContext(SignedInContext);
  if (user?.method === 'oidc') {
    const returnTo = encodeURIComponent(window.location.pathname + window.location.search);
    return <a href={`/auth/sign-in?returnTo=${returnTo}`}>Sign in again and return to this page</a>;
  }
  return <>Open a new sign-in link in another tab, then come back to this tab.</>;
}

function SignedInBar({ user }: { readonly user: SignedInView }) {
  const roles = user.roles.map((r) => ROLE_LABELS[r] ?? r).join(', ');
  const ended = useSessionEnded();
  return (
    <header class="topbar">
      <span class="brand">Pharmacogenomic prescribing support</span>
      {ended ? (
        <span class="who ended" role="alert" aria-label="Session">
          Your session has ended. <SignInAgain />
        </span>
      ) : (
        <>
          <span class="who" aria-label="Signed in">
            Signed in as <strong>{user.name ?? user.id}</strong>
            {roles ? ` (${roles})` : ''}
          </span>
          <form method="post" action="/auth/sign-out" onSubmit={forgetDrafts}>
            <button type="submit" class="secondary">
              Sign out
            </button>
          </form>
        </>
      )}
    </header>
  );
}

export function AdminShell({ children }: { readonly children: (user: SignedInView) => ComponentChildren }) {
  const [me, setMe] = useState<ApiResult<SignedInView> | undefined>(undefined);
  useEffect(() => {
    void sessionApi.me().then(setMe);
  }, []);
  if (!me) return <Loading />;
  if (!me.ok && me.status === 401) {
    // Only without an identity provider: with one, the server sends the browser to sign in first.
    return (
      <Problem
        status={401}
        title="Sign in to open these pages"
        message="These pages are for pharmacists and informaticists. Open the sign-in link you were given, or ask the service’s administrators for one."
      />
    );
  }
  if (!me.ok) return <Problem status={me.status} message={me.message} />;
  const allowed = me.value.roles.some((r) => PAGE_ROLES.includes(r));
  return (
    <SignedInContext.Provider value={me.value}>
      <SignedInBar user={me.value} />
      {allowed ? (
        children(me.value)
      ) : (
        <main class="problem">
          <h1>These pages are for pharmacists and informaticists</h1>
          <p role="alert">
            Your account does not hold either role. Ask the administrator of your identity provider to grant
            it, then sign out and sign in again.
          </p>
        </main>
      )}
    </SignedInContext.Provider>
  );
}

/** How many wait for a pharmacist on each page; undefined until known (or when it could not be read). */
interface Waiting {
  readonly notReviewed?: number | undefined;
  readonly flagged?: number | undefined;
  readonly differ?: number | undefined;
  readonly toFollowUp?: number | undefined;
  readonly reports?: number | undefined;
}

/** The pharmacist's waiting work, counted from the same APIs the pages read. */
function useWaiting(pharmacist: boolean): Waiting {
  const [waiting, setWaiting] = useState<Waiting>({});
  useEffect(() => {
    if (!pharmacist) return;
    const total = (reviewed: string) =>
      reviewApi
        .overrides(new URLSearchParams({ reviewed, pageSize: '1' }))
        .then((r) => (r.ok ? r.value.total : undefined));
    void Promise.all([total('false'), total('follow-up'), total('differ')]).then(
      ([notReviewed, flagged, differ]) => {
        setWaiting((w) => ({ ...w, notReviewed, flagged, differ }));
      },
    );
    void reviewApi.reports('open').then((r) => {
      if (r.ok) setWaiting((w) => ({ ...w, reports: r.value.total }));
    });
    // The re-interpretation list is computed on request (seconds for a large store): its count comes when it comes.
    void reviewApi.reinterpretations().then((r) => {
      if (r.ok)
        setWaiting((w) => ({ ...w, toFollowUp: r.value.patients.filter((p) => !p.followedUp).length }));
    });
  }, [pharmacist]);
  return waiting;
}

interface WaitingCount {
  readonly n: number;
  /** `not yet reviewed`: after the number. */
  readonly words: string;
  /** The page filtered to them. */
  readonly href: string;
}

/** After a page's description, what waits there (each count a link to them), or that nothing does. */
function WaitingNote({ counts }: { readonly counts: readonly WaitingCount[] }) {
  const waiting = counts.filter((c) => c.n > 0);
  return (
    <>
      {' '}
      <strong class="waiting">
        {waiting.length === 0
          ? 'Nothing waiting.'
          : waiting.map((c, i) => (
              <span key={c.href}>
                {i > 0 ? '; ' : ''}
                <a href={c.href}>{`${String(c.n)} ${c.words}`}</a>
                {i === waiting.length - 1 ? '.' : ''}
              </span>
            ))}
      </strong>
    </>
  );
}

export function AdminHome({ user }: { readonly user: SignedInView }) {
  const pharmacist = user.roles.includes('pharmacist');
  const waiting = useWaiting(pharmacist);
  return (
    <main>
      <h1>Pharmacist and informaticist pages</h1>
      <p class="lead">Your session ends on {formatDayTime(user.expiresAt)}.</p>
      <nav aria-label="Pages">
        <ul class="pages">
          <li>
            <a href="/admin/overrides">Override review</a>: overridden alerts, newest first (pharmacists).
            {pharmacist && waiting.notReviewed !== undefined && waiting.flagged !== undefined ? (
              <WaitingNote
                counts={[
                  {
                    n: waiting.notReviewed,
                    words: 'not yet reviewed',
                    href: '/admin/overrides?reviewed=false',
                  },
                  {
                    n: waiting.flagged,
                    words: 'flagged for follow-up',
                    href: '/admin/overrides?reviewed=follow-up',
                  },
                  {
                    n: waiting.differ ?? 0,
                    words: 'with judgements that differ',
                    href: '/admin/overrides?reviewed=differ',
                  },
                ]}
              />
            ) : null}
          </li>
          <li>
            <a href="/admin/reports">Alerts reported wrong for the patient</a>: alerts a clinician rated
            “Wrong for this patient”, to check against the patient’s results and follow up (pharmacists).
            {pharmacist && waiting.reports !== undefined ? (
              <WaitingNote
                counts={[
                  {
                    n: waiting.reports,
                    words: waiting.reports === 1 ? 'report to follow up' : 'reports to follow up',
                    href: '/admin/reports',
                  },
                ]}
              />
            ) : null}
          </li>
          <li>
            <a href="/admin/reinterpretations">Results and advice changed by a knowledge update</a>: patients
            whose recorded genotypes current CPIC calls differently, or whose cards gave advice CPIC no longer
            gives, to follow up (pharmacists).
            {pharmacist && waiting.toFollowUp !== undefined ? (
              <WaitingNote
                counts={[
                  {
                    n: waiting.toFollowUp,
                    words: waiting.toFollowUp === 1 ? 'patient to follow up' : 'patients to follow up',
                    href: '/admin/reinterpretations',
                  },
                ]}
              />
            ) : null}
          </li>
          <li>
            <a href="/admin/kpis">Alert governance figures</a>: alert burden, acceptance, overrides, ratings
            and data latency, per rule and per drug and gene.
          </li>
          <li>
            <a href="/admin/thresholds">Alert thresholds</a>: when the service interrupts, and how loudly;
            drafts, what-if replay, publish and roll back (informaticists).
          </li>
        </ul>
      </nav>
    </main>
  );
}

export function SignedOut() {
  return (
    <main>
      <h1>You are signed out</h1>
      <p>
        <a href="/admin">Sign in again</a>
      </p>
    </main>
  );
}
