// Drives passkey.html (Amplify's passkey APIs) in headless Chromium with Chromium's virtual
// authenticator (DevTools WebAuthn domain: a CTAP2 platform authenticator with resident keys and
// user verification): sign in with the password, register a passkey (a second one on the same
// authenticator refused), list it, sign out, sign in with the passkey alone (WEB_AUTHN preferred,
// and chosen from SELECT_CHALLENGE), the passkey refused on an authenticator without it and
// accepted once the key is back, deleted no longer offered, deleted while a sign-in waits for it
// refused; and in a pool whose passkeys only prefer user verification, an authenticator without
// it registers and signs in. The page is on http://localhost:<port> (the relying party ID is
// localhost); it calls Cognate on 127.0.0.1, another origin. Nothing relaxes CORS.
//   node passkey.mjs <page URL> <config.json>   (the page's config plus user {username, password})
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [pageUrl, configPath] = process.argv.slice(2);
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const { endpoint: cognate, user } = config;

function check(condition, what, detail) {
  if (!condition) throw new Error(`FAIL ${what}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  console.log(`ok   ${what}`);
}
// A check the rest of the run does not depend on: a failure is reported and the run goes on.
function verify(condition, what, detail) {
  if (condition) return console.log(`ok   ${what}`);
  console.log(`FAIL ${what}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  showExchanges();
  process.exitCode = 1;
}

// Cognito's JSON protocol, from Node (not the page): what another device of the user would do.
async function cognito(target, body) {
  const res = await fetch(cognate, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` },
    body: JSON.stringify(body),
  });
  const out = await res.json();
  if (!res.ok) throw new Error(`${target}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const consoleErrors = [];
// The Cognito calls of the page and what Cognate answered, shown when a check fails.
const exchanges = [];
// Tokens, sessions and SRP numbers are elided (the WebAuthn JSON is what a failure is about).
const elide = new Set(['AccessToken', 'IdToken', 'RefreshToken', 'Session', 'Token', 'SRP_A', 'SRP_B', 'SALT',
                       'SECRET_BLOCK', 'PASSWORD_CLAIM_SECRET_BLOCK', 'PASSWORD_CLAIM_SIGNATURE']);
const redact = (text) => {
  try {
    return JSON.parse(text, (k, v) => (elide.has(k) && typeof v === 'string' ? '…' : v));
  } catch {
    return text;
  }
};
function showExchanges() {
  console.log('  the last Cognito calls of the page:');
  for (const x of exchanges.slice(-2)) console.log(`  ${JSON.stringify(x)}`);
}
let page;
let cdp;
let pool;

// A fresh browser profile on the page for one pool, with Chromium's WebAuthn virtual environment.
async function openPage(poolName) {
  pool = config.pools[poolName];
  const context = await browser.newContext();
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  page.on('requestfinished', async (req) => {
    const target = req.headers()['x-amz-target'];
    if (!target) return;
    const res = await req.response();
    exchanges.push({ target: target.split('.').pop(), request: redact(req.postData()), status: res?.status(),
                     response: redact(await res?.text().catch(() => null)) });
  });
  cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await page.goto(`${pageUrl}/passkey.html?pool=${poolName}`);
  await page.locator('#status[data-ready="true"]').waitFor();
  await page.locator('#username').fill(user.username);
}
async function addAuthenticator(options = {}) {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
               isUserVerified: true, automaticPresenceSimulation: true, ...options },
  });
  return authenticatorId;
}
const credentialsOf = async (authenticatorId) => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
const base64url = (b64) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

// Clicks a button of the page and waits for its action to finish; returns [state, status text].
async function act(id) {
  const status = page.locator('#status');
  const seq = Number(await status.getAttribute('data-seq'));
  await page.locator(`#${id}`).click();
  await page.waitForFunction((n) => {
    const s = document.getElementById('status');
    return Number(s.dataset.seq) > n && s.dataset.state !== 'working';
  }, seq);
  return [await status.getAttribute('data-state'), (await status.textContent()).trim()];
}
const json = async (id) => JSON.parse((await page.locator(`#${id}`).textContent()) || 'null');

async function signedIn(via, state, text) {
  check(state === 'done' && text === `signed in as ${user.username}`, `${via}: signed in`, text);
  const claims = await json('claims');
  check(claims['cognito:username'] === user.username && claims.token_use === 'id' && claims.aud === pool.clientId,
        `${via}: the page shows the ID token's cognito:username`, claims);
}
async function signInWithPassword() {
  await page.locator('#password').fill(user.password);
  await signedIn('password', ...await act('sign-in-password'));
  await page.locator('#password').fill('');
}
async function signOut() {
  const [state, text] = await act('sign-out');
  check(state === 'done' && text === 'signed out', 'signed out', text);
}

try {
  await openPage('passkey');
  check(await page.evaluate(() => window.isSecureContext && typeof PublicKeyCredential === 'function'),
        `the page on ${new URL(pageUrl).origin} is a secure context with WebAuthn`);
  let authenticator = await addAuthenticator();

  // The first sign-in is with the password (SRP, Amplify's default).
  await signInWithPassword();

  // Register a passkey: the virtual authenticator makes it, Cognate verifies the attestation.
  let [state, text] = await act('add-passkey');
  check(state === 'done' && text === 'passkeys: 1', 'associateWebAuthnCredential registers a passkey', text);
  const [listed] = await json('passkeys');
  const [made] = await credentialsOf(authenticator);
  check(made?.rpId === 'localhost', 'the authenticator holds a credential for localhost', made);
  check(listed.credentialId === base64url(made.credentialId) && listed.relyingPartyId === 'localhost'
        && listed.authenticatorAttachment === 'platform' && listed.authenticatorTransports.includes('internal')
        && Math.abs(new Date(listed.createdAt).getTime() - Date.now()) < 600_000,
        'listWebAuthnCredentials shows it (ID, relying party, attachment, transports, date)', listed);
  // Cognito asks for a discoverable credential (residentKey required), as passkeys are.
  const asked = exchanges.filter((x) => x.target === 'StartWebAuthnRegistration').pop();
  verify(made.isResidentCredential, 'the passkey is a discoverable credential (residentKey required)', {
    isResidentCredential: made.isResidentCredential,
    authenticatorSelection: asked?.response?.CredentialCreationOptions?.authenticatorSelection,
  });
  [state, text] = await act('add-passkey');
  check(state === 'error' && /PasskeyAlreadyExists/.test(text),
        'a second passkey on the same authenticator is refused (excludeCredentials)', text);
  [state, text] = await act('list-passkeys');
  check(state === 'done' && text === 'passkeys: 1', 'still one passkey', text);
  await signOut();

  // Sign in with the passkey alone: USER_AUTH with WEB_AUTHN preferred.
  await signedIn('passkey (WEB_AUTHN preferred)', ...await act('sign-in-passkey'));
  const [used] = await credentialsOf(authenticator);
  check(used.signCount > made.signCount, 'the authenticator signed an assertion', { before: made.signCount, after: used.signCount });
  await signOut();

  // Or chosen among the offered first factors.
  [state, text] = await act('sign-in-choice');
  const step = await json('step');
  check(state === 'done' && step.signInStep === 'CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION'
        && step.availableChallenges.includes('WEB_AUTHN') && step.availableChallenges.includes('PASSWORD'),
        'USER_AUTH without a preference offers WEB_AUTHN and PASSWORD', step);
  await signedIn('passkey (chosen from SELECT_CHALLENGE)', ...await act('choose-web-authn'));
  await signOut();

  // An authenticator without the passkey cannot sign in; with the key put back it can.
  const [saved] = await credentialsOf(authenticator);
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: authenticator });
  authenticator = await addAuthenticator();
  [state, text] = await act('sign-in-passkey');
  check(state === 'error' && /^PasskeyRetrievalFailed|^PasskeyAuthenticationCanceled/.test(text),
        'an authenticator without the passkey does not sign in', text);
  await cdp.send('WebAuthn.addCredential', { authenticatorId: authenticator, credential: saved });
  await signedIn('passkey (the key restored on another authenticator)', ...await act('sign-in-passkey'));

  // Deleted (deleteWebAuthnCredential), the passkey is no longer offered: the authenticator still
  // holds it, but USER_AUTH answers with the remaining factors.
  [state, text] = await act('delete-passkeys');
  check(state === 'done' && text === 'passkeys: 0', 'deleteWebAuthnCredential deletes the passkey', text);
  await signOut();
  [state, text] = await act('sign-in-passkey');
  const after = await json('step');
  check(state === 'done' && text === 'not signed in: CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION'
        && !after.availableChallenges.includes('WEB_AUTHN'),
        'a deleted passkey does not sign in: WEB_AUTHN is no longer offered', { text, after });

  // A passkey deleted (from another device) while a sign-in waits for it does not sign in.
  await signInWithPassword();
  [state, text] = await act('add-passkey');
  check(state === 'done' && text === 'passkeys: 1', 'a new passkey registers', text);
  await signOut();
  let deletedMidway = 0;
  await page.route(`${cognate}/**`, async (route) => {
    const req = route.request();
    if (req.method() === 'POST' && /RespondToAuthChallenge$/.test(req.headers()['x-amz-target'] ?? '')
        && JSON.parse(req.postData()).ChallengeName === 'WEB_AUTHN') {
      const { AuthenticationResult: tokens } = await cognito('InitiateAuth', {
        AuthFlow: 'USER_AUTH', ClientId: pool.clientId,
        AuthParameters: { USERNAME: user.username, PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD: user.password },
      });
      const { Credentials } = await cognito('ListWebAuthnCredentials', { AccessToken: tokens.AccessToken });
      for (const c of Credentials) {
        await cognito('DeleteWebAuthnCredential', { AccessToken: tokens.AccessToken, CredentialId: c.CredentialId });
      }
      deletedMidway += Credentials.length;
    }
    await route.continue();
  });
  [state, text] = await act('sign-in-passkey');
  await page.unrouteAll({ behavior: 'wait' });
  check(deletedMidway === 1, 'the passkey was deleted between the WEB_AUTHN challenge and the answer', deletedMidway);
  verify(state === 'error' && /^NotAuthorizedException/.test(text),
         'a passkey deleted during the sign-in is refused (NotAuthorizedException)', text);
  if (state === 'done') await signOut();
  await page.context().close();

  // A pool whose passkeys prefer user verification (WebAuthnConfiguration UserVerification
  // preferred, Cognito's default) asks for it without demanding it; but a passkey registered with
  // user verification must keep proving it (webauthn-rs's protection against a downgrade), so the
  // same key on an authenticator without it is refused. (Chromium creates discoverable credentials
  // only with user verification; the Rust tests register a key without it.)
  await openPage('preferred');
  const lenient = await addAuthenticator();
  await signInWithPassword();
  [state, text] = await act('add-passkey');
  verify(state === 'done' && text === 'passkeys: 1', 'UserVerification preferred: a passkey registers', text);
  if (state === 'done') {
    await signOut();
    // The same key on an authenticator that cannot verify its user (a security key without a PIN).
    const [key] = await credentialsOf(lenient);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: lenient });
    const withoutUv = await addAuthenticator({ hasUserVerification: false, isUserVerified: false });
    await cdp.send('WebAuthn.addCredential', { authenticatorId: withoutUv, credential: key });
    [state, text] = await act('sign-in-passkey');
    verify(state === 'error' && /^NotAuthorizedException/.test(text),
           'UserVerification preferred: a key registered with user verification is refused without it', text);
    if (state === 'done') await signOut();
  }

  const cors = consoleErrors.filter((f) => /CORS|Access-Control/i.test(f));
  check(cors.length === 0, 'no CORS errors in the browser console', cors);
} catch (e) {
  console.log(e.message);
  console.log('browser console errors:', consoleErrors.join('\n'));
  showExchanges();
  await page?.screenshot({ path: '/tmp/cognate-passkey-failure.png' }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
