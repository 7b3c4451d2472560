#!/usr/bin/env node
// Issue 21: every function on the refresh path fits on a screen (at most MAX_LINES lines) and reads top-down.
// A factory that only holds its steps as named inner functions (FACTORIES) is measured by those steps instead.
// Usage: node scripts/function-length.mjs (prints the functions over the limit; exit 1 when there is one).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MAX_LINES = 40;
/** What a getTokenSilently() that refreshes runs through (ARCHITECTURE.md, "The path of getTokenSilently()"). */
export const REFRESH_PATH = ['src/client/client.ts', 'src/session', 'src/dpop', 'src/cache', 'src/protocol', 'src/lock.ts', 'src/shape.ts'];
/** Closures that return their steps: each step is measured, not the factory. */
export const FACTORIES = ['familyLock', 'tokenStore', 'markers', 'jwksCache'];

const files = (path) =>
  statSync(path).isDirectory() ? readdirSync(path).flatMap((n) => files(join(path, n))) : path.endsWith('.ts') ? [path] : [];

function nameOf(node) {
  if (node.name) return node.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return '(anonymous)';
}

/** `{ name, file, line, lines }` of every function of the refresh path longer than MAX_LINES. */
export function longFunctions(paths = REFRESH_PATH) {
  const long = [];
  for (const file of paths.flatMap((p) => files(join(repo, p)))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const lines = source.getLineAndCharacterOfPosition(node.getEnd()).line - start + 1;
        const name = nameOf(node);
        if (lines > MAX_LINES && !FACTORIES.includes(name)) long.push({ name, file: relative(repo, file), line: start + 1, lines });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return long;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const long = longFunctions();
  for (const f of long) console.error(`${f.file}:${f.line} ${f.name} is ${f.lines} lines (at most ${MAX_LINES})`);
  if (long.length) process.exit(1);
  console.log(`function length: every function on the refresh path is at most ${MAX_LINES} lines`);
}
