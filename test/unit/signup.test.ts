import { beforeEach, describe, expect, it } from 'vitest';
import type { Organisation } from '../../shared/domain/organisation';
import { normaliseEmail, type Participant, type SignupRequest } from '../../shared/domain/participant';
import type { OrganisationStore, Outbox, ParticipantStore, RegisterResult } from '../../shared/domain/ports';
import { signUp } from '../../shared/domain/signup';
import { catalogue, type OutgoingEvent } from '../../shared/events/catalogue';
import { Problem } from '../../shared/http/problem';
import { fullSignup, minimalSignup, ORG_ID, organisation, REQUEST_TIME } from '../fixtures/domain';

/** In-memory implementations of the ports: what the use case may rely on, and nothing more. */
class MemoryOrganisations implements OrganisationStore {
  constructor(private readonly orgs: Organisation[]) {}
  async get(orgId: string) {
    return this.orgs.find((o) => o.orgId === orgId);
  }
}

class MemoryParticipants implements ParticipantStore {
  readonly participants = new Map<string, Participant>();
  readonly claims = new Map<string, string>();
  readonly events: OutgoingEvent[] = [];

  async register(participant: Participant, event: OutgoingEvent): Promise<RegisterResult> {
    const claim = `${participant.orgId}|${normaliseEmail(participant.email)}`;
    const holder = this.claims.get(claim);
    if (holder) return { created: false, existingParticipantId: holder };
    this.claims.set(claim, participant.participantId);
    this.participants.set(participant.participantId, participant);
    this.events.push(event);
    return { created: true };
  }

  async get(_orgId: string, participantId: string) {
    return this.participants.get(participantId);
  }

  async markVerified(): Promise<'verified' | 'unchanged' | 'not-found'> {
    throw new Error('not used by signUp');
  }
}

class MemoryOutbox implements Outbox {
  readonly published: { event: OutgoingEvent; now: Date }[] = [];
  async publish(event: OutgoingEvent, now: Date) {
    this.published.push({ event, now });
  }
}

const sequentialIds = () => {
  let n = 0;
  return { next: () => `participant-${++n}` };
};

let participants: MemoryParticipants;
let outbox: MemoryOutbox;
let deps: Parameters<typeof signUp>[0];

beforeEach(() => {
  participants = new MemoryParticipants();
  outbox = new MemoryOutbox();
  deps = {
    organisations: new MemoryOrganisations([organisation]),
    participants,
    outbox,
    ids: sequentialIds(),
  };
});

const request = (body: object): SignupRequest => body as SignupRequest;

describe('signUp', () => {
  it('refuses an unknown organisation with a 404 problem pointing at /orgId and stores nothing', async () => {
    // Act
    const attempt = signUp(deps, 'no-such-org', request(minimalSignup), REQUEST_TIME);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(Problem);
    const problem = (await attempt.catch((e: unknown) => e)) as Problem;
    expect(problem.status).toBe(404);
    expect(problem.toJSON()).toMatchObject({
      type: 'urn:kindred:problem:not-found',
      status: 404,
      errors: [{ pointer: '/orgId' }],
    });
    expect(participants.participants.size).toBe(0);
    expect(outbox.published).toEqual([]);
  });

  it('refuses a program the organisation does not run with a 422 naming /programId', async () => {
    // Act
    const problem = (await signUp(
      deps,
      ORG_ID,
      request({ ...minimalSignup, programId: 'knitting' }),
      REQUEST_TIME,
    ).catch((e: unknown) => e)) as Problem;

    // Assess
    expect(problem).toBeInstanceOf(Problem);
    expect(problem.status).toBe(422);
    expect(problem.errors).toEqual([
      { pointer: '/programId', detail: 'Unknown program at this organisation' },
    ]);
    expect(participants.participants.size).toBe(0);
    expect(participants.events).toEqual([]);
    expect(outbox.published).toEqual([]);
  });

  it.each([
    [
      'a mentoring signup without a language or weekly time',
      { languages: undefined, availability: undefined },
      [
        { pointer: '/languages', detail: 'at least one language you can meet in' },
        { pointer: '/availability', detail: 'at least one weekly time you are free' },
      ],
    ],
    [
      'a group role in a mentoring program',
      { role: 'member' },
      [{ pointer: '/role', detail: 'one of mentor, mentee for Youth mentoring' }],
    ],
    [
      'a mentoring role in a peer group',
      { role: 'mentee', programId: 'grief-circle' },
      [{ pointer: '/role', detail: 'one of member for Grief circle' }],
    ],
    [
      'a capacity offered by a mentee',
      { capacity: 2 },
      [{ pointer: '/capacity', detail: 'only mentors take mentees' }],
    ],
  ])('refuses %s with a 422 naming the fields, storing nothing', async (_case, change, errors) => {
    // Act
    const problem = (await signUp(
      deps,
      ORG_ID,
      request({ ...minimalSignup, ...change } as Record<string, unknown>),
      REQUEST_TIME,
    ).catch((e: unknown) => e)) as Problem;

    // Assess
    expect(problem).toBeInstanceOf(Problem);
    expect(problem.status).toBe(422);
    expect(problem.errors).toEqual(errors);
    expect(participants.participants.size).toBe(0);
    expect(outbox.published).toEqual([]);
  });

  it('accepts a group member with no matching answers', async () => {
    await signUp(
      deps,
      ORG_ID,
      request({
        email: 'g@example.org',
        name: 'Gail Ng',
        role: 'member',
        timezone: 'UTC',
        consent: true,
        programId: 'grief-circle',
      }),
      REQUEST_TIME,
    );
    expect([...participants.participants.values()].map((p) => [p.programId, p.role])).toEqual([
      ['grief-circle', 'member'],
    ]);
  });

  it('creates a pending participant in the default program with consent version and time from the organisation', async () => {
    // Act
    const response = await signUp(deps, ORG_ID, request(minimalSignup), REQUEST_TIME);

    // Assess
    expect(response).toEqual({
      status: 'pending-verification',
      message: 'Thanks! Check your email to confirm your signup.',
    });
    expect([...participants.participants.values()]).toEqual([
      {
        orgId: ORG_ID,
        participantId: 'participant-1',
        programId: organisation.defaultProgramId,
        role: 'mentee',
        status: 'pending',
        email: minimalSignup.email,
        name: minimalSignup.name,
        timezone: 'Europe/London',
        profile: { languages: ['en'], availability: minimalSignup.availability },
        consent: { version: organisation.consent.version, at: REQUEST_TIME.toISOString() },
        createdAt: REQUEST_TIME.toISOString(),
      },
    ]);
  });

  it('registers the participant together with a ParticipantSignedUp event that holds ids only', async () => {
    // Act
    await signUp(deps, ORG_ID, request(fullSignup), REQUEST_TIME);

    // Assess
    expect(participants.events).toEqual([
      {
        detailType: 'ParticipantSignedUp',
        detail: {
          version: 1,
          orgId: ORG_ID,
          occurredAt: REQUEST_TIME.toISOString(),
          programId: 'youth-mentoring',
          participantId: 'participant-1',
          role: 'mentor',
        },
      },
    ]);
    const [event] = participants.events;
    expect(catalogue.ParticipantSignedUp.safeParse(event?.detail).success).toBe(true);
    expect(JSON.stringify(event)).not.toContain(fullSignup.email);
    expect(JSON.stringify(event)).not.toContain(fullSignup.name);
    expect(outbox.published).toEqual([]);
  });

  it('keeps the optional profile fields and drops consent and programId from the profile', async () => {
    // Act
    await signUp(deps, ORG_ID, request(fullSignup), REQUEST_TIME);

    // Assess
    const stored = participants.participants.get('participant-1');
    expect(stored?.programId).toBe('youth-mentoring');
    expect(stored?.profile).toEqual({
      capacity: 2,
      interests: fullSignup.interests,
      experiences: fullSignup.experiences,
      goals: fullSignup.goals,
      languages: fullSignup.languages,
      availability: fullSignup.availability,
      format: 'online',
      city: 'Bristol',
    });
  });

  it('answers a repeated address exactly like a first signup, creates nothing and publishes SignupRepeated', async () => {
    // Prepare
    const first = await signUp(deps, ORG_ID, request(minimalSignup), REQUEST_TIME);
    const later = new Date(REQUEST_TIME.getTime() + 3_600_000);

    // Act
    const second = await signUp(
      deps,
      ORG_ID,
      request({ ...minimalSignup, email: `  ${minimalSignup.email.toUpperCase()} `, role: 'mentor' }),
      later,
    );

    // Assess
    expect(second).toEqual(first);
    expect(participants.participants.size).toBe(1);
    expect(participants.events).toHaveLength(1);
    expect(outbox.published).toEqual([
      {
        now: later,
        event: {
          detailType: 'SignupRepeated',
          detail: {
            version: 1,
            orgId: ORG_ID,
            occurredAt: later.toISOString(),
            programId: organisation.defaultProgramId,
            participantId: 'participant-1',
          },
        },
      },
    ]);
    expect(catalogue.SignupRepeated.safeParse(outbox.published[0]?.event.detail).success).toBe(true);
  });

  it('stores the address trimmed', async () => {
    // Act
    await signUp(deps, ORG_ID, request({ ...minimalSignup, email: ' ada@example.org ' }), REQUEST_TIME);

    // Assess
    expect(participants.participants.get('participant-1')?.email).toBe('ada@example.org');
  });
});
