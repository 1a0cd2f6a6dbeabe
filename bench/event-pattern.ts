/**
 * How fast the local EventBridge routes: every documented pattern compiled once, then events matched
 * against all of them. Prints events per second and the time per match.
 *
 *   npm run bench:patterns
 */
import { performance } from 'node:perf_hooks';
import { parseEventPattern } from '../infra/local/event-pattern';
import { patternCases } from '../test/fixtures/event-patterns';

const compiled = patternCases.map(([, pattern]) => parseEventPattern(pattern));
const events = patternCases.map(([, , event]) => event);
const rounds = 50;

// Warm up the JIT before measuring.
for (let i = 0; i < 20; i++)
  for (const event of events) for (const pattern of compiled) pattern.matches(event);

const started = performance.now();
let matched = 0;
for (let round = 0; round < rounds; round++) {
  for (const event of events) for (const pattern of compiled) if (pattern.matches(event)) matched++;
}
const ms = performance.now() - started;
const matches = rounds * events.length * compiled.length;

console.log(`patterns: ${compiled.length}, events: ${events.length}, rounds: ${rounds}`);
console.log(
  `matches: ${matches.toLocaleString('en')} (${matched.toLocaleString('en')} true) in ${ms.toFixed(0)} ms`,
);
console.log(`per match: ${((ms * 1e6) / matches).toFixed(0)} ns`);
console.log(
  `events routed through all ${compiled.length} patterns: ${Math.round((rounds * events.length) / (ms / 1000)).toLocaleString('en')} per second`,
);
