// Amplify Auth v6 signs in under Node against Cognate (custom `userPoolEndpoint`), with its
// default flow (USER_SRP_AUTH), then reads the session and the current user. Prints one JSON
// line; exits non-zero on failure. Env: COGNATE_ENDPOINT, POOL_ID, CLIENT_ID, USERNAME, PASSWORD.
import { Amplify } from "aws-amplify";
import { fetchAuthSession, getCurrentUser, signIn } from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";

const env = process.env;

// Node has no localStorage; keep tokens in memory.
const memory = new Map();
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  setItem: async (k, v) => void memory.set(k, v),
  getItem: async (k) => memory.get(k) ?? null,
  removeItem: async (k) => void memory.delete(k),
  clear: async () => memory.clear(),
});

Amplify.configure({
  Auth: {
    Cognito: { userPoolId: env.POOL_ID, userPoolClientId: env.CLIENT_ID, userPoolEndpoint: env.COGNATE_ENDPOINT },
  },
});

try {
  const result = await signIn({ username: env.USERNAME, password: env.PASSWORD });
  if (!result.isSignedIn) {
    throw Object.assign(new Error(`not signed in: ${JSON.stringify(result.nextStep)}`), { name: "NotSignedIn" });
  }
  const session = await fetchAuthSession();
  const user = await getCurrentUser();
  console.log(
    JSON.stringify({
      ok: true,
      username: user.username,
      tokenUse: session.tokens?.accessToken?.payload?.token_use,
      idEmail: session.tokens?.idToken?.payload?.email,
    }),
  );
} catch (err) {
  console.log(JSON.stringify({ ok: false, code: err.name, message: err.message }));
  process.exit(2);
}
