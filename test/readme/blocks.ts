// The README's fenced code blocks, each with a stable id: `<heading>#<n>`, the text of the
// nearest heading above it (any level) and its 1-based position under that heading.
// Shared by test/readme/readme-blocks.test.ts (the table of every block and how it is covered)
// and e2e/readme/*.spec.ts (the blocks that run in Chromium).
import { readFileSync } from 'node:fs';

export const ROOT = new URL('../../', import.meta.url);

export interface ReadmeBlock {
  /** `<heading>#<n>`, e.g. `Quick start: import#1`. */
  id: string;
  /** The info string after the opening fence (`ts`, `html`, `sh`, or '' for none). */
  lang: string;
  /** The block's text exactly as in the README (ends with a newline). */
  code: string;
  /** The path of a `<!-- example: PATH -->` marker right above the block, if any. */
  example?: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export function readmeBlocks(markdown = readFileSync(new URL('README.md', ROOT), 'utf8')): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const out: ReadmeBlock[] = [];
  const perHeading = new Map<string, number>();
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const h = /^#{1,6}\s+(.*?)\s*$/.exec(text);
    if (h) {
      heading = h[1]!;
      continue;
    }
    const open = /^(`{3,}|~{3,})\s*([^\s`]*)/.exec(text);
    if (!open) continue;
    const fence = open[1]!;
    const start = i;
    let end = i + 1;
    const close = new RegExp(`^${fence[0]}{${fence.length},}\\s*$`);
    while (end < lines.length && !close.test(lines[end]!)) end++;
    if (end >= lines.length) throw new Error(`README.md:${start + 1}: unclosed code fence`);
    const n = (perHeading.get(heading) ?? 0) + 1;
    perHeading.set(heading, n);
    const marker = /^<!-- example: (\S+) -->$/.exec(lines[start - 1] ?? '');
    out.push({
      id: `${heading}#${n}`,
      lang: open[2]!,
      code: lines.slice(start + 1, end).join('\n') + '\n',
      ...(marker ? { example: marker[1]! } : {}),
      line: start + 1,
    });
    i = end;
  }
  return out;
}

/** The block with this id; throws (naming the ids there are) when the README has none. */
export function readmeBlock(id: string): ReadmeBlock {
  const all = readmeBlocks();
  const found = all.find((b) => b.id === id);
  if (!found) throw new Error(`README.md has no code block "${id}"; it has: ${all.map((b) => b.id).join(', ')}`);
  return found;
}
