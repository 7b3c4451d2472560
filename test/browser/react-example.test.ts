import { expect, it } from 'vitest';

// The README's "Using rotor-auth with React" entry point, run verbatim: with no authorization server answering at
// its domain (or one without a session), it renders the signed-out state, and nothing throws.
it('examples/react/main.tsx renders Loading…, then the Log in button', async () => {
  const root = document.body.appendChild(document.createElement('div'));
  root.id = 'root';
  const errors: unknown[] = [];
  addEventListener('error', (e) => errors.push(e.error));
  addEventListener('unhandledrejection', (e) => errors.push(e.reason));
  await import('../../examples/react/main.js');
  await expect.poll(() => root.textContent, { timeout: 10_000 }).toContain('Log in');
  expect(errors).toEqual([]);
});
