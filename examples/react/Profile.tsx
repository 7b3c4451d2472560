import { useAuth, withAuthenticationRequired } from 'rotor-auth/react';

export function Profile() {
  const { isLoading, isAuthenticated, user, error, loginWithRedirect, logout } = useAuth();
  if (isLoading) return <p>Loading…</p>;
  if (!isAuthenticated) {
    return (
      <div>
        {error && <p role="alert">Sign-in did not complete: {error.message}</p>}
        <button onClick={() => loginWithRedirect()}>Log in</button>
      </div>
    );
  }
  return (
    <div>
      <p>Hello {user?.name}</p>
      <button onClick={() => logout({ logoutParams: { returnTo: location.origin } })}>Log out</button>
    </div>
  );
}

/** Only for signed-in users: anyone else is sent to the login, and comes back here. */
export const Orders = withAuthenticationRequired(() => <p>Your orders</p>, {
  onRedirecting: () => <p>Signing you in…</p>,
  onError: (e) => <p role="alert">Cannot sign in: {e.message}</p>,
});
