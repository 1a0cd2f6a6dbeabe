/**
 * The signup slice on the local runtime: the API's answer time, and the time from signup to the
 * verification email in the local outbox. Prints percentiles.
 *
 *   npm run bench:signup [-- 200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startLocalRuntime } from '../infra/local/runtime';

const count = Number(process.argv[2] ?? 100);
const dataDir = mkdtempSync(join(tmpdir(), 'kindred-bench-'));
process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
// Every signup comes from this machine's one address: past the per-address limit, which is not measured here.
const runtime = await startLocalRuntime({
  dataDir,
  port: 0,
  signupLimits: { perAddress: { limit: 1_000_000, windowSeconds: 600 } },
});
const api = runtime.endpoints().api;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const signup = (i: number) =>
  fetch(`${api}/v1/orgs/demo-university/signups`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      email: `bench-${i}@example.org`,
      name: 'Bench Person',
      role: 'mentee',
      timezone: 'Europe/London',
      consent: true,
      languages: ['en'],
      availability: [{ day: 'tue', from: '18:00', to: '20:00' }],
    }),
  });
const emailed = async (address: string) => {
  for (;;) {
    const outbox = (await (await fetch(`${api}/_local/outbox`)).json()) as { to: string }[];
    if (outbox.some((e) => e.to === address)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
};

try {
  await (await signup(-1)).arrayBuffer(); // loads the handlers once
  await emailed('bench--1@example.org');
  const answer: number[] = [];
  const toEmail: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await signup(i);
    await response.arrayBuffer();
    answer.push(performance.now() - started);
    await emailed(`bench-${i}@example.org`);
    toEmail.push(performance.now() - started);
  }
  const line = (name: string, values: number[]) =>
    console.log(
      `${name.padEnd(22)} p50 ${percentile(values, 50).toFixed(0)} ms   p95 ${percentile(values, 95).toFixed(0)} ms   max ${Math.max(...values).toFixed(0)} ms`,
    );
  console.log(`${count} signups, one after another, on the local runtime`);
  line('API answer (202)', answer);
  line('signup to email', toEmail);
} finally {
  await runtime.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
