import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoApiKeys } from '../../shared/data/api-keys';
import { eventually, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * The organisation admin API through the local runtime, with two organisations: each key sees its own
 * organisation only, another's paths are answered as unknown, bad keys get 401, bad input 4xx problems.
 */

const UNI = 'demo-university';
const NONPROFIT = 'demo-nonprofit';
let local: TestRuntime;
let keys: ReturnType<typeof dynamoApiKeys>;
let uniToken: string;
let nonprofitToken: string;

// biome-ignore lint/suspicious/noExplicitAny: problem and listing bodies are read loosely here
const body = async (response: Response): Promise<any> => response.json();

const get = (path: string, token?: string) =>
  local.api(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

const send = (method: 'PUT', path: string, token: string, payload: unknown) =>
  local.api(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const mentor = signupBody({
  name: 'Ada Mentor',
  role: 'mentor',
  experiences: ['Moving to a new city alone'],
  interests: ['chess', 'poetry'],
  goals: ['make friends'],
  availability: [{ day: 'tue', from: '17:00', to: '21:00' }],
});
const mentee = signupBody({
  name: 'Bo Mentee',
  experiences: ['moving to a new city alone', 'anxiety'],
  interests: ['chess', 'poetry'],
  goals: ['Make friends'],
});
const pendingUni = signupBody({ name: 'Cy Pending', role: 'mentee' });
const nonprofitMentee = signupBody({ name: 'Di Parent', role: 'mentee' });

beforeAll(async () => {
  local = await startTestRuntime();
  keys = dynamoApiKeys(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: local.runtime.endpoints().dynamodb,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    ),
    'kindred-local',
  );
  uniToken = (await keys.issue(UNI, 'integration test')).token;
  nonprofitToken = (await keys.issue(NONPROFIT, 'integration test')).token;
  await local.confirm(UNI, mentor);
  await local.confirm(UNI, mentee);
  expect((await local.post(`/v1/orgs/${UNI}/signups`, pendingUni)).status).toBe(202);
  await local.confirm(NONPROFIT, nonprofitMentee);
  await local.settle();
  await eventually(async () => (await local.eventsOf('MatchMade'))[0]);
}, 90_000);
afterAll(async () => {
  await local?.stop();
});

describe('organisation admin API', () => {
  it('lists only its own organisation\u2019s participants, filtered by status and paged', async () => {
    const all = await body(await get(`/v1/admin/orgs/${UNI}/participants`, uniToken));
    const names = all.items.map((p: { name: string }) => p.name).sort();
    expect(names).toEqual(['Ada Mentor', 'Bo Mentee', 'Cy Pending']);

    const pending = await body(await get(`/v1/admin/orgs/${UNI}/participants?status=pending`, uniToken));
    expect(pending.items.map((p: { name: string }) => p.name)).toEqual(['Cy Pending']);

    const first = await body(await get(`/v1/admin/orgs/${UNI}/participants?limit=2`, uniToken));
    expect(first.items).toHaveLength(2);
    const second = await body(
      await get(`/v1/admin/orgs/${UNI}/participants?limit=2&cursor=${first.next}`, uniToken),
    );
    const paged = [...first.items, ...second.items].map((p: { name: string }) => p.name).sort();
    expect(paged).toEqual(names);

    const theirs = await body(await get(`/v1/admin/orgs/${NONPROFIT}/participants`, nonprofitToken));
    expect(theirs.items.map((p: { name: string }) => p.name)).toEqual(['Di Parent']);
  });

  it('answers another organisation\u2019s paths exactly as an unknown organisation\u2019s: 404', async () => {
    for (const path of ['participants', 'matches', 'alerts', 'programs', 'programs/peer-mentoring']) {
      const other = await get(`/v1/admin/orgs/${NONPROFIT}/${path}`, uniToken);
      const unknown = await get(`/v1/admin/orgs/no-such-org/${path}`, uniToken);
      expect(other.status).toBe(404);
      expect(other.headers.get('content-type')).toBe('application/problem+json');
      expect(await body(other)).toEqual(await body(unknown));
    }
    const rename = await send('PUT', `/v1/admin/orgs/${UNI}/programs/first-year-mentoring`, nonprofitToken, {
      name: 'Taken over',
    });
    expect(rename.status).toBe(404);
    const post = (path: string, token: string) => local.post(path, '', { authorization: `Bearer ${token}` });
    for (const path of [
      'programs/peer-mentoring/report-links',
      'groups/new-parents-circle/close',
      'participants/someone/export',
      'participants/someone/erasure',
    ]) {
      const other = await post(`/v1/admin/orgs/${NONPROFIT}/${path}`, uniToken);
      const unknown = await post(`/v1/admin/orgs/no-such-org/${path}`, uniToken);
      expect(other.status, path).toBe(404);
      expect(await body(other)).toEqual(await body(unknown));
    }
    const report = await get(`/v1/admin/orgs/${NONPROFIT}/programs/peer-mentoring/report`, uniToken);
    expect(report.status).toBe(404);
    expect((await get(`/v1/admin/orgs/${NONPROFIT}/programs`, nonprofitToken)).status).toBe(200);
    expect(await local.eventsOf('GroupClosed')).toEqual([]);
    expect(await local.eventsOf('ParticipantErased')).toEqual([]);
  });

  it('refuses a missing, forged or revoked key with 401', async () => {
    expect((await get(`/v1/admin/orgs/${UNI}/participants`)).status).toBe(401);

    const forged = `${uniToken.slice(0, -4)}AAAA`;
    const refused = await get(`/v1/admin/orgs/${UNI}/participants`, forged);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await body(refused)).type).toBe('urn:kindred:problem:unauthenticated');
    expect((await get(`/v1/admin/orgs/${UNI}/participants`, 'not-a-key')).status).toBe(401);

    const spare = await keys.issue(UNI, 'to revoke');
    expect((await get(`/v1/admin/orgs/${UNI}/programs`, spare.token)).status).toBe(200);
    expect(await keys.revoke(UNI, spare.keyId)).toBe(true);
    expect((await get(`/v1/admin/orgs/${UNI}/programs`, spare.token)).status).toBe(401);
  });

  it('lists its matches and ends one with a reason; another organisation cannot', async () => {
    const active = await body(await get(`/v1/admin/orgs/${UNI}/matches?status=active`, uniToken));
    expect(active.items).toHaveLength(1);
    const [match] = active.items;
    const path = `/v1/admin/orgs/${UNI}/matches/${match.matchId}/ending`;
    expect((await body(await get(`/v1/admin/orgs/${NONPROFIT}/matches`, nonprofitToken))).items).toEqual([]);

    expect((await send('PUT', path, nonprofitToken, { reason: 'completed' })).status).toBe(404);
    const badReason = await send('PUT', path, uniToken, { reason: 'bored' });
    expect(badReason.status).toBe(422);
    expect((await body(badReason)).errors[0].pointer).toBe('/reason');

    const ended = await send('PUT', path, uniToken, { reason: 'completed' });
    expect(ended.status).toBe(200);
    expect((await body(ended)).ended).toMatchObject({ reason: 'completed', endedBy: 'coordinator' });
    const after = await body(await get(`/v1/admin/orgs/${UNI}/matches?status=ended`, uniToken));
    expect(after.items.map((m: { matchId: string }) => m.matchId)).toContain(match.matchId);
  });

  it('renames its own program; malformed requests are 4xx problems that change nothing', async () => {
    const path = `/v1/admin/orgs/${NONPROFIT}/programs/new-parents-circle`;
    expect((await send('PUT', path, nonprofitToken, { name: '' })).status).toBe(422);
    expect((await send('PUT', path, nonprofitToken, { name: 'x', seats: 9 })).status).toBe(422);
    expect((await send('PUT', path, nonprofitToken, '{not json')).status).toBe(400);
    expect((await get(`/v1/admin/orgs/${UNI}/participants?limit=0`, uniToken)).status).toBe(400);
    expect((await get(`/v1/admin/orgs/${UNI}/participants?status=gone`, uniToken)).status).toBe(400);
    const crossCursor = Buffer.from(JSON.stringify({ pk: `ORG#${NONPROFIT}`, sk: 'MATCH#x' })).toString(
      'base64url',
    );
    expect((await get(`/v1/admin/orgs/${UNI}/matches?cursor=${crossCursor}`, uniToken)).status).toBe(400);
    const before = (await body(await get(path, nonprofitToken))).name;
    expect(before).not.toBe('Circle for new parents');

    const renamed = await send('PUT', path, nonprofitToken, { name: 'Circle for new parents' });
    expect(renamed.status).toBe(200);
    expect(await body(await get(path, nonprofitToken))).toMatchObject({
      programId: 'new-parents-circle',
      name: 'Circle for new parents',
      kind: 'peer-group',
    });
    const groups = await body(await get(`/v1/admin/orgs/${NONPROFIT}/groups`, nonprofitToken));
    expect(groups.items.map((g: { programId: string }) => g.programId)).toEqual(['new-parents-circle']);
  });

  it('lists no alerts while nobody flagged anything', async () => {
    const alerts = await get(`/v1/admin/orgs/${UNI}/alerts`, uniToken);
    expect(alerts.status).toBe(200);
    expect((await body(alerts)).items).toEqual([]);
  });

  it('serves an OpenAPI document listing the admin routes, and its reference page', async () => {
    const document = await body(await get('/v1/openapi.json'));
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/admin/orgs/{orgId}/participants',
        '/v1/admin/orgs/{orgId}/matches',
        '/v1/admin/orgs/{orgId}/matches/{matchId}/ending',
        '/v1/admin/orgs/{orgId}/alerts',
        '/v1/admin/orgs/{orgId}/programs/{programId}',
        '/v1/admin/orgs/{orgId}/programs/{programId}/report',
        '/v1/admin/orgs/{orgId}/programs/{programId}/report-links',
        '/v1/admin/orgs/{orgId}/groups/{groupId}/close',
        '/v1/admin/orgs/{orgId}/participants/{participantId}/export',
        '/v1/admin/orgs/{orgId}/participants/{participantId}/erasure',
      ]),
    );
    const erasure = document.paths['/v1/admin/orgs/{orgId}/participants/{participantId}/erasure'].post;
    expect(erasure.security).toEqual([{ orgKey: [] }]);
    expect(Object.keys(erasure.responses)).toEqual(expect.arrayContaining(['202', '401', '404']));
    expect(document.paths['/v1/admin/orgs/{orgId}/participants'].get.security).toEqual([{ orgKey: [] }]);
    const page = await get('/v1/docs');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('GET /v1/admin/orgs/{orgId}/participants');
  });
});
