import { act } from 'react';
import { createRoot } from 'react-dom/client';
import { expect, it } from 'vitest';
import { AuthProvider } from 'rotor-auth/react';
import { createTestClient } from 'rotor-auth/testing';
import { Profile } from './Profile';

it('greets the signed-in user and follows a sign-out in another tab', async () => {
  const client = createTestClient({ user: { sub: 'user-1', name: 'Ada' } });
  const page = document.body.appendChild(document.createElement('div'));
  await act(async () => createRoot(page).render(<AuthProvider client={client}><Profile /></AuthProvider>));
  expect(page.textContent).toContain('Hello Ada');

  await act(async () => client.signOut('other_tab'));
  expect(page.textContent).toContain('Log in');
});

it('a revoked refresh token (invalid_grant) signs the user out', async () => {
  const client = createTestClient({ user: { sub: 'user-1', name: 'Ada' } });
  client.failNextRefresh('invalid_grant');
  const page = document.body.appendChild(document.createElement('div'));
  await act(async () => createRoot(page).render(<AuthProvider client={client}><Profile /></AuthProvider>));
  await act(async () => client.getTokenSilently({ cacheMode: 'off' }).catch(() => undefined));
  expect(page.textContent).toContain('Log in');
});
