import type { ClientReport } from './client-report.ts';

export interface ReportMail {
  subject: string;
  html: string;
  text: string;
}

/** Every stored string (site, agency, page, source, goal and company names) goes through this into the HTML. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const numbers = new Intl.NumberFormat('en-US');
const days = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

/** `23 Nov 2026 – 29 Nov 2026` for a report's dates. */
export function periodLabel(from: string, to: string): string {
  return `${days.format(new Date(`${from}T00:00:00Z`))} – ${days.format(new Date(`${to}T00:00:00Z`))}`;
}

/** `+12%`, `−5%`, or `new` when there was nothing before. */
export function changeLabel(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? '±0%' : 'new';
  const percent = Math.round(((current - previous) / previous) * 100);
  return percent > 0 ? `+${percent}%` : percent < 0 ? `−${Math.abs(percent)}%` : '±0%';
}

const sourceName = (value: string) => (value === '(none)' ? 'Direct / none' : value);

/** Where the dashboard shows this report; `publicUrl` has no trailing slash (see config). */
export function reportLink(publicUrl: string, report: Pick<ClientReport, 'site' | 'from' | 'to'>): string {
  return `${publicUrl}/sites/${encodeURIComponent(report.site.id)}/report?from=${report.from}&to=${report.to}`;
}

// Mail clients drop <style> blocks and external CSS: every style is inline, tables lay it out.
const FONT = 'font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;';
const CELL = 'padding:6px 8px;border-bottom:1px solid #e5e7eb;font-size:14px;color:#111827;';
const NUMBER_CELL = `${CELL}text-align:right;white-space:nowrap;`;
const HEADING = 'margin:24px 0 8px;font-size:16px;color:#111827;';
const MUTED = 'color:#6b7280;font-size:13px;';

/**
 * The report as a mail: HTML for mail clients (inline styles, tables, the agency's logo by its
 * absolute URL) and the same content as plain text. Every stored string is escaped; links go to
 * the dashboard under `publicUrl`.
 */
export function renderReportMail(
  report: ClientReport,
  options: { publicUrl: string; frequency: 'weekly' | 'monthly' },
): ReportMail {
  const { overview } = report;
  const period = periodLabel(report.from, report.to);
  const link = reportLink(options.publicUrl, report);
  const kind = options.frequency === 'weekly' ? 'Weekly' : 'Monthly';
  // A stored name with a line break must not become a second header line.
  const subject = `${kind} report for ${report.site.name}: ${period}`.replace(/[\r\n]+/g, ' ');
  const headline: Array<[string, number, number]> = [
    ['Visitors', overview.visitors, overview.previous.visitors],
    ['Page views', overview.pageviews, overview.previous.pageviews],
    ['Visits', overview.sessions, overview.previous.sessions],
    ['Conversions', overview.conversions, overview.previous.conversions],
  ];
  const topPages = report.topPages.map((row) => [row.value, row.visitors] as const);
  const topSources = report.topSources.map((row) => [sourceName(row.value), row.visitors] as const);
  const conversions = report.conversions.map((row) => [row.goal, row.conversions] as const);
  const leads = report.newHotLeads.map((lead) => [`${lead.name} (${lead.domain})`, lead.score] as const);

  const table = (
    title: string,
    header: [string, string],
    rows: ReadonlyArray<readonly [string, number]>,
    empty: string,
  ) =>
    `<h2 style="${HEADING}">${escapeHtml(title)}</h2>` +
    (rows.length === 0
      ? `<p style="${MUTED}">${escapeHtml(empty)}</p>`
      : `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;">` +
        `<tr><th align="left" style="${CELL}${MUTED}">${header[0]}</th><th align="right" style="${NUMBER_CELL}${MUTED}">${header[1]}</th></tr>` +
        rows
          .map(
            ([label, value]) =>
              `<tr><td style="${CELL}word-break:break-all;">${escapeHtml(label)}</td><td style="${NUMBER_CELL}">${numbers.format(value)}</td></tr>`,
          )
          .join('') +
        '</table>');

  const logo =
    report.agency.logoUrl === null
      ? ''
      : `<img src="${escapeHtml(options.publicUrl + report.agency.logoUrl)}" alt="${escapeHtml(report.agency.name)}" height="40" style="height:40px;max-width:200px;display:block;margin-bottom:8px;border:0;">`;
  const html =
    `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3f4f6;${FONT}">` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6;"><tr><td align="center" style="padding:24px 12px;">` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px;"><tr><td style="padding:24px;${FONT}">` +
    logo +
    `<p style="${MUTED}margin:0;">${escapeHtml(report.agency.name)}</p>` +
    `<h1 style="margin:4px 0 0;font-size:20px;color:#111827;">${escapeHtml(report.site.name)}</h1>` +
    `<p style="${MUTED}margin:4px 0 0;">${escapeHtml(kind)} report, ${escapeHtml(period)}</p>` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin-top:16px;border-collapse:collapse;"><tr>` +
    headline
      .map(
        ([label, value, before]) =>
          `<td width="25%" style="padding:8px;vertical-align:top;"><div style="${MUTED}">${label}</div>` +
          `<div style="font-size:22px;font-weight:bold;color:#111827;">${numbers.format(value)}</div>` +
          `<div style="${MUTED}">${changeLabel(value, before)} vs. period before</div></td>`,
      )
      .join('') +
    '</tr></table>' +
    table('Top pages', ['Page', 'Visitors'], topPages, 'No page views in this period.') +
    table('Top sources', ['Source', 'Visitors'], topSources, 'No visits in this period.') +
    table('Conversions', ['Goal', 'Conversions'], conversions, 'No goal completed in this period.') +
    table(
      `New hot leads (${numbers.format(report.newHotLeadCount)})`,
      ['Company', 'Score'],
      leads,
      'No company turned hot in this period.',
    ) +
    `<p style="margin:24px 0 0;"><a href="${escapeHtml(link)}" style="display:inline-block;background:#2563eb;color:#ffffff;text-decoration:none;padding:10px 16px;border-radius:6px;font-size:14px;">Open the full report</a></p>` +
    `<p style="${MUTED}margin:16px 0 0;">Sent by ${escapeHtml(report.agency.name)} with Beacon to the report’s recipients.</p>` +
    '</td></tr></table></td></tr></table></body></html>';

  const lines = (title: string, rows: ReadonlyArray<readonly [string, number]>, empty: string) => [
    '',
    title,
    ...(rows.length === 0
      ? [`  ${empty}`]
      : rows.map(([label, value]) => `  ${numbers.format(value).padStart(8)}  ${label}`)),
  ];
  const text = [
    `${report.agency.name}: ${kind.toLowerCase()} report for ${report.site.name}`,
    period,
    '',
    ...headline.map(
      ([label, value, before]) =>
        `${label}: ${numbers.format(value)} (${changeLabel(value, before)} vs. period before)`,
    ),
    ...lines('Top pages (visitors)', topPages, 'No page views in this period.'),
    ...lines('Top sources (visitors)', topSources, 'No visits in this period.'),
    ...lines('Conversions', conversions, 'No goal completed in this period.'),
    ...lines(
      `New hot leads: ${numbers.format(report.newHotLeadCount)} (score)`,
      leads,
      'No company turned hot in this period.',
    ),
    '',
    `Full report: ${link}`,
  ].join('\n');
  return { subject, html, text };
}
