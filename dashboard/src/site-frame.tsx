import type { Site } from './api.ts';
import { lazyView } from './lazy-view.tsx';
import { Link } from './link.tsx';
import { navigate } from './navigation.ts';
import { Overview } from './overview.tsx';
import { sitePath, type SiteTab } from './routes.ts';
import { useRequest } from './use-request.ts';
import { managesSites, type PageProps, type SiteViewProps } from './view-props.ts';

const DestinationsView = lazyView(() =>
  import('./destinations/destinations-view.tsx').then((m) => m.DestinationsView),
);
const FunnelsView = lazyView(() => import('./funnels/funnels-view.tsx').then((m) => m.FunnelsView));
const CompanyView = lazyView(() => import('./leads/company-view.tsx').then((m) => m.CompanyView));
const LeadsView = lazyView(() => import('./leads/leads-view.tsx').then((m) => m.LeadsView));
const RealtimeView = lazyView(() => import('./realtime/realtime-view.tsx').then((m) => m.RealtimeView));
const ReportView = lazyView(() => import('./reports/report-view.tsx').then((m) => m.ReportView));
const SettingsView = lazyView(() => import('./settings/settings-view.tsx').then((m) => m.SettingsView));

const TABS: Array<{ tab: SiteTab; label: string; managersOnly?: boolean }> = [
  { tab: 'overview', label: 'Overview' },
  { tab: 'realtime', label: 'Realtime' },
  { tab: 'leads', label: 'Leads' },
  { tab: 'funnels', label: 'Funnels & goals' },
  { tab: 'destinations', label: 'Destinations', managersOnly: true },
  { tab: 'settings', label: 'Settings', managersOnly: true },
];

/** A site's pages: the site switcher and tabs, then the tab. Sites the user may not see say so. */
export function SiteFrame(
  props: PageProps & { siteId: string; tab: SiteTab; companyId?: string; report?: boolean },
) {
  const sites = useRequest('sites', () => props.api.get<{ sites: Site[] }>('/api/sites'));
  if (sites.state === 'loading') return <p class="loading">Loading…</p>;
  if (sites.state === 'failed')
    return (
      <p class="error" role="alert">
        The sites could not be loaded: {sites.message}
      </p>
    );
  const site = sites.value.sites.find((candidate) => candidate.id === props.siteId);
  if (!site) {
    return (
      <p class="error" role="alert">
        This site does not exist or you may not see it. <Link href="/">Choose one of your sites.</Link>
      </p>
    );
  }
  const tabs = TABS.filter((entry) => !entry.managersOnly || managesSites(props.user));
  const view: SiteViewProps = { ...props, site };
  return (
    <div class="site-frame">
      <div class="site-header">
        <label class="site-switcher">
          <span class="visually-hidden">Site</span>
          <select
            value={site.id}
            onChange={(event) => navigate(sitePath(event.currentTarget.value, props.tab))}
          >
            {sites.value.sites.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </select>
        </label>
        {managesSites(props.user) && (
          <Link class="add-site-link" href="/sites/new">
            Add a site
          </Link>
        )}
        <nav class="tabs" aria-label="Site">
          {tabs.map((entry) => (
            <Link
              key={entry.tab}
              href={sitePath(site.id, entry.tab)}
              current={!props.report && entry.tab === props.tab}
            >
              {entry.label}
            </Link>
          ))}
          <Link href={`${sitePath(site.id)}/report`} current={props.report === true}>
            Report
          </Link>
        </nav>
      </div>
      {props.report ? (
        <ReportView {...view} />
      ) : props.companyId !== undefined ? (
        <CompanyView {...view} companyId={props.companyId} />
      ) : tabs.some((entry) => entry.tab === props.tab) ? (
        <SiteTabView tab={props.tab} view={view} />
      ) : (
        <p class="error" role="alert">
          Only the agency's owners and admins see this page.
        </p>
      )}
    </div>
  );
}

function SiteTabView(props: { tab: SiteTab; view: SiteViewProps }) {
  switch (props.tab) {
    case 'overview':
      return <Overview api={props.view.api} site={props.view.site} search={props.view.search} />;
    case 'realtime':
      return <RealtimeView {...props.view} />;
    case 'leads':
      return <LeadsView {...props.view} />;
    case 'funnels':
      return <FunnelsView {...props.view} />;
    case 'destinations':
      return <DestinationsView {...props.view} />;
    case 'settings':
      return <SettingsView {...props.view} />;
  }
}
