import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { webhookSecret } from '../../shared/domain/directory-webhooks';
import { followForm, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * The public directories over HTTP against the local runtime: the demo groups listed with live seat counts,
 * filters and paging, the "still running?" check (closed, unanswered, confirmed late), and signed webhooks.
 */

interface PublicListing {
  id: string;
  kind: 'group' | 'program';
  name: string;
  orgId: string;
  orgName: string;
  topics: string[];
  format?: string;
  place?: string;
  language?: string;
  seats?: number;
  seatsLeft: number;
  nextSessionAt?: string;
  accessibility?: string;
  joinUrl: string;
}
interface Page {
  directory: string;
  listings: PublicListing[];
  next?: string;
}

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A receiver as an organisation would write one from the Standard Webhooks spec, independent of our code. */
const verifies = (secret: string, delivery: Delivery) => {
  const id = String(delivery.headers['webhook-id']);
  const timestamp = String(delivery.headers['webhook-timestamp']);
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest('base64');
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return (
    fresh &&
    String(delivery.headers['webhook-signature'])
      .split(' ')
      .some((signature) => {
        const [version, value = ''] = signature.split(',');
        return (
          version === 'v1' &&
          value.length === expected.length &&
          timingSafeEqual(Buffer.from(value), Buffer.from(expected))
        );
      })
  );
};

const checkLinkIn = (text: string, answer: string) => {
  const match = new RegExp(`(https?://\\S+/v1/listing-checks\\?token=\\S+&answer=${answer})`).exec(text);
  if (!match) throw new Error(`no ${answer} link in the email`);
  return match[1] as string;
};

describe('public directories (local runtime)', () => {
  let local: TestRuntime;
  let documents: DynamoDBDocumentClient;
  let receiver: Server;
  let receiverUrl: string;
  const deliveries: Delivery[] = [];

  beforeAll(async () => {
    local = await startTestRuntime();
    documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: local.runtime.endpoints().dynamodb,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/kindred`;
    // The daily directory sync builds the listings of the organisations seeded on start.
    await local.advance('P1D');
  }, 60_000);
  afterAll(async () => {
    receiver?.close();
    await local?.stop();
  });

  const directory = (name: string, query = '') => local.json<Page>(`/v1/directories/${name}${query}`);
  const entry = async (name: string, entryId: string) =>
    (await directory(name, '?limit=50')).listings.find((l) => l.id.endsWith(`:${entryId}`));
  const changes = async (entryId: string) =>
    (await local.eventsOf('DirectoryEntryChanged'))
      .filter((e) => e.detail.entryId === entryId)
      .map((e) => e.detail.change);

  const joinGroup = async (orgId: string, programId: string) => {
    const body = signupBody({ role: 'member', programId });
    expect((await local.post(`/v1/orgs/${orgId}/signups`, body)).status).toBe(202);
    await local.settle();
    const email = (await local.emailsTo(body.email))[0];
    expect((await fetch(linkIn(email?.text ?? ''))).status).toBe(200);
    await local.settle();
  };

  it('lists the demo groups and programs of each directory, cacheable and open to any origin', async () => {
    // Act
    const university = await local.api('/v1/directories/university');
    const nonprofit = await directory('nonprofit');

    // Assess
    expect(university.status).toBe(200);
    expect(university.headers.get('cache-control')).toBe('public, max-age=60');
    expect(university.headers.get('access-control-allow-origin')).toBe('*');
    const etag = university.headers.get('etag') ?? '';
    expect(etag).toMatch(/^".+"$/);
    const page = (await university.json()) as Page;
    expect(page.listings.map((l) => [l.id, l.seatsLeft]).sort()).toEqual(
      [
        ['demo-university:exam-stress-circle', 10],
        ['demo-university:international-coffee', 2],
        ['demo-university:first-year-mentoring', 0],
      ].sort(),
    );
    const online = page.listings.find((l) => l.id === 'demo-university:exam-stress-circle');
    expect(online).toMatchObject({
      kind: 'group',
      orgName: 'Northfield University',
      format: 'online',
      language: 'en',
      topics: ['exam stress', 'study skills'],
      accessibility: 'Online with live captions; cameras optional.',
      joinUrl: `${local.base}/v1/orgs/demo-university/form.html`,
    });
    expect(JSON.stringify(page)).not.toContain('@'); // contacts are never shown
    const next = new Date(online?.nextSessionAt ?? '');
    expect(next.getTime()).toBeGreaterThan(await local.clockNow());
    expect(next.getUTCDay()).toBe(1); // Mondays
    expect(nonprofit.listings.map((l) => l.id).sort()).toEqual([
      'demo-nonprofit:new-parents-circle',
      'demo-nonprofit:peer-mentoring',
    ]);
    expect((await changes('exam-stress-circle')).includes('created')).toBe(true);

    const again = await local.api('/v1/directories/university', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
  });

  it('shows a member joining as one seat fewer, and emits DirectoryEntryChanged', async () => {
    // Act
    await joinGroup('demo-university', 'international-coffee');

    // Assess
    expect((await entry('university', 'international-coffee'))?.seatsLeft).toBe(1);
    expect(await changes('international-coffee')).toEqual(['created', 'updated']);
  });

  it('filters by format, place, topic, language and open seats, and pages with a cursor', async () => {
    // Prepare: the coffee group's last seat is taken
    await joinGroup('demo-university', 'international-coffee');

    // Act
    const ids = async (query: string) => (await directory('university', query)).listings.map((l) => l.id);
    const first = await directory('university', '?limit=1');
    const second = await directory('university', `?limit=1&cursor=${first.next}`);

    // Assess
    expect(await ids('?format=online')).toEqual(['demo-university:exam-stress-circle']);
    expect(await ids('?place=NORTHFIELD%20main%20campus')).toEqual(['demo-university:international-coffee']);
    expect(await ids('?topic=Making%20friends')).toEqual(['demo-university:international-coffee']);
    expect(await ids('?language=en&openSeats=true')).toEqual(['demo-university:exam-stress-circle']);
    expect(await ids('?org=demo-university&format=in-person')).toEqual([
      'demo-university:international-coffee',
    ]);
    expect(first.listings).toHaveLength(1);
    expect(second.listings).toHaveLength(1);
    expect(second.listings[0]?.id).not.toBe(first.listings[0]?.id);
    expect(first.next).toBeDefined();
  });

  it.each([
    ['?format=zoom', '/format'],
    ['?limit=51', '/limit'],
    ['?limit=ten', '/limit'],
    ['?openSeats=yes', '/openSeats'],
    ['?cursor=not-a-cursor', '/cursor'],
    ['?colour=blue', '/colour'],
  ])('refuses %s with a 422 naming %s', async (query, pointer) => {
    // Act
    const response = await local.api(`/v1/directories/university${query}`);

    // Assess
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { errors: { pointer: string }[] };
    expect(problem.errors.map((e) => e.pointer)).toContain(pointer);
  });

  it('answers 404 for a directory or an organisation that does not exist', async () => {
    // Act
    const company = await local.api('/v1/directories/company');
    const unknownOrg = await local.api('/v1/directories/nonprofit?org=no-such-org');

    // Assess
    expect(company.status).toBe(404);
    expect(unknownOrg.status).toBe(404);
    expect(((await unknownOrg.json()) as { errors: { pointer: string }[] }).errors[0]?.pointer).toBe('/org');
  });

  it('delivers each directory change of an organisation to its webhook, signed with its key', async () => {
    // Prepare: demo-nonprofit registers its website's endpoint (the operator tooling will do this)
    const organisations = dynamoOrganisations(documents, process.env.TABLE_NAME as string);
    await organisations.update('demo-nonprofit', (org) => ({
      ...org,
      webhook: { url: receiverUrl, secretRef: 'test-1' },
    }));
    const { tokenSigning } = JSON.parse(readFileSync(join(local.dataDir, 'secrets.json'), 'utf8'));
    const secret = webhookSecret(tokenSigning, 'demo-nonprofit', 'test-1');

    // Act
    await joinGroup('demo-nonprofit', 'new-parents-circle');

    // Assess
    const delivered = deliveries.map((d) => ({ ...d, payload: JSON.parse(d.body) }));
    const change = delivered.find((d) => d.payload.data.entryId === 'new-parents-circle');
    expect(change?.payload).toMatchObject({
      type: 'directory.entry.changed',
      data: {
        orgId: 'demo-nonprofit',
        entryId: 'new-parents-circle',
        directory: 'nonprofit',
        change: 'updated',
      },
    });
    expect(change && verifies(secret, change)).toBe(true);
    expect(change && verifies(webhookSecret(tokenSigning, 'demo-nonprofit', 'test-2'), change)).toBe(false);
    // Only the organisation's own changes reach it.
    expect(delivered.every((d) => d.payload.data.orgId === 'demo-nonprofit')).toBe(true);
  });

  it('asks every 90 days; "closed" removes the group, and an unanswered ask hides a listing until a late yes', async () => {
    // Act: 90 days on, each listed group's contact is asked
    await local.advance('P91D');
    const [stressCheck] = await local.emailsTo('wellbeing-groups@northfield.example');
    const [coffeeCheck] = await local.emailsTo('international@northfield.example');

    // Assess
    expect(stressCheck?.subject).toBe('Is Exam stress peer circle still running?');
    expect(coffeeCheck?.subject).toBe('Is International students\u2019 coffee group still running?');

    // Act: the exam-stress contact answers "closed" from the email
    const closed = await followForm(checkLinkIn(stressCheck?.text ?? '', 'closed'));
    await local.settle();

    // Assess
    expect(closed.status).toBe(200);
    expect(await entry('university', 'exam-stress-circle')).toBeUndefined();
    expect(await changes('exam-stress-circle')).toContain('removed');
    const groupClosed = (await local.eventsOf('GroupClosed')).find(
      (e) => e.detail.groupId === 'exam-stress-circle',
    );
    expect(groupClosed?.detail.closedBy).toBe('contact');

    // Act: nobody answers for the coffee group; 30 days on it is hidden
    await local.advance('P31D');

    // Assess
    expect(await entry('university', 'international-coffee')).toBeUndefined();
    expect(await changes('international-coffee')).toContain('hidden');

    // Act: a late "yes" from the same email
    const yes = await followForm(checkLinkIn(coffeeCheck?.text ?? '', 'yes'));
    await local.settle();

    // Assess
    expect(yes.status).toBe(200);
    expect(await yes.text()).toContain('back in the directory');
    expect((await entry('university', 'international-coffee'))?.seatsLeft).toBe(0);
    expect((await changes('international-coffee')).at(-1)).toBe('shown');
    expect((await local.emailsTo('international@northfield.example')).length).toBe(1);
  }, 180_000);
});
