import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../infra/cli/program';
import { dynamoApiKeys } from '../../shared/data/api-keys';
import { keys } from '../../shared/data/keys';
import { startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * The operator command line against a local runtime started here, as `npm run kindred -- --local <api>` runs
 * it: organisations created, listed and updated, a key issued once and revoked, matching runs and dead letters,
 * and every mistake refused with a message and a non-zero exit, nothing written.
 */

let local: TestRuntime;
let documents: DynamoDBDocumentClient;
let folder: string;
const TABLE = 'kindred-local';

beforeAll(async () => {
  local = await startTestRuntime();
  const { dynamodb } = local.runtime.endpoints();
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamodb,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  folder = mkdtempSync(join(tmpdir(), 'kindred-cli-'));
}, 60_000);
afterAll(async () => {
  await local?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Runs `kindred --local <api> …args`; its exit code and what it printed. */
const kindred = async (...args: string[]) => {
  let out = '';
  let err = '';
  const code = await runCli(['--local', local.base, ...args], {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  });
  return { code, out, err };
};

const orgFile = (name: string, content: unknown) => {
  const file = join(folder, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};

const harbour = {
  orgId: 'harbour-cli',
  kind: 'nonprofit',
  name: 'Harbour Lights (CLI)',
  consent: { version: 'v1', text: 'I agree that Harbour Lights stores my answers to match me.' },
  defaultProgramId: 'peer-mentoring',
  programs: [
    { programId: 'peer-mentoring', name: 'Peer mentoring', kind: 'mentoring' },
    { programId: 'parents-circle', name: 'Parents circle', kind: 'peer-group', seats: 8 },
  ],
};

const revisionOf = async (orgId: string) =>
  (
    await documents.send(
      new GetCommand({ TableName: TABLE, Key: keys.organisation(orgId), ConsistentRead: true }),
    )
  ).Item?.revision;

describe('organisations', () => {
  it('creates an organisation from a file, lists it and refuses its id a second time', async () => {
    const created = await kindred('orgs', 'create', '--file', orgFile('harbour.json', harbour));
    expect(created).toMatchObject({ code: 0, err: '' });
    expect(created.out).toContain('Created organisation harbour-cli');

    const listed = await kindred('orgs', 'list');
    expect(listed.code).toBe(0);
    const row = listed.out.split('\n').find((line) => line.startsWith('harbour-cli'));
    expect(row).toMatch(
      /^harbour-cli\s+nonprofit\s+Harbour Lights \(CLI\)\s+peer-mentoring, parents-circle$/,
    );
    expect(listed.out).toMatch(/^ORG ID\s+KIND\s+NAME\s+PROGRAMS/);

    const again = await kindred(
      'orgs',
      'create',
      '--file',
      orgFile('harbour-again.json', { ...harbour, name: 'Other' }),
    );
    expect(again.code).toBe(1);
    expect(again.err).toContain('Organisation harbour-cli exists already');
    const shown = JSON.parse((await kindred('orgs', 'show', 'harbour-cli')).out);
    expect(shown.name).toBe('Harbour Lights (CLI)');
  });

  it('creates an organisation from flags alone', async () => {
    const created = await kindred(
      'orgs',
      'create',
      '--id',
      'flags-cli',
      '--kind',
      'company',
      '--name',
      'Flags Ltd',
      '--consent-version',
      'v1',
      '--consent-text',
      'I agree.',
      '--program',
      'buddies=Buddy mentoring',
    );
    expect(created.code).toBe(0);
    const shown = JSON.parse((await kindred('orgs', 'show', 'flags-cli')).out);
    expect(shown).toMatchObject({
      orgId: 'flags-cli',
      defaultProgramId: 'buddies',
      programs: [{ programId: 'buddies', name: 'Buddy mentoring', kind: 'mentoring' }],
    });
  });

  it('updates an organisation by flags and by file, bumping its revision each time', async () => {
    const before = (await revisionOf('harbour-cli')) ?? 0;
    const renamed = await kindred('orgs', 'update', 'harbour-cli', '--name', 'Harbour Lights Community');
    expect(renamed.code).toBe(0);
    expect(await revisionOf('harbour-cli')).toBe(before + 1);

    const file = orgFile('harbour-v2.json', { ...harbour, consent: { version: 'v2', text: 'I agree, v2.' } });
    expect((await kindred('orgs', 'update', 'harbour-cli', '--file', file)).code).toBe(0);
    expect(await revisionOf('harbour-cli')).toBe(before + 2);
    const shown = JSON.parse((await kindred('orgs', 'show', 'harbour-cli')).out);
    expect(shown).toMatchObject({ name: 'Harbour Lights (CLI)', consent: { version: 'v2' } });
  });

  it('changes one consent field with its flag and keeps the other', async () => {
    const changed = await kindred('orgs', 'update', 'harbour-cli', '--consent-text', 'I agree, reworded.');
    expect(changed.code).toBe(0);
    const shown = JSON.parse((await kindred('orgs', 'show', 'harbour-cli')).out);
    expect(shown.consent).toStrictEqual({ version: 'v2', text: 'I agree, reworded.' });
  });

  it('refuses invalid organisations, naming each bad field, and writes nothing', async () => {
    const invalid = orgFile('invalid.json', {
      ...harbour,
      orgId: 'invalid-cli',
      kind: 'charity',
      defaultProgramId: 'nowhere',
      programs: [{ programId: 'Bad Id', name: '', kind: 'mentoring', matching: { meetingMinutes: 5 } }],
    });
    const refused = await kindred('orgs', 'create', '--file', invalid);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('is not valid');
    for (const field of ['kind', 'defaultProgramId', 'programs.0.programId', 'programs.0.name']) {
      expect(refused.err).toContain(`  ${field}: `);
    }
    expect(refused.err).toContain('programs.0.matching.meetingMinutes: at least 15 minutes');
    expect(await revisionOf('invalid-cli')).toBeUndefined();
    expect((await kindred('orgs', 'show', 'invalid-cli')).code).toBe(1);

    const notJson = await kindred('orgs', 'create', '--file', orgFile('broken.json', '{"orgId": '));
    expect(notJson).toMatchObject({ code: 1 });
    expect(notJson.err).toContain('is not JSON');
    const missing = await kindred('orgs', 'create', '--file', join(folder, 'absent.json'));
    expect(missing.err).toContain('no such file');

    const before = await revisionOf('harbour-cli');
    const badUpdate = await kindred('orgs', 'update', 'harbour-cli', '--default-program', 'nowhere');
    expect(badUpdate.code).toBe(1);
    expect(badUpdate.err).toContain('defaultProgramId: one of the programs');
    expect(await revisionOf('harbour-cli')).toBe(before);
  });

  it('names an unknown organisation and a malformed id', async () => {
    const unknown = await kindred('orgs', 'update', 'nobody-here', '--name', 'X');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('There is no organisation nobody-here');
    const malformed = await kindred('orgs', 'show', 'Not An Id');
    expect(malformed.code).not.toBe(0);
    expect(malformed.err).toContain('lower-case letters, digits and dashes');
  });
});

describe('admin API keys', () => {
  it('issues a key shown once, lists it without its secret, and revokes it', async () => {
    const issued = await kindred('keys', 'issue', '--org', 'harbour-cli', '--label', 'website team');
    expect(issued.code).toBe(0);
    const token = /kdk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(issued.out)?.[0] as string;
    expect(token).toBeDefined();
    expect(issued.out).toContain('shown this once');
    const keyId = token.split('_')[1] as string;

    const apiKeys = dynamoApiKeys(documents, TABLE);
    // The key manages its own organisation only: it names harbour-cli and nothing else.
    expect(await apiKeys.verify(token, new Date(await local.clockNow()))).toEqual({
      orgId: 'harbour-cli',
      keyId,
    });

    const asKey = (orgId: string) =>
      local.api(`/v1/admin/orgs/${orgId}/programs`, { headers: { authorization: `Bearer ${token}` } });
    expect((await asKey('harbour-cli')).status).toBe(200);
    // Another organisation's admin API is refused (not found, so ids cannot be probed through it).
    expect([403, 404]).toContain((await asKey('flags-cli')).status);

    const listed = await kindred('keys', 'list', '--org', 'harbour-cli');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(new RegExp(`^${keyId}\\s+website team\\s+\\d{4}-`, 'm'));
    expect(listed.out).not.toContain(token.split('_')[2]);
    expect((await kindred('keys', 'list', '--org', 'flags-cli')).out).toContain('has no API keys');

    const wrongOrg = await kindred('keys', 'revoke', '--org', 'flags-cli', '--key', keyId);
    expect(wrongOrg.code).toBe(1);
    expect(wrongOrg.err).toContain(`has no live key ${keyId}`);
    expect(await apiKeys.verify(token, new Date(await local.clockNow()))).toBeDefined();

    const revoked = await kindred('keys', 'revoke', '--org', 'harbour-cli', '--key', keyId);
    expect(revoked.code).toBe(0);
    expect(await apiKeys.verify(token, new Date(await local.clockNow()))).toBeUndefined();
    expect([401, 403]).toContain((await asKey('harbour-cli')).status);
    expect((await kindred('keys', 'list', '--org', 'harbour-cli')).out).toMatch(
      new RegExp(`^${keyId}\\s+website team\\s+\\S+\\s+\\d{4}-`, 'm'),
    );
    const twice = await kindred('keys', 'revoke', '--org', 'harbour-cli', '--key', keyId);
    expect(twice.err).toContain('revoked already');
  });

  it('issues no key for an unknown organisation', async () => {
    const refused = await kindred('keys', 'issue', '--org', 'nobody-here', '--label', 'x');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('There is no organisation nobody-here');
    const missingLabel = await kindred('keys', 'issue', '--org', 'harbour-cli');
    expect(missingLabel.code).not.toBe(0);
    expect(missingLabel.err).toContain("required option '--label <label>'");
  });
});

describe('matching runs, dead letters and reports', () => {
  it('requests a matching run through the outbox, as a coordinator does', async () => {
    const requested = await kindred('matching', 'run', '--org', 'harbour-cli', '--program', 'peer-mentoring');
    expect(requested.code).toBe(0);
    const runId = /run ([0-9a-f-]{36})/.exec(requested.out)?.[1];
    await local.settle();
    const runs = await local.eventsOf('MatchingRunRequested');
    expect(runs.map((e) => e.detail)).toContainEqual(
      expect.objectContaining({
        runId,
        orgId: 'harbour-cli',
        programId: 'peer-mentoring',
        trigger: 'coordinator',
      }),
    );

    const group = await kindred('matching', 'run', '--org', 'harbour-cli', '--program', 'parents-circle');
    expect(group.code).toBe(1);
    expect(group.err).toContain('parents-circle is a peer group');
    const unknown = await kindred('matching', 'run', '--org', 'harbour-cli', '--program', 'nothing');
    expect(unknown.err).toContain('has no program nothing');
  });

  it('lists and replays dead letters of the local runtime', async () => {
    const listed = await kindred('dead-letters', 'list');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/No dead-lettered events|EVENT ID/);
    const replayed = await kindred('dead-letters', 'replay');
    expect(replayed.code).toBe(0);
    expect(replayed.out).toMatch(/^Replayed \d+ dead-lettered deliver(y|ies)\.$/m);
    const oneQueue = await kindred('dead-letters', 'replay', '--queue', 'target');
    expect(oneQueue.code).toBe(1);
    expect(oneQueue.err).toContain("--queue picks one of a deployed stage's dead-letter queues");
  });

  it('prints a mentoring program\u2019s report', async () => {
    const printed = await kindred('report', '--org', 'harbour-cli', '--program', 'peer-mentoring');
    expect(printed.code).toBe(0);
    expect(printed.out).toMatch(/^signups\s+0$/m);
    const json = JSON.parse(
      (await kindred('report', '--org', 'harbour-cli', '--program', 'peer-mentoring', '--json')).out,
    );
    expect(json).toMatchObject({
      orgId: 'harbour-cli',
      programId: 'peer-mentoring',
      signups: 0,
      matchedPairs: 0,
    });
  });
});

describe('targets and help', () => {
  it('refuses a bad region or stage before any request, and a runtime that is not there', async () => {
    const region = await runCli(['--region', 'eu-wset-1', '--stage', 'prod', 'orgs', 'list'], quiet);
    expect(region).toBe(1);
    expect(quiet.text).toContain('Unknown region "eu-wset-1"');
    quiet.text = '';
    expect(await runCli(['--region', 'eu-west-1', '--stage', 'Prod_1', 'orgs', 'list'], quiet)).toBe(1);
    expect(quiet.text).toContain('Invalid stage "Prod_1"');
    quiet.text = '';
    expect(await runCli(['--stage', 'prod', 'orgs', 'list'], quiet)).toBe(1);
    expect(quiet.text).toContain('needs both --region and --stage');
    quiet.text = '';
    expect(
      await runCli(
        ['--region', 'eu-west-1', '--stage', 'prod', 'dead-letters', 'replay', '--queue', 'bus'],
        quiet,
      ),
    ).not.toBe(0);
    expect(quiet.text).toContain("option '--queue <queue>' argument 'bus' is invalid");
    quiet.text = '';
    expect(await runCli(['--local', 'http://127.0.0.1:9', 'orgs', 'list'], quiet)).toBe(1);
    expect(quiet.text).toContain('No local runtime answers at http://127.0.0.1:9');
  });

  it.each([
    [[], 'orgs'],
    [['orgs'], 'create'],
    [['orgs', 'create'], '--file <org.json>'],
    [['orgs', 'list'], '--json'],
    [['orgs', 'show'], '<orgId>'],
    [['orgs', 'update'], '--file <org.json>'],
    [['keys'], 'revoke'],
    [['keys', 'issue'], '--label <label>'],
    [['keys', 'list'], '--org <orgId>'],
    [['keys', 'revoke'], '--key <keyId>'],
    [['matching'], 'run'],
    [['matching', 'run'], '--program <programId>'],
    [['dead-letters'], 'replay'],
    [['dead-letters', 'list'], 'dead-lettered'],
    [['dead-letters', 'list'], '--queue <queue>'],
    [['dead-letters', 'replay'], 'fresh retry count'],
    [['report'], '--program <programId>'],
  ])('explains %j with --help', async (command, expected) => {
    const { code, out } = await kindred(...command, '--help');
    expect(code).toBe(0);
    expect(out).toContain(`Usage: kindred ${command.join(' ')}`.trimEnd());
    expect(out).toContain(expected);
  });

  it('runs as `npm run kindred`, with a non-zero exit for an unknown command', () => {
    const help = spawnSync('npx', ['tsx', 'infra/cli/main.ts', 'keys', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: kindred keys');
    const unknown = spawnSync('npx', ['tsx', 'infra/cli/main.ts', 'orgz'], { encoding: 'utf8' });
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command 'orgz'");
  }, 60_000);
});

const quiet = {
  text: '',
  out(text: string) {
    quiet.text += text;
  },
  err(text: string) {
    quiet.text += text;
  },
};
