// A web app as Cognito users write it: Amplify's prebuilt Authenticator in front of a page that
// shows the signed-in user's ID token. Its pool, client and Cognate's URL come from /config.json
// (written by the test harness); `?pool=<name>` picks one of the pools there.
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Amplify } from 'aws-amplify';
import { fetchAuthSession } from 'aws-amplify/auth';
import { Authenticator } from '@aws-amplify/ui-react';
import '@aws-amplify/ui-react/styles.css';

const config = await (await fetch('/config.json')).json();
const pool = config.pools[new URLSearchParams(location.search).get('pool') ?? 'plain'];

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: pool.userPoolId,
      userPoolClientId: pool.clientId,
      userPoolEndpoint: config.endpoint,
      loginWith: { username: true },
      signUpVerificationMethod: 'code',
      userAttributes: { email: { required: true } },
      ...(pool.totp ? { mfa: { status: 'on', totpEnabled: true, smsEnabled: false } } : {}),
    },
  },
});

function SignedIn({ user, signOut }) {
  const [claims, setClaims] = useState(null);
  useEffect(() => {
    fetchAuthSession().then((s) => setClaims(s.tokens?.idToken?.payload ?? {}));
  }, []);
  return (
    <main style={{ maxWidth: 640, margin: '2rem auto', fontFamily: 'sans-serif' }}>
      <h1 id="signed-in">Signed in as {user.username}</h1>
      <p>The ID token Cognate issued:</p>
      <pre id="claims" style={{ background: '#f4f4f4', padding: '1rem' }}>
        {claims ? JSON.stringify(claims, null, 2) : 'loading…'}
      </pre>
      <button id="sign-out" onClick={signOut}>Sign out</button>
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <Authenticator signUpAttributes={['email']}>
    {({ signOut, user }) => <SignedIn user={user} signOut={signOut} />}
  </Authenticator>,
);
