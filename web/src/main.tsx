/**
 * The one web front end: one page, which shows what its path names. Pages reached through a card's signed link
 * (`/rate/{cardUuid}?t=…`, `/explain/{cardUuid}?t=…`) read the token from their own URL.
 */
// First: the chart library reads `navigator.language` as it loads.
import './locale';
import { render } from 'preact';
import { AdminHome, AdminShell, SignedOut } from './pages/admin';
import { DashboardLaunch, DashboardPage, LaunchedPage } from './pages/dashboard';
import { LaunchedExplanationPage, PatientExplanationPage } from './pages/patient-explanation';
import { ExplainPage } from './pages/explain';
import { KpiPage } from './pages/kpis';
import { OverrideView, OverridesList } from './pages/overrides';
import { RatePage } from './pages/rate';
import { ReinterpretationsPage } from './pages/reinterpretations';
import { ReportsPage } from './pages/reports';
import { ThresholdsEditor } from './pages/thresholds';
import { Problem } from './refusal';
import { setRouteTitle } from './title';
import './styles.css';

function App() {
  const match = /^\/(rate|explain)\/([^/]+)\/?$/.exec(window.location.pathname);
  const token = new URLSearchParams(window.location.search).get('t') ?? '';
  if (match?.[1] === 'rate') {
    setRouteTitle('Rate this alert');
    return <RatePage cardUuid={decodeURIComponent(match[2] ?? '')} token={token} />;
  }
  if (match?.[1] === 'explain') {
    setRouteTitle('Full explanation');
    return <ExplainPage cardUuid={decodeURIComponent(match[2] ?? '')} token={token} />;
  }
  const path = window.location.pathname.replace(/(?<!\/)\/+$/, '');
  if (path === '/auth/sign-in-link') {
    setRouteTitle('Sign-in link');
    return (
      <Problem
        status={403}
        title="This sign-in link cannot be used"
        message="It was used already, has expired, or was altered. Ask for a new one."
      />
    );
  }
  if (path === '/auth/callback' || path === '/auth/sign-in') {
    setRouteTitle('Sign-in');
    return (
      <Problem
        status={403}
        title="Sign-in did not complete"
        message="The identity provider's answer could not be verified, or the sign-in took too long."
        retry={{ href: '/admin', label: 'Sign in again' }}
      />
    );
  }
  if (path === '/signed-out') {
    setRouteTitle('Signed out');
    return <SignedOut />;
  }
  if (path === '/admin') {
    setRouteTitle('Pharmacist and informaticist pages');
    return <AdminShell>{(user) => <AdminHome user={user} />}</AdminShell>;
  }
  // Override review and governance figures (issue 10).
  if (path === '/admin/overrides') {
    setRouteTitle('Override review');
    return <AdminShell>{() => <OverridesList />}</AdminShell>;
  }
  const override = /^\/admin\/overrides\/([^/]+)$/.exec(path);
  if (override) {
    setRouteTitle('Overridden alert');
    return (
      <AdminShell>
        {(user) => <OverrideView cardUuid={decodeURIComponent(override[1] ?? '')} reviewer={user.id} />}
      </AdminShell>
    );
  }
  if (path === '/admin/reinterpretations') {
    setRouteTitle('Results and advice changed by a knowledge update');
    return <AdminShell>{() => <ReinterpretationsPage />}</AdminShell>;
  }
  if (path === '/admin/reports') {
    setRouteTitle('Alerts reported wrong for the patient');
    return <AdminShell>{() => <ReportsPage />}</AdminShell>;
  }
  if (path === '/admin/kpis') {
    setRouteTitle('Alert governance figures');
    return <AdminShell>{() => <KpiPage />}</AdminShell>;
  }
  const app = dashboardRoute(path);
  if (app) return app;
  if (path === '/admin/thresholds') {
    setRouteTitle('Alert thresholds');
    return <AdminShell>{() => <ThresholdsEditor />}</AdminShell>;
  }
  setRouteTitle('Pharmacogenomic prescribing support');
  return <Problem status={404} message="There is no page at this address." />;
}

/** The clinician dashboard (`/app`, `/app/launch`) and the patient page: their own small block of routes. */
function dashboardRoute(path: string) {
  if (path === '/app') {
    setRouteTitle('Pharmacogenomic dashboard');
    return <DashboardPage />;
  }
  if (path === '/app/launch') {
    setRouteTitle('Opening the dashboard');
    return <DashboardLaunch />;
  }
  if (path === '/app/launched') {
    setRouteTitle('Pharmacogenomic dashboard');
    return <LaunchedPage />;
  }
  const launchedExplain = /^\/app\/launched\/explain\/([^/]+)$/.exec(path);
  if (launchedExplain) {
    setRouteTitle('About your medicine');
    return <LaunchedExplanationPage drug={decodeURIComponent(launchedExplain[1] ?? '')} />;
  }
  const explain = /^\/app\/patient\/([^/]+)\/explain\/([^/]+)$/.exec(path);
  if (explain) {
    setRouteTitle('About your medicine');
    return (
      <PatientExplanationPage
        id={decodeURIComponent(explain[1] ?? '')}
        drug={decodeURIComponent(explain[2] ?? '')}
      />
    );
  }
  return undefined;
}

const root = document.getElementById('app');
if (root) render(<App />, root);
