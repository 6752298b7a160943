// Bundles the known-answer test page (kat-page.js with the SDK's envelope code and @hpke/core) and
// copies kat.html beside it, for KnownAnswerInChromiumTest. Test-only: Maven runs it at
// process-test-resources into target/test-pages, never into target/classes, so the shipped jar
// does not carry it.
// Usage, from the browser folder: node test/browser/build-test-page.mjs OUTDIR
import { build } from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = process.argv[2];
if (!out) {
  console.error('usage: node test/browser/build-test-page.mjs OUTDIR');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
await mkdir(out, { recursive: true });
// The shipped bundles' settings (build.mjs), so the page runs what a browser would be handed.
await build({
  entryPoints: [join(here, 'kat-page.js')],
  outfile: join(out, 'kat-page.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  sourcemap: false,
  legalComments: 'inline',
  logLevel: 'warning',
});
await cp(join(here, 'kat.html'), join(out, 'kat.html'));
