//! Renders docs/COVERAGE.md from the dispatch tables and the generated operation enums, so the
//! published list of supported operations can never disagree with the code. A test compares the
//! committed file with this output; `COGNATE_BLESS=1 cargo test -p cognate-api coverage` rewrites it.

use std::fmt::Write as _;

use cognate_model::{cognito_identity, cognito_idp, iam, sts};

use crate::dispatch;

/// Operations planned for a later milestone, with the milestone, so users know what is coming.
fn planned(service: &str, op: &str) -> Option<&'static str> {
    match (service, op) {
        ("cognito-idp", _) => Some("later milestone"),
        ("cognito-identity", _) => Some("later milestone"),
        ("sts", "AssumeRoleWithSAML") => Some("federation milestone"),
        ("iam", o) if o.contains("OpenIDConnectProvider") || o.contains("SAMLProvider") => Some("later milestone"),
        _ => None,
    }
}

struct Row {
    name: &'static str,
    is_implemented: bool,
    is_signed: bool,
}

fn section(out: &mut String, service: &str, version: &str, protocol: &str, rows: &[Row]) {
    let done = rows.iter().filter(|r| r.is_implemented).count();
    let _ = writeln!(out, "## {service} ({version}, {protocol}): {done} of {} implemented\n", rows.len());
    out.push_str("| Operation | Status | Authentication |\n| --- | --- | --- |\n");
    for r in rows {
        let status = if r.is_implemented {
            "implemented".to_string()
        } else {
            match planned(service, r.name) {
                Some(when) => format!("not yet ({when})"),
                None => "not planned".to_string(),
            }
        };
        let auth = if r.is_signed { "SigV4" } else { "none" };
        let _ = writeln!(out, "| {} | {status} | {auth} |", r.name);
    }
    out.push('\n');
}

/// The full text of docs/COVERAGE.md.
pub fn render() -> String {
    let mut out = String::from(
        "# Coverage\n\n\
         Generated from the dispatch tables (`crates/api/src/dispatch.rs`) and the vendored AWS models by\n\
         `COGNATE_BLESS=1 cargo test -p cognate-api coverage`; a test fails when this file is stale.\n\n\
         An operation that is not implemented answers HTTP 400 with `NotImplementedException` (JSON services)\n\
         or an XML `NotImplementedException` error (Query services) — never a fake success.\n\n\
         ## Sign-in flows and challenges (InitiateAuth, AdminInitiateAuth, Respond…ToAuthChallenge)\n\n\
         | Flow or challenge | Status |\n| --- | --- |\n\
         | USER_PASSWORD_AUTH | implemented |\n\
         | ADMIN_USER_PASSWORD_AUTH, ADMIN_NO_SRP_AUTH | implemented |\n\
         | REFRESH_TOKEN_AUTH, REFRESH_TOKEN, GetTokensFromRefreshToken (with rotation) | implemented |\n\
         | USER_SRP_AUTH with PASSWORD_VERIFIER | implemented |\n\
         | NEW_PASSWORD_REQUIRED | implemented |\n\
         | DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER (remembered devices skip MFA) | implemented |\n\
         | SOFTWARE_TOKEN_MFA, SMS_MFA, EMAIL_OTP, SELECT_MFA_TYPE, MFA_SETUP | implemented |\n\
         | USER_AUTH (choice-based: PASSWORD, PASSWORD_SRP, EMAIL_OTP, SMS_OTP, SELECT_CHALLENGE) | implemented |\n\
         | WEB_AUTHN (passkeys, with USER_AUTH; registered with Start/CompleteWebAuthnRegistration) | implemented |\n\
         | CUSTOM_AUTH (Lambda triggers) | not yet (triggers milestone) |\n\n\
         A flow that is not implemented answers `InvalidParameterException` saying so.\n\n\
         ## OAuth 2.0, OpenID Connect and the hosted UI (on a pool's domain)\n\n\
         A prefix domain is served under `<public URL>/domains/<prefix>/…` (or `<prefix>.<domain_base_host>`),\n\
         a custom domain on its own Host. Errors use the RFC 6749 shape or an HTML error page.\n\n\
         | Endpoint | Status |\n| --- | --- |\n\
         | `/<poolId>/.well-known/openid-configuration`, `/<poolId>/.well-known/jwks.json` | implemented |\n\
         | `/oauth2/authorize`: `response_type` code and token, exact callback URLs, scopes, `state`, `nonce`, PKCE (S256, plain), `prompt` (login, none) | implemented |\n\
         | `/oauth2/authorize`: `identity_provider` other than COGNITO, `idp_identifier` | not yet (federation milestone) |\n\
         | `/oauth2/token`: authorization_code (PKCE, single use; a replay revokes), refresh_token, client_credentials | implemented |\n\
         | `/oauth2/userInfo` (GET, POST), `/oauth2/revoke`, `/logout` (logout_uri, and redirect_uri + response_type) | implemented |\n\
         | Hosted pages: sign-in (password, or a passkey or an email/SMS code as the pool's first factors allow), MFA codes (TOTP, SMS, email), MFA choice, TOTP set-up with a QR code, new password, sign-up, confirmation, password recovery, sign-out; single sign-on per domain | implemented |\n\
         | Branding: the classic UI customization (CSS, logo) and managed login styles (logo, colours) on the pages | implemented |\n\
         | Hosted pages: passkey registration, email/SMS MFA set-up | not yet (hosted UI milestone) |\n\
         | `/oauth2/idpresponse`, `/saml2/idpresponse` | not yet (federation milestone) |\n\n\
         ## Identity pools, STS and IAM: what is compatible\n\n\
         | Behaviour | Status |\n| --- | --- |\n\
         | Logins: user-pool ID tokens under `cognito-idp.<region>.amazonaws.com/<poolId>` and Cognate's issuer form (signature, issuer, expiry, `aud` a configured client, ServerSideTokenCheck) | implemented |\n\
         | Logins: IAM OpenID Connect providers whose issuer is one of this server's user pools; developer identities | implemented |\n\
         | Logins: external OpenID Connect issuers, social providers (SupportedLoginProviders), SAML providers | not yet (federation milestone): refused with NotAuthorizedException saying so |\n\
         | Enhanced flow (GetId → GetCredentialsForIdentity): default roles, Token and Rules role mappings, AmbiguousRoleResolution, the role's trust policy evaluated, one-hour credentials, guests under AWS's AmazonCognitoUnAuthedIdentitiesSessionPolicy, principal tags as session tags | implemented |\n\
         | Basic flow (GetOpenIdToken → AssumeRoleWithWebIdentity) with AllowClassicFlow; OpenID tokens are RS512 JWTs with issuer `https://cognito-identity.amazonaws.com`, verifiable by this server only (no public JWKS) | implemented |\n\
         | Every signed call to every service authorized by IAM policies (identity, boundary and session policies; conditions; policy variables); the generated admin key is the account's root | implemented |\n\
         | AWS managed policies by ARN: AdministratorAccess, PowerUserAccess, ReadOnlyAccess, IAMFullAccess, IAMReadOnlyAccess, AmazonS3ReadOnlyAccess, the Cognito policies and service-role policies (documents as of 2026-08-22) | implemented |\n\
         | IAM groups (members act with their groups' policies) | implemented |\n\
         | Instance profiles, login profiles, MFA devices, access-key last-used tracking | not yet |\n\n",
    );
    let idp: Vec<Row> = cognito_idp::Operation::ALL
        .iter()
        .map(|&op| Row { name: op.name(), is_implemented: dispatch::idp(op).is_some(), is_signed: op.requires_sigv4() })
        .collect();
    section(&mut out, "cognito-idp", "2016-04-18", "JSON 1.1", &idp);
    let identity: Vec<Row> = cognito_identity::Operation::ALL
        .iter()
        .map(|&op| Row {
            name: op.name(),
            is_implemented: dispatch::identity(op).is_some(),
            is_signed: op.requires_sigv4(),
        })
        .collect();
    section(&mut out, "cognito-identity", "2014-06-30", "JSON 1.1", &identity);
    let sts_rows: Vec<Row> = sts::Operation::ALL
        .iter()
        .map(|&op| Row { name: op.name(), is_implemented: dispatch::sts(op).is_some(), is_signed: op.requires_sigv4() })
        .collect();
    section(&mut out, "sts", "2011-06-15", "Query", &sts_rows);
    let iam_rows: Vec<Row> = iam::Operation::ALL
        .iter()
        .map(|&op| Row { name: op.name(), is_implemented: dispatch::iam(op).is_some(), is_signed: op.requires_sigv4() })
        .collect();
    section(&mut out, "iam", "2010-05-08", "Query", &iam_rows);
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn coverage_md_is_fresh() -> anyhow::Result<()> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/COVERAGE.md");
        let expected = super::render();
        if std::env::var_os("COGNATE_BLESS").is_some() {
            std::fs::write(&path, &expected)?;
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/COVERAGE.md is stale: run `COGNATE_BLESS=1 cargo test -p cognate-api coverage`"
        );
        Ok(())
    }
}
