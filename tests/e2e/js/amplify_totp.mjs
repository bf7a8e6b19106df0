// Amplify Auth v6 under Node against Cognate when the user has TOTP MFA: signIn stops at
// CONFIRM_SIGN_IN_WITH_TOTP_CODE and confirmSignIn with the code completes it. The code comes
// from the environment (the Python side computes it). Prints one JSON line; exits non-zero on
// failure. Env: COGNATE_ENDPOINT, POOL_ID, CLIENT_ID, USERNAME, PASSWORD, TOTP_CODE.
import { Amplify } from "aws-amplify";
import { confirmSignIn, fetchAuthSession, signIn } from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";

const env = process.env;
const memory = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  setItem: async (k, v) => void memory.set(k, v),
  getItem: async (k) => memory.get(k) ?? null,
  removeItem: async (k) => void memory.delete(k),
  clear: async () => memory.clear(),
});
Amplify.configure({
  Auth: { Cognito: { userPoolId: env.POOL_ID, userPoolClientId: env.CLIENT_ID, userPoolEndpoint: env.COGNATE_ENDPOINT } },
});

try {
  const first = await signIn({ username: env.USERNAME, password: env.PASSWORD });
  const step = first.nextStep.signInStep;
  const done = await confirmSignIn({ challengeResponse: env.TOTP_CODE });
  const session = await fetchAuthSession();
  console.log(JSON.stringify({ ok: done.isSignedIn, step, tokenUse: session.tokens?.accessToken?.payload?.token_use }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, code: err.name, message: err.message }));
  process.exit(2);
}
