import MailComposer from 'nodemailer/lib/mail-composer';
import type { RenderedEmail } from './templates';

/**
 * A raw MIME message, for SES v2 `SendEmail` with `Content.Raw`, when an email carries a calendar invite
 * (iMIP, RFC 6047). Built by nodemailer's MailComposer, in the arrangement Outlook and Gmail both recognise:
 *
 * ```
 * multipart/mixed
 *   multipart/alternative
 *     text/plain; charset=utf-8
 *     text/html; charset=utf-8
 *     text/calendar; charset=utf-8; method=REQUEST   (the invite: clients show Add / Accept)
 *   application/ics; name=invite.ics                 (the same invite, for clients that only offer a file)
 * ```
 *
 * The Subject (and any header) is RFC 2047 encoded when it is not ASCII; every line ends in CRLF.
 */

export interface CalendarPart {
  /** The iMIP method; must equal the METHOD inside the invite. */
  method: 'REQUEST' | 'CANCEL';
  /** The invite, RFC 5545 text (see `calendarInvite`). */
  ics: string;
}

export interface MimeEmail {
  /** An address, optionally with a display name: `kindred <no-reply@kindred.example>`. */
  from: string;
  to: string;
  content: RenderedEmail;
  calendar: CalendarPart;
  /** Extra headers, e.g. List-Unsubscribe and List-Unsubscribe-Post. */
  headers?: Record<string, string>;
  /** The Date header; the time of building when absent. */
  date?: Date;
}

export const INVITE_FILENAME = 'invite.ics';

/** The message's bytes, as `Content.Raw.Data` takes them. */
export const rawEmail = async (email: MimeEmail): Promise<Uint8Array> => {
  const composer = new MailComposer({
    from: email.from,
    to: email.to,
    subject: email.content.subject,
    text: email.content.text,
    html: email.content.html,
    icalEvent: { method: email.calendar.method, content: email.calendar.ics, filename: INVITE_FILENAME },
    headers: email.headers,
    date: email.date,
    newline: 'win',
    // The message is built from strings only: nothing may be read from a file or fetched from a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return new Uint8Array(await composer.compile().build());
};
