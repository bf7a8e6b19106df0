// Drives headless Chromium through Cognate's hosted UI as a person would, with the relying party
// of app.mjs (openid-client) on its own origin: create an account from the sign-in page, confirm
// it with the emailed code (read from the development outbox), sign in (and a wrong password
// refused), back at the app with validated tokens, userInfo and a refresh; single sign-on into a
// second client; revocation; sign-out through /logout; and in a pool that requires MFA, TOTP set-up
// at the first sign-in and a code at the next.
//   node run.mjs <config.json>     (the config app.mjs reads, plus cognate, signUp and mfaUser)
//   SCREENSHOT=<path.png>          also saves the hosted sign-in page there
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { appUrl, cognate } = config;
const stamp = Date.now().toString(36);

function check(condition, what, detail) {
  if (!condition) throw new Error(`FAIL ${what}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  console.log(`ok   ${what}`);
}

async function lastCode(to) {
  for (let i = 0; i < 50; i++) {
    const { messages } = await (await fetch(`${cognate}/_cognate/outbox`)).json();
    const code = messages.filter((x) => x.to === to).pop()?.body.match(/\d{6}/)?.[0];
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code for ${to} in the outbox`);
}

// RFC 6238: HMAC-SHA-1 over the 30-second step, dynamic truncation, six digits.
function totp(secretBase32, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretBase32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}
const stepNow = () => Math.floor(Date.now() / 30_000);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const consoleErrors = [];
let page;

async function freshPage() {
  // A new context is a new, empty profile: no cookies from before.
  const context = await browser.newContext({ viewport: { width: 480, height: 720 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  // Script errors only: a page answered with 4xx (a refused sign-in is a 400) is logged too.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      consoleErrors.push(`${page.url()}: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return context;
}

// The hosted pages are under the domain's base URL, /domains/<prefix>/…
const hosted = (prefix, path) => (url) => url.pathname === `/domains/${prefix}${path}`;
const atApp = (path) => (url) => url.origin === new URL(appUrl).origin && url.pathname === path;

async function signInForm(prefix, username, password) {
  await page.waitForURL(hosted(prefix, '/login'));
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

// The app's page after the callback: the library's validated claims, userInfo, the checks, the refresh.
async function signedIn(what) {
  await page.waitForURL(atApp('/callback')); // and its load event: the page is all there
  if (await page.locator('#error, #authorization-error').count()) {
    throw new Error(`FAIL ${what}: the app says ${await page.locator('body').innerText()}`);
  }
  const read = async (id) => JSON.parse(await page.locator(`#${id}`).textContent());
  return { client: await page.locator('#client').textContent(), claims: await read('claims'),
           userinfo: await read('userinfo'), checks: await read('checks'), refresh: await read('refresh') };
}

function checkTokens(seen, username, email, clientId, issuer, what) {
  const { claims, userinfo, checks, refresh } = seen;
  check(claims['cognito:username'] === username && claims.email === email && claims.aud === clientId
        && claims.iss === issuer && claims.token_use === 'id',
        `${what}: openid-client validated the ID token (signature against the JWKS, iss, aud, exp, nonce)`, claims);
  check(checks.nonceMatched && typeof claims.nonce === 'string', `${what}: the ID token carries the nonce`, checks);
  check(checks.atHashMatched, `${what}: at_hash matches the access token`, { checks, at_hash: claims.at_hash });
  // openid-client lowercases token_type (RFC 6749 §5.1: case-insensitive).
  check(checks.tokenType === 'bearer' && checks.refreshToken, `${what}: Bearer access token and a refresh token`,
        checks);
  check(userinfo.sub === claims.sub && userinfo.email === email && userinfo.username === username,
        `${what}: userInfo answers for the same user`, userinfo);
  check(refresh.ok && refresh.accessTokenChanged && (!refresh.idToken || refresh.sameSub),
        `${what}: a refresh through openid-client gives new tokens`, refresh);
}

try {
  const web = config.clients.web;
  const second = config.clients.second;
  const prefix = config.prefix;
  const { username, password } = { username: `ann${stamp}`, password: 'Passw0rd!' };
  const email = `${username}@example.com`;

  // (a) Sign-up from the hosted sign-in page, the emailed code, confirmation, sign-in.
  let context = await freshPage();
  await page.goto(`${appUrl}/login/web`);
  await page.waitForURL(hosted(prefix, '/login'));
  await page.locator('#username').waitFor();
  check(new URL(page.url()).searchParams.get('code_challenge_method') === 'S256',
        'the app sends the browser to the hosted sign-in page (PKCE S256, state, nonce)');
  if (process.env.SCREENSHOT) {
    // The card and the same margin below it as above it.
    const card = await page.locator('main').boundingBox();
    await page.screenshot({ path: process.env.SCREENSHOT,
                            clip: { x: 0, y: 0, width: 480, height: Math.ceil(2 * card.y + card.height) } });
    console.log(`     (screenshot of the sign-in page: ${process.env.SCREENSHOT})`);
  }
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.waitForURL(hosted(prefix, '/signup'));
  await page.locator('#username').fill(username);
  await page.locator('#attr_email').fill(email);
  await page.locator('#password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(hosted(prefix, '/confirm'));
  check(await page.locator('#username').inputValue() === username, 'sign-up leads to the confirmation page');
  await page.locator('#code').fill(await lastCode(email));
  await page.getByRole('button', { name: 'Confirm account' }).click();
  await page.waitForURL(hosted(prefix, '/login'));
  await page.getByText('Your account is confirmed').waitFor();
  check(true, 'the emailed code confirms the account; back at the sign-in page');

  // (b) A wrong password first.
  await signInForm(prefix, username, 'Wrong-pass-1');
  await page.waitForURL(hosted(prefix, '/login'));
  const error = await page.locator('#login-error').textContent();
  check(error.includes('Incorrect username or password.'), 'a wrong password shows "Incorrect username or password."',
        error);
  await signInForm(prefix, username, password);
  const first = await signedIn('web');
  check(first.client === 'web', 'signed in: the browser is back at the app\'s callback');
  checkTokens(first, username, email, web.clientId, web.issuer, 'web (client_secret_basic)');

  // (c) Single sign-on: the second client of the domain signs in without the form.
  const navigations = [];
  const onFrame = (f) => { if (f === page.mainFrame()) navigations.push(f.url()); };
  page.on('framenavigated', onFrame);
  const landed = await page.goto(`${appUrl}/login/second`);
  page.off('framenavigated', onFrame);
  const chain = [];
  for (let r = landed.request(); r; r = r.redirectedFrom()) chain.unshift(r.url());
  const sso = await signedIn('second');
  check(!navigations.some((u) => hosted(prefix, '/login')(new URL(u)))
        && chain.some((u) => hosted(prefix, '/oauth2/authorize')(new URL(u))),
        'single sign-on: the second client gets a code without a sign-in form', { navigations, chain });
  check(sso.client === 'second' && sso.claims.sub === first.claims.sub, 'single sign-on: the same user');
  checkTokens(sso, username, email, second.clientId, second.issuer, 'second (public client)');
  await page.goto(`${appUrl}/login/web?prompt=none`);
  const silent = await signedIn('web, prompt=none');
  check(silent.client === 'web' && silent.claims.sub === first.claims.sub,
        'prompt=none with a session: a code without any page');
  check(sso.claims.auth_time === first.claims.auth_time || sso.claims.auth_time === undefined,
        'single sign-on: auth_time is the original sign-in\'s', { first: first.claims.auth_time,
                                                                 second: sso.claims.auth_time });

  // (e) Revocation: the revoked refresh token no longer refreshes.
  await page.goto(`${appUrl}/revoke/web`);
  const revoked = JSON.parse(await page.locator('#revoked').textContent());
  check(!revoked.refreshed && revoked.error === 'invalid_grant',
        'revocation: after /oauth2/revoke a refresh with the token fails (invalid_grant)', revoked);

  // (d) Sign-out through /logout with logout_uri.
  await page.goto(`${appUrl}/logout/web`);
  await page.waitForURL(atApp('/signed-out'));
  await page.locator('#signed-out').waitFor();
  check(true, 'sign-out: /logout with logout_uri lands on the app\'s signed-out page');
  await page.goto(`${appUrl}/login/web?prompt=none`);
  await page.waitForURL(atApp('/callback'));
  const refused = await page.locator('#authorization-error').getAttribute('data-error');
  check(refused === 'login_required',
        'prompt=none after sign-out: openid-client gets login_required at the callback', refused);
  await page.goto(`${appUrl}/login/web`);
  await page.waitForURL(hosted(prefix, '/login'));
  await page.locator('#password').waitFor();
  check(true, 'after sign-out the next sign-in shows the sign-in form again');
  await context.close();

  // (f) TOTP in a pool that requires MFA: set-up at the first sign-in, then a code.
  const mfa = config.clients.mfa;
  const { username: mfaUser, password: mfaPassword, email: mfaEmail } = config.mfaUser;
  context = await freshPage();
  await page.goto(`${appUrl}/login/mfa`);
  await signInForm(config.mfaPrefix, mfaUser, mfaPassword);
  await page.getByRole('heading', { name: 'Set up an authenticator app' }).waitFor();
  const secret = (await page.locator('#totp-secret').textContent()).trim();
  const qr = await page.locator('img.qr').getAttribute('src');
  check(/^[A-Z2-7]{16,}=*$/.test(secret) && qr?.startsWith('data:image/'),
        'mfa: the first sign-in shows the TOTP set-up page (QR code and key)', { secret, qr: qr?.slice(0, 30) });
  const setupStep = stepNow();
  await page.locator('#code').fill(totp(secret, setupStep));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  const mfaFirst = await signedIn('mfa');
  checkTokens(mfaFirst, mfaUser, mfaEmail, mfa.clientId, mfa.issuer, 'mfa set-up (client_secret_post)');
  await context.close();

  context = await freshPage();
  await page.goto(`${appUrl}/login/mfa`);
  await signInForm(config.mfaPrefix, mfaUser, mfaPassword);
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  check(await page.locator('#code').isVisible() && !(await page.locator('#password').count()),
        'mfa: the next sign-in, in a fresh browser, asks for the code');
  // A code is accepted once: the set-up used its step, so answer with a later one (the server
  // accepts the neighbouring steps).
  await page.locator('#code').fill(totp(secret, Math.max(setupStep + 1, stepNow())));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const mfaSecond = await signedIn('mfa');
  checkTokens(mfaSecond, mfaUser, mfaEmail, mfa.clientId, mfa.issuer, 'mfa with a code');
  await context.close();

  check(consoleErrors.length === 0, 'no errors in the browser console', consoleErrors);
  console.log('oidc: all passed');
} catch (e) {
  console.log(e.message.startsWith('FAIL') ? e.message : `FAIL ${e.stack ?? e}`);
  if (page) {
    console.log(`     at ${page.url()}`);
    await page.screenshot({ path: '/tmp/cognate-oidc-failure.png' }).catch(() => {});
    const text = await page.locator('body').innerText().catch(() => '');
    console.log(`     page text: ${text.slice(0, 800).replace(/\s+/g, ' ')}`);
  }
  if (consoleErrors.length) console.log(`     browser console errors: ${consoleErrors.join('; ')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
