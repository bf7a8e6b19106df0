// Drives the page in headless Chromium as a person would: sign up, read the code from Cognate's
// development outbox, confirm, sign in with SRP, see the ID token, sign out, get a wrong password
// refused, and in a pool that requires MFA set up TOTP and sign in with a code. The page is on its
// own origin; the browser is not told to relax CORS and nothing intercepts its requests.
//   node run.mjs <page URL> <Cognate URL> [screenshot.png]
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';

const [pageUrl, cognate, screenshot] = process.argv.slice(2);
const PASSWORD = 'Passw0rd!';
const stamp = Date.now().toString(36);

function check(condition, what) {
  if (!condition) throw new Error(`failed: ${what}`);
  console.log(`ok   ${what}`);
}

async function lastCode(to) {
  for (let i = 0; i < 50; i++) {
    const { messages } = await (await fetch(`${cognate}/_cognate/outbox`)).json();
    const m = messages.filter((x) => x.to === to).pop();
    const code = m?.body.match(/\d{6}/)?.[0];
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code for ${to}`);
}

function totp(secretBase32, offsetSteps = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretBase32.replace(/=+$/, '')) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + offsetSteps));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const failures = [];
const page = await browser.newPage();
page.on('console', (m) => { if (m.type() === 'error') failures.push(m.text()); });
page.setDefaultTimeout(20_000);

async function signUp(pool, username) {
  const email = `${username}@example.com`;
  await page.goto(`${pageUrl}/?pool=${pool}`);
  await page.getByRole('tab', { name: 'Create Account' }).click();
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('input[name="confirm_password"]').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create Account' }).click();
  await page.locator('input[name="confirmation_code"]').waitFor();
  check(true, `${pool}: sign-up asks for the emailed code`);
  await page.locator('input[name="confirmation_code"]').fill(await lastCode(email));
  await page.getByRole('button', { name: 'Confirm' }).click();
}

async function signIn(username, password) {
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signedIn(pool, username) {
  await page.locator('#signed-in').waitFor();
  await page.locator('#claims', { hasText: 'cognito:username' }).waitFor();
  const claims = JSON.parse(await page.locator('#claims').textContent());
  check(claims['cognito:username'] === username && claims.email === `${username}@example.com`,
        `${pool}: signed in, the page shows the ID token's claims`);
  return claims;
}

try {
  // A pool without MFA.
  const ada = `ada${stamp}`;
  await signUp('plain', ada);
  await signedIn('plain', ada);
  if (screenshot) await page.screenshot({ path: screenshot });
  await page.locator('#sign-out').click();
  await page.locator('input[name="username"]').waitFor();
  check(true, 'plain: signed out');
  await signIn(ada, 'Wrong-pass-1');
  await page.getByText('Incorrect username or password.').waitFor();
  check(true, 'plain: a wrong password shows the error');
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await signedIn('plain', ada);
  await page.locator('#sign-out').click();
  await page.locator('input[name="username"]').waitFor();

  // A pool that requires TOTP: set-up after the first sign-in, then a code at every sign-in.
  const bo = `bo${stamp}`;
  await signUp('totp', bo);
  await page.locator('[data-amplify-copy] > div').first().waitFor();
  const secret = (await page.locator('[data-amplify-copy] > div').first().textContent()).trim();
  check(/^[A-Z2-7]{32}$/.test(secret), 'totp: set-up shows a QR code and the secret');
  await page.locator('input[name="confirmation_code"]').fill(totp(secret));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await signedIn('totp', bo);
  await page.locator('#sign-out').click();
  await page.locator('input[name="username"]').waitFor();
  await signIn(bo, PASSWORD);
  await page.locator('input[name="confirmation_code"]').waitFor();
  // The set-up used this step's code; a code is accepted once, so answer with the next step's.
  await page.locator('input[name="confirmation_code"]').fill(totp(secret, 1));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await signedIn('totp', bo);
  await page.locator('#sign-out').click();
  await page.locator('input[name="username"]').waitFor();
  check(true, 'totp: signed in with a code, signed out');
  const cors = failures.filter((f) => /CORS|Access-Control/i.test(f));
  check(cors.length === 0, `no CORS errors in the browser console${cors.length ? `: ${cors.join('; ')}` : ''}`);
} catch (e) {
  console.error(e.message);
  console.error('browser console errors:', failures.join('\n'));
  await page.screenshot({ path: '/tmp/cognate-browser-failure.png' }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
