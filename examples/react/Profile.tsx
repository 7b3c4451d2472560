import { useMemo, useState } from 'react';
import { useAuth, withAuthenticationRequired } from 'rotor-auth/react';

const API = 'http://127.0.0.1:4000'; // the mock server's protected API: GET /api/private

export function Profile() {
  const { isLoading, isAuthenticated, user, error, client, loginWithRedirect, logout } = useAuth();
  // the access token goes to the API's origin only, with the API's audience
  const api = useMemo(() => client?.createFetcher({ baseUrl: API, routes: { [`${API}/api/`]: { audience: 'https://api.rotor.test' } } }), [client]);
  const [answer, setAnswer] = useState('');
  const [problem, setProblem] = useState<Error>();
  const callApi = () =>
    api!
      .fetchWithAuth('/api/private')
      .then(async (res) => setAnswer(`${res.status}: ${(await res.json()).message}`))
      .catch((e: Error) => setAnswer(`The API call failed: ${e.message}`));

  if (isLoading) return <p>Loading…</p>;
  if (!isAuthenticated) {
    return (
      <div>
        {error && <p role="alert">Sign-in did not complete: {error.message}</p>}
        {problem && <p role="alert">Cannot sign in: {problem.message}</p>}
        {/* rejects with LoginLoopError (error 'login_loop') instead of navigating after 3 logins in 60 s */}
        <button onClick={() => loginWithRedirect().catch(setProblem)}>Log in</button>
      </div>
    );
  }
  return (
    <div>
      <p>Hello {user?.name}</p>
      <button onClick={callApi}>Call API</button>
      {answer && <output>{answer}</output>}
      <button onClick={() => logout({ logoutParams: { returnTo: location.origin } })}>Log out</button>
    </div>
  );
}

/** Only for signed-in users: anyone else is sent to the login, and comes back here. */
export const Orders = withAuthenticationRequired(() => <p>Your orders</p>, {
  onRedirecting: () => <p>Signing you in…</p>,
  // e.g. LoginLoopError: every login came back signed out, and the SDK stopped sending the tab round
  onError: (e) => <p role="alert">Cannot sign in: {e.message}</p>,
});
