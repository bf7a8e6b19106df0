"""Identity pools, STS and IAM end to end with real clients: boto3 signs a user in to a user pool, gets
credentials from an identity pool (enhanced and basic flow, and as a guest), and calls STS and an
allowed and a denied Cognate operation with them; the seed's trust policy refuses a guest and a token
of another pool; the AWS CLI asks STS who the admin key is; and the JavaScript SDK v3 credential
provider `fromCognitoIdentityPool` (tests/e2e/js/identity.mjs) obtains credentials for the user.

Usage: python identity_pools.py path/to/cognate
Prints "N passed, N failed" and exits non-zero on any failure.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

import boto3
import botocore

BINARY = sys.argv[1]
RESULTS = {"passed": 0, "failed": 0}
HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "Passw0rd!"


def check(name, fn):
    try:
        fn()
        RESULTS["passed"] += 1
        print(f"ok   {name}")
    except Exception:  # noqa: BLE001 - report every failure and go on
        RESULTS["failed"] += 1
        print(f"FAIL {name}")
        traceback.print_exc()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_trust(identity_pool, amr):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
        },
    }]})


def expect_error(code, fn):
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == code, e.response["Error"]
        return e.response["Error"]
    raise AssertionError(f"expected {code}")


port = free_port()
endpoint = f"http://127.0.0.1:{port}"
data_dir = tempfile.mkdtemp(prefix="cognate-identity-e2e-")
server = subprocess.Popen(
    [BINARY, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}", "--log-level", "warn"],
    env={**os.environ, "COGNATE_OUTBOX": "true", "COGNATE_PASSWORD_REQUESTS_PER_MINUTE": "0"},
)
try:
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{endpoint}/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    creds_file = os.path.join(data_dir, "credentials")
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = creds_file
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(var, None)
    idp = boto3.client("cognito-idp", endpoint_url=endpoint)
    ci = boto3.client("cognito-identity", endpoint_url=endpoint)
    iam = boto3.client("iam", endpoint_url=endpoint)
    sts = boto3.client("sts", endpoint_url=endpoint)

    def user_pool_with_user(name, username):
        pool = idp.create_user_pool(PoolName=name)["UserPool"]["Id"]
        client = idp.create_user_pool_client(
            UserPoolId=pool, ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username=username, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True)
        tokens = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
        return pool, client, tokens["AuthenticationResult"]["IdToken"]

    pool, client, id_token = user_pool_with_user("e2e-identity", "iris")
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool}"
    identity_pool = ci.create_identity_pool(
        IdentityPoolName="e2e", AllowUnauthenticatedIdentities=True, AllowClassicFlow=True,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client, "ServerSideTokenCheck": True}],
    )["IdentityPoolId"]
    auth_role = iam.create_role(RoleName="e2e-authenticated",
                                AssumeRolePolicyDocument=seed_trust(identity_pool, "authenticated"))["Role"]["Arn"]
    iam.put_role_policy(RoleName="e2e-authenticated", PolicyName="pools", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cognito-idp:ListUserPools", "Resource": "*"}]}))
    iam.attach_role_policy(RoleName="e2e-authenticated", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    guest_role = iam.create_role(RoleName="e2e-guest",
                                 AssumeRolePolicyDocument=seed_trust(identity_pool, "unauthenticated"))["Role"]["Arn"]
    ci.set_identity_pool_roles(IdentityPoolId=identity_pool,
                               Roles={"authenticated": auth_role, "unauthenticated": guest_role})
    logins = {provider: id_token}

    def session_of(creds, secret_member="SecretKey"):
        return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds[secret_member],
                             aws_session_token=creds["SessionToken"], region_name="us-east-1")

    def enhanced_flow():
        identity = ci.get_id(IdentityPoolId=identity_pool, Logins=logins)["IdentityId"]
        assert identity.startswith("us-east-1:"), identity
        creds = ci.get_credentials_for_identity(IdentityId=identity, Logins=logins)["Credentials"]
        assert creds["AccessKeyId"].startswith("ASIA"), creds["AccessKeyId"]
        session = session_of(creds)
        me = session.client("sts", endpoint_url=endpoint).get_caller_identity()
        assert me["Arn"] == "arn:aws:sts::000000000000:assumed-role/e2e-authenticated/CognitoIdentityCredentials", me
        as_user = session.client("cognito-idp", endpoint_url=endpoint)
        as_user.list_user_pools(MaxResults=5)
        error = expect_error("AccessDeniedException", lambda: as_user.describe_user_pool(UserPoolId=pool))
        assert error["Message"].startswith("User: arn:aws:sts::000000000000:assumed-role/e2e-authenticated/"), error

    def basic_flow():
        identity = ci.get_id(IdentityPoolId=identity_pool, Logins=logins)["IdentityId"]
        token = ci.get_open_id_token(IdentityId=identity, Logins=logins)["Token"]
        # AssumeRoleWithWebIdentity is unsigned: an anonymous client, as the SDKs send it.
        anonymous = boto3.client("sts", endpoint_url=endpoint, config=botocore.config.Config(signature_version=botocore.UNSIGNED))
        out = anonymous.assume_role_with_web_identity(RoleArn=auth_role, RoleSessionName="basic", WebIdentityToken=token)
        assert out["SubjectFromWebIdentityToken"] == identity, out
        me = session_of(out["Credentials"], "SecretAccessKey").client("sts", endpoint_url=endpoint).get_caller_identity()
        assert me["Arn"] == "arn:aws:sts::000000000000:assumed-role/e2e-authenticated/basic", me

    def guest():
        identity = ci.get_id(IdentityPoolId=identity_pool)["IdentityId"]
        creds = ci.get_credentials_for_identity(IdentityId=identity)["Credentials"]
        me = session_of(creds).client("sts", endpoint_url=endpoint).get_caller_identity()
        assert me["Arn"].startswith("arn:aws:sts::000000000000:assumed-role/e2e-guest/"), me
        # The seed's trust policy (authenticated only) refuses a guest.
        ci.set_identity_pool_roles(IdentityPoolId=identity_pool,
                                   Roles={"authenticated": auth_role, "unauthenticated": auth_role})
        try:
            expect_error("InvalidIdentityPoolConfigurationException",
                         lambda: ci.get_credentials_for_identity(IdentityId=identity))
        finally:
            ci.set_identity_pool_roles(IdentityPoolId=identity_pool,
                                       Roles={"authenticated": auth_role, "unauthenticated": guest_role})

    def another_pools_token():
        other_pool, _, other_token = user_pool_with_user("e2e-other", "otto")
        other_provider = f"cognito-idp.us-east-1.amazonaws.com/{other_pool}"
        expect_error("NotAuthorizedException",
                     lambda: ci.get_id(IdentityPoolId=identity_pool, Logins={other_provider: other_token}))
        expect_error("NotAuthorizedException",
                     lambda: ci.get_id(IdentityPoolId=identity_pool, Logins={provider: other_token}))

    def aws_cli():
        out = subprocess.run(["aws", "sts", "get-caller-identity", "--endpoint-url", endpoint, "--output", "json"],
                             capture_output=True, text=True, check=True)
        me = json.loads(out.stdout)
        assert me["Arn"] == "arn:aws:iam::000000000000:root", me
        out = subprocess.run(["aws", "iam", "get-role", "--role-name", "e2e-authenticated", "--endpoint-url", endpoint,
                              "--output", "json"], capture_output=True, text=True, check=True)
        # The CLI decodes the URL-encoded trust policy, as it does against IAM.
        role = json.loads(out.stdout)["Role"]
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Federated"] == "cognito-identity.amazonaws.com"

    def javascript_sdk():
        out = subprocess.run(["node", os.path.join(HERE, "js", "identity.mjs"), endpoint, identity_pool, provider, id_token,
                              pool, client, "iris", PASSWORD], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout.strip().splitlines()[-1])
        role_session = "arn:aws:sts::000000000000:assumed-role/e2e-authenticated/CognitoIdentityCredentials"
        assert result["accessKeyId"].startswith("ASIA"), result
        assert result["arn"] == role_session, result
        # Amplify's fetchAuthSession: the same user's identity and role credentials.
        amplify = result["amplify"]
        assert amplify["identityId"].startswith("us-east-1:"), amplify
        assert amplify["accessKeyId"].startswith("ASIA") and amplify["arn"] == role_session, amplify
        # Amplify names the login by the token's issuer (Cognate's form); boto3 by AWS's: one identity.
        assert amplify["identityId"] == ci.get_id(IdentityPoolId=identity_pool, Logins=logins)["IdentityId"], amplify

    check("boto3: enhanced flow, credentials act as the role", enhanced_flow)
    check("boto3: basic flow through STS AssumeRoleWithWebIdentity", basic_flow)
    check("boto3: a guest gets the unauthenticated role; the seed trust refuses a guest", guest)
    check("boto3: a token of another pool is refused", another_pools_token)
    check("AWS CLI: sts get-caller-identity, iam get-role", aws_cli)
    check("JavaScript SDK v3 fromCognitoIdentityPool and Amplify fetchAuthSession", javascript_sdk)
finally:
    server.terminate()
    server.wait(timeout=10)

print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
sys.exit(1 if RESULTS["failed"] else 0)
