// amazon-cognito-identity-js signs in with SRP (USER_SRP_AUTH) against Cognate through its
// `endpoint` option, reads the user's attributes with the access token (GetUser) and refreshes the
// session. Prints one JSON line with what it saw; exits non-zero on failure.
// Env: COGNATE_ENDPOINT, POOL_ID, CLIENT_ID, USERNAME, PASSWORD.
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";

const env = process.env;
const pool = new CognitoUserPool({ UserPoolId: env.POOL_ID, ClientId: env.CLIENT_ID, endpoint: env.COGNATE_ENDPOINT });
const user = new CognitoUser({ Username: env.USERNAME, Pool: pool });
const details = new AuthenticationDetails({ Username: env.USERNAME, Password: env.PASSWORD });

const session = await new Promise((resolve, reject) => {
  user.authenticateUser(details, {
    onSuccess: resolve,
    onFailure: reject,
    newPasswordRequired: () => reject(new Error("unexpected NEW_PASSWORD_REQUIRED")),
    mfaRequired: () => reject(new Error("unexpected MFA")),
    totpRequired: () => reject(new Error("unexpected TOTP")),
  });
}).catch((err) => {
  console.log(JSON.stringify({ ok: false, code: err.code, message: err.message }));
  process.exit(2);
});

const attributes = await new Promise((resolve, reject) =>
  user.getUserAttributes((err, attrs) => (err ? reject(err) : resolve(attrs))),
);
const refreshed = await new Promise((resolve, reject) =>
  user.refreshSession(session.getRefreshToken(), (err, s) => (err ? reject(err) : resolve(s))),
);
console.log(
  JSON.stringify({
    ok: true,
    idTokenUser: session.getIdToken().decodePayload()["cognito:username"],
    email: attributes.find((a) => a.getName() === "email")?.getValue(),
    refreshedValid: refreshed.isValid(),
  }),
);
