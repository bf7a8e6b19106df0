// A web app's account page as Cognito users write it with Amplify's passkey APIs: sign in with a
// password, register a passkey (associateWebAuthnCredential: StartWebAuthnRegistration,
// navigator.credentials.create(), CompleteWebAuthnRegistration), list and delete passkeys, and sign
// in with the passkey alone (USER_AUTH with WEB_AUTHN preferred, or chosen from SELECT_CHALLENGE:
// navigator.credentials.get() and RespondToAuthChallenge). Its pool, client and Cognate's URL come
// from /config.json (written by the test harness); `?pool=<name>` picks one of the pools there.
// Every button reports in #status: data-state is working, done or error, data-seq counts actions.
import { Amplify } from 'aws-amplify';
import {
  associateWebAuthnCredential,
  confirmSignIn,
  deleteWebAuthnCredential,
  fetchAuthSession,
  listWebAuthnCredentials,
  signIn,
  signOut,
} from 'aws-amplify/auth';

const config = await (await fetch('/config.json')).json();
const pool = config.pools[new URLSearchParams(location.search).get('pool') ?? 'passkey'];

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: pool.userPoolId,
      userPoolClientId: pool.clientId,
      userPoolEndpoint: config.endpoint,
      loginWith: { username: true },
    },
  },
});

const $ = (id) => document.getElementById(id);
const status = $('status');
const username = () => $('username').value;

async function showSignIn(result) {
  $('step').textContent = JSON.stringify(result.nextStep, null, 2);
  if (!result.isSignedIn) return `not signed in: ${result.nextStep.signInStep}`;
  const { tokens } = await fetchAuthSession();
  $('claims').textContent = JSON.stringify(tokens.idToken.payload, null, 2);
  return `signed in as ${tokens.idToken.payload['cognito:username']}`;
}

async function showPasskeys() {
  const { credentials } = await listWebAuthnCredentials();
  $('passkeys').textContent = JSON.stringify(credentials, null, 2);
  return credentials;
}

const actions = {
  'sign-in-password': async () => showSignIn(await signIn({ username: username(), password: $('password').value })),
  'sign-in-passkey': async () =>
    showSignIn(await signIn({ username: username(), options: { authFlowType: 'USER_AUTH', preferredChallenge: 'WEB_AUTHN' } })),
  'sign-in-choice': async () => showSignIn(await signIn({ username: username(), options: { authFlowType: 'USER_AUTH' } })),
  'choose-web-authn': async () => showSignIn(await confirmSignIn({ challengeResponse: 'WEB_AUTHN' })),
  'sign-out': async () => {
    await signOut();
    for (const id of ['step', 'passkeys', 'claims']) $(id).textContent = '';
    return 'signed out';
  },
  'add-passkey': async () => {
    await associateWebAuthnCredential();
    return `passkeys: ${(await showPasskeys()).length}`;
  },
  'list-passkeys': async () => `passkeys: ${(await showPasskeys()).length}`,
  'delete-passkeys': async () => {
    const { credentials } = await listWebAuthnCredentials();
    for (const { credentialId } of credentials) await deleteWebAuthnCredential({ credentialId });
    return `passkeys: ${(await showPasskeys()).length}`;
  },
};

for (const [id, run] of Object.entries(actions)) {
  $(id).addEventListener('click', async () => {
    status.dataset.seq = String(Number(status.dataset.seq) + 1);
    status.dataset.action = id;
    status.dataset.state = 'working';
    status.textContent = `${id}…`;
    try {
      status.textContent = await run();
      status.dataset.state = 'done';
    } catch (e) {
      // Amplify's errors carry the service's exception name (or the passkey error's) and message.
      status.textContent = `${e.name}: ${e.message}`;
      status.dataset.state = 'error';
      console.warn(id, e);
    }
  });
}
status.dataset.ready = 'true';
