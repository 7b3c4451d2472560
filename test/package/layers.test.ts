import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { check, importsOf } from '../../scripts/check-layers.mjs';

const checkTree = check as (root?: string) => { problems: string[]; edges: string[] };
const imports = importsOf as (file: string, source: string) => string[];

describe('src/ layers (ARCHITECTURE.md)', () => {
  it('src/ has at most 4 root files, no import circle and no import back up the layer list', () => {
    expect(checkTree().problems).toEqual([]);
  });

  describe('the checker', () => {
    let root: string | undefined;
    afterEach(() => root && rmSync(root, { recursive: true, force: true }));
    const tree = (files: Record<string, string>): string => {
      root = mkdtempSync(join(tmpdir(), 'layers-'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
      }
      return root;
    };

    it('sees static, type-only, re-export and dynamic imports', () => {
      const source = [
        "import { a } from './a.js';",
        "import type { B } from '../b.js';",
        "export { c } from './c.js';",
        "const d = await import('./d.js');",
        "import 'node:fs';",
        "// import { e } from './e.js';",
      ].join('\n');
      expect(imports('/x/y/m.ts', source)).toEqual(['/x/y/a.ts', '/x/b.ts', '/x/y/c.ts', '/x/y/d.ts']);
    });

    it('reports an upward import, a type-only circle, a module in no layer and too many root files', () => {
      const { problems } = checkTree(
        tree({
          'session/a.ts': "import type { B } from '../client/b.js';\nexport type A = B;",
          'client/b.ts': "import type { A } from '../session/a.js';\nexport type B = A;",
          'misc/c.ts': 'export const c = 1;',
          'errors.ts': '',
          'shape.ts': '',
          'lock.ts': '',
          'index.ts': '',
          'extra.ts': '',
        }),
      );
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringContaining('5 files at its root'),
          'session/a.ts (session) imports client/b.ts (client), a higher layer',
          expect.stringMatching(/^import circle: (session\/a\.ts -> client\/b\.ts -> session\/a\.ts|client\/b\.ts -> session\/a\.ts -> client\/b\.ts)$/),
          expect.stringContaining('misc/c.ts is in no layer'),
          expect.stringContaining('extra.ts is in no layer'),
        ]),
      );
      expect(problems).toHaveLength(5);
    });
  });
});
