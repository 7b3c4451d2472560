import { createRoot } from 'react-dom/client';
import { AuthProvider } from 'rotor-auth/react';
import { Orders, Profile } from './Profile';

createRoot(document.getElementById('root')!).render(
  <AuthProvider
    options={{
      domain: 'http://127.0.0.1:4000', // npx rotor-mock-server
      clientId: 'demo',
      cacheLocation: 'localstorage', // the tabs share one session: a logout in one signs the others out
      // back to the page that started the login (the mock accepts any loopback URI; register yours)
      authorizationParams: { audience: 'https://api.rotor.test', redirect_uri: location.origin + location.pathname },
    }}
    onRedirectCallback={(appState) => {
      const { returnTo } = (appState ?? {}) as { returnTo?: string };
      if (returnTo) history.replaceState(null, '', returnTo);
    }}
  >
    <Profile />
    {location.pathname === '/orders' && <Orders />}
  </AuthProvider>,
);
