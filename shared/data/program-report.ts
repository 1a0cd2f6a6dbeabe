import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type {
  ReportMatch,
  ReportMeeting,
  ReportParticipant,
  ReportRating,
  ReportSource,
} from '../domain/program-report';
import { keys } from './keys';

type Item = Record<string, unknown>;

/**
 * The report's facts from the organisation's partition, one Query per item kind (no Scan), each projected to
 * ids, dates and numbers so no name, address or comment is ever read.
 */
export const dynamoProgramReport = (client: DynamoDBDocumentClient, tableName: string): ReportSource => {
  const queryAll = async (
    orgId: string,
    prefix: string,
    projection: string[],
    programId?: string,
  ): Promise<Item[]> => {
    const names = Object.fromEntries(projection.map((name) => [`#${name}`, name]));
    const input: QueryCommandInput = {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ProjectionExpression: projection.map((name) => `#${name}`).join(', '),
      ExpressionAttributeNames: { ...names, ...(programId ? { '#programId': 'programId' } : {}) },
      ExpressionAttributeValues: {
        ':pk': keys.organisation(orgId).pk,
        ':prefix': prefix,
        ...(programId ? { ':programId': programId } : {}),
      },
      ...(programId ? { FilterExpression: '#programId = :programId' } : {}),
    };
    const items: Item[] = [];
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  };

  return {
    async programData(orgId, programId) {
      const [participants, matches, meetings, milestones, feedback, erased] = await Promise.all([
        queryAll(orgId, 'PARTICIPANT#', ['participantId', 'createdAt', 'verifiedAt'], programId),
        queryAll(orgId, 'MATCH#', ['matchId', 'mentorId', 'menteeId', 'createdAt', 'ended'], programId),
        queryAll(orgId, 'MEETING#', ['matchId', 'status'], programId),
        queryAll(orgId, 'MILESTONE#', ['sk']),
        queryAll(orgId, 'FEEDBACK#', ['sk', 'matchId', 'rating']),
        queryAll(orgId, 'ERASED#', ['sk'], programId),
      ]);
      const matchIds = new Set(matches.map((m) => m.matchId as string));
      const subjects = new Set([...matchIds, ...participants.map((p) => p.participantId as string)]);
      const milestonePrefix = 'MILESTONE#';
      return {
        participants: participants.filter((p) => p.participantId) as unknown as ReportParticipant[],
        matches: (matches.filter((m) => m.matchId) as unknown as ReportMatch[]).map(
          ({ matchId, mentorId, menteeId, createdAt, ended }) => ({
            matchId,
            mentorId,
            menteeId,
            createdAt,
            ...(ended ? { ended: { at: ended.at, reason: ended.reason } } : {}),
          }),
        ),
        meetings: meetings as unknown as ReportMeeting[],
        // A milestone's subject is a pair's match or a person: `MILESTONE#<subject>#<name>`.
        milestones: milestones.flatMap((item) => {
          const rest = String(item.sk).slice(milestonePrefix.length);
          const cut = rest.indexOf('#');
          const subjectId = rest.slice(0, cut);
          return cut > 0 && subjects.has(subjectId) ? [{ subjectId, name: rest.slice(cut + 1) }] : [];
        }),
        // Each rating once: its own item (the per-person HISTORY items repeat them).
        ratings: feedback.filter(
          (item) =>
            typeof item.rating === 'number' &&
            matchIds.has(item.matchId as string) &&
            String(item.sk).includes('#MEETING#'),
        ) as unknown as ReportRating[],
        erased: erased.length,
      };
    },
  };
};
