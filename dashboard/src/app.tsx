import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, type Api } from './api.ts';
import { navigate, onNavigate } from './navigation.ts';
import { Overview } from './overview.tsx';
import { SignIn } from './sign-in.tsx';
import { SiteList } from './site-list.tsx';

/** Routes: /login, / (the sites), /sites/:siteId (its overview). Everything else shows the sites. */
export function App() {
  const [location, setLocation] = useState(() => ({ ...window.location }));
  const [signedIn, setSignedIn] = useState<boolean | 'resuming'>('resuming');
  const api: Api = useMemo(
    () =>
      createApi(() => {
        setSignedIn(false);
        navigate(`/login?expired=1`);
      }),
    [],
  );
  useEffect(() => onNavigate(() => setLocation({ ...window.location })), []);
  useEffect(() => {
    api.resume().then(setSignedIn);
  }, []);

  const path = location.pathname;
  if (signedIn === 'resuming') return <p class="loading">Loading…</p>;
  if (!signedIn || path === '/login') {
    return (
      <SignIn
        api={api}
        expired={new URLSearchParams(location.search).has('expired')}
        onSignedIn={() => {
          setSignedIn(true);
          const next = path === '/login' ? '/' : path + location.search;
          navigate(next, { replace: true });
        }}
      />
    );
  }

  const signOut = async () => {
    await api.signOut();
    setSignedIn(false);
    navigate('/login');
  };
  const site = /^\/sites\/([^/]+)\/?$/.exec(path);
  return (
    <div class="shell">
      <header class="topbar">
        <a
          class="brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          Beacon
        </a>
        <span class="who">{api.session()?.user.email}</span>
        <button type="button" class="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {site ? (
          <Overview api={api} siteId={decodeURIComponent(site[1]!)} search={location.search} />
        ) : (
          <SiteList api={api} />
        )}
      </main>
    </div>
  );
}
