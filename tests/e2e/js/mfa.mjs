// amazon-cognito-identity-js sets up TOTP MFA against Cognate (associateSoftwareToken,
// verifySoftwareToken, setUserMfaPreference), then signs in again with SRP and answers the
// SOFTWARE_TOKEN_MFA challenge with a code computed here (RFC 6238, SHA-1, 30 s, 6 digits). The
// pool remembers devices: the library confirms each new device (ConfirmDevice), and the next
// sign-in from the remembered device passes DEVICE_SRP_AUTH instead of MFA.
// Prints one JSON line; exits non-zero on failure. Env: COGNATE_ENDPOINT, POOL_ID, CLIENT_ID,
// USERNAME, PASSWORD.
import { createHmac } from "node:crypto";
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";

const env = process.env;
// One storage per "browser": device keys live there.
function memoryStorage() {
  const m = new Map();
  return {
    setItem: (k, v) => m.set(k, v),
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    removeItem: (k) => m.delete(k),
    clear: () => m.clear(),
  };
}
const poolWith = (storage) =>
  new CognitoUserPool({ UserPoolId: env.POOL_ID, ClientId: env.CLIENT_ID, endpoint: env.COGNATE_ENDPOINT, Storage: storage });
let pool = poolWith(memoryStorage());

function base32Decode(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

function totp(secret, offsetSteps = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + offsetSteps;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, "0");
}

function signIn(onTotp) {
  const user = new CognitoUser({ Username: env.USERNAME, Pool: pool, Storage: pool.storage });
  const details = new AuthenticationDetails({ Username: env.USERNAME, Password: env.PASSWORD });
  return new Promise((resolve, reject) => {
    user.authenticateUser(details, {
      onSuccess: (session) => resolve({ user, session }),
      onFailure: reject,
      totpRequired: () => onTotp(user, resolve, reject),
      mfaRequired: () => reject(new Error("unexpected SMS MFA")),
    });
  });
}

try {
  const { user } = await signIn((_u, _res, rej) => rej(new Error("TOTP before it was set up")));
  const secret = await new Promise((resolve, reject) =>
    user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }),
  );
  await new Promise((resolve, reject) =>
    user.verifySoftwareToken(totp(secret), "phone", { onSuccess: resolve, onFailure: reject }),
  );
  await new Promise((resolve, reject) =>
    user.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, (err) => (err ? reject(err) : resolve())),
  );
  // A new browser: no remembered device, so TOTP is asked.
  pool = poolWith(memoryStorage());
  let sawChallenge = false;
  const { session } = await signIn((u, resolve, reject) => {
    sawChallenge = true;
    // The verification used this step; the sign-in needs a later one (codes work once).
    u.sendMFACode(totp(secret, 1), { onSuccess: (s) => resolve({ user: u, session: s }), onFailure: reject }, "SOFTWARE_TOKEN_MFA");
  });
  // The same browser again: its remembered device stands in for MFA.
  let askedAgain = false;
  const again = await signIn((_u, _res, rej) => {
    askedAgain = true;
    rej(new Error("TOTP asked on a remembered device"));
  });
  const deviceKey = again.session.getAccessToken().decodePayload().device_key;
  console.log(
    JSON.stringify({ ok: true, sawChallenge, valid: session.isValid(), deviceSkippedMfa: !askedAgain, deviceKey }),
  );
} catch (err) {
  console.log(JSON.stringify({ ok: false, code: err.code, message: err.message }));
  process.exit(2);
}
