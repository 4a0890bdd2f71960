import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, type Api } from './api.ts';
import { lazyView } from './lazy-view.tsx';
import { Link } from './link.tsx';
import { navigate, onNavigate } from './navigation.ts';
import { isPublic, matchRoute, returnPath, type Route } from './routes.ts';
import { SignIn } from './sign-in.tsx';
import { SiteFrame } from './site-frame.tsx';
import { SiteList } from './site-list.tsx';
import { ThemeMenu } from './theme-menu.tsx';
import { managesSites, type PageProps } from './view-props.ts';

const InviteView = lazyView(() => import('./account/invite-view.tsx').then((m) => m.InviteView));
const ResetPasswordView = lazyView(() =>
  import('./account/reset-password-view.tsx').then((m) => m.ResetPasswordView),
);
const AddSiteView = lazyView(() => import('./sites/add-site-view.tsx').then((m) => m.AddSiteView));
const ApiKeysView = lazyView(() => import('./team/api-keys-view.tsx').then((m) => m.ApiKeysView));
const AuditLogView = lazyView(() => import('./team/audit-log-view.tsx').then((m) => m.AuditLogView));
const TeamView = lazyView(() => import('./team/team-view.tsx').then((m) => m.TeamView));

/** Pages by `routes.ts`: public ones without a session, the rest behind the sign-in form. */
export function App() {
  const [location, setLocation] = useState(() => ({ ...window.location }));
  const [signedIn, setSignedIn] = useState<boolean | 'resuming'>('resuming');
  const api: Api = useMemo(
    () =>
      createApi(() => {
        setSignedIn(false);
        const back = window.location.pathname + window.location.search;
        navigate(`/login?expired=1&next=${encodeURIComponent(back)}`);
      }),
    [],
  );
  useEffect(() => onNavigate(() => setLocation({ ...window.location })), []);
  useEffect(() => {
    api.resume().then(setSignedIn);
  }, []);

  const route = matchRoute(location.pathname);
  const query = new URLSearchParams(location.search);
  if (signedIn === 'resuming') return <p class="loading">Loading…</p>;
  const enter = () => {
    setSignedIn(true);
    // From a public page (sign-in, an accepted invitation) into the dashboard; elsewhere, stay.
    navigate(isPublic(route) ? returnPath(query.get('next')) : location.pathname + location.search, {
      replace: true,
    });
  };
  if (route.page === 'invite') return <InviteView api={api} onSignedIn={enter} />;
  if (route.page === 'reset-password') return <ResetPasswordView api={api} onSignedIn={enter} />;
  const session = signedIn ? api.session() : undefined;
  if (session === undefined || isPublic(route)) {
    if (session !== undefined) return <Redirect to="/" />;
    return <SignIn api={api} expired={query.has('expired')} onSignedIn={enter} />;
  }

  const signOut = async () => {
    await api.signOut();
    setSignedIn(false);
    navigate('/login');
  };
  const page: PageProps = { api, user: session.user, search: location.search };
  return (
    <div class="shell">
      <header class="topbar">
        <Link class="brand" href="/">
          Beacon
        </Link>
        <nav class="main-nav" aria-label="Agency">
          <Link href="/" current={route.page === 'sites'}>
            Sites
          </Link>
          {managesSites(session.user) && (
            <>
              <Link href="/team" current={route.page === 'team'}>
                Team
              </Link>
              <Link href="/api-keys" current={route.page === 'api-keys'}>
                API keys
              </Link>
              <Link href="/audit-log" current={route.page === 'audit-log'}>
                Audit log
              </Link>
            </>
          )}
        </nav>
        <span class="who">{session.user.email}</span>
        <ThemeMenu />
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        <Page route={route} page={page} />
      </main>
    </div>
  );
}

function Redirect(props: { to: string }) {
  useEffect(() => navigate(props.to, { replace: true }), [props.to]);
  return <p class="loading">Loading…</p>;
}

function Page(props: { route: Route; page: PageProps }) {
  const { route, page } = props;
  switch (route.page) {
    case 'site':
      return <SiteFrame {...page} siteId={route.siteId} tab={route.tab} />;
    case 'company':
      return <SiteFrame {...page} siteId={route.siteId} tab="leads" companyId={route.companyId} />;
    case 'report':
      return <SiteFrame {...page} siteId={route.siteId} tab="overview" report />;
    case 'add-site':
      return <AddSiteView {...page} />;
    case 'team':
      return <TeamView {...page} />;
    case 'api-keys':
      return <ApiKeysView {...page} />;
    case 'audit-log':
      return <AuditLogView {...page} />;
    case 'sites':
      return <SiteList api={page.api} />;
    default:
      return (
        <p class="error" role="alert">
          There is no such page. <Link href="/">Go to your sites.</Link>
        </p>
      );
  }
}
