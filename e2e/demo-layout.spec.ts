import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { logInThroughForm, watchConsole } from './demo-page.js';
import { expect, ROOT, test } from './fixtures.js';

// The demo's layout at a desktop and a phone width, with screenshots saved under test-results/demo-layout/:
// no sideways scroll in any state of the story, words never split unless one alone is wider than its
// box (tokens: their box breaks anywhere), the six terms explained, every outcome in its own colour.

const SHOTS = resolve(ROOT, 'test-results/demo-layout');
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

async function noSidewaysScroll(page: Page, state: string): Promise<void> {
  const { scrollWidth, viewport } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(scrollWidth, `${state}: document.documentElement.scrollWidth <= innerWidth`).toBeLessThanOrEqual(viewport);
}

/**
 * Words of these boxes laid out over two lines although the word alone fits in the box: the
 * "dem o" / "h ttp://" breaks of word-break: break-all. Returns them as "box: word".
 */
function splitWords(page: Page, selectors: string[]): Promise<string[]> {
  const slash = page.context().browser()?.browserType().name() === 'firefox';
  return page.evaluate(([sels, slash]) => {
    const out: string[] = [];
    for (const sel of sels) {
      for (const box of Array.from(document.querySelectorAll<HTMLElement>(sel))) {
        if (!box.offsetParent) continue; // hidden
        const width = box.clientWidth - parseFloat(getComputedStyle(box).paddingLeft) - parseFloat(getComputedStyle(box).paddingRight);
        const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent ?? '';
          // a hyphen is a break opportunity of its own; in Firefox so is a slash: its line breaker may break a URL
          // after one ("http://host/ userinfo"), as typesetting does, where Chromium moves the whole URL
          for (const m of text.matchAll(slash ? /[^\s\-–—/]+/g : /[^\s\-–—]+/g)) {
            const range = document.createRange();
            range.setStart(node, m.index!);
            range.setEnd(node, m.index! + m[0].length);
            const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
            const lines = new Set(rects.map((r) => Math.round(r.top)));
            const whole = rects.reduce((sum, r) => sum + r.width, 0);
            if (lines.size > 1 && whole <= width) out.push(`${sel}: ${m[0]}`);
          }
        }
      }
    }
    return out;
  }, [selectors, slash] as const);
}

const TEXT_BOXES = ['#user', '#api', '#token', '#notice', '.log li', '.glossary', '.story li', '.family'];

for (const size of WIDTHS) {
  test(`demo layout at ${size.name} width (${size.width}px): no sideways scroll, whole words, screenshots`, async ({ page, app, mock }) => {
    mkdirSync(SHOTS, { recursive: true });
    const { problems } = watchConsole(page);
    await page.setViewportSize({ width: size.width, height: size.height });
    await page.goto(`${app.url}/demo/?as=${encodeURIComponent(mock.url)}`);
    await expect(page.locator('body[data-ready="true"]')).toBeAttached();

    // the five terms (and DPoP) explained, one line each, in plain words
    const glossary = page.getByTestId('glossary');
    for (const term of ['Refresh token', 'Family', 'Bearer', 'PKCE', 'ITP', 'DPoP']) await expect(glossary.locator('dt', { hasText: term })).toHaveCount(1);
    expect(await glossary.locator('dd').count()).toBe(6);
    await noSidewaysScroll(page, 'signed out');
    await page.screenshot({ path: `${SHOTS}/${size.name}-1-signed-out.png`, fullPage: true });

    await logInThroughForm(page);
    await page.getByTestId('call-api').click();
    await expect(page.getByTestId('api')).toContainText('"status": 200');
    await page.getByTestId('force-refresh').click();
    await expect(page.getByTestId('families').locator('[data-own="true"]')).toContainText('1 rotation');
    await expect(page.getByTestId('busy')).toBeHidden();
    await noSidewaysScroll(page, 'signed in');
    expect(await splitWords(page, TEXT_BOXES), 'words split although they fit').toEqual([]);
    // the token box may break a token anywhere; the other boxes keep words whole
    expect(await page.getByTestId('token').evaluate((el) => getComputedStyle(el).overflowWrap)).toBe('anywhere');
    for (const id of ['user', 'api']) {
      expect(await page.getByTestId(id).evaluate((el) => [getComputedStyle(el).wordBreak, getComputedStyle(el).overflowWrap])).toEqual(['normal', 'break-word']);
    }
    await page.screenshot({ path: `${SHOTS}/${size.name}-2-signed-in.png`, fullPage: true });

    // the thief without DPoP: its outcome in its colour, the page still fits
    await page.getByTestId('families').locator('[data-own="true"]').getByTestId('steal').click();
    await expect(page.getByTestId('notice')).toHaveAttribute('data-kind', 'theft');
    await expect(page.getByTestId('auth-status')).toHaveText('signed out');
    await expect(page.getByTestId('busy')).toBeHidden();
    await noSidewaysScroll(page, 'after the theft');
    expect(await splitWords(page, TEXT_BOXES), 'words split although they fit').toEqual([]);
    await page.screenshot({ path: `${SHOTS}/${size.name}-3-theft.png`, fullPage: true });
    expect(problems).toEqual([]);
  });
}
