import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import { keys } from '../../shared/data/keys';
import { PARTITIONS } from '../../shared/data/table';
import { hourBucket } from '../../shared/domain/due-work';

/** IAM grants each function partitions by these prefixes, so every key must start with one of them. */
describe('table keys', () => {
  const prefixes = Object.values(PARTITIONS);
  const startsWithAPrefix = (pk: string) => prefixes.some((prefix) => pk.startsWith(prefix));

  it.each([
    ['organisation', keys.organisation('org-1').pk],
    ['participant', keys.participant('org-1', 'p-1').pk],
    ['email claim', keys.emailClaim('org-1', 'abc').pk],
    ['outbox item', keys.outbox('e-1').pk],
    ['due bucket', hourBucket(new Date('2026-01-01T10:20:00Z'))],
  ])('puts the %s under a declared partition prefix', (_name, pk) => {
    expect(startsWithAPrefix(pk)).toBe(true);
  });
});

describe('emailPseudonym', () => {
  it('is the same for one address whatever its case or spaces, and differs between addresses', () => {
    expect(emailPseudonym('secret', ' Ada@Example.org ')).toBe(emailPseudonym('secret', 'ada@example.org'));
    expect(emailPseudonym('secret', 'ada@example.org')).not.toBe(emailPseudonym('secret', 'bob@example.org'));
  });

  it('cannot be recomputed without the secret', () => {
    const plainHash = createHash('sha256').update('ada@example.org').digest('hex');
    expect(emailPseudonym('secret', 'ada@example.org')).not.toBe(plainHash);
    expect(emailPseudonym('secret', 'ada@example.org')).not.toBe(emailPseudonym('other', 'ada@example.org'));
  });
});
