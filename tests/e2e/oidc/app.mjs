// A small relying party (a server-side web app) that signs its users in through Cognate's hosted
// UI with openid-client, panva's certified OpenID Connect client: discovery from the issuer, the
// authorization code flow with PKCE (S256), state and nonce, the ID token checked against the
// JWKS by the library, userInfo, a refresh, revocation, and Cognito's /logout.
//   node app.mjs <config.json>
// config.json: { "appUrl": "http://localhost:<port>", "port": <port>,
//                "clients": { "<name>": { "issuer", "clientId", "clientSecret"?, "auth" } } }
// where auth is client_secret_basic, client_secret_post or none.
//
// Routes: /login/<name>[?prompt=…] (to the authorization endpoint), /callback (code exchange, userInfo,
// one refresh; shows the claims), /revoke/<name> (revokes the refresh token, then shows that a
// refresh with it fails), /logout/<name> (Cognito's /logout with logout_uri), /signed-out.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import * as oidc from 'openid-client';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const appUrl = config.appUrl;
const redirectUri = `${appUrl}/callback`;
const signedOutUri = `${appUrl}/signed-out`;
const SCOPE = 'openid email profile';

// One openid-client Configuration per app client, each from its issuer's discovery document.
const clients = {};
for (const [name, c] of Object.entries(config.clients)) {
  const auth = { client_secret_basic: oidc.ClientSecretBasic, client_secret_post: oidc.ClientSecretPost,
                 none: oidc.None }[c.auth];
  if (!auth) throw new Error(`${name}: unknown auth ${c.auth}`);
  const configuration = await oidc.discovery(new URL(c.issuer), c.clientId, c.clientSecret, auth(c.clientSecret),
                                             { execute: [oidc.allowInsecureRequests] });
  clients[name] = { ...c, configuration };
}

// In-memory state: pending authorization requests by `state`, and sessions by cookie.
const pending = new Map();
const sessions = new Map();

function sessionOf(req, res) {
  const sid = /(?:^|;\s*)rp_sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (sid && sessions.has(sid)) return sessions.get(sid);
  const fresh = randomBytes(16).toString('base64url');
  const session = { tokens: {} };
  sessions.set(fresh, session);
  res.setHeader('set-cookie', `rp_sid=${fresh}; Path=/; HttpOnly; SameSite=Lax`);
  return session;
}

const entities = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escape = (s) => String(s).replace(/[&<>"]/g, (c) => entities[c]);

function html(res, status, title, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
          + `<body><h1>${escape(title)}</h1>${body}</body></html>`);
}

function describe(e) {
  // openid-client's errors: ResponseBodyError (error, error_description, status), AuthorizationResponseError,
  // and oauth4webapi's OperationProcessingError (code, cause).
  const parts = [e.name, e.code, e.error, e.error_description, e.status, e.message];
  if (e.cause && typeof e.cause === 'object' && !(e.cause instanceof Error)) parts.push(JSON.stringify(e.cause));
  return parts.filter((p) => p !== undefined && p !== null && p !== '').join(' | ');
}

// at_hash (OpenID Connect Core 3.1.3.6): base64url of the left half of SHA-256 of the access token.
// openid-client checks it only in hybrid flows; the app checks it here as well.
const atHash = (accessToken) => createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');

async function login(res, name, prompt) {
  const c = clients[name];
  if (!c) return html(res, 404, 'Unknown client', '');
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  pending.set(state, { name, codeVerifier, nonce });
  const url = oidc.buildAuthorizationUrl(c.configuration, {
    redirect_uri: redirectUri,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...(prompt ? { prompt } : {}),
  });
  res.writeHead(302, { location: url.href }).end();
}

async function callback(req, res, session) {
  const current = new URL(req.url, appUrl);
  const state = current.searchParams.get('state');
  const request = pending.get(state);
  if (!request) {
    return html(res, 400, 'Unknown state', `<p id="error">no pending request for state ${escape(state)}</p>`);
  }
  pending.delete(state);
  const c = clients[request.name];
  // Checks the authorization response (state, iss if sent, error), exchanges the code with the PKCE
  // verifier, and validates the ID token: signature against the JWKS, iss, aud, exp, iat, nonce.
  let tokens;
  try {
    tokens = await oidc.authorizationCodeGrant(c.configuration, current, {
      pkceCodeVerifier: request.codeVerifier,
      expectedState: state,
      expectedNonce: request.nonce,
      idTokenExpected: true,
    });
  } catch (e) {
    // An error the authorization server sent back to the callback (e.g. login_required for prompt=none).
    if (!(e instanceof oidc.AuthorizationResponseError)) throw e;
    return html(res, 400, 'Sign-in refused', `<p id="authorization-error" data-error="${escape(e.error)}">`
                + `${escape(e.error)}: ${escape(e.error_description ?? '')}</p>`);
  }
  const claims = tokens.claims();
  const userinfo = await oidc.fetchUserInfo(c.configuration, tokens.access_token, claims.sub);
  let refresh;
  try {
    const refreshed = await oidc.refreshTokenGrant(c.configuration, tokens.refresh_token);
    const again = refreshed.claims();
    refresh = { ok: true, idToken: Boolean(refreshed.id_token), sameSub: again?.sub === claims.sub,
                accessTokenChanged: refreshed.access_token !== tokens.access_token };
  } catch (e) {
    refresh = { ok: false, error: describe(e) };
  }
  session.tokens[request.name] = { refreshToken: tokens.refresh_token, sub: claims.sub };
  const checks = {
    client: request.name,
    nonceMatched: claims.nonce === request.nonce,
    atHashMatched: claims.at_hash === atHash(tokens.access_token),
    tokenType: tokens.token_type,
    scope: tokens.scope,
    expiresIn: tokens.expires_in,
    refreshToken: Boolean(tokens.refresh_token),
  };
  html(res, 200, 'Signed in',
       `<p id="client">${escape(request.name)}</p>`
       + `<pre id="claims">${escape(JSON.stringify(claims, null, 1))}</pre>`
       + `<pre id="userinfo">${escape(JSON.stringify(userinfo, null, 1))}</pre>`
       + `<pre id="checks">${escape(JSON.stringify(checks, null, 1))}</pre>`
       + `<pre id="refresh">${escape(JSON.stringify(refresh, null, 1))}</pre>`);
}

async function revoke(res, session, name) {
  const c = clients[name];
  const held = session.tokens[name];
  if (!c || !held) return html(res, 400, 'Not signed in', `<p id="error">no refresh token for ${escape(name)}</p>`);
  await oidc.tokenRevocation(c.configuration, held.refreshToken, { token_type_hint: 'refresh_token' });
  let after;
  try {
    await oidc.refreshTokenGrant(c.configuration, held.refreshToken);
    after = { refreshed: true };
  } catch (e) {
    after = { refreshed: false, error: e.error ?? null, status: e.status ?? null, detail: describe(e) };
  }
  delete session.tokens[name];
  html(res, 200, 'Revoked', `<pre id="revoked">${escape(JSON.stringify(after, null, 1))}</pre>`);
}

function logout(res, session, name) {
  const c = clients[name];
  if (!c) return html(res, 404, 'Unknown client', '');
  session.tokens = {};
  // Cognito's /logout takes client_id and logout_uri (not OpenID Connect RP-initiated logout's
  // parameters), at the end_session_endpoint that discovery names.
  const url = new URL(c.configuration.serverMetadata().end_session_endpoint);
  url.searchParams.set('client_id', c.clientId);
  url.searchParams.set('logout_uri', signedOutUri);
  res.writeHead(302, { location: url.href }).end();
}

const server = createServer(async (req, res) => {
  const path = new URL(req.url, appUrl).pathname;
  const session = sessionOf(req, res);
  try {
    let m;
    if ((m = /^\/login\/([\w-]+)$/.exec(path))) {
      return await login(res, m[1], new URL(req.url, appUrl).searchParams.get('prompt'));
    }
    if (path === '/callback') return await callback(req, res, session);
    if ((m = /^\/revoke\/([\w-]+)$/.exec(path))) return await revoke(res, session, m[1]);
    if ((m = /^\/logout\/([\w-]+)$/.exec(path))) return logout(res, session, m[1]);
    if (path === '/favicon.ico') return res.writeHead(204).end();
    if (path === '/signed-out') return html(res, 200, 'Signed out', '<p id="signed-out">You are signed out.</p>');
    html(res, 404, 'Not found', '');
  } catch (e) {
    console.error(`${req.method} ${req.url}: ${describe(e)}`);
    html(res, 500, 'Error', `<p id="error">${escape(describe(e))}</p>`);
  }
});

// The registered URLs are http://localhost:<port>/…: answer on both loopback addresses, whichever
// the browser resolves localhost to.
const port = Number(config.port);
await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
const v6 = createServer(server.listeners('request')[0]);
await new Promise((resolve) => v6.once('error', () => resolve()).listen(port, '::1', resolve));
console.log(`relying party on ${appUrl}`);
