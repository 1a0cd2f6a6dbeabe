import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { outboxItem } from '../../shared/data/outbox';
import { OUTBOX_PREFIX, outboxStreamFilter } from '../../shared/data/table';
import type { OutgoingEvent } from '../../shared/events/catalogue';
import { detailExamples } from '../fixtures/event-details';

const NOW = new Date('2025-03-14T09:26:53.000Z');
const event: OutgoingEvent<'ParticipantSignedUp'> = {
  detailType: 'ParticipantSignedUp',
  detail: detailExamples.ParticipantSignedUp,
};

describe('outboxItem', () => {
  it('builds an outbox item keyed OUTBOX#<eventId> holding the detail as JSON', () => {
    // Act
    const item = outboxItem(event, NOW);

    // Assess
    expect(item.pk).toBe(`${OUTBOX_PREFIX}${item.eventId}`);
    expect(item.pk).toMatch(/^OUTBOX#[0-9a-f-]{36}$/);
    expect(item.sk).toBe('EVENT');
    expect(item.detailType).toBe('ParticipantSignedUp');
    expect(JSON.parse(item.detail)).toEqual(detailExamples.ParticipantSignedUp);
    expect(item.createdAt).toBe(NOW.toISOString());
  });

  it('expires three days after it was written, past the stream’s 24 h retention', () => {
    expect(outboxItem(event, NOW).expiresAt).toBe(Math.floor(NOW.getTime() / 1000) + 3 * 86_400);
  });

  it('gives every event its own id', () => {
    expect(outboxItem(event, NOW).eventId).not.toBe(outboxItem(event, NOW).eventId);
  });

  it('refuses a detail that breaks the catalogue, naming the field', () => {
    const bad = { ...event, detail: { ...event.detail, participantId: 'Not An Id' } };
    expect(() => outboxItem(bad, NOW)).toThrow(ZodError);
    try {
      outboxItem(bad, NOW);
    } catch (error) {
      expect((error as ZodError).issues.map((i) => i.path.join('.'))).toEqual(['participantId']);
    }
  });

  it('refuses a detail of another detail-type', () => {
    const mismatched = {
      detailType: 'MatchMade',
      detail: detailExamples.ParticipantSignedUp,
    } as unknown as OutgoingEvent;
    expect(() => outboxItem(mismatched, NOW)).toThrow(ZodError);
  });

  it('stores the detail as the catalogue parsed it', () => {
    const item = outboxItem(event, NOW);
    expect(Object.keys(JSON.parse(item.detail)).sort()).toEqual(Object.keys(event.detail).sort());
  });

  it('is selected by the relay’s stream filter prefix', () => {
    const prefix = outboxStreamFilter.dynamodb.NewImage.pk.S[0].prefix;
    expect(outboxItem(event, NOW).pk.startsWith(prefix)).toBe(true);
  });
});
