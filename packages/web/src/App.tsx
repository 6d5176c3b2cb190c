import { useCallback, useEffect, useState } from 'react';
import { ApiError, onUnauthenticated, setCsrfToken } from './api/client';
import { api } from './api/endpoints';
import type { Session } from '@hearth/contracts/web';
import { Link, match, navigate, usePath } from './router';
import { SessionContext, useCan, useSession } from './session';
import { ErrorAlert } from './ui';
import { SignIn } from './pages/SignIn';
import { DeploymentsPage } from './pages/Deployments';
import { DeploymentDetail } from './pages/DeploymentDetail';
import { CredentialsPage } from './pages/Credentials';
import { LeasesPage } from './pages/Leases';
import { AuditPage } from './pages/Audit';
import { TokensPage } from './pages/Tokens';

type Phase = { kind: 'loading' } | { kind: 'signed-out'; error?: unknown } | { kind: 'signed-in'; session: Session };

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });

  const signedIn = useCallback((session: Session) => {
    setCsrfToken(session.csrf_token);
    setPhase({ kind: 'signed-in', session });
  }, []);
  const signedOut = useCallback(() => {
    setCsrfToken(null);
    setPhase({ kind: 'signed-out' });
  }, []);

  useEffect(() => {
    onUnauthenticated(signedOut);
    api
      .session()
      .then(signedIn, (error: unknown) =>
        setPhase({ kind: 'signed-out', error: isNoSession(error) ? undefined : error }),
      );
  }, [signedIn, signedOut]);

  if (phase.kind === 'loading') return <p className="loading">Loading…</p>;
  if (phase.kind === 'signed-out') return <SignIn onSignedIn={signedIn} error={phase.error} />;
  const signOut = (): void => {
    api.signOut().then(signedOut, signedOut);
  };
  return (
    <SessionContext.Provider value={{ session: phase.session, signOut }}>
      <Shell />
    </SessionContext.Provider>
  );
}

const isNoSession = (error: unknown): boolean => (error as { status?: number }).status === 401;

const SECTIONS = [
  { to: '/deployments', label: 'Deployments' },
  { to: '/credentials', label: 'Credentials' },
  { to: '/leases', label: 'Leases' },
  { to: '/audit', label: 'Audit' },
] as const;

function Shell() {
  const { session, signOut } = useSession();
  const can = useCan();
  const path = usePath();
  useEffect(() => {
    if (path === '/' || path === '') navigate('/deployments', { replace: true });
  }, [path]);
  const current = (to: string) => (path === to || path.startsWith(`${to}/`) ? 'page' : undefined);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="shell">
        <span className="brand">Hearth</span>
        <nav aria-label="Main">
          <ul>
            {SECTIONS.map(({ to, label }) => (
              <li key={to}>
                <Link to={to} aria-current={current(to)}>
                  {label}
                </Link>
              </li>
            ))}
            {can('token.create') && (
              <li>
                <Link to="/tokens" aria-current={current('/tokens')}>
                  Tokens
                </Link>
              </li>
            )}
          </ul>
        </nav>
        <div className="operator">
          <span>
            <span className="operator-name">{session.operator.name}</span>{' '}
            <span className="role">{session.operator.role}</span>
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </>
  );
}

function Page({ path }: { path: string }) {
  let params: Record<string, string> | null;
  if (match('/deployments', path)) return <DeploymentsPage />;
  if ((params = match('/deployments/:slug', path))) return <DeploymentDetail key={params.slug} slug={params.slug!} />;
  if (match('/credentials', path)) return <CredentialsPage path={null} />;
  if ((params = match('/credentials/*path', path))) return <CredentialsPage key={params.path} path={params.path!} />;
  if (match('/leases', path)) return <LeasesPage />;
  if (match('/audit', path)) return <AuditPage />;
  if (match('/tokens', path)) return <TokensPage />;
  if (path === '/' || path === '') return null;
  return (
    <>
      <h1>Not found</h1>
      <ErrorAlert error={new ApiError('HEARTH.NOT_FOUND', `nothing at ${path}`, 404)} />
      <p>
        <Link to="/deployments">Go to Deployments</Link>
      </p>
    </>
  );
}
