import { vi } from 'vitest';

/**
 * Takes over stdout and stderr (and the console, unless `console: false`) for the test, so it can read what
 * the function logged; returns the chunks as they are written. The config's `restoreMocks` gives them back.
 */
export const captureOutput = (options: { console?: boolean } = {}) => {
  const output: string[] = [];
  const capture = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  if (options.console === false) return output;
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      output.push(`${args.map(String).join(' ')}\n`);
    });
  }
  return output;
};
