import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A small JSON document kept on disk and rewritten atomically (write, then rename) on every save, so the
 * local runtime can be stopped at any moment and pick up where it was.
 */
export const jsonStore = <T>(path: string | undefined, initial: () => T) => {
  let value: T = initial();
  if (path) {
    try {
      value = { ...initial(), ...JSON.parse(readFileSync(path, 'utf8')) };
    } catch {
      // no file yet, or a fresh start
    }
  }
  return {
    get: () => value,
    save(next: T = value) {
      value = next;
      if (!path) return;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, JSON.stringify(value));
      renameSync(`${path}.tmp`, path);
    },
  };
};
