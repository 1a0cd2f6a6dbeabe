import { type Attachment, type ParsedMail, simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { calendarInvite } from '../../shared/email/calendar';
import { type MimeEmail, rawEmail } from '../../shared/email/mime';

const invite = (method: 'REQUEST' | 'CANCEL') =>
  calendarInvite({
    uid: '8d1c2b3a-4e5f-4a6b-9c7d-0e1f2a3b4c5d@kindred',
    sequence: method === 'CANCEL' ? 1 : 0,
    method,
    start: new Date('2026-03-30T17:00:00.000Z'),
    durationMinutes: 45,
    timezone: 'Europe/London',
    summary: 'Mentoring: Zoë & Priya',
    description: 'Your fortnightly meeting.',
    organizer: { name: 'kindred', email: 'no-reply@kindred.test' },
    attendees: [{ name: 'Zoë Ångström', email: 'zoe@example.org' }],
    stamp: new Date('2026-03-16T09:00:00.000Z'),
  });

const email = (overrides: Partial<MimeEmail> = {}): MimeEmail => ({
  from: 'kindred <no-reply@kindred.test>',
  to: 'zoe@example.org',
  content: {
    subject: 'Réunion demain: Zoë & Priya',
    text: 'Your meeting is tomorrow.\nLog it: https://api.kindred.test/v1/meetings/log?token=abc\n',
    html: '<p>Your meeting is tomorrow.</p>\n<p><a href="https://api.kindred.test/v1/meetings/log?token=abc">Log it</a></p>',
  },
  calendar: { method: 'REQUEST', ics: invite('REQUEST') },
  headers: {
    'List-Unsubscribe': '<https://api.kindred.test/v1/unsubscribe?token=xyz>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
  date: new Date('2026-03-29T08:00:00.000Z'),
  ...overrides,
});

const build = async (input: MimeEmail) => {
  const bytes = await rawEmail(input);
  const raw = Buffer.from(bytes).toString('utf8');
  return { bytes, raw, parsed: await simpleParser(Buffer.from(bytes)) };
};

const headerLine = (parsed: ParsedMail, key: string) => parsed.headerLines.find((h) => h.key === key)?.line;

const contentType = (part: Attachment) =>
  part.headers.get('content-type') as { value: string; params: Record<string, string> };

describe('rawEmail', () => {
  it('builds multipart/mixed holding multipart/alternative (text, html, calendar) and invite.ics', async () => {
    // Prepare
    const input = email();

    // Act
    const { parsed, raw } = await build(input);

    // Assess
    expect((parsed.headers.get('content-type') as { value: string }).value).toBe('multipart/mixed');
    expect(parsed.text).toBe(input.content.text);
    expect(parsed.html).toBe(input.content.html);
    // Part 1 is the alternative (1.1 text, 1.2 html, 1.3 calendar); part 2 the attachment.
    expect(parsed.attachments.map((a) => [a.partId, a.contentType])).toStrictEqual([
      ['1.3', 'text/calendar'],
      ['2', 'application/ics'],
    ]);
    const mixed = /^Content-Type: multipart\/mixed; boundary="([^"]+)"/m.exec(raw)?.[1] as string;
    const firstPart = raw.split(`--${mixed}\r\n`)[1] as string;
    expect(firstPart).toMatch(/^Content-Type: multipart\/alternative;/);
    const alternative = /boundary="([^"]+)"/.exec(firstPart)?.[1] as string;
    const types = firstPart
      .split(`--${alternative}`)
      .map((part) => /^\r\nContent-Type: ([^;\r\n]+)/.exec(part)?.[1])
      .filter(Boolean);
    expect(types).toStrictEqual(['text/plain', 'text/html', 'text/calendar']);
  });

  it('marks the calendar alternative with its method and charset, carrying the invite unchanged', async () => {
    const input = email();

    const { parsed } = await build(input);

    const calendar = parsed.attachments[0] as Attachment;
    expect(contentType(calendar)).toStrictEqual({
      value: 'text/calendar',
      params: { charset: 'utf-8', method: 'REQUEST' },
    });
    expect(calendar.content.toString('utf8')).toBe(input.calendar.ics);
    expect(calendar.contentDisposition).toBeUndefined();
  });

  it('attaches the same invite as invite.ics (application/ics)', async () => {
    const input = email();

    const { parsed } = await build(input);

    const file = parsed.attachments[1] as Attachment;
    expect(file.filename).toBe('invite.ics');
    expect(file.contentDisposition).toBe('attachment');
    expect(contentType(file).value).toBe('application/ics');
    expect(file.content.toString('utf8')).toBe(input.calendar.ics);
  });

  it('says method=CANCEL on the calendar part of a cancellation', async () => {
    const { parsed } = await build(email({ calendar: { method: 'CANCEL', ics: invite('CANCEL') } }));

    const calendar = parsed.attachments[0] as Attachment;
    expect(contentType(calendar).params.method).toBe('CANCEL');
    expect(calendar.content.toString('utf8')).toContain('\r\nMETHOD:CANCEL\r\n');
  });

  it('writes From, To, Date and an RFC 2047 encoded Subject, plus the extra headers as given', async () => {
    const input = email();

    const { parsed } = await build(input);

    expect(parsed.from?.value).toStrictEqual([{ name: 'kindred', address: 'no-reply@kindred.test' }]);
    expect(headerLine(parsed, 'to')).toBe('To: zoe@example.org');
    expect(headerLine(parsed, 'subject')).toMatch(/^Subject: =\?UTF-8\?[QB]\?[\x21-\x7e]+\?=/);
    expect(parsed.subject).toBe(input.content.subject);
    expect(parsed.date?.toISOString()).toBe('2026-03-29T08:00:00.000Z');
    expect(headerLine(parsed, 'list-unsubscribe')).toBe(
      'List-Unsubscribe: <https://api.kindred.test/v1/unsubscribe?token=xyz>',
    );
    expect(headerLine(parsed, 'list-unsubscribe-post')).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
  });

  it('leaves an ASCII subject as it is and adds no extra headers when none are given', async () => {
    const { parsed } = await build(
      email({ content: { ...email().content, subject: 'Meeting tomorrow' }, headers: undefined }),
    );

    expect(headerLine(parsed, 'subject')).toBe('Subject: Meeting tomorrow');
    expect(parsed.headerLines.map((h) => h.key).sort()).toStrictEqual(
      ['content-type', 'date', 'from', 'message-id', 'mime-version', 'subject', 'to'].sort(),
    );
  });

  it('is 7-bit safe with CRLF line endings throughout, the body included', async () => {
    const { bytes, raw } = await build(email());

    expect(bytes.every((b) => b < 0x80)).toBe(true);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(raw.split('\r\n').every((line) => line.length <= 998)).toBe(true);
  });
});
