// `npm run build` (and `npm start` before it starts): the service as one
// JavaScript file, dist/server.js, with a source map. Packages stay in
// node_modules. Running plain JavaScript instead of TypeScript through tsx
// saves the loader thread and the transpiler's memory (docs/decisions.md).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/server.ts'],
  outfile: 'dist/server.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
