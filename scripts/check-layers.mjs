#!/usr/bin/env node
// Checks the shape of src/ that ARCHITECTURE.md describes (issue 21):
//   - at most MAX_ROOT_FILES .ts files at the root of src/;
//   - no import circle, type-only imports included (`import type`, `export ... from`, `import()`);
//   - no import runs back up the layer list: a module may import its own folder and the folders below it.
// Prints every violation and exits 1 when there is one. `--graph` prints the folder-level edges.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const MAX_ROOT_FILES = 4;

// Highest first. A layer may import any layer after it, never one before it.
// `entry` is index.ts (the public face). The testing helpers and the mock server are separate products
// beside the SDK: the helpers build on its public face, the mock server on its leaf layers, never the other way round.
export const LAYERS = [
  ['react', ['react/']],
  ['testing', ['testing/']],
  ['entry', ['index.ts']],
  ['mock-server', ['mock-server/']],
  ['client', ['client/']],
  ['flows', ['flows/']],
  ['session', ['session/']],
  ['dpop', ['dpop/']],
  ['cache', ['cache/']],
  ['protocol', ['protocol/']],
  ['base', ['errors.ts', 'shape.ts', 'lock.ts']],
];

function layerOf(root, file) {
  const rel = relative(root, file).split(sep).join('/');
  for (const [i, [name, prefixes]] of LAYERS.entries()) {
    if (prefixes.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p))) return { index: i, name };
  }
  return undefined;
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return /\.ts$/.test(name) && !/\.(test|d)\.ts$/.test(name) ? [path] : [];
  });
}

const SPECIFIER = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** The src/ files a module imports (relative specifiers only; packages and node: builtins are not layers). */
export function importsOf(file, source = readFileSync(file, 'utf8')) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out = [];
  for (const m of code.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith('.')) out.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  return out;
}

function findCycles(graph) {
  const cycles = [];
  const state = new Map(); // 1 = on the stack, 2 = done
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 1) cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

/** Every problem of the tree at `root` (default: this repo's src/), and its layer-to-layer edges. */
export function check(root = srcDir) {
  const problems = [];
  const rel = (f) => relative(root, f).split(sep).join('/');
  const rootFiles = readdirSync(root).filter((n) => n.endsWith('.ts'));
  if (rootFiles.length > MAX_ROOT_FILES) {
    problems.push(`src/ has ${rootFiles.length} files at its root (at most ${MAX_ROOT_FILES}): ${rootFiles.join(', ')}`);
  }
  const files = walk(root);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  const edges = new Set();
  for (const [file, targets] of graph) {
    const from = layerOf(root, file);
    if (!from) problems.push(`${rel(file)} is in no layer (scripts/check-layers.mjs LAYERS)`);
    for (const target of targets) {
      const to = layerOf(root, target);
      if (!from || !to) continue;
      if (from.name !== to.name) edges.add(`${from.name} -> ${to.name}`);
      if (to.index < from.index) {
        problems.push(`${rel(file)} (${from.name}) imports ${rel(target)} (${to.name}), a higher layer`);
      }
    }
  }
  for (const cycle of findCycles(graph)) problems.push(`import circle: ${cycle.map(rel).join(' -> ')}`);
  return { problems, edges: [...edges].sort() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { problems, edges } = check();
  if (process.argv.includes('--graph')) console.log(edges.join('\n'));
  for (const p of problems) console.error(`layers: ${p}`);
  if (problems.length) process.exit(1);
  console.log(`layers: src/ is ${LAYERS.map(([n]) => n).join(' > ')}; no circle, no upward import`);
}
