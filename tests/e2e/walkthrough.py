"""The README walk-through, run as a test with real third-party clients: boto3 and the AWS CLI
against a freshly started `cognate` binary, PyJWT verifying tokens against the served JWKS, and SRP
sign-in with pycognito and amazon-cognito-identity-js (tests/e2e/js, installed by scripts/test), and
the hosted UI with openid-client, a certified OpenID Connect relying party, in headless Chromium
(tests/e2e/oidc).

Usage: python walkthrough.py path/to/cognate
Prints "N passed, N failed" and exits non-zero on any failure.
"""

import base64
import hashlib
import hmac
import json
import os
import struct
import re
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

import boto3
import botocore
import jwt
import pycognito
import pycognito.aws_srp as aws_srp

BINARY = sys.argv[1]
RESULTS = {"passed": 0, "failed": 0}


def check(name, fn):
    try:
        fn()
        RESULTS["passed"] += 1
        print(f"ok   {name}")
    except Exception:  # noqa: BLE001 - report every failure and go on
        RESULTS["failed"] += 1
        print(f"FAIL {name}")
        traceback.print_exc()


def totp(secret_b32, offset_steps=0):
    """RFC 6238 (SHA-1, 30 s, 6 digits), as authenticator apps compute it."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    step = int(time.time()) // 30 + offset_steps
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


data_dir = tempfile.mkdtemp(prefix="cognate-e2e-")
port = free_port()
endpoint = f"http://127.0.0.1:{port}"
server = subprocess.Popen(
    [BINARY, "serve", "--data-dir", data_dir, "--listen", f"127.0.0.1:{port}", "--log-level", "warn"],
    # One client address drives every scenario: the per-address throttle is tested in Rust.
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
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ.pop("AWS_ACCESS_KEY_ID", None)
    os.environ.pop("AWS_SECRET_ACCESS_KEY", None)
    idp = boto3.client("cognito-idp", endpoint_url=endpoint)
    state = {}

    def last_code(to):
        with urllib.request.urlopen(f"{endpoint}/_cognate/outbox") as r:
            messages = json.load(r)["messages"]
        body = [m for m in messages if m["to"] == to][-1]["body"]
        return re.search(r"\d{6}", body).group(0)

    def cli(*args):
        return subprocess.run(
            ["aws", "--endpoint-url", endpoint, "--output", "json", "cognito-idp", *args],
            capture_output=True,
            text=True,
        )

    def aws_cli_creates_pool_with_custom_attribute_and_secret_client():
        out = cli("create-user-pool", "--pool-name", "cli", "--schema", "Name=tenant,AttributeDataType=String")
        assert out.returncode == 0, out.stderr
        pool = json.loads(out.stdout)["UserPool"]
        assert any(a["Name"] == "custom:tenant" for a in pool["SchemaAttributes"])
        assert pool["Arn"].endswith(pool["Id"])
        out = cli("create-user-pool-client", "--user-pool-id", pool["Id"], "--client-name", "web", "--generate-secret")
        assert out.returncode == 0, out.stderr
        assert len(json.loads(out.stdout)["UserPoolClient"]["ClientSecret"]) == 51
        listed = json.loads(cli("list-user-pools", "--max-results", "10").stdout)
        assert pool["Id"] in [p["Id"] for p in listed["UserPools"]]

    def aws_cli_with_a_bad_signature_is_refused():
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wrong"}
        out = subprocess.run(
            ["aws", "--endpoint-url", endpoint, "cognito-idp", "list-user-pools", "--max-results", "1"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert out.returncode != 0 and "UnrecognizedClientException" in out.stderr, out.stderr

    def setup_pool():
        pool = idp.create_user_pool(PoolName="walkthrough", AutoVerifiedAttributes=["email"])["UserPool"]
        client = idp.create_user_pool_client(
            UserPoolId=pool["Id"],
            ClientName="app",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]
        state.update(pool=pool["Id"], client=client["ClientId"])

    def sign_up_with_emailed_code_and_confirm():
        out = idp.sign_up(
            ClientId=state["client"],
            Username="alice",
            Password="Passw0rd!",
            UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
        )
        assert out["UserConfirmed"] is False
        assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
        try:
            idp.confirm_sign_up(ClientId=state["client"], Username="alice", ConfirmationCode="000000")
            raise AssertionError("a wrong code was accepted")
        except idp.exceptions.CodeMismatchException:
            pass
        idp.confirm_sign_up(ClientId=state["client"], Username="alice", ConfirmationCode=last_code("alice@example.com"))

    def sign_in_and_verify_tokens_with_pyjwt():
        auth = idp.initiate_auth(
            ClientId=state["client"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Passw0rd!"},
        )["AuthenticationResult"]
        state["tokens"] = auth
        issuer = f"{endpoint}/{state['pool']}"
        jwks = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json")
        id_token = auth["IdToken"]
        key = jwks.get_signing_key_from_jwt(id_token).key
        claims = jwt.decode(id_token, key, algorithms=["RS256"], audience=state["client"], issuer=issuer)
        assert claims["token_use"] == "id" and claims["email"] == "alice@example.com"
        assert claims["email_verified"] is True
        access = jwt.decode(auth["AccessToken"], key, algorithms=["RS256"], issuer=issuer)
        assert access["token_use"] == "access" and access["client_id"] == state["client"]
        try:
            idp.initiate_auth(
                ClientId=state["client"],
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": "alice", "PASSWORD": "Wrong-pass1"},
            )
            raise AssertionError("a wrong password was accepted")
        except idp.exceptions.NotAuthorizedException as e:
            assert "Incorrect username or password." in str(e)

    def refresh():
        out = idp.initiate_auth(
            ClientId=state["client"],
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": state["tokens"]["RefreshToken"]},
        )["AuthenticationResult"]
        assert "AccessToken" in out and "RefreshToken" not in out

    def update_attribute_with_verification():
        access = state["tokens"]["AccessToken"]
        idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "alice@new.example"}])
        idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=last_code("alice@new.example"))
        attrs = {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=access)["UserAttributes"]}
        assert attrs["email"] == "alice@new.example" and attrs["email_verified"] == "true"

    def change_and_forget_password():
        idp.change_password(
            AccessToken=state["tokens"]["AccessToken"], PreviousPassword="Passw0rd!", ProposedPassword="Changed-1x"
        )
        idp.forgot_password(ClientId=state["client"], Username="alice")
        idp.confirm_forgot_password(
            ClientId=state["client"],
            Username="alice",
            ConfirmationCode=last_code("alice@new.example"),
            Password="Reset-pass-1",
        )
        idp.initiate_auth(
            ClientId=state["client"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Reset-pass-1"},
        )

    def groups_in_tokens():
        idp.create_group(UserPoolId=state["pool"], GroupName="admins", Precedence=1)
        idp.admin_add_user_to_group(UserPoolId=state["pool"], Username="alice", GroupName="admins")
        auth = idp.initiate_auth(
            ClientId=state["client"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "alice", "PASSWORD": "Reset-pass-1"},
        )["AuthenticationResult"]
        claims = jwt.decode(auth["IdToken"], options={"verify_signature": False})
        assert claims["cognito:groups"] == ["admins"]
        state["tokens"] = auth

    def admin_created_user_with_temporary_password():
        idp.admin_create_user(
            UserPoolId=state["pool"], Username="bob", TemporaryPassword="Temp-pass-1", MessageAction="SUPPRESS"
        )
        out = idp.initiate_auth(
            ClientId=state["client"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "bob", "PASSWORD": "Temp-pass-1"},
        )
        assert out["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
        done = idp.respond_to_auth_challenge(
            ClientId=state["client"],
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=out["Session"],
            ChallengeResponses={"USERNAME": "bob", "NEW_PASSWORD": "Bobs-pass-1"},
        )
        assert "IdToken" in done["AuthenticationResult"]

    def global_sign_out():
        access = state["tokens"]["AccessToken"]
        idp.global_sign_out(AccessToken=access)
        try:
            idp.get_user(AccessToken=access)
            raise AssertionError("a signed-out token still works")
        except idp.exceptions.NotAuthorizedException as e:
            assert "revoked" in str(e)

    def srp_pool():
        pool = idp.create_user_pool(
            PoolName="srp", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"]
        )["UserPool"]
        client = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="spa")["UserPoolClient"]
        idp.admin_create_user(
            UserPoolId=pool["Id"],
            Username="sam@example.com",
            UserAttributes=[{"Name": "email", "Value": "sam@example.com"}, {"Name": "email_verified", "Value": "true"}],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=pool["Id"], Username="sam@example.com", Password="Srp-passw0rd", Permanent=True
        )
        state.update(srp_pool=pool["Id"], srp_client=client["ClientId"])

    def pycognito_authenticates_with_srp():
        u = pycognito.Cognito(
            state["srp_pool"],
            state["srp_client"],
            username="sam@example.com",
            boto3_client_kwargs={"endpoint_url": endpoint, "region_name": "us-east-1"},
        )
        u.authenticate(password="Srp-passw0rd")
        u.verify_tokens()  # signature, issuer and claims against Cognate's JWKS
        me = idp.get_user(AccessToken=u.access_token)
        assert {a["Name"]: a["Value"] for a in me["UserAttributes"]}["email"] == "sam@example.com"
        bad = pycognito.Cognito(
            state["srp_pool"],
            state["srp_client"],
            username="sam@example.com",
            boto3_client_kwargs={"endpoint_url": endpoint, "region_name": "us-east-1"},
        )
        try:
            bad.authenticate(password="Wrong-passw0rd")
            raise AssertionError("a wrong password signed in")
        except idp.exceptions.NotAuthorizedException as e:
            assert "Incorrect username or password." in str(e)

    def srp_refuses_stale_timestamps_and_reused_secret_blocks():
        srp = aws_srp.AWSSRP("sam@example.com", "Srp-passw0rd", state["srp_pool"], state["srp_client"], client=idp)
        params = srp.get_auth_params()
        start = idp.initiate_auth(ClientId=state["srp_client"], AuthFlow="USER_SRP_AUTH", AuthParameters=params)
        assert start["ChallengeName"] == "PASSWORD_VERIFIER"
        cp = start["ChallengeParameters"]
        assert cp["USERNAME"] == cp["USER_ID_FOR_SRP"] and cp["USERNAME"] != "sam@example.com"
        answer = srp.process_challenge(cp, params)
        ok = idp.respond_to_auth_challenge(
            ClientId=state["srp_client"], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
        )
        assert "AccessToken" in ok["AuthenticationResult"]
        try:
            idp.respond_to_auth_challenge(
                ClientId=state["srp_client"], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
            )
            raise AssertionError("a SECRET_BLOCK was accepted twice")
        except idp.exceptions.NotAuthorizedException:
            pass
        real = aws_srp.datetime.datetime

        class Stale(real):
            @classmethod
            def utcnow(cls):
                return real.utcnow() - aws_srp.datetime.timedelta(minutes=10)

        srp = aws_srp.AWSSRP("sam@example.com", "Srp-passw0rd", state["srp_pool"], state["srp_client"], client=idp)
        params = srp.get_auth_params()
        start = idp.initiate_auth(ClientId=state["srp_client"], AuthFlow="USER_SRP_AUTH", AuthParameters=params)
        aws_srp.datetime.datetime = Stale
        try:
            answer = srp.process_challenge(start["ChallengeParameters"], params)
        finally:
            aws_srp.datetime.datetime = real
        try:
            idp.respond_to_auth_challenge(
                ClientId=state["srp_client"], ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=answer
            )
            raise AssertionError("a stale TIMESTAMP was accepted")
        except idp.exceptions.NotAuthorizedException as e:
            assert "TIMESTAMP" in str(e)

    def amazon_cognito_identity_js_authenticates_with_srp():
        js = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js", "srp.mjs")
        env = {**os.environ, "COGNATE_ENDPOINT": endpoint, "POOL_ID": state["srp_pool"],
               "CLIENT_ID": state["srp_client"], "USERNAME": "sam@example.com"}
        out = subprocess.run(["node", js], capture_output=True, text=True, env={**env, "PASSWORD": "Srp-passw0rd"})
        assert out.returncode == 0, out.stdout + out.stderr
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        assert seen["ok"] and seen["email"] == "sam@example.com" and seen["refreshedValid"], seen
        out = subprocess.run(["node", js], capture_output=True, text=True, env={**env, "PASSWORD": "Wrong-passw0rd"})
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        assert out.returncode == 2 and seen["code"] == "NotAuthorizedException", out.stdout + out.stderr

    def amazon_cognito_identity_js_sets_up_and_uses_totp_mfa():
        idp.set_user_pool_mfa_config(
            UserPoolId=state["srp_pool"],
            MfaConfiguration="OPTIONAL",
            SoftwareTokenMfaConfiguration={"Enabled": True},
        )
        idp.update_user_pool(
            UserPoolId=state["srp_pool"],
            AutoVerifiedAttributes=["email"],
            MfaConfiguration="OPTIONAL",
            DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False},
        )
        idp.admin_create_user(
            UserPoolId=state["srp_pool"],
            Username="tom@example.com",
            UserAttributes=[{"Name": "email", "Value": "tom@example.com"}],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=state["srp_pool"], Username="tom@example.com", Password="Totp-passw0rd", Permanent=True
        )
        js = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js", "mfa.mjs")
        env = {**os.environ, "COGNATE_ENDPOINT": endpoint, "POOL_ID": state["srp_pool"],
               "CLIENT_ID": state["srp_client"], "USERNAME": "tom@example.com", "PASSWORD": "Totp-passw0rd"}
        out = subprocess.run(["node", js], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stdout + out.stderr
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        assert seen["ok"] and seen["sawChallenge"] and seen["valid"], seen
        assert seen["deviceSkippedMfa"] and seen["deviceKey"], seen
        user = idp.admin_get_user(UserPoolId=state["srp_pool"], Username="tom@example.com")
        assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA", user
        devices = idp.admin_list_devices(UserPoolId=state["srp_pool"], Username="tom@example.com")["Devices"]
        assert seen["deviceKey"] in [d["DeviceKey"] for d in devices], devices

    def amplify_v6_signs_in_under_node():
        js = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js", "amplify.mjs")
        env = {**os.environ, "COGNATE_ENDPOINT": endpoint, "POOL_ID": state["srp_pool"],
               "CLIENT_ID": state["srp_client"], "USERNAME": "sam@example.com"}
        out = subprocess.run(["node", js], capture_output=True, text=True, env={**env, "PASSWORD": "Srp-passw0rd"})
        assert out.returncode == 0, out.stdout + out.stderr
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        assert seen["ok"] and seen["tokenUse"] == "access" and seen["idEmail"] == "sam@example.com", seen
        out = subprocess.run(["node", js], capture_output=True, text=True, env={**env, "PASSWORD": "Wrong-passw0rd"})
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        assert out.returncode == 2 and seen["code"] == "NotAuthorizedException", out.stdout + out.stderr

    def totp_user(username, password):
        """A user of the SRP pool with TOTP set up and preferred; returns the TOTP secret."""
        idp.admin_create_user(
            UserPoolId=state["srp_pool"],
            Username=username,
            UserAttributes=[{"Name": "email", "Value": username}],
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(UserPoolId=state["srp_pool"], Username=username, Password=password, Permanent=True)
        kwargs = {"endpoint_url": endpoint, "region_name": "us-east-1"}
        u = pycognito.Cognito(state["srp_pool"], state["srp_client"], username=username, boto3_client_kwargs=kwargs)
        u.authenticate(password=password)
        secret = idp.associate_software_token(AccessToken=u.access_token)["SecretCode"]
        idp.verify_software_token(AccessToken=u.access_token, UserCode=totp(secret))
        idp.set_user_mfa_preference(
            AccessToken=u.access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}
        )
        return secret

    def pycognito_answers_totp_mfa():
        secret = totp_user("pat@example.com", "Pat-passw0rd")
        kwargs = {"endpoint_url": endpoint, "region_name": "us-east-1"}
        u = pycognito.Cognito(state["srp_pool"], state["srp_client"], username="pat@example.com", boto3_client_kwargs=kwargs)
        try:
            u.authenticate(password="Pat-passw0rd")
            raise AssertionError("signed in without TOTP")
        except pycognito.exceptions.SoftwareTokenMFAChallengeException as challenge:
            # The verification used this step; codes work once, so answer with the next one.
            u.respond_to_software_token_mfa_challenge(totp(secret, 1), challenge.get_tokens())
        u.verify_tokens()
        idp.get_user(AccessToken=u.access_token)

    def amplify_answers_totp_mfa():
        secret = totp_user("amy@example.com", "Amy-passw0rd")
        js = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js", "amplify_totp.mjs")
        env = {**os.environ, "COGNATE_ENDPOINT": endpoint, "POOL_ID": state["srp_pool"],
               "CLIENT_ID": state["srp_client"], "USERNAME": "amy@example.com", "PASSWORD": "Amy-passw0rd",
               "TOTP_CODE": totp(secret, 1)}
        out = subprocess.run(["node", js], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stdout + out.stderr
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        assert seen["ok"] and seen["step"] == "CONFIRM_SIGN_IN_WITH_TOTP_CODE" and seen["tokenUse"] == "access", seen

    def browser_authenticator_signs_up_and_in():
        """Amplify's Authenticator in a page on its own origin, in headless Chromium (tests/e2e/browser)."""
        pools = {}
        for name, requires_totp in [("plain", False), ("totp", True)]:
            pool = idp.create_user_pool(
                PoolName=f"browser-{name}", AutoVerifiedAttributes=["email"],
                Schema=[{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}],
            )["UserPool"]["Id"]
            if requires_totp:
                idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON",
                                             SoftwareTokenMfaConfiguration={"Enabled": True})
            client = idp.create_user_pool_client(
                UserPoolId=pool, ClientName="web", PreventUserExistenceErrors="ENABLED",
                ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            )["UserPoolClient"]["ClientId"]
            pools[name] = {"userPoolId": pool, "clientId": client, "totp": requires_totp}
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser")
        config = os.path.join(data_dir, "browser-config.json")
        with open(config, "w") as f:
            json.dump({"endpoint": endpoint, "pools": pools}, f)
        page_port = free_port()
        page = subprocess.Popen(["node", os.path.join(here, "serve.mjs"), str(page_port), config],
                                stdout=subprocess.DEVNULL)
        try:
            out = subprocess.run(["node", os.path.join(here, "run.mjs"), f"http://127.0.0.1:{page_port}", endpoint],
                                 capture_output=True, text=True, timeout=300)
            print(out.stdout, end="")
            assert out.returncode == 0, out.stdout + out.stderr
        finally:
            page.terminate()
            page.wait(timeout=10)

    def browser_passkeys_with_amplify():
        """Amplify's passkey APIs in a page on http://localhost (the relying party ID Cognate gives
        a deployment on an address), in headless Chromium with its virtual authenticator
        (tests/e2e/browser/passkey.mjs): one pool with Cognito's passkey defaults, one whose passkeys
        only prefer user verification."""
        pools = {}
        user = {"username": "pia", "password": "Passkey-passw0rd"}
        for name, user_verification in [("passkey", None), ("preferred", "preferred")]:
            pool = idp.create_user_pool(
                PoolName=f"browser-{name}",
                Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "WEB_AUTHN"]}},
            )["UserPool"]["Id"]
            if user_verification:
                idp.set_user_pool_mfa_config(
                    UserPoolId=pool, MfaConfiguration="OFF",
                    WebAuthnConfiguration={"RelyingPartyId": "localhost", "UserVerification": user_verification},
                )
            client = idp.create_user_pool_client(
                UserPoolId=pool, ClientName="web",
                ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            )["UserPoolClient"]["ClientId"]
            idp.admin_create_user(UserPoolId=pool, Username=user["username"], MessageAction="SUPPRESS")
            idp.admin_set_user_password(UserPoolId=pool, Username=user["username"], Password=user["password"],
                                        Permanent=True)
            pools[name] = {"userPoolId": pool, "clientId": client}
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser")
        config = os.path.join(data_dir, "passkey-config.json")
        with open(config, "w") as f:
            json.dump({"endpoint": endpoint, "pools": pools, "user": user}, f)
        page_port = free_port()
        page = subprocess.Popen(["node", os.path.join(here, "serve.mjs"), str(page_port), config],
                                stdout=subprocess.DEVNULL)
        try:
            # localhost, not 127.0.0.1: a page may use only a relying party ID its host is within.
            out = subprocess.run(["node", os.path.join(here, "passkey.mjs"), f"http://localhost:{page_port}", config],
                                 capture_output=True, text=True, timeout=300)
            print(out.stdout, end="")
            failed = [line for line in out.stdout.splitlines() if line.startswith("FAIL")]
            assert out.returncode == 0, "\n".join(failed) + out.stderr
        finally:
            page.terminate()
            page.wait(timeout=10)

    def hosted_ui_pools_domains_and_clients():
        """Two pools with hosted-UI domains for the openid-client app (tests/e2e/oidc): one with a
        confidential and a public client, one that requires TOTP MFA; discovery names the domain's
        endpoints."""
        app_port = free_port()
        app_url = f"http://localhost:{app_port}"
        oauth = {
            "AllowedOAuthFlowsUserPoolClient": True,
            "AllowedOAuthFlows": ["code"],
            "AllowedOAuthScopes": ["openid", "email", "profile", "aws.cognito.signin.user.admin"],
            "CallbackURLs": [f"{app_url}/callback"],
            "LogoutURLs": [f"{app_url}/signed-out"],
            "SupportedIdentityProviders": ["COGNITO"],
        }
        stamp = base64.b32encode(os.urandom(5)).decode().lower()
        clients = {}
        prefixes = {}
        for kind in ["plain", "mfa"]:
            pool = idp.create_user_pool(PoolName=f"hosted-{kind}", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
            if kind == "mfa":
                idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="ON",
                                             SoftwareTokenMfaConfiguration={"Enabled": True})
            prefix = f"walk-{kind}-{stamp}"
            idp.create_user_pool_domain(UserPoolId=pool, Domain=prefix)
            prefixes[kind] = prefix
            issuer = f"{endpoint}/{pool}"
            base = f"{endpoint}/domains/{prefix}"
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration") as r:
                discovery = json.load(r)
            expected = {
                "issuer": issuer,
                "jwks_uri": f"{issuer}/.well-known/jwks.json",
                "authorization_endpoint": f"{base}/oauth2/authorize",
                "token_endpoint": f"{base}/oauth2/token",
                "userinfo_endpoint": f"{base}/oauth2/userInfo",
                "revocation_endpoint": f"{base}/oauth2/revoke",
                "end_session_endpoint": f"{base}/logout",
            }
            assert {k: discovery.get(k) for k in expected} == expected, discovery
            names = [("web", True, "client_secret_basic"), ("second", False, "none")] if kind == "plain" \
                else [("mfa", True, "client_secret_post")]
            for name, secret, auth in names:
                client = idp.create_user_pool_client(
                    UserPoolId=pool, ClientName=name, GenerateSecret=secret, **oauth
                )["UserPoolClient"]
                clients[name] = {"issuer": issuer, "clientId": client["ClientId"],
                                 "clientSecret": client.get("ClientSecret"), "auth": auth}
            state[f"hosted_{kind}_pool"] = pool
        mfa_user = {"username": f"mia-{stamp}", "password": "Mfa-passw0rd", "email": f"mia-{stamp}@example.com"}
        idp.admin_create_user(
            UserPoolId=state["hosted_mfa_pool"], Username=mfa_user["username"], MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": mfa_user["email"]}, {"Name": "email_verified", "Value": "true"}],
        )
        idp.admin_set_user_password(UserPoolId=state["hosted_mfa_pool"], Username=mfa_user["username"],
                                    Password=mfa_user["password"], Permanent=True)
        state["oidc"] = {"cognate": endpoint, "appUrl": app_url, "port": app_port, "prefix": prefixes["plain"],
                         "mfaPrefix": prefixes["mfa"], "clients": clients, "mfaUser": mfa_user}

    def openid_client_signs_in_through_the_hosted_ui():
        """openid-client (certified OpenID Connect RP) in a web app on its own origin, driven in
        headless Chromium through the hosted pages (tests/e2e/oidc)."""
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "oidc")
        config = os.path.join(data_dir, "oidc-config.json")
        with open(config, "w") as f:
            json.dump(state["oidc"], f)
        app = subprocess.Popen(["node", os.path.join(here, "app.mjs"), config], stdout=subprocess.PIPE, text=True)
        try:
            line = app.stdout.readline()  # the app prints one line once it listens (after discovery)
            assert line.startswith("relying party on"), f"app.mjs did not start: {line!r}"
            out = subprocess.run(["node", os.path.join(here, "run.mjs"), config],
                                 capture_output=True, text=True, timeout=300)
            print(out.stdout, end="")
            assert out.returncode == 0, out.stdout + out.stderr
            mfa_user = state["oidc"]["mfaUser"]["username"]
            user = idp.admin_get_user(UserPoolId=state["hosted_mfa_pool"], Username=mfa_user)
            assert "SOFTWARE_TOKEN_MFA" in user.get("UserMFASettingList", []), user
        finally:
            app.terminate()
            app.wait(timeout=10)

    check("aws cli creates a pool with a custom attribute and a client with a secret",
          aws_cli_creates_pool_with_custom_attribute_and_secret_client)
    check("aws cli with a bad signature is refused", aws_cli_with_a_bad_signature_is_refused)
    check("boto3 creates a pool and client", setup_pool)
    check("sign-up with an emailed code, confirmation", sign_up_with_emailed_code_and_confirm)
    check("sign-in; PyJWT verifies the tokens against the JWKS", sign_in_and_verify_tokens_with_pyjwt)
    check("refresh", refresh)
    check("attribute update with verification", update_attribute_with_verification)
    check("password change and forgot-password", change_and_forget_password)
    check("groups in the tokens", groups_in_tokens)
    check("admin-created user with a temporary password", admin_created_user_with_temporary_password)
    check("global sign-out", global_sign_out)
    check("SRP: a pool with email as username", srp_pool)
    check("SRP: pycognito authenticates (and a wrong password fails)", pycognito_authenticates_with_srp)
    check("SRP: stale TIMESTAMP and reused SECRET_BLOCK are refused", srp_refuses_stale_timestamps_and_reused_secret_blocks)
    check("SRP: amazon-cognito-identity-js signs in, reads attributes, refreshes",
          amazon_cognito_identity_js_authenticates_with_srp)
    check("SRP: Amplify Auth v6 signs in under Node (and a wrong password fails)", amplify_v6_signs_in_under_node)
    check("MFA and devices: amazon-cognito-identity-js sets up TOTP, answers SOFTWARE_TOKEN_MFA, remembers a device",
          amazon_cognito_identity_js_sets_up_and_uses_totp_mfa)
    check("MFA: pycognito answers SOFTWARE_TOKEN_MFA", pycognito_answers_totp_mfa)
    check("MFA: Amplify Auth v6 answers CONFIRM_SIGN_IN_WITH_TOTP_CODE", amplify_answers_totp_mfa)
    check("browser: Amplify's Authenticator on another origin signs up, confirms, signs in (SRP, TOTP) and out "
          "in headless Chromium", browser_authenticator_signs_up_and_in)
    check("passkeys: Amplify registers, lists and deletes a passkey and signs in with it alone (USER_AUTH, "
          "WEB_AUTHN) in headless Chromium with a virtual authenticator; a missing or deleted passkey does not",
          browser_passkeys_with_amplify)
    check("hosted UI: pools with domains and OAuth clients; discovery names the domain's endpoints",
          hosted_ui_pools_domains_and_clients)
    check("hosted UI: openid-client signs up, confirms, signs in (and a wrong password fails), single sign-on, "
          "refresh, revocation, sign-out and TOTP MFA in headless Chromium",
          openid_client_signs_in_through_the_hosted_ui)
finally:
    server.terminate()
    server.wait(timeout=10)

print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
sys.exit(1 if RESULTS["failed"] else 0)
