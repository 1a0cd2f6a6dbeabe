import { RATING_WORDS, RATINGS } from '../../shared/domain/feedback';
import { describeMeetingTime } from '../../shared/domain/meetings';
import type { Organisation } from '../../shared/domain/organisation';
import { type CalendarMeeting, calendarInvite } from '../../shared/email/calendar';
import {
  driftingPairAlertEmail,
  stillAvailableEmail,
  stillMeetingEmail,
} from '../../shared/email/check-in-templates';
import { dataExportEmail } from '../../shared/email/data-rights-templates';
import { digestEmail } from '../../shared/email/digest-templates';
import { listingCheckEmail } from '../../shared/email/directory-templates';
import {
  feedbackRequestEmail,
  lowRatingsAlertEmail,
  safeguardingAlertEmail,
} from '../../shared/email/feedback-templates';
import { groupSeatEmail, groupWaitlistEmail } from '../../shared/email/group-templates';
import {
  backInPoolEmail,
  type MatchEndVars,
  matchEndedEmail,
  matchMadeEmail,
} from '../../shared/email/match-templates';
import {
  meetingCancelledEmail,
  meetingMovedEmail,
  meetingReminderEmail,
} from '../../shared/email/meeting-templates';
import { type MilestoneName, milestoneEmail } from '../../shared/email/milestone-templates';
import { sessionCancelledEmail, sessionReminderEmail } from '../../shared/email/session-templates';
import {
  alreadySignedUpEmail,
  type Branding,
  type RenderedEmail,
  verificationEmail,
  verificationReminderEmail,
} from '../../shared/email/templates';
import { escapeHtml } from '../../shared/http/html';
import { Problem } from '../../shared/http/problem';
import { demoOrganisations } from './seed';

/**
 * Every email of the platform, previewable on `npm start` at `/_local/emails`: each template rendered, in each
 * of its meaningful variants, from sample variables (fictional people, the demo organisations' branding).
 * The previews call the very templates the email functions send, so what is shown is what goes out.
 * Links in the previews carry a placeholder token: they show where each link leads, and are not valid.
 */

/** An email template: one definition per email (see shared/email/templates.ts). */
export interface EmailTemplate<V> {
  readonly name: string;
  readonly version: number;
  render(vars: V): RenderedEmail;
}

export interface EmailPreview {
  /** The template object itself (its name and version are repeated below for reading). */
  template: { readonly name: string; readonly version: number };
  name: string;
  version: number;
  variant: string;
  /** What this variant shows. */
  description: string;
  orgName: string;
  email: RenderedEmail;
  /** The calendar invite the email carries, if any. */
  calendar?: { method: 'REQUEST' | 'CANCEL'; ics: string };
}

/** A sample name with markup in it: the previews show it is written as text in the HTML part, never as markup. */
export const MARKUP_NAME = "Zoë <b>O'Brien</b>";

const SAM = {
  name: 'Sam Okafor',
  firstName: 'Sam',
  email: 'sam.okafor@example.org',
  timezone: 'Europe/London',
};
const PRIYA = {
  name: 'Priya Natarajan',
  firstName: 'Priya',
  email: 'priya.natarajan@example.org',
  timezone: 'America/Toronto',
};

const org = (orgId: string): Organisation => {
  const found = demoOrganisations.find((o) => o.orgId === orgId);
  if (!found) throw new Error(`no demo organisation ${orgId}`);
  return found;
};
const brandOf = (o: Organisation): Branding => ({ orgName: o.name, colour: o.branding?.colour });
const programName = (o: Organisation, programId: string) =>
  o.programs.find((p) => p.programId === programId)?.name;

const UNIVERSITY = org('demo-university');
const NONPROFIT = org('demo-nonprofit');
const university = brandOf(UNIVERSITY);
const nonprofit = brandOf(NONPROFIT);
const mentoring = programName(UNIVERSITY, 'first-year-mentoring');
const circle = programName(NONPROFIT, 'new-parents-circle') ?? 'the support circle';

/** A meeting on a fixed date, so the previews read the same on every run. */
const MEETING_START = new Date('2026-11-24T18:00:00Z');
const MEETING_STAMP = new Date('2026-11-23T18:00:00Z');
const FROM = 'no-reply@kindred.local';

const invite = (method: 'REQUEST' | 'CANCEL', sequence: number): CalendarMeeting => ({
  uid: 'preview-meeting-1@kindred',
  sequence,
  method,
  start: MEETING_START,
  durationMinutes: 45,
  timezone: SAM.timezone,
  summary: `Mentoring: ${SAM.firstName} & ${PRIYA.firstName}`,
  description: `Your ${university.orgName} mentoring meeting with ${PRIYA.firstName}.`,
  organizer: { name: university.orgName, email: FROM },
  attendees: [
    { name: SAM.name, email: SAM.email },
    { name: PRIYA.name, email: PRIYA.email },
  ],
  stamp: MEETING_STAMP,
});

const preview = <V extends { brand: Branding }>(
  template: EmailTemplate<V>,
  variant: string,
  description: string,
  vars: V,
  calendar?: CalendarMeeting,
): EmailPreview => ({
  template,
  name: template.name,
  version: template.version,
  variant,
  description,
  orgName: vars.brand.orgName,
  email: template.render(vars),
  ...(calendar ? { calendar: { method: calendar.method, ics: calendarInvite(calendar) } } : {}),
});

const MILESTONES: { milestone: MilestoneName; description: string }[] = [
  { milestone: 'first-meeting', description: 'A pair held their first meeting (to the mentee).' },
  { milestone: 'meetings-3', description: 'Three meetings held (to the mentor).' },
  { milestone: 'meetings-6', description: 'Six meetings held (to the mentee).' },
  { milestone: 'meetings-12', description: 'Twelve meetings held (to the mentor).' },
  { milestone: 'months-1', description: 'A month together (to the mentee).' },
  { milestone: 'months-3', description: 'Three months together (to the mentor).' },
  { milestone: 'months-6', description: 'Six months together (to the mentee).' },
  { milestone: 'months-12', description: 'A year together (to the mentor).' },
  { milestone: 'goal-achieved', description: 'The pair marked a goal achieved (to the mentee).' },
  { milestone: 'program-completed', description: 'The pair completed the program (to the mentor).' },
  { milestone: 'sessions-1', description: 'A group member attended their first session.' },
  { milestone: 'sessions-5', description: 'A group member attended five sessions.' },
  { milestone: 'sessions-10', description: 'A group member attended ten sessions.' },
];

/** Every preview, in the order the index lists them. `baseUrl` is where the links in the emails point. */
export const emailPreviews = (baseUrl = 'http://127.0.0.1:3000'): EmailPreview[] => {
  const base = baseUrl.replace(/\/+$/, '');
  const link = (path: string, query = '') => `${base}${path}?token=preview-not-a-real-token${query}`;
  const when = (timezone: string) => describeMeetingTime(MEETING_START, timezone);

  const ending = (
    role: MatchEndVars['role'],
    reason: MatchEndVars['reason'],
    endedBy: MatchEndVars['endedBy'],
    brand = university,
  ): MatchEndVars => {
    const [reader, other] = role === 'mentee' ? [SAM, PRIYA] : [PRIYA, SAM];
    return {
      brand,
      programName: brand === university ? mentoring : programName(NONPROFIT, 'peer-mentoring'),
      role,
      firstName: reader.firstName,
      otherFirstName: other.firstName,
      reason,
      endedBy,
    };
  };

  return [
    // Signup
    preview(verificationEmail, 'default', 'The link that confirms a new signup’s address.', {
      brand: university,
      firstName: SAM.firstName,
      link: link('/v1/verify'),
      validDays: 7,
    }),
    preview(verificationReminderEmail, 'default', 'The one reminder to confirm, a few days later.', {
      brand: nonprofit,
      firstName: PRIYA.firstName,
      link: link('/v1/verify'),
      validDays: 5,
    }),
    preview(
      alreadySignedUpEmail,
      'default',
      'A confirmed address used on the signup form again (the form answers the same either way).',
      { brand: university, firstName: SAM.firstName },
    ),

    preview(
      dataExportEmail,
      'default',
      'The download link of a person’s data export, sent because they asked.',
      {
        brand: nonprofit,
        firstName: PRIYA.firstName,
        link: link('/v1/my-data/export'),
        validDays: 7,
      },
    ),

    // Matches
    preview(matchMadeEmail, 'mentee', 'The introduction to a mentee, with why they were matched.', {
      brand: university,
      programName: mentoring,
      role: 'mentee',
      firstName: SAM.firstName,
      other: { firstName: PRIYA.firstName, email: PRIYA.email },
      reasons: [
        'You both know what moving to a new city alone is like.',
        'You both enjoy poetry.',
        'You are both free on Tuesday evenings.',
      ],
      rematchLink: link('/v1/rematch'),
    }),
    preview(matchMadeEmail, 'mentor', 'The introduction to a mentor.', {
      brand: nonprofit,
      programName: programName(NONPROFIT, 'peer-mentoring'),
      role: 'mentor',
      firstName: PRIYA.firstName,
      other: { firstName: SAM.firstName, email: SAM.email },
      reasons: ['You both became parents in the last year.', 'You both speak English and Yoruba.'],
      rematchLink: link('/v1/rematch'),
    }),
    preview(
      matchMadeEmail,
      'no-reasons',
      'An introduction without shared reasons (e.g. a coordinator’s manual match).',
      {
        brand: university,
        programName: mentoring,
        role: 'mentee',
        firstName: SAM.firstName,
        other: { firstName: PRIYA.firstName, email: PRIYA.email },
        reasons: [],
        rematchLink: link('/v1/rematch'),
      },
    ),
    preview(
      matchMadeEmail,
      'markup-in-names',
      'Names and answers containing markup and quotes: the HTML part shows them as text.',
      {
        brand: university,
        programName: mentoring,
        role: 'mentee',
        firstName: SAM.firstName,
        other: { firstName: MARKUP_NAME, email: 'zoe.obrien@example.org' },
        reasons: ['You both enjoy <script>alert("poetry")</script> & "spoken word".'],
        rematchLink: link('/v1/rematch'),
      },
    ),
    preview(
      backInPoolEmail,
      'ended-by-reader',
      'The mentee ended a match that was not a good fit and is back on the list.',
      ending('mentee', 'not-a-good-fit', 'mentee'),
    ),
    preview(
      backInPoolEmail,
      'ended-by-other',
      'The mentor became unavailable; the mentee is back on the list.',
      ending('mentee', 'mentor-unavailable', 'mentor'),
    ),
    preview(
      backInPoolEmail,
      'mentor-inactivity',
      'The pair stopped meeting and the match ended; the mentor is back on the list.',
      ending('mentor', 'inactivity', 'system', nonprofit),
    ),
    preview(
      backInPoolEmail,
      'completed',
      'A completed mentoring; the mentor offers to mentor again.',
      ending('mentor', 'completed', 'coordinator'),
    ),
    preview(
      backInPoolEmail,
      'safeguarding-concern',
      'Ended by the program team over a concern, which is never named: the plainest words there are.',
      ending('mentee', 'safeguarding-concern', 'coordinator'),
    ),
    preview(
      matchEndedEmail,
      'completed',
      'A completed mentoring; the mentee does not rejoin.',
      ending('mentee', 'completed', 'coordinator'),
    ),
    preview(
      matchEndedEmail,
      'ended-by-reader',
      'The mentor left the program (participant-left, ended by themselves).',
      ending('mentor', 'participant-left', 'mentor', nonprofit),
    ),
    preview(
      matchEndedEmail,
      'ended-by-other',
      'A schedule conflict, ended by the coordinator.',
      ending('mentee', 'schedule-conflict', 'coordinator'),
    ),
    preview(
      matchEndedEmail,
      'safeguarding-concern',
      'Ended by the program team over a concern, which is never named.',
      ending('mentor', 'safeguarding-concern', 'coordinator'),
    ),

    // Meetings
    preview(
      meetingReminderEmail,
      'first',
      'The reminder before a pair’s first meeting, with its calendar invite (REQUEST).',
      {
        brand: university,
        firstName: SAM.firstName,
        otherFirstName: PRIYA.firstName,
        otherEmail: PRIYA.email,
        when: when(SAM.timezone),
        durationMinutes: 45,
        first: true,
        links: {
          held: link('/v1/meetings/log', '&status=held'),
          skipped: link('/v1/meetings/log', '&status=skipped'),
          reschedule: link('/v1/meetings/reschedule'),
          goal: link('/v1/goals'),
          calendar: link('/v1/meetings/invite.ics'),
        },
      },
      invite('REQUEST', 0),
    ),
    preview(
      meetingReminderEmail,
      'next',
      'The reminder before a later meeting, read in the mentor’s own time zone (an updated invite).',
      {
        brand: university,
        firstName: PRIYA.firstName,
        otherFirstName: SAM.firstName,
        otherEmail: SAM.email,
        when: when(PRIYA.timezone),
        durationMinutes: 45,
        first: false,
        links: {
          held: link('/v1/meetings/log', '&status=held'),
          skipped: link('/v1/meetings/log', '&status=skipped'),
          reschedule: link('/v1/meetings/reschedule'),
          goal: link('/v1/goals'),
          calendar: link('/v1/meetings/invite.ics'),
        },
      },
      { ...invite('REQUEST', 2), timezone: PRIYA.timezone },
    ),
    preview(
      meetingMovedEmail,
      'moved-by-other',
      'The other person moved the meeting: the updated invite (same UID, a higher SEQUENCE), naming who moved it.',
      {
        brand: university,
        firstName: SAM.firstName,
        otherFirstName: PRIYA.firstName,
        moverFirstName: PRIYA.firstName,
        movedByReader: false,
        when: when(SAM.timezone),
        previousWhen: describeMeetingTime(new Date('2026-11-23T18:00:00Z'), SAM.timezone),
        durationMinutes: 45,
        links: { reschedule: link('/v1/meetings/reschedule') },
      },
      {
        ...invite('REQUEST', 1),
        description: `${invite('REQUEST', 1).description} Moved by ${PRIYA.firstName}.`,
      },
    ),
    preview(
      meetingMovedEmail,
      'moved-by-reader',
      'The confirmation to the person who moved it, in their own time zone.',
      {
        brand: university,
        firstName: PRIYA.firstName,
        otherFirstName: SAM.firstName,
        moverFirstName: PRIYA.firstName,
        movedByReader: true,
        when: when(PRIYA.timezone),
        previousWhen: describeMeetingTime(new Date('2026-11-23T18:00:00Z'), PRIYA.timezone),
        durationMinutes: 45,
        links: { reschedule: link('/v1/meetings/reschedule') },
      },
      { ...invite('REQUEST', 1), timezone: PRIYA.timezone },
    ),
    preview(
      meetingCancelledEmail,
      'default',
      'The match ended: the meeting’s invite is cancelled (CANCEL, a higher SEQUENCE).',
      {
        brand: university,
        firstName: SAM.firstName,
        otherFirstName: PRIYA.firstName,
        when: when(SAM.timezone),
      },
      invite('CANCEL', 3),
    ),

    // Milestones
    ...MILESTONES.map(({ milestone, description }, i) => {
      const group = milestone.startsWith('sessions-');
      const mentee = i % 2 === 0;
      return preview(milestoneEmail, milestone, description, {
        brand: group ? nonprofit : university,
        programName: group ? circle : mentoring,
        milestone,
        firstName: mentee || group ? SAM.firstName : PRIYA.firstName,
        ...(group
          ? { groupName: circle }
          : {
              pair: {
                role: mentee ? ('mentee' as const) : ('mentor' as const),
                otherFirstName: mentee ? PRIYA.firstName : SAM.firstName,
              },
            }),
      });
    }),
    preview(
      milestoneEmail,
      'partner-erased',
      'A pair’s milestone after the other person’s data was erased: they are named by role.',
      {
        brand: university,
        programName: mentoring,
        milestone: 'meetings-6',
        firstName: SAM.firstName,
        pair: { role: 'mentee' },
      },
    ),

    // Groups
    preview(groupSeatEmail, 'default', 'A seat in a peer-support group.', {
      brand: nonprofit,
      firstName: SAM.firstName,
      groupName: circle,
      leaveLink: link('/v1/groups/leave'),
    }),
    preview(groupWaitlistEmail, 'default', 'Every seat taken: a place on the waitlist.', {
      brand: nonprofit,
      firstName: PRIYA.firstName,
      groupName: circle,
      leaveLink: link('/v1/groups/leave'),
      position: 3,
    }),
    preview(
      listingCheckEmail,
      'default',
      'Every 90 days, to a listed group\u2019s contact: still running? yes / update / closed.',
      {
        brand: nonprofit,
        groupName: circle,
        directory: 'nonprofit',
        hideAfterDays: 30,
        links: {
          yes: link('/v1/listing-checks', '&answer=yes'),
          update: link('/v1/listing-checks', '&answer=update'),
          closed: link('/v1/listing-checks', '&answer=closed'),
        },
      },
    ),
    preview(
      sessionReminderEmail,
      'default',
      'The reminder before a group session, with its calendar invite (REQUEST) naming only the reader.',
      {
        brand: nonprofit,
        firstName: SAM.firstName,
        groupName: circle,
        when: when(SAM.timezone),
        durationMinutes: 90,
        links: {
          attended: link('/v1/sessions/attend', '&status=held'),
          cantMake: link('/v1/sessions/attend', '&status=skipped'),
        },
      },
      {
        ...invite('REQUEST', 0),
        uid: 'preview-session-1@kindred',
        durationMinutes: 90,
        summary: circle,
        description: `A session of ${circle}, with ${nonprofit.orgName}.`,
        organizer: { name: nonprofit.orgName, email: FROM },
        attendees: [{ name: SAM.name, email: SAM.email }],
      },
    ),
    preview(
      sessionCancelledEmail,
      'group-closed',
      'The group closed: the invite of its next session is cancelled (CANCEL, a higher SEQUENCE).',
      { brand: nonprofit, firstName: PRIYA.firstName, groupName: circle, when: when(PRIYA.timezone) },
      {
        ...invite('CANCEL', 1),
        uid: 'preview-session-1@kindred',
        durationMinutes: 90,
        timezone: PRIYA.timezone,
        summary: circle,
        description: `A session of ${circle}, with ${nonprofit.orgName}.`,
        organizer: { name: nonprofit.orgName, email: FROM },
        attendees: [{ name: PRIYA.name, email: PRIYA.email }],
      },
    ),

    // Digests of nudges held back at the frequency cap
    preview(
      digestEmail,
      'default',
      'Two emails held back at the frequency cap, each by its subject with its own links.',
      {
        brand: university,
        firstName: PRIYA.firstName,
        items: [
          {
            subject: `You have a new mentee: ${SAM.firstName}`,
            actions: [{ lead: 'Not the right match?', label: 'Ask for a new one', url: link('/v1/rematch') }],
          },
          {
            subject: `Your first meeting with ${SAM.firstName} — well done!`,
            actions: [],
          },
        ],
      },
    ),
    preview(digestEmail, 'one-item', 'A digest that kept one email (the others were no longer wanted).', {
      brand: nonprofit,
      firstName: SAM.firstName,
      items: [
        {
          subject: `How was your meeting with ${PRIYA.firstName}?`,
          actions: RATINGS.map((rating) => ({
            lead: `${rating} out of 5:`,
            label: RATING_WORDS[rating],
            url: link('/v1/feedback', `&rating=${rating}`),
          })),
        },
      ],
    }),

    // Feedback
    preview(feedbackRequestEmail, 'default', 'After a held meeting: five one-click ratings.', {
      brand: university,
      firstName: SAM.firstName,
      otherFirstName: PRIYA.firstName,
      when: when(SAM.timezone),
      ratings: RATINGS.map((rating) => ({
        rating,
        words: RATING_WORDS[rating],
        url: link('/v1/feedback', `&rating=${rating}`),
      })),
    }),
    preview(lowRatingsAlertEmail, 'default', 'To the program coordinator: two low ratings in a row.', {
      brand: university,
      programName: mentoring,
      person: { name: SAM.name, email: SAM.email, participantId: 'p-preview-sam' },
      role: 'mentee',
      otherName: PRIYA.name,
      ratings: [
        { when: 'Tuesday 10 November, 18:00 (Europe/London)', rating: 2 },
        {
          when: when(SAM.timezone),
          rating: 1,
          comment: 'We keep talking past each other and I come away more stressed.',
        },
      ],
      matchId: 'm-preview-1',
      meetingIds: ['mt-preview-3', 'mt-preview-4'],
    }),
    preview(
      lowRatingsAlertEmail,
      'person-erased',
      'The same alert once the person is no longer on record: ids only.',
      {
        brand: nonprofit,
        person: { participantId: 'p-preview-erased' },
        ratings: [
          { when: 'Tuesday 10 November, 18:00 (Europe/London)', rating: 1 },
          { when: when(SAM.timezone), rating: 2 },
        ],
        meetingIds: ['mt-preview-7', 'mt-preview-8'],
      },
    ),
    preview(
      safeguardingAlertEmail,
      'default',
      'To the safeguarding contact: crisis language in a comment, with what the person was shown.',
      {
        brand: nonprofit,
        programName: programName(NONPROFIT, 'peer-mentoring'),
        person: { name: SAM.name, email: SAM.email, participantId: 'p-preview-sam' },
        role: 'mentee',
        otherName: PRIYA.name,
        rating: {
          when: when(SAM.timezone),
          rating: 1,
          comment: 'Honestly I don’t feel safe at home at the moment.',
        },
        crisisHelp: NONPROFIT.crisisHelp,
        matchId: 'm-preview-2',
        meetingId: 'mt-preview-5',
        at: '24 November 2026, 19:05 UTC',
      },
    ),
    preview(
      safeguardingAlertEmail,
      'no-crisis-info',
      'The same alert for an organisation without crisis information, the comment unreadable.',
      {
        brand: { orgName: 'Riverside Peer Network' },
        person: { participantId: 'p-preview-erased' },
        at: '24 November 2026, 19:05 UTC',
      },
    ),

    // Check-ins for drifting pairs
    preview(
      stillMeetingEmail,
      'default',
      'No meeting logged for three cadence periods: "still meeting?" with yes / pause / end.',
      {
        brand: university,
        programName: mentoring,
        firstName: SAM.firstName,
        otherFirstName: PRIYA.firstName,
        quietFor: '6 weeks',
        breakFor: '4 weeks',
        links: {
          stillMeeting: link('/v1/check-ins', '&answer=still-meeting'),
          pause: link('/v1/check-ins', '&answer=pause'),
          end: link('/v1/check-ins', '&answer=end'),
        },
      },
    ),
    preview(
      stillAvailableEmail,
      'default',
      'To a mentor paused from new matches after nobody answered: one link to confirm.',
      {
        brand: nonprofit,
        programName: programName(NONPROFIT, 'peer-mentoring'),
        firstName: PRIYA.firstName,
        confirmLink: link('/v1/check-ins/resume'),
      },
    ),
    preview(
      driftingPairAlertEmail,
      'default',
      'To the program coordinator: a pair left "still meeting?" unanswered; the mentor is paused.',
      {
        brand: university,
        programName: mentoring,
        mentor: { name: PRIYA.name, email: PRIYA.email, participantId: 'p-preview-priya' },
        mentee: { name: SAM.name, email: SAM.email, participantId: 'p-preview-sam' },
        askedAt: '24 November 2026, 15:00 UTC',
        quietFor: '10 weeks',
        mentorPaused: true,
        matchId: 'm-preview-3',
      },
    ),
    preview(
      driftingPairAlertEmail,
      'already-paused',
      'The same alert for a mentor already paused by another pair, their mentee no longer on record.',
      {
        brand: nonprofit,
        mentor: { name: PRIYA.name, email: PRIYA.email, participantId: 'p-preview-priya' },
        mentee: { participantId: 'p-preview-erased' },
        mentorPaused: false,
        matchId: 'm-preview-4',
      },
    ),
  ];
};

/* ---------- The pages of /_local/emails ---------- */

export interface PreviewReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const PREFIX = '/_local/emails';

const pathOf = (p: Pick<EmailPreview, 'name' | 'variant'>, part?: 'text' | 'ics') =>
  `${PREFIX}/${encodeURIComponent(p.name)}?variant=${encodeURIComponent(p.variant)}${part ? `&part=${part}` : ''}`;

const summary = (p: EmailPreview) => ({
  name: p.name,
  version: p.version,
  variant: p.variant,
  description: p.description,
  organisation: p.orgName,
  subject: p.email.subject,
  links: {
    html: pathOf(p),
    text: pathOf(p, 'text'),
    ...(p.calendar ? { ics: pathOf(p, 'ics') } : {}),
  },
});

const json = (status: number, body: unknown, type = 'application/json'): PreviewReply => ({
  status,
  headers: { 'content-type': type, 'cache-control': 'no-store' },
  body: JSON.stringify(body, null, 2),
});

const notFound = (detail: string) =>
  json(
    404,
    new Problem(404, 'email-preview-not-found', 'No such email preview', detail).toJSON(),
    'application/problem+json',
  );

const page = (body: string, type = 'text/html; charset=utf-8'): PreviewReply => ({
  status: 200,
  headers: { 'content-type': type, 'cache-control': 'no-store' },
  body,
});

const indexPage = (previews: EmailPreview[]) => {
  const rows = previews
    .map((p) => {
      const parts = [
        `<a href="${escapeHtml(pathOf(p))}">HTML</a>`,
        `<a href="${escapeHtml(pathOf(p, 'text'))}">text</a>`,
        ...(p.calendar
          ? [`<a href="${escapeHtml(pathOf(p, 'ics'))}">invite (${p.calendar.method})</a>`]
          : []),
      ].join(' · ');
      return `<tr><td><code>${escapeHtml(p.name)}</code></td><td>v${p.version}</td><td><a href="${escapeHtml(pathOf(p))}">${escapeHtml(p.variant)}</a><br><small>${escapeHtml(p.description)}</small></td><td>${escapeHtml(p.email.subject)}</td><td>${escapeHtml(p.orgName)}</td><td>${parts}</td></tr>`;
    })
    .join('');
  const templates = new Set(previews.map((p) => p.name)).size;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Email previews · kindred (local)</title><style>body{font:1rem/1.5 system-ui,sans-serif;margin:2rem;color:#1a1a1a}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.5rem;text-align:left;vertical-align:top}small{color:#555}caption{text-align:left;padding:.5rem 0}</style></head><body><main><h1>Email previews</h1><p>Every email kindred sends: ${templates} templates in ${previews.length} variants, rendered by the same templates the email functions use, from sample people and the demo organisations’ branding. Links in the previews carry a placeholder token and do not work. As JSON: <a href="${PREFIX}?format=json">${PREFIX}?format=json</a>.</p><table><caption>Templates and their variants</caption><thead><tr><th scope="col">Template</th><th scope="col">Version</th><th scope="col">Variant</th><th scope="col">Subject</th><th scope="col">Organisation</th><th scope="col">Parts</th></tr></thead><tbody>${rows}</tbody></table></main></body></html>`;
};

/**
 * The reply to a GET under `/_local/emails`, or undefined for any other path:
 * - `/_local/emails` — the index (HTML; `?format=json` for JSON);
 * - `/_local/emails/<name>?variant=<v>` — one preview's HTML part (the template's first variant without one);
 *   `&part=text` its text part, `&part=ics` its calendar invite.
 */
export const emailPreviewRoute = (url: URL, baseUrl?: string): PreviewReply | undefined => {
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return undefined;
  const previews = emailPreviews(baseUrl);
  if (path === PREFIX) {
    return url.searchParams.get('format') === 'json'
      ? json(200, previews.map(summary))
      : page(indexPage(previews));
  }
  let name: string;
  try {
    name = decodeURIComponent(path.slice(PREFIX.length + 1));
  } catch {
    return notFound('The template name is not valid percent-encoding.');
  }
  const ofTemplate = previews.filter((p) => p.name === name);
  if (ofTemplate.length === 0) return notFound(`There is no email template named "${name}".`);
  const variant = url.searchParams.get('variant');
  const found = variant === null ? ofTemplate[0] : ofTemplate.find((p) => p.variant === variant);
  if (!found) {
    return notFound(
      `The template "${name}" has no variant "${variant}"; it has: ${ofTemplate.map((p) => p.variant).join(', ')}.`,
    );
  }
  const part = url.searchParams.get('part') ?? 'html';
  switch (part) {
    case 'html':
      return page(found.email.html);
    case 'text':
      return page(found.email.text, 'text/plain; charset=utf-8');
    case 'ics':
      return found.calendar
        ? page(found.calendar.ics, `text/calendar; charset=utf-8; method=${found.calendar.method}`)
        : notFound(`The email "${name}" (${found.variant}) carries no calendar invite.`);
    default:
      return notFound(`There is no part "${part}": ask for html, text or ics.`);
  }
};
