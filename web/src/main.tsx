/**
 * The one web front end: one page, which shows what its path names. Pages reached through a card's signed link
 * (`/rate/{cardUuid}?t=…`, `/explain/{cardUuid}?t=…`) read the token from their own URL.
 */
import { render } from 'preact';
import { AdminHome, AdminShell, SignedOut } from './pages/admin';
import { ExplainPage } from './pages/explain';
import { OverridesList } from './pages/overrides';
import { RatePage } from './pages/rate';
import { ThresholdsEditor } from './pages/thresholds';
import { Problem } from './refusal';
import './styles.css';

function App() {
  const match = /^\/(rate|explain)\/([^/]+)\/?$/.exec(window.location.pathname);
  const token = new URLSearchParams(window.location.search).get('t') ?? '';
  if (match?.[1] === 'rate') {
    document.title = 'Rate this alert';
    return <RatePage cardUuid={decodeURIComponent(match[2] ?? '')} token={token} />;
  }
  if (match?.[1] === 'explain') {
    document.title = 'Full explanation';
    return <ExplainPage cardUuid={decodeURIComponent(match[2] ?? '')} token={token} />;
  }
  const path = window.location.pathname.replace(/\/+$/, '');
  if (path === '/auth/sign-in-link') {
    document.title = 'Sign-in link';
    return (
      <Problem
        status={403}
        title="This sign-in link cannot be used"
        message="It was used already, has expired, or was altered. Ask for a new one."
      />
    );
  }
  if (path === '/auth/callback' || path === '/auth/sign-in') {
    document.title = 'Sign-in';
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
    document.title = 'Signed out';
    return <SignedOut />;
  }
  if (path === '/admin') {
    document.title = 'Pharmacist and informaticist pages';
    return <AdminShell>{(user) => <AdminHome user={user} />}</AdminShell>;
  }
  if (path === '/admin/overrides') {
    document.title = 'Override review';
    return <AdminShell>{() => <OverridesList />}</AdminShell>;
  }
  if (path === '/admin/thresholds') {
    document.title = 'Alert thresholds';
    return <AdminShell>{() => <ThresholdsEditor />}</AdminShell>;
  }
  return <Problem status={404} message="There is no page at this address." />;
}

const root = document.getElementById('app');
if (root) render(<App />, root);
