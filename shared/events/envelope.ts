import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import { catalogue, type DetailType, EVENT_SOURCE } from './catalogue';

/**
 * The schema of EventBridge events of the given detail types as a consumer receives them, the detail
 * validated against the catalogue and narrowed by detail-type.
 */
export const eventsOf = <const T extends readonly [DetailType, ...DetailType[]]>(...detailTypes: T) => {
  const [first, ...rest] = detailTypes.map((detailType) =>
    EventBridgeSchema.extend({
      source: z.literal(EVENT_SOURCE),
      'detail-type': z.literal(detailType),
      detail: catalogue[detailType],
    }),
  );
  if (!first) throw new Error('eventsOf needs at least one detail type');
  return z.discriminatedUnion('detail-type', [first, ...rest]) as unknown as z.ZodType<
    {
      [K in T[number]]: z.infer<typeof EventBridgeSchema> & {
        'detail-type': K;
        detail: z.infer<(typeof catalogue)[K]>;
      };
    }[T[number]]
  >;
};

/**
 * The time a consumer handles an event at: the event's own time, or the actual time when a retry runs late
 * (what it writes then is due from now).
 */
export const handlingTime = (event: { time: string }) =>
  new Date(Math.max(Date.parse(event.time), Date.now()));
