import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoGroups } from '../../shared/data/groups';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { closeGroup } from '../../shared/domain/groups';
import { Id } from '../../shared/events/catalogue';
import { orgKeyRoute, requireOrgKey } from '../../shared/http/org-key';
import { httpHandler, logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = {
  organisations: dynamoOrganisations(documents, TABLE_NAME),
  groups: dynamoGroups(documents, TABLE_NAME),
};

/**
 * Coordinators close a peer group with their organisation's API key: nobody is seated after this, and its
 * GroupClosed cancels the sessions still ahead. Closing it again changes nothing and answers the same.
 */
const close = httpHandler({ path: z.object({ orgId: Id, groupId: Id }) }, async ({ path, now, event }) => {
  requireOrgKey(event, path.orgId);
  const closed = await closeGroup(deps, { ...path, closedBy: 'coordinator' }, now);
  logger.info('group closed', { ...path, result: closed.result });
  return {
    status: 200,
    body: { groupId: path.groupId, status: 'closed', closedAt: closed.closedAt },
  };
});

export const handler = orgKeyRoute(close);
