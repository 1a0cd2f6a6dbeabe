import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { emailHasher, platformSecret } from '../../shared/adapters/email-hash';
import { lambdaMailer, MAILER_ENV } from '../../shared/adapters/mailer';
import { matchingDeps } from '../../shared/adapters/matching-deps';
import { outcomeFields } from '../../shared/adapters/nudge-sender';
import { readEnv } from '../../shared/config';
import { dynamoDataExportSource, dynamoErasure } from '../../shared/data/erasure';
import { dynamoGroups } from '../../shared/data/groups';
import { dynamoParticipants } from '../../shared/data/participants';
import { dataExportLink, exportData } from '../../shared/domain/data-export';
import { eraseParticipant, erasureParticipantNotFound } from '../../shared/domain/erasure';
import {
  DATA_EXPORT_LINK_TTL_SECONDS,
  DATA_EXPORT_PURPOSE,
  DATA_RIGHTS_PURPOSE,
} from '../../shared/domain/links';
import type { Match } from '../../shared/domain/match';
import { planMatchEnded } from '../../shared/domain/match-emails';
import { findProgram } from '../../shared/domain/organisation';
import type { Participant } from '../../shared/domain/participant';
import { dataExportEmail } from '../../shared/email/data-rights-templates';
import { backInPoolEmail, matchEndedEmail } from '../../shared/email/match-templates';
import { firstName } from '../../shared/email/templates';
import { Id } from '../../shared/events/catalogue';
import { escapeHtml, htmlPage } from '../../shared/http/html';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { orgKeyRoute, requireOrgKey } from '../../shared/http/org-key';
import { Problem } from '../../shared/http/problem';
import { httpHandler, logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const matching = matchingDeps(env.TABLE_NAME);
const participants = dynamoParticipants(documents, env.TABLE_NAME, emailHasher(env.TOKEN_SECRET_ID));
const deps = {
  ...matching,
  participants,
  groups: dynamoGroups(documents, env.TABLE_NAME),
  erasure: dynamoErasure(documents, env.TABLE_NAME),
};
const exportDeps = { source: dynamoDataExportSource(documents, env.TABLE_NAME), participants };
const { emails, nudges } = lambdaMailer(env);

/**
 * A person's data rights: the "Your data" page from every email (an export by email, or erasure), the export's
 * download, and the same two for an organisation admin acting on a request, with the organisation's API key.
 */

const ownId = (subject: string) => (Id.safeParse(subject).success ? subject : undefined);

const claimsOf = async (token: string, now: Date, purpose: string) => {
  const { orgId, subject } = await linkClaims(env.TOKEN_SECRET_ID, token, now, {
    purpose,
    whenExpired:
      purpose === DATA_EXPORT_PURPOSE
        ? 'Ask for a new copy from the “Your data” link in any of our emails.'
        : 'Use the “Your data” link in a more recent email, or ask the organisation.',
    parse: ownId,
    names: 'a participant',
  });
  return { orgId, participantId: subject };
};

const COLOUR = /^#[0-9a-f]{6}$/i;

/** Two buttons that each POST: a mail scanner following the GET changes nothing. */
const choicesPage = (token: string, colour: string | undefined) => {
  const tint = colour && COLOUR.test(colour) ? colour : '#2f5d8a';
  const form = (action: string, label: string, background: string) =>
    `<form method="post" action="/v1/my-data"><input type="hidden" name="token" value="${escapeHtml(token)}"><input type="hidden" name="action" value="${action}"><button type="submit" style="background:${background}">${escapeHtml(label)}</button></form>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Your data</title><style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}form{margin:1.5rem 0}button{font:inherit;font-weight:600;color:#fff;border:0;border-radius:6px;padding:.75rem 1.25rem;cursor:pointer}button:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}</style></head><body><main><h1>Your data</h1><p>You can have a copy of everything we hold about you, sent to your email address as a download link.</p>${form('export', 'Email me my data', tint)}<p>You can also ask us to delete your data. Your matches end, you leave your groups, and we keep only anonymous counts.</p>${form('erase', 'Delete my data', '#a32020')}</main></body></html>`;
};

const eraseConfirmPage = (token: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Delete your data?</title><style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}button{font:inherit;font-weight:600;color:#fff;background:#a32020;border:0;border-radius:6px;padding:.75rem 1.25rem;cursor:pointer}</style></head><body><main><h1>Delete your data?</h1><p>This cannot be undone. Any match you have now ends (the other person is told only that it has ended), you leave any group, and we delete your profile, your feedback and your email preferences.</p><p>If you would like a copy first, go back and choose “Email me my data”.</p><form method="post" action="/v1/my-data"><input type="hidden" name="token" value="${escapeHtml(token)}"><input type="hidden" name="action" value="erase-confirmed"><button type="submit">Yes, delete my data</button></form></main></body></html>`;

const showChoices = httpHandler({ query: z.object({ token: LinkToken }) }, async ({ query, now }) => {
  const claims = await claimsOf(query.token, now, DATA_RIGHTS_PURPOSE);
  const person = await participants.get(claims.orgId, claims.participantId);
  if (!person) throw alreadyGone();
  const org = await matching.organisations.get(claims.orgId);
  return { status: 200, headers: LINK_PAGE_HEADERS, html: choicesPage(query.token, org?.branding?.colour) };
});

const alreadyGone = () =>
  new Problem(
    410,
    'participant-gone',
    'We hold no data about you',
    'Your data has been deleted, or your signup expired unconfirmed: there is nothing to export or delete.',
  );

/** Emails the download link, once a day at most (the key is the request's day). */
const sendExport = async (orgId: string, participantId: string, now: Date) => {
  const person = await participants.get(orgId, participantId);
  const org = person && (await matching.organisations.get(orgId));
  if (!person || !org) throw alreadyGone();
  const link = dataExportLink(
    await platformSecret(env.TOKEN_SECRET_ID),
    env.PUBLIC_API_URL,
    orgId,
    participantId,
    now,
  );
  const content = dataExportEmail.render({
    brand: { orgName: org.name, colour: org.branding?.colour },
    firstName: firstName(person.name),
    link,
    validDays: DATA_EXPORT_LINK_TTL_SECONDS / 86400,
  });
  const key = `DataExportRequested:${participantId}:${now.toISOString().slice(0, 10)}:${dataExportEmail.name}:v${dataExportEmail.version}`;
  const result = await nudges.send(
    {
      orgId,
      participant: person,
      category: 'transactional',
      email: { key, to: person.email, content },
      issuedAt: now,
    },
    now,
  );
  logger.info('data export email handled', { orgId, participantId, ...outcomeFields(result) });
};

/**
 * Tells each former partner their match ended, under the very key send-match-email uses, so whichever runs
 * first sends it once. send-match-email finds the erased person gone and sends nothing, so this is how the
 * partner hears; they are named by role, so a waiting copy of the email holds nothing of the erased person.
 */
const tellPartners = async (orgId: string, erased: Participant, ended: Match[], now: Date) => {
  if (ended.length === 0) return;
  const org = await matching.organisations.get(orgId);
  if (!org) return;
  for (const match of ended) {
    if (!match.ended) continue;
    const erasedRole = match.mentorId === erased.participantId ? 'mentor' : 'mentee';
    const plan = planMatchEnded({ ...match, rejoining: match.ended.rejoining }).find(
      (p) => p.participantId !== erased.participantId,
    );
    const partner = plan && (await participants.get(orgId, plan.participantId));
    if (!plan || !partner) continue;
    const template = plan.template === 'back-in-pool' ? backInPoolEmail : matchEndedEmail;
    const content = template.render({
      brand: { orgName: org.name, colour: org.branding?.colour },
      programName: findProgram(org, match.programId)?.name,
      role: plan.role,
      firstName: firstName(partner.name),
      otherFirstName: `your ${erasedRole}`,
      reason: match.ended.reason,
      endedBy: match.ended.endedBy,
    });
    const result = await nudges.send(
      {
        orgId,
        participant: partner,
        category: 'match',
        email: { key: plan.key, to: partner.email, content },
        issuedAt: new Date(match.ended.at),
      },
      now,
    );
    logger.info('partner told of the ending', { orgId, matchId: match.matchId, ...outcomeFields(result) });
  }
};

/** Erases the person, then tells their former partners. */
const erase = async (ref: { orgId: string; participantId: string }, now: Date) => {
  const { status, person, endedMatches } = await eraseParticipant(deps, ref, now);
  if (person) await tellPartners(ref.orgId, person, endedMatches, now);
  return status;
};

const Action = z.enum(['export', 'erase', 'erase-confirmed'], 'export, erase or erase-confirmed');

const act = httpHandler(
  { body: z.strictObject({ token: LinkToken, action: Action }), form: true },
  async ({ body, now, headers }) => {
    const claims = await claimsOf(body.token, now, DATA_RIGHTS_PURPOSE);
    const page = wantsPage(headers);
    switch (body.action) {
      case 'export':
        await sendExport(claims.orgId, claims.participantId, now);
        return page
          ? {
              status: 200,
              html: htmlPage('Check your email', [
                'We have emailed you a link to download your data. The link works for 7 days.',
              ]),
            }
          : { status: 202, body: { status: 'export-emailed' } };
      case 'erase':
        if (!(await participants.get(claims.orgId, claims.participantId))) throw alreadyGone();
        return page
          ? { status: 200, headers: LINK_PAGE_HEADERS, html: eraseConfirmPage(body.token) }
          : { status: 200, body: { status: 'confirm', action: 'erase-confirmed' } };
      case 'erase-confirmed': {
        const status = await erase(claims, now);
        logger.info('participant erased', {
          orgId: claims.orgId,
          participantId: claims.participantId,
          status,
        });
        return page
          ? {
              status: 200,
              html: htmlPage('Your data has been deleted', [
                'We have deleted your data and ended any match or group place you had. Thank you for taking part.',
              ]),
            }
          : { status: 200, body: { status } };
      }
    }
  },
);

const exportFile = (data: unknown, participantId: string) => ({
  status: 200,
  headers: {
    ...LINK_PAGE_HEADERS,
    'content-disposition': `attachment; filename="my-data-${participantId}.json"`,
  },
  body: data,
});

const download = httpHandler({ query: z.object({ token: LinkToken }) }, async ({ query, now }) => {
  const claims = await claimsOf(query.token, now, DATA_EXPORT_PURPOSE);
  const data = await exportData(exportDeps, claims, now);
  if (!data) throw alreadyGone();
  return exportFile(data, claims.participantId);
});

const AdminPath = z.object({ orgId: Id, participantId: Id });

const adminErase = httpHandler({ path: AdminPath }, async ({ path, now, event }) => {
  requireOrgKey(event, path.orgId);
  const status = await erase(path, now);
  logger.info('participant erased by an admin', { ...path, status });
  return { status: 202, body: { participantId: path.participantId, status } };
});

const adminExport = httpHandler({ path: AdminPath }, async ({ path, now, event }) => {
  requireOrgKey(event, path.orgId);
  const data = await exportData(exportDeps, path, now);
  if (!data) throw erasureParticipantNotFound();
  return exportFile(data, path.participantId);
});

const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>> = {
  'GET /v1/my-data': showChoices,
  'POST /v1/my-data': act,
  'GET /v1/my-data/export': download,
  'POST /v1/admin/orgs/{orgId}/participants/{participantId}/erasure': orgKeyRoute(adminErase),
  'POST /v1/admin/orgs/{orgId}/participants/{participantId}/export': orgKeyRoute(adminExport),
};

export const handler = (event: APIGatewayProxyEventV2, context: Context) => {
  const route = routes[event.routeKey];
  if (!route) throw new Error(`data-rights has no route ${event.routeKey}`);
  emails.useContext(context);
  return route(event, context);
};
