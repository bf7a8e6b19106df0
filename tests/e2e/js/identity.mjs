// Identity-pool credentials from JavaScript, two ways: the AWS SDK v3 credential provider
// `fromCognitoIdentityPool` (with the user's ID token) and Amplify v6's `fetchAuthSession` after an
// SRP sign-in (with `identityPoolEndpoint`); each set of credentials then asks STS who it is.
// Args: endpoint identityPoolId provider idToken [userPoolId clientId username password].
// Prints one JSON line; exits non-zero on failure.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { Amplify } from "aws-amplify";
import { fetchAuthSession, signIn } from "aws-amplify/auth";
import { cognitoUserPoolsTokenProvider } from "aws-amplify/auth/cognito";

const [endpoint, identityPoolId, provider, idToken, userPoolId, clientId, username, password] = process.argv.slice(2);
const whoAmI = async (credentials) =>
  (await new STSClient({ region: "us-east-1", endpoint, credentials }).send(new GetCallerIdentityCommand({}))).Arn;

try {
  const provide = fromCognitoIdentityPool({
    identityPoolId,
    logins: { [provider]: idToken },
    clientConfig: { region: "us-east-1", endpoint },
  });
  const credentials = await provide();
  const result = { accessKeyId: credentials.accessKeyId, arn: await whoAmI(credentials) };

  if (userPoolId) {
    const memory = new Map();
    cognitoUserPoolsTokenProvider.setKeyValueStorage({
      setItem: async (k, v) => void memory.set(k, v),
      getItem: async (k) => memory.get(k) ?? null,
      removeItem: async (k) => void memory.delete(k),
      clear: async () => memory.clear(),
    });
    Amplify.configure({
      Auth: {
        Cognito: {
          userPoolId,
          userPoolClientId: clientId,
          userPoolEndpoint: endpoint,
          identityPoolId,
          identityPoolEndpoint: endpoint,
        },
      },
    });
    const signedIn = await signIn({ username, password });
    if (!signedIn.isSignedIn) throw new Error(`not signed in: ${JSON.stringify(signedIn.nextStep)}`);
    const session = await fetchAuthSession();
    result.amplify = {
      identityId: session.identityId,
      accessKeyId: session.credentials?.accessKeyId,
      arn: await whoAmI(session.credentials),
    };
  }
  console.log(JSON.stringify(result));
} catch (err) {
  console.error(err);
  process.exit(1);
}
