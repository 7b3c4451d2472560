/** Issue 23 item 4: the server's error text surfaces only for a response that matched a login transaction. */
import { describe, expect, it } from 'vitest';
import { AuthenticationError, StateMismatchError } from '../../src/index.js';
import { APP, authorize, harness, makeClient, rejectionOf, useFakeDate } from '../sdk/helpers.js';

const h = harness();
useFakeDate();
const SPOOF = 'error=access_denied&error_description=Your+account+is+locked.+Call+%2B1-555-0100';

describe('callback error without a matching transaction', () => {
  it.each([
    ['no state', `${APP}/callback?${SPOOF}`],
    ['no state (fragment)', `${APP}/callback#${SPOOF}`],
    ['unknown state', `${APP}/callback?${SPOOF}&state=forged`],
  ])('%s: StateMismatchError, not the text of the link', async (_, url) => {
    h.start();
    const client = makeClient();
    await authorize(h, client); // a login is pending: its transaction must not lend the link credibility
    const e = await rejectionOf(client.handleRedirectCallback(url));
    expect(e).toBeInstanceOf(StateMismatchError);
    expect(e).not.toBeInstanceOf(AuthenticationError);
    expect(e.error).toBe('state_mismatch');
    expect(e.error_description).not.toMatch(/locked|555|access_denied/);
  });

  it("a response that matched the login's transaction still carries the server's error", async () => {
    h.start();
    const client = makeClient();
    const { authorizeUrl } = await authorize(h, client);
    const state = authorizeUrl.searchParams.get('state')!;
    const e = await rejectionOf(client.handleRedirectCallback(`${APP}/callback?${SPOOF}&state=${state}&iss=${encodeURIComponent('https://auth.rotor.test/')}`));
    expect(e).toBeInstanceOf(AuthenticationError);
    expect(e).toMatchObject({ error: 'access_denied', error_description: expect.stringMatching(/locked/) });
  });
});
