// README links must work inside the npm tarball: every relative link of every packed Markdown file
// points at a file that `npm pack` puts in the package (package.json "files").
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

interface PackEntry {
  files: { path: string }[];
}

const packed = (JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' })) as PackEntry[])[0]?.files.map((f) => f.path) ?? [];

/** Relative link targets of a Markdown file (no scheme, no pure #anchor), without their #anchor. */
function relativeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#')).map((t) => t.split('#')[0] as string);
}

describe('the npm package', () => {
  it('carries the README, LICENSE and CHANGELOG', () => {
    expect(packed).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']));
  });

  it('carries every file a packed Markdown file links to', () => {
    const markdown = packed.filter((p) => p.endsWith('.md'));
    expect(markdown).toContain('README.md');
    const missing: string[] = [];
    let checked = 0;
    for (const file of markdown) {
      for (const link of relativeLinks(readFileSync(file, 'utf8'))) {
        const target = normalize(join(dirname(file), link));
        checked++;
        if (!packed.includes(target)) missing.push(`${file} -> ${link}`);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    expect(missing).toEqual([]);
  });

  it('finds relative links and ignores URLs and anchors', () => {
    expect(relativeLinks('[a](docs/x.md#part) [b](https://x.test/y) [c](#install) [d](../e.svg)')).toEqual(['docs/x.md', '../e.svg']);
  });
});
