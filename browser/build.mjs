// Bundles the SDK and the viewer page with esbuild (pinned in package-lock.json).
// Usage: node build.mjs [output directory], default dist/. Maven passes
// target/classes/io/cachet/browser, so the jar carries what a server hands to browsers.
import { build } from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const out = process.argv[2] ?? 'dist';
await mkdir(join(out, 'viewer'), { recursive: true });

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  sourcemap: false,
  legalComments: 'inline',
  logLevel: 'warning',
};
// The SDK, for apps that import it: one ES module, no dependencies left to fetch.
await build({ ...common, entryPoints: ['src/index.js'], outfile: join(out, 'cachet.js') });
// The viewer page: its script bundled with the SDK, its HTML and CSS copied as they are.
await build({ ...common, entryPoints: ['viewer/viewer.js'], outfile: join(out, 'viewer', 'viewer.js') });
for (const file of ['index.html', 'viewer.css']) {
  await cp(join('viewer', file), join(out, 'viewer', file));
}
