import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

const conflicted = (error: unknown) =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict');

/**
 * Runs a transaction again when it lost a race with another on the same items (DynamoDB cancels rather
 * than queues); the loser's conditions then see the winner's writes.
 */
export const withConflictRetry = async <T>(run: () => Promise<T>, attempts = 4): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!conflicted(error) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * Math.random()));
    }
  }
};
