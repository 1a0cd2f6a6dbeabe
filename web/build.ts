import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * Builds web/embed.ts into one minified `embed.js` (an IIFE: no modules, no framework). The local runtime runs
 * it on start (into web/dist/); CDK runs it after bundling serve-signup-form, beside the function's code.
 * `tsx web/build.ts [outDir]` builds and fails when the script is over its size budget.
 */

export const EMBED_BUDGET_GZIP_BYTES = 15 * 1024;
const WEB_DIST = resolve(import.meta.dirname, 'dist');

export const buildEmbed = async (outDir = WEB_DIST) => {
  const result = await build({
    entryPoints: [resolve(import.meta.dirname, 'embed.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome90', 'firefox90', 'safari15'],
    legalComments: 'none',
    charset: 'utf8',
    write: false,
    logLevel: 'silent',
  });
  const code = (result.outputFiles[0] as { contents: Uint8Array }).contents;
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'embed.js');
  // Written whole, then renamed: several runtimes (parallel tests) may build at once and a reader must never
  // see half a file.
  const partial = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return { file, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
};

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const built = await buildEmbed(process.argv[2] ? resolve(process.argv[2]) : WEB_DIST);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(
    `embed.js: ${kb(built.bytes)} minified, ${kb(built.gzipBytes)} gzipped (budget ${kb(EMBED_BUDGET_GZIP_BYTES)}) -> ${built.file}`,
  );
  if (built.gzipBytes > EMBED_BUDGET_GZIP_BYTES) {
    console.error('embed.js is over its size budget');
    process.exit(1);
  }
}
