import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { longFunctions, MAX_LINES } from '../../scripts/function-length.mjs';

type Long = { name: string; file: string; line: number; lines: number };
const measure = longFunctions as (paths?: string[]) => Long[];

describe('the refresh path reads on a screen (ARCHITECTURE.md)', () => {
  it(`every function from getTokenSilently down to storage and the wire is at most ${MAX_LINES as number} lines`, () => {
    expect(measure()).toEqual([]);
  });

  it('the measure sees a long function (the mock server has some: it is not on the refresh path)', () => {
    expect(measure(['src/mock-server']).length).toBeGreaterThan(0);
  });
});
