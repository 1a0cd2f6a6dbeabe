import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { platformSecret } from '../../shared/adapters/email-hash';
import { issueToken } from '../../shared/adapters/tokens';
import { readEnv } from '../../shared/config';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoProgramReport } from '../../shared/data/program-report';
import { REPORT_VIEW_LINK_TTL_SECONDS, REPORT_VIEW_PURPOSE } from '../../shared/domain/links';
import type { Organisation } from '../../shared/domain/organisation';
import { type ProgramReport, programReport, reportRows } from '../../shared/domain/program-report';
import { Id } from '../../shared/events/catalogue';
import { mentoringProgramIn } from '../../shared/http/admin-api';
import { barChart, dataTable, groupedColumnChart, safeColour } from '../../shared/http/charts';
import { escapeHtml } from '../../shared/http/html';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims } from '../../shared/http/link-claims';
import { orgKeyRoute, requireOrgKey } from '../../shared/http/org-key';
import { httpHandler, logger } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID, PUBLIC_API_URL } = readEnv([
  'TABLE_NAME',
  'TOKEN_SECRET_ID',
  'PUBLIC_API_URL',
]);
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const source = dynamoProgramReport(documents, TABLE_NAME);

/**
 * Coordinators' program report, with their organisation's API key: an HTML page with charts (people would
 * rather look than read), the same figures as CSV (`?format=csv` or `…/report.csv`) or as JSON (`Accept:
 * application/json` or `?format=json`). A browser cannot send the key, so the key can also ask for a link that
 * shows the report (and its CSV) for a day, to open or to share with a board.
 */

const ProgramPath = z.object({ orgId: Id, programId: Id });
const ReportQuery = z.object({ format: z.enum(['html', 'csv', 'json']).optional() });

type Format = 'html' | 'csv' | 'json';

const prefersJson = (accept: string | undefined) => {
  if (!accept) return false;
  const json = accept.search(/application\/json/);
  const html = accept.indexOf('text/html');
  return json !== -1 && (html === -1 || json < html);
};

const csvCell = (value: string | number) => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export const reportCsv = (report: ProgramReport) =>
  `${[['figure', 'value'], ...reportRows(report)].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;

const percentOf = (part: number, whole: number) => (whole ? `${Math.round((part / whole) * 100)}%` : '—');

/** A reason or milestone as people read it: `not-a-good-fit` → Not a good fit, `months-3` → 3 months together. */
export const labelOf = (slug: string) => {
  const count = /^(meetings|months)-(\d+)$/.exec(slug);
  if (count) {
    const n = Number(count[2]);
    return count[1] === 'meetings'
      ? `${n} meeting${n === 1 ? '' : 's'}`
      : `${n} month${n === 1 ? '' : 's'} together`;
  }
  const words = slug.replaceAll('-', ' ');
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
};

export const reportPage = (
  report: ProgramReport,
  programName: string,
  colour: string,
  csvLink = 'report.csv',
) => {
  const funnel = [
    { label: 'Signed up', value: report.signups },
    { label: 'Verified', value: report.verified },
    { label: 'Matched (people)', value: report.matchedPeople },
    { label: 'Pairs matched', value: report.matchedPairs },
    { label: 'Pairs with a first meeting', value: report.firstMeetingHeldPairs },
    ...report.activeAfter.map(({ months, active }) => ({
      label: `Pairs active after ${months} month${months === 1 ? '' : 's'}`,
      value: active,
    })),
  ];
  const closures = report.earlyClosures.map(({ reason, count }) => ({
    label: labelOf(reason),
    value: count,
  }));
  const weeks = report.weekly.map((w) => w.weekStart);
  const title = `Program report: ${programName}`;
  const sections = [
    `<section aria-labelledby="funnel"><h2 id="funnel">From signup to lasting pairs</h2>${barChart({
      id: 'funnel-chart',
      title: 'From signup to lasting pairs',
      desc: funnel.map((b) => `${b.label}: ${b.value}`).join('; '),
      bars: funnel,
      colour,
    })}${dataTable(
      'From signup to lasting pairs',
      ['Stage', 'Count'],
      [...funnel.map((b) => [b.label, b.value])],
    )}${dataTable(
      'Pairs still active, of those matched at least that long ago',
      ['After', 'Active', 'Matched that long ago', 'Share'],
      report.activeAfter.map(({ months, active, eligible }) => [
        `${months} month${months === 1 ? '' : 's'}`,
        active,
        eligible,
        percentOf(active, eligible),
      ]),
    )}</section>`,
    `<section aria-labelledby="weekly"><h2 id="weekly">Signups and matches by week</h2>${groupedColumnChart({
      id: 'weekly-chart',
      title: 'Signups and matches by week',
      desc: `Weeks starting Monday, ${weeks[0] ?? 'none'} to ${weeks[weeks.length - 1] ?? 'none'}: ${report.signups} signups and ${report.matchedPairs} matches in all.`,
      periods: weeks,
      series: [
        { name: 'Signups', values: report.weekly.map((w) => w.signups) },
        { name: 'Matches', values: report.weekly.map((w) => w.matches) },
      ],
      colour,
    })}${dataTable(
      'Signups and matches by week',
      ['Week starting', 'Signups', 'Matches'],
      report.weekly.map((w) => [w.weekStart, w.signups, w.matches]),
    )}</section>`,
    `<section aria-labelledby="closures"><h2 id="closures">Early closures by reason</h2>${barChart({
      id: 'closures-chart',
      title: 'Early closures by reason',
      desc: closures.map((b) => `${b.label}: ${b.value}`).join('; '),
      bars: closures,
      colour,
    })}${dataTable(
      'Early closures by reason',
      ['Reason', 'Matches ended'],
      closures.map((b) => [b.label, b.value]),
    )}</section>`,
    `<section aria-labelledby="more"><h2 id="more">Milestones, ratings and time to match</h2>${dataTable(
      'Milestones reached',
      ['Milestone', 'Reached'],
      report.milestones.map((m) => [labelOf(m.name), m.count]),
    )}${dataTable(
      'Ratings and time to match',
      ['Figure', 'Value'],
      [
        ['Average rating (1–5)', report.rating.average ?? '—'],
        ['Ratings given', report.rating.count],
        ['Median days from verification to first match', report.timeToMatchDays.median ?? '—'],
        ['90th percentile days to first match', report.timeToMatchDays.p90 ?? '—'],
        ['People matched after verifying', report.timeToMatchDays.count],
        ['Erased participants', report.erasedParticipants],
      ],
    )}</section>`,
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font:1rem/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}h1,h2{color:${colour}}table{border-collapse:collapse;margin:1rem 0}caption{text-align:left;font-weight:600}th,td{border:1px solid #bbb;padding:.25rem .6rem;text-align:left}td{text-align:right}section{margin-bottom:2.5rem}.chart{display:block;height:auto}a{color:${colour}}</style></head><body><main><h1>${escapeHtml(title)}</h1><p>Computed from the platform’s own records on ${escapeHtml(report.generatedAt.slice(0, 10))}. <a href="${escapeHtml(csvLink)}" download>Download as CSV</a></p>${sections.join('')}</main></body></html>`;
};

const respond = (
  report: ProgramReport,
  format: Format,
  program: { name: string; colour: string; csvLink?: string },
) => {
  if (format === 'json') return { status: 200, body: report };
  if (format === 'csv') {
    return {
      status: 200,
      // The CSV goes out as raw text through the html field, with its own type.
      html: reportCsv(report),
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${report.programId}-report.csv"`,
      },
    };
  }
  return { status: 200, html: reportPage(report, program.name, program.colour, program.csvLink) };
};

/** The organisation and its mentoring program, or the problem that says why there is no report. */
const mentoringProgram = async (orgId: string, programId: string) =>
  mentoringProgramIn(await organisations.get(orgId), programId, 'matching report');

const looks = (org: Organisation, name: string, csvLink?: string) => ({
  name,
  colour: safeColour(org.branding?.colour),
  ...(csvLink ? { csvLink } : {}),
});

const report = (fixedFormat?: Format) =>
  httpHandler({ path: ProgramPath, query: ReportQuery }, async ({ path, query, headers, now, event }) => {
    requireOrgKey(event, path.orgId);
    const { org, program } = await mentoringProgram(path.orgId, path.programId);
    const format = fixedFormat ?? query.format ?? (prefersJson(headers.accept) ? 'json' : 'html');
    const figures = await programReport(source, path.orgId, path.programId, now);
    logger.info('program report', { orgId: path.orgId, programId: path.programId, format });
    return respond(figures, format, looks(org, program.name));
  });

const reportViewUrl = (token: string, format?: 'csv') =>
  `${PUBLIC_API_URL.replace(/\/+$/, '')}/v1/reports?token=${encodeURIComponent(token)}${format ? `&format=${format}` : ''}`;

/** A link that shows the report for a day without the key: for a browser, or to share. */
const createViewLink = httpHandler({ path: ProgramPath }, async ({ path, now, event }) => {
  requireOrgKey(event, path.orgId);
  await mentoringProgram(path.orgId, path.programId);
  const token = issueToken(
    await platformSecret(TOKEN_SECRET_ID),
    { purpose: REPORT_VIEW_PURPOSE, orgId: path.orgId, subject: path.programId },
    now,
    REPORT_VIEW_LINK_TTL_SECONDS,
  );
  logger.info('report link issued', { orgId: path.orgId, programId: path.programId });
  return {
    status: 201,
    body: {
      url: reportViewUrl(token),
      csvUrl: reportViewUrl(token, 'csv'),
      expiresAt: new Date(now.getTime() + REPORT_VIEW_LINK_TTL_SECONDS * 1000).toISOString(),
    },
  };
});

const ViewQuery = z.object({ token: LinkToken, format: z.enum(['html', 'csv']).optional() });

const viewByLink = httpHandler({ query: ViewQuery }, async ({ query, now }) => {
  const { orgId, subject: programId } = await linkClaims(TOKEN_SECRET_ID, query.token, now, {
    purpose: REPORT_VIEW_PURPOSE,
    whenExpired: 'Ask for a new link with your organisation\u2019s API key.',
    parse: (sub) => (Id.safeParse(sub).success ? sub : undefined),
    names: 'a program',
  });
  const { org, program } = await mentoringProgram(orgId, programId);
  const format = query.format ?? 'html';
  const figures = await programReport(source, orgId, programId, now);
  logger.info('program report', { orgId, programId, format, byLink: true });
  const shown = respond(
    figures,
    format,
    looks(org, program.name, `?token=${encodeURIComponent(query.token)}&format=csv`),
  );
  return { ...shown, headers: { ...LINK_PAGE_HEADERS, ...shown.headers } };
});

const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>> = {
  'GET /v1/admin/orgs/{orgId}/programs/{programId}/report': orgKeyRoute(report()),
  'GET /v1/admin/orgs/{orgId}/programs/{programId}/report.csv': orgKeyRoute(report('csv')),
  'POST /v1/admin/orgs/{orgId}/programs/{programId}/report-links': orgKeyRoute(createViewLink),
  'GET /v1/reports': viewByLink,
};

export const handler = (event: APIGatewayProxyEventV2, context: Context) => {
  const route = routes[event.routeKey];
  if (!route) throw new Error(`program-report has no route ${event.routeKey}`);
  return route(event, context);
};
