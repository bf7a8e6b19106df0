//! `cognate-bench`: a load generator that drives a running Cognate over HTTP with N concurrent
//! workers and prints throughput and p50/p99 latency per scenario, plus the bare argon2id hash
//! rate with the server's default parameters on this machine. It speaks the wire protocol
//! directly (JSON over HTTP, SigV4 for admin calls) so the client costs little next to the server.
//! See docs/BENCHMARK.md for how to run it and the figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Instant, SystemTime};

use anyhow::{Context as _, bail};
use clap::Parser;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(name = "cognate-bench", about = "Load generator for a running Cognate")]
struct Args {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:9229")]
    endpoint: String,
    /// Shared-credentials file with the admin key (the server's data/credentials).
    #[arg(long, default_value = "data/credentials")]
    credentials: String,
    /// Concurrent workers.
    #[arg(long, default_value_t = 16)]
    workers: usize,
    /// Requests per scenario.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Scenarios to run: signup, password, srp, refresh, getuser, listusers, hashrate,
    /// enumeration (known vs unknown users' latency, sequential), floor (a request that touches
    /// no store: an unknown operation, and /health with one store ping), rsasign (the bare
    /// RSA-2048 signing rate), clientcredentials, oauthrefresh and authcode (the
    /// client_credentials, refresh_token and authorization_code grants at /oauth2/token; authcode
    /// mints its codes ahead through the hosted UI).
    /// With floor, getuser, refresh, clientcredentials and rsasign in one run it prints GetUser's
    /// share of the floor and refresh's and client_credentials' shares of what signing allows.
    #[arg(long, value_delimiter = ',', default_value = "hashrate,signup,password,srp,refresh,getuser")]
    scenarios: Vec<String>,
    /// Users in the pool for `listusers` (seeded with AdminCreateUser; start the server with
    /// cheap hashing for seeding, see docs/BENCHMARK.md).
    #[arg(long, default_value_t = 100_000)]
    users: usize,
}

struct Client {
    http: reqwest::Client,
    endpoint: String,
    key: String,
    secret: String,
}

impl Client {
    /// A form POST to the token endpoint that must succeed.
    async fn token_endpoint(&self, url: &str, authorization: Option<&str>, form: String) -> anyhow::Result<()> {
        let mut req = self.http.post(url).header("content-type", "application/x-www-form-urlencoded").body(form);
        if let Some(a) = authorization {
            req = req.header("authorization", a);
        }
        let resp = req.send().await?;
        let ok = resp.status().is_success();
        let _ = resp.bytes().await?;
        if ok { Ok(()) } else { bail!("token endpoint failed") }
    }

    /// A request that fails as `expected_status` (e.g. an unknown operation): Ok when it does.
    async fn expect_status(&self, target: &str, expected_status: u16) -> anyhow::Result<()> {
        let resp = self
            .http
            .post(format!("{}/", self.endpoint))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", target)
            .body("{}")
            .send()
            .await?;
        let status = resp.status().as_u16();
        let _ = resp.bytes().await?;
        if status == expected_status { Ok(()) } else { bail!("{target}: HTTP {status}") }
    }

    async fn call(&self, op: &str, body: &Value, signed: bool) -> anyhow::Result<Value> {
        let url = format!("{}/", self.endpoint);
        let body = body.to_string();
        let target = format!("AWSCognitoIdentityProviderService.{op}");
        let mut req = self
            .http
            .post(&url)
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", &target)
            .body(body.clone());
        if signed {
            for (k, v) in self.sign(&url, &target, &body)? {
                req = req.header(k, v);
            }
        }
        let resp = req.send().await?;
        let status = resp.status();
        let v: Value = resp.json().await?;
        if !status.is_success() {
            bail!("{op}: {status} {v}");
        }
        Ok(v)
    }

    /// A JSON call to any service, signed with `creds` (key, secret, session token) when given.
    async fn call_as(
        &self,
        target: &str,
        service: &str,
        body: &Value,
        creds: Option<&(String, String, Option<String>)>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}/", self.endpoint);
        let body = body.to_string();
        let content_type = "application/x-amz-json-1.1";
        let mut req =
            self.http.post(&url).header("content-type", content_type).header("x-amz-target", target).body(body.clone());
        if let Some(creds) = creds {
            let headers = [("content-type", content_type), ("x-amz-target", target)];
            for (k, v) in sign_request(&url, &headers, &body, service, creds)? {
                req = req.header(k, v);
            }
        }
        let resp = req.send().await?;
        let status = resp.status();
        let v: Value = resp.json().await?;
        if !status.is_success() {
            bail!("{target}: {status} {v}");
        }
        Ok(v)
    }

    /// A Query-protocol (IAM) call signed with the admin key; the XML answer as text.
    async fn iam(&self, params: &[(&str, &str)]) -> anyhow::Result<String> {
        let url = format!("{}/", self.endpoint);
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("Version", "2010-05-08");
        for (k, v) in params {
            form.append_pair(k, v);
        }
        let body = form.finish();
        let content_type = "application/x-www-form-urlencoded";
        let creds = (self.key.clone(), self.secret.clone(), None);
        let mut req = self.http.post(&url).header("content-type", content_type).body(body.clone());
        for (k, v) in sign_request(&url, &[("content-type", content_type)], &body, "iam", &creds)? {
            req = req.header(k, v);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let text = resp.text().await?;
        if !status.is_success() {
            bail!("IAM {params:?}: {status} {text}");
        }
        Ok(text)
    }

    fn sign(&self, url: &str, target: &str, body: &str) -> anyhow::Result<Vec<(String, String)>> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
        let host = url.trim_start_matches("http://").trim_start_matches("https://").trim_end_matches('/').to_string();
        let headers =
            [("content-type", "application/x-amz-json-1.1"), ("host", host.as_str()), ("x-amz-target", target)];
        let identity = aws_credential_types::Credentials::new(&self.key, &self.secret, None, None, "bench").into();
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("cognito-idp")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()?
            .into();
        let signable =
            SignableRequest::new("POST", url, headers.iter().copied(), SignableBody::Bytes(body.as_bytes()))?;
        let (instructions, _) = sign(signable, &params)?.into_parts();
        let mut req = http::Request::builder().method("POST").uri(url).body(())?;
        instructions.apply_to_request_http1x(&mut req);
        Ok(req
            .headers()
            .iter()
            .filter(|(k, _)| *k == "authorization" || k.as_str().starts_with("x-amz-"))
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.to_string(), v.to_string())))
            .collect())
    }
}

/// SigV4 headers for a POST of `body` to `url` for `service`.
fn sign_request(
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
    service: &str,
    creds: &(String, String, Option<String>),
) -> anyhow::Result<Vec<(String, String)>> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let host = url.trim_start_matches("http://").trim_start_matches("https://").trim_end_matches('/').to_string();
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    all.push(("host", host.as_str()));
    let identity = aws_credential_types::Credentials::new(&creds.0, &creds.1, creds.2.clone(), None, "bench").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()?
        .into();
    let signable = SignableRequest::new("POST", url, all.iter().copied(), SignableBody::Bytes(body.as_bytes()))?;
    let (instructions, _) = sign(signable, &params)?.into_parts();
    let mut req = http::Request::builder().method("POST").uri(url).body(())?;
    instructions.apply_to_request_http1x(&mut req);
    Ok(req
        .headers()
        .iter()
        .filter(|(k, _)| *k == "authorization" || k.as_str().starts_with("x-amz-"))
        .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.to_string(), v.to_string())))
        .collect())
}

/// The text of the first `<tag>` of an XML answer.
fn xml_value(xml: &str, tag: &str) -> anyhow::Result<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open).context("tag missing")? + open.len();
    let end = xml[start..].find('<').context("tag not closed")? + start;
    Ok(xml[start..end].to_string())
}

/// GetId + GetCredentialsForIdentity for a signed-in user (the enhanced flow), and the
/// throughput of a policy-checked admin call (an IAM user's key with a realistic policy) next to
/// the same call with the root key.
async fn identity_and_policy(
    c: &Arc<Client>,
    pool_id: &str,
    client_id: &str,
    id_token: &str,
    workers: usize,
    requests: usize,
) -> anyhow::Result<()> {
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{pool_id}");
    let identity_pool = c
        .call_as(
            "AWSCognitoIdentityService.CreateIdentityPool",
            "cognito-identity",
            &json!({"IdentityPoolName": "bench", "AllowUnauthenticatedIdentities": false,
                    "CognitoIdentityProviders": [{"ProviderName": provider, "ClientId": client_id}]}),
            Some(&(c.key.clone(), c.secret.clone(), None)),
        )
        .await?["IdentityPoolId"]
        .as_str()
        .context("identity pool id")?
        .to_string();
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]})
    .to_string();
    let role_name = format!("bench-{}", &identity_pool[10..18]);
    let role =
        c.iam(&[("Action", "CreateRole"), ("RoleName", &role_name), ("AssumeRolePolicyDocument", &trust)]).await?;
    let role_arn = xml_value(&role, "Arn")?;
    c.iam(&[
        ("Action", "AttachRolePolicy"),
        ("RoleName", &role_name),
        ("PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
    ])
    .await?;
    c.call_as(
        "AWSCognitoIdentityService.SetIdentityPoolRoles",
        "cognito-identity",
        &json!({"IdentityPoolId": identity_pool, "Roles": {"authenticated": role_arn}}),
        Some(&(c.key.clone(), c.secret.clone(), None)),
    )
    .await?;
    {
        let (c, identity_pool, provider, token) =
            (c.clone(), identity_pool.clone(), provider.clone(), id_token.to_string());
        measure("GetId + GetCredentialsForIdentity", workers, requests, move |_| {
            let (c, pool, provider, token) = (c.clone(), identity_pool.clone(), provider.clone(), token.clone());
            async move {
                let logins = json!({ provider: token });
                let id = c
                    .call_as(
                        "AWSCognitoIdentityService.GetId",
                        "cognito-identity",
                        &json!({"IdentityPoolId": pool, "Logins": logins}),
                        None,
                    )
                    .await?;
                let body = json!({"IdentityId": id["IdentityId"], "Logins": logins});
                c.call_as("AWSCognitoIdentityService.GetCredentialsForIdentity", "cognito-identity", &body, None)
                    .await?;
                Ok(())
            }
        })
        .await?;
    }

    // A scoped operator: three statements with conditions, as a real least-privilege key has.
    let pool_arn = format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool_id}");
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Users", "Effect": "Allow", "Action": ["cognito-idp:AdminGetUser", "cognito-idp:AdminCreateUser", "cognito-idp:List*"],
         "Resource": pool_arn, "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]},
                                            "DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "cognito-idp:*Delete*", "Resource": "*"},
        {"Sid": "Transport", "Effect": "Deny", "NotAction": "cognito-idp:*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]})
    .to_string();
    let user = format!("bench-operator-{}", &identity_pool[10..18]);
    c.iam(&[("Action", "CreateUser"), ("UserName", &user)]).await?;
    c.iam(&[("Action", "PutUserPolicy"), ("UserName", &user), ("PolicyName", "operator"), ("PolicyDocument", &policy)])
        .await?;
    c.iam(&[
        ("Action", "AttachUserPolicy"),
        ("UserName", &user),
        ("PolicyArn", "arn:aws:iam::aws:policy/AmazonCognitoReadOnly"),
    ])
    .await?;
    let key = c.iam(&[("Action", "CreateAccessKey"), ("UserName", &user)]).await?;
    let operator = (xml_value(&key, "AccessKeyId")?, xml_value(&key, "SecretAccessKey")?, None);
    let body = json!({"UserPoolId": pool_id, "Username": "bench-user-0"});
    let root = (c.key.clone(), c.secret.clone(), None);
    let mut rates = Vec::new();
    for (name, creds) in [("AdminGetUser (root key)", root), ("AdminGetUser (IAM user, policy)", operator)] {
        let (c, body) = (c.clone(), body.clone());
        rates.push(
            measure(name, workers, requests * 4, move |_| {
                let (c, body, creds) = (c.clone(), body.clone(), creds.clone());
                async move {
                    c.call_as("AWSCognitoIdentityProviderService.AdminGetUser", "cognito-idp", &body, Some(&creds))
                        .await
                        .map(|_| ())
                }
            })
            .await?,
        );
    }
    println!(
        "{:<28} {:>8.0} %  of the root key's throughput (policy lookup and evaluation per call)",
        "ratio policy-checked",
        100.0 * rates[1] / rates[0]
    );
    Ok(())
}

/// One SRP sign-in as a client does it: InitiateAuth USER_SRP_AUTH, then RespondToAuthChallenge
/// PASSWORD_VERIFIER with the proof (the client's arithmetic runs off the async threads).
async fn srp_sign_in(c: &Client, client_id: &str, pool_name: &str, username: &str) -> anyhow::Result<()> {
    use base64::Engine as _;
    use cognate_domain::srp::{SrpClient, format_timestamp};
    let srp = Arc::new(tokio::task::spawn_blocking(SrpClient::random).await?);
    let start = json!({"ClientId": client_id, "AuthFlow": "USER_SRP_AUTH",
                       "AuthParameters": {"USERNAME": username, "SRP_A": srp.a_hex()}});
    let challenge = c.call("InitiateAuth", &start, false).await?;
    let p = &challenge["ChallengeParameters"];
    let field = |k: &str| p[k].as_str().map(str::to_string).context(format!("no {k}"));
    let (salt, big_b, block, user_id) =
        (field("SALT")?, field("SRP_B")?, field("SECRET_BLOCK")?, field("USER_ID_FOR_SRP")?);
    let timestamp = format_timestamp(time::OffsetDateTime::now_utc());
    let block_bytes = base64::engine::general_purpose::STANDARD.decode(&block)?;
    let (name, id, ts) = (pool_name.to_string(), user_id.clone(), timestamp.clone());
    let signature =
        tokio::task::spawn_blocking(move || srp.sign(&salt, &big_b, &name, &id, "Passw0rd!", &block_bytes, &ts))
            .await?;
    let answer = json!({"ClientId": client_id, "ChallengeName": "PASSWORD_VERIFIER",
                        "ChallengeResponses": {"USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block,
                                               "PASSWORD_CLAIM_SIGNATURE": signature, "TIMESTAMP": timestamp}});
    let done = c.call("RespondToAuthChallenge", &answer, false).await?;
    if done["AuthenticationResult"]["AccessToken"].is_null() {
        bail!("no tokens");
    }
    Ok(())
}

/// Creates `username` with the bench password, confirmed, with a verified email.
async fn confirmed(c: &Client, pool_id: &str, username: &str) -> anyhow::Result<()> {
    let email = format!("{username}@example.com");
    c.call(
        "AdminCreateUser",
        &json!({"UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS",
                "UserAttributes": [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]}),
        true,
    )
    .await?;
    c.call(
        "AdminSetUserPassword",
        &json!({"UserPoolId": pool_id, "Username": username, "Password": "Passw0rd!", "Permanent": true}),
        true,
    )
    .await?;
    Ok(())
}

/// Latency of known and unknown users' requests, side by side, for every operation that takes a
/// bare username from an unauthenticated caller, through a client that hides user existence.
/// Requests run one at a time, alternating known and unknown, each name used once per probe (so
/// no lockout or send limit is reached). Reported, not asserted: the point is that the two
/// distributions overlap.
async fn enumeration(c: &Client, pool_id: &str) -> anyhow::Result<()> {
    const NAMES: usize = 60;
    let client = c
        .call(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "hidden",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                    "PreventUserExistenceErrors": "ENABLED"}),
            true,
        )
        .await?;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().context("client id")?.to_string();
    for k in 0..NAMES {
        confirmed(c, pool_id, &format!("known-{k}")).await?;
    }
    let a_hex = "02";
    type Probe = fn(&str, &str, &str) -> (&'static str, Value);
    let probes: [(&str, Probe); 4] = [
        ("USER_SRP_AUTH step 1", |client, name, a| {
            (
                "InitiateAuth",
                json!({"ClientId": client, "AuthFlow": "USER_SRP_AUTH",
                                    "AuthParameters": {"USERNAME": name, "SRP_A": a}}),
            )
        }),
        ("USER_PASSWORD_AUTH wrong", |client, name, _| {
            (
                "InitiateAuth",
                json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                    "AuthParameters": {"USERNAME": name, "PASSWORD": "Wrong-pass-1"}}),
            )
        }),
        ("ForgotPassword", |client, name, _| ("ForgotPassword", json!({"ClientId": client, "Username": name}))),
        ("ConfirmForgotPassword wrong", |client, name, _| {
            (
                "ConfirmForgotPassword",
                json!({"ClientId": client, "Username": name, "ConfirmationCode": "000000",
                                             "Password": "New-pass-123"}),
            )
        }),
    ];
    println!("{:<28} {:>22} {:>22} {:>7}", "enumeration (ms)", "known p10/p50/p90", "unknown p10/p50/p90", "p50 ratio");
    for (round, (label, probe)) in probes.into_iter().enumerate() {
        let mut known = Vec::new();
        let mut unknown = Vec::new();
        for k in 0..NAMES {
            for (name, into) in [(format!("known-{k}"), &mut known), (format!("nobody-{k}-{round}"), &mut unknown)] {
                let (op, body) = probe(&client_id, &name, a_hex);
                let t = Instant::now();
                let _ = c.call(op, &body, false).await;
                into.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        let pct = |v: &mut Vec<f64>, p: f64| {
            v.sort_by(f64::total_cmp);
            v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
        };
        let (k10, k50, k90) = (pct(&mut known, 0.1), pct(&mut known, 0.5), pct(&mut known, 0.9));
        let (u10, u50, u90) = (pct(&mut unknown, 0.1), pct(&mut unknown, 0.5), pct(&mut unknown, 0.9));
        println!(
            "{label:<28} {:>22} {:>22} {:>7.2}",
            format!("{k10:.1}/{k50:.1}/{k90:.1}"),
            format!("{u10:.1}/{u50:.1}/{u90:.1}"),
            u50 / k50
        );
    }
    Ok(())
}

fn read_credentials(path: &str) -> anyhow::Result<(String, String)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.split_once('=').filter(|(k, _)| k.trim() == name).map(|(_, v)| v.trim().to_string()))
    };
    Ok((value("aws_access_key_id").context("no access key")?, value("aws_secret_access_key").context("no secret")?))
}

/// Runs `requests` calls of `f(i)` over `workers` tasks and prints the figures.
async fn measure<F, Fut>(name: &str, workers: usize, requests: usize, f: F) -> anyhow::Result<f64>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let f = f.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let t = Instant::now();
                if f(i).await.is_err() {
                    errors += 1;
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        all.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).copied().unwrap_or_default()
    };
    let rate = all.len() as f64 / elapsed;
    println!(
        "{name:<28} {:>8} req  {:>9.1} req/s  p50 {:>8.2} ms  p99 {:>8.2} ms  errors {errors}",
        all.len(),
        rate,
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
    );
    Ok(rate)
}

/// The bare argon2id hash rate with the server's default parameters, on every core.
fn hash_rate(workers: usize) -> f64 {
    let params = cognate_domain::passwords::Argon2Params::default();
    let started = Instant::now();
    let per_thread = 60;
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            std::thread::spawn(move || {
                use argon2::password_hash::{PasswordHasher as _, SaltString};
                let p = argon2::Params::new(params.memory_kib, params.iterations, params.parallelism, None).ok();
                let Some(p) = p else { return };
                let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p);
                for i in 0..per_thread {
                    let salt = SaltString::encode_b64(format!("benchsalt{i:08}").as_bytes());
                    if let Ok(salt) = salt {
                        let _ = a.hash_password(b"Passw0rd!", &salt);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    let rate = (workers * per_thread) as f64 / started.elapsed().as_secs_f64();
    println!(
        "{:<28} {:>8} hashes {:>8.1} hash/s  ({} threads, m={} KiB, t={}, p={})",
        "argon2id bare hash rate",
        workers * per_thread,
        rate,
        workers,
        params.memory_kib,
        params.iterations,
        params.parallelism
    );
    rate
}

/// The bare RSA-2048 (RS256, PKCS#1 v1.5 with SHA-256) signing rate of the library and key form
/// the server signs tokens with (aws-lc, a parsed key pair), on every core: the ceiling refresh is
/// measured against (a refresh signs two tokens).
fn rsa_sign_rate(threads: usize) -> anyhow::Result<f64> {
    use rsa::pkcs8::EncodePrivateKey as _;
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)?;
    let der = key.to_pkcs8_der()?;
    let pair = Arc::new(
        aws_lc_rs::signature::RsaKeyPair::from_pkcs8(der.as_bytes()).map_err(|e| anyhow::anyhow!("RSA key: {e}"))?,
    );
    let per_thread = 400;
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let pair = pair.clone();
            std::thread::spawn(move || {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                let mut signature = vec![0u8; pair.public_modulus_len()];
                for i in 0..per_thread {
                    let message = format!("header.{{\"sub\":\"user-{t}-{i}\",\"token_use\":\"access\"}}");
                    let _ =
                        pair.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &rng, message.as_bytes(), &mut signature);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let rate = (threads * per_thread) as f64 / started.elapsed().as_secs_f64();
    println!(
        "{:<28} {:>8} signs  {:>9.1} sign/s  ({threads} threads, RS256, 2048-bit, aws-lc)",
        "RSA-2048 bare sign rate",
        threads * per_thread,
        rate
    );
    Ok(rate)
}

/// The client_credentials grant at `/oauth2/token`: a resource server, a machine client, and one
/// RSA signature per token. Prints the rate against the bare sign rate when that was measured.
async fn client_credentials(
    c: &Arc<Client>,
    pool_id: &str,
    workers: usize,
    requests: usize,
    rsa_rate: Option<f64>,
) -> anyhow::Result<()> {
    c.call(
        "CreateResourceServer",
        &json!({"UserPoolId": pool_id, "Identifier": "https://api.bench", "Name": "bench",
                "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}]}),
        true,
    )
    .await?;
    let client = c
        .call(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "m2m", "GenerateSecret": true,
                    "AllowedOAuthFlowsUserPoolClient": true, "AllowedOAuthFlows": ["client_credentials"],
                    "AllowedOAuthScopes": ["https://api.bench/read"]}),
            true,
        )
        .await?;
    let id = client["UserPoolClient"]["ClientId"].as_str().context("client id")?.to_string();
    let secret = client["UserPoolClient"]["ClientSecret"].as_str().context("client secret")?.to_string();
    use base64::Engine as _;
    let auth = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")));
    let url = format!("{}/oauth2/token", c.endpoint);
    let c2 = c.clone();
    let rate = measure("/oauth2/token client_credentials", workers, requests, move |_| {
        let (c, auth, url) = (c2.clone(), auth.clone(), url.clone());
        async move { c.token_endpoint(&url, Some(&auth), "grant_type=client_credentials".to_string()).await }
    })
    .await?;
    if let Some(rsa) = rsa_rate {
        println!(
            "{:<28} {:>8.0} %  of the bare sign rate (one signature per token)",
            "ratio client_credentials",
            100.0 * rate / rsa
        );
    }
    Ok(())
}

/// The authorization_code grant at `/oauth2/token`: a pool domain and a hosted-UI client, one
/// sign-in through the hosted login page, then `requests` codes minted ahead through
/// `/oauth2/authorize` with that sign-in session, then the measured exchanges (two RSA
/// signatures, a refresh token stored and the code claimed, per exchange).
async fn authorization_code(
    c: &Arc<Client>,
    pool_id: &str,
    workers: usize,
    requests: usize,
    rsa_rate: Option<f64>,
) -> anyhow::Result<()> {
    let prefix = format!("bench-{}", pool_id.rsplit('_').next().unwrap_or("x").to_lowercase().replace('a', "x"));
    c.call("CreateUserPoolDomain", &json!({"UserPoolId": pool_id, "Domain": prefix}), true).await?;
    let client = c
        .call(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "web", "AllowedOAuthFlowsUserPoolClient": true,
                    "AllowedOAuthFlows": ["code"], "AllowedOAuthScopes": ["openid", "email"],
                    "CallbackURLs": ["http://localhost/cb"], "SupportedIdentityProviders": ["COGNITO"]}),
            true,
        )
        .await?;
    let id = client["UserPoolClient"]["ClientId"].as_str().context("client id")?.to_string();
    confirmed(c, pool_id, "code-user").await?;
    let base = format!("{}/domains/{prefix}", c.endpoint);
    let query =
        format!("client_id={id}&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&scope=openid+email");
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let cookie_of = |resp: &reqwest::Response, name: &str| {
        resp.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.split(';').next().and_then(|p| p.strip_prefix(&format!("{name}="))).map(str::to_string))
    };
    let page = browser.get(format!("{base}/login?{query}")).send().await?;
    let csrf = cookie_of(&page, "XSRF-TOKEN").context("a CSRF cookie")?;
    let signed_in = browser
        .post(format!("{base}/login?{query}"))
        .header("cookie", format!("XSRF-TOKEN={csrf}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username=code-user&password=Passw0rd%21&_csrf={csrf}"))
        .send()
        .await?;
    let session = cookie_of(&signed_in, "cognito").context("a sign-in session")?;
    let codes = Arc::new(std::sync::Mutex::new(Vec::with_capacity(requests)));
    {
        let (browser, codes, url, session) =
            (browser.clone(), codes.clone(), format!("{base}/oauth2/authorize?{query}"), session.clone());
        measure("mint codes (authorize, SSO)", workers, requests, move |_| {
            let (browser, codes, url, session) = (browser.clone(), codes.clone(), url.clone(), session.clone());
            async move {
                let resp = browser.get(&url).header("cookie", format!("cognito={session}")).send().await?;
                let location = resp.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default();
                let code = location.split("code=").nth(1).map(|c| c.split('&').next().unwrap_or(c).to_string());
                let code = code.context("a code in the redirect")?;
                codes.lock().map_err(|_| anyhow::anyhow!("lock"))?.push(code);
                Ok(())
            }
        })
        .await?;
    }
    let codes: Vec<String> = std::mem::take(&mut *codes.lock().map_err(|_| anyhow::anyhow!("lock"))?);
    let codes = Arc::new(codes);
    let (c2, url) = (c.clone(), format!("{base}/oauth2/token"));
    let rate = measure("/oauth2/token authorization_code", workers, codes.len(), move |i| {
        let (c, url, codes, id) = (c2.clone(), url.clone(), codes.clone(), id.clone());
        async move {
            let form = format!(
                "grant_type=authorization_code&client_id={id}&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&code={}",
                codes[i]
            );
            c.token_endpoint(&url, None, form).await
        }
    })
    .await?;
    if let Some(rsa) = rsa_rate {
        println!(
            "{:<28} {:>8.0} %  of what two RSA-2048 signatures per exchange allow",
            "ratio authorization_code",
            100.0 * rate / (rsa / 2.0)
        );
    }
    Ok(())
}

/// The server's CPU cost of one USER_SRP_AUTH sign-in: the challenge (`B = k·v + g^b`) and the
/// proof check (`S = (A·v^u)^b`, HKDF, HMAC), measured on one core without HTTP.
fn srp_cost() {
    use cognate_domain::srp;
    let v = srp::make_verifier("AbCdEf123", "alice", "Passw0rd!");
    let a_hex = "02"; // any valid A: the work is the same whether or not the proof matches
    let rounds = 50;
    let started = Instant::now();
    for _ in 0..rounds {
        if let Ok(challenge) = srp::server_challenge(&v.verifier_hex) {
            let claim = srp::PasswordClaim {
                name: "AbCdEf123",
                user_id: "alice",
                secret_block_b64: "AAAA",
                timestamp: "Thu Nov 26 17:00:00 UTC 2026",
                signature_b64: "AAAA",
            };
            let _ = srp::verify_password_claim(&v.verifier_hex, a_hex, &challenge, &claim);
        }
    }
    let per = started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
    println!("{:<28} {per:>8.2} ms of one core per SRP sign-in (challenge + proof check)", "SRP server cost");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (key, secret) = read_credentials(&args.credentials)?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(args.workers * 2).build()?;
    let c = Arc::new(Client { http, endpoint: args.endpoint.trim_end_matches('/').to_string(), key, secret });
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let run = |s: &str| args.scenarios.iter().any(|x| x == s);
    println!("cognate-bench: {} workers, {} requests per scenario, {} cores", args.workers, args.requests, cores);

    if run("hashrate") {
        hash_rate(cores);
        srp_cost();
    }
    let rsa_rate = if run("rsasign") { Some(rsa_sign_rate(cores)?) } else { None };
    let floor_rate = if run("floor") {
        let c2 = c.clone();
        let floor = measure("unknown operation (no store)", args.workers, args.requests * 10, move |_| {
            let c = c2.clone();
            async move { c.expect_status("AWSCognitoIdentityProviderService.NoSuchOperation", 400).await }
        })
        .await?;
        let c2 = c.clone();
        measure("/health (one store ping)", args.workers, args.requests * 10, move |_| {
            let c = c2.clone();
            async move {
                let resp = c.http.get(format!("{}/health", c.endpoint)).send().await?;
                let ok = resp.status().is_success();
                let _ = resp.bytes().await?;
                if ok { Ok(()) } else { bail!("health failed") }
            }
        })
        .await?;
        Some(floor)
    } else {
        None
    };
    let mut getuser_rate = None;
    let mut refresh_rate = None;

    let pool = c
        .call(
            "CreateUserPool",
            &json!({"PoolName": "bench", "Policies": {"PasswordPolicy": {"MinimumLength": 8}}}),
            true,
        )
        .await?;
    let pool_id = pool["UserPool"]["Id"].as_str().context("pool id")?.to_string();
    let client = c
        .call(
            "CreateUserPoolClient",
            &json!({"UserPoolId": pool_id, "ClientName": "bench",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
            true,
        )
        .await?;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().context("client id")?.to_string();

    if run("signup") {
        let (c, client_id) = (c.clone(), client_id.clone());
        measure("SignUp", args.workers, args.requests, move |i| {
            let (c, client_id) = (c.clone(), client_id.clone());
            async move {
                c.call(
                    "SignUp",
                    &json!({"ClientId": client_id, "Username": format!("signup-{i}"), "Password": "Passw0rd!"}),
                    false,
                )
                .await
                .map(|_| ())
            }
        })
        .await?;
    }

    // Confirmed users for the sign-in scenarios, one per worker: a single user signing in many
    // times at once would meet its own lockout (no more than five password checks of one user
    // run at once), which no real user does.
    let users = args.workers.max(1);
    for u in 0..users {
        confirmed(&c, &pool_id, &format!("bench-user-{u}")).await?;
    }
    let auth_of = {
        let client_id = client_id.clone();
        move |u: usize| {
            json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": format!("bench-user-{}", u % users), "PASSWORD": "Passw0rd!"}})
        }
    };
    let auth = auth_of(0);
    let tokens = c.call("InitiateAuth", &auth, false).await?;
    let refresh = tokens["AuthenticationResult"]["RefreshToken"].as_str().context("refresh token")?.to_string();
    let access = tokens["AuthenticationResult"]["AccessToken"].as_str().context("access token")?.to_string();

    if run("password") {
        let c = c.clone();
        measure("InitiateAuth USER_PASSWORD", args.workers, args.requests / 4, move |i| {
            let (c, auth) = (c.clone(), auth_of(i));
            async move { c.call("InitiateAuth", &auth, false).await.map(|_| ()) }
        })
        .await?;
    }
    if run("srp") {
        let (c, client_id, pool_name) =
            (c.clone(), client_id.clone(), pool_id.split_once('_').map_or(pool_id.clone(), |(_, n)| n.to_string()));
        measure("USER_SRP_AUTH (both steps)", args.workers, args.requests / 4, move |i| {
            let (c, client_id, pool_name) = (c.clone(), client_id.clone(), pool_name.clone());
            async move { srp_sign_in(&c, &client_id, &pool_name, &format!("bench-user-{}", i % users)).await }
        })
        .await?;
    }
    if run("refresh") {
        let body = json!({"ClientId": client_id, "AuthFlow": "REFRESH_TOKEN_AUTH", "AuthParameters": {"REFRESH_TOKEN": refresh}});
        let c = c.clone();
        refresh_rate = Some(
            measure("InitiateAuth REFRESH_TOKEN", args.workers, args.requests, move |_| {
                let (c, body) = (c.clone(), body.clone());
                async move { c.call("InitiateAuth", &body, false).await.map(|_| ()) }
            })
            .await?,
        );
    }
    if run("oauthrefresh") {
        let form = format!("grant_type=refresh_token&client_id={client_id}&refresh_token={refresh}");
        let (c2, url) = (c.clone(), format!("{}/oauth2/token", c.endpoint));
        let rate = measure("/oauth2/token refresh_token", args.workers, args.requests, move |_| {
            let (c, form, url) = (c2.clone(), form.clone(), url.clone());
            async move { c.token_endpoint(&url, None, form).await }
        })
        .await?;
        if let Some(rsa) = rsa_rate {
            println!(
                "{:<28} {:>8.0} %  of what two RSA-2048 signatures per refresh allow",
                "ratio oauth refresh",
                100.0 * rate / (rsa / 2.0)
            );
        }
    }
    if run("getuser") {
        let body = json!({"AccessToken": access});
        let c = c.clone();
        getuser_rate = Some(
            measure("GetUser", args.workers, args.requests * 10, move |_| {
                let (c, body) = (c.clone(), body.clone());
                async move { c.call("GetUser", &body, false).await.map(|_| ()) }
            })
            .await?,
        );
    }
    if let (Some(floor), Some(getuser)) = (floor_rate, getuser_rate) {
        println!(
            "{:<28} {:>8.0} %  of the no-store floor (target: 70 % or more)",
            "ratio GetUser / floor",
            100.0 * getuser / floor
        );
    }
    if let (Some(rsa), Some(refresh)) = (rsa_rate, refresh_rate) {
        println!(
            "{:<28} {:>8.0} %  of what two RSA-2048 signatures per refresh allow (target: 80 % or more)",
            "ratio refresh / (sign/2)",
            100.0 * refresh / (rsa / 2.0)
        );
    }
    if run("enumeration") {
        enumeration(&c, &pool_id).await?;
    }
    if run("identity") {
        let id_token = tokens["AuthenticationResult"]["IdToken"].as_str().context("id token")?.to_string();
        identity_and_policy(&c, &pool_id, &client_id, &id_token, args.workers, args.requests).await?;
    }
    if run("clientcredentials") {
        client_credentials(&c, &pool_id, args.workers, args.requests, rsa_rate).await?;
    }
    if run("authcode") {
        authorization_code(&c, &pool_id, args.workers, args.requests, rsa_rate).await?;
    }
    if run("listusers") {
        let started = Instant::now();
        let seeded = Arc::new(AtomicUsize::new(0));
        {
            let (c, pool_id, seeded) = (c.clone(), pool_id.clone(), seeded.clone());
            measure("seed AdminCreateUser", args.workers, args.users, move |i| {
                let (c, pool_id, seeded) = (c.clone(), pool_id.clone(), seeded.clone());
                async move {
                    let body = json!({"UserPoolId": pool_id, "Username": format!("user{i:07}"), "MessageAction": "SUPPRESS",
                                      "UserAttributes": [{"Name": "email", "Value": format!("user{i:07}@example.com")}]});
                    c.call("AdminCreateUser", &body, true).await?;
                    seeded.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
            })
            .await?;
        }
        println!("seeded {} users in {:.1} s", seeded.load(Ordering::Relaxed), started.elapsed().as_secs_f64());
        let users = args.users;
        let c = c.clone();
        measure("ListUsers email = (indexed)", args.workers, args.requests * 3, move |i| {
            let (c, pool_id) = (c.clone(), pool_id.clone());
            async move {
                let n = (i * 7919) % users;
                let body = json!({"UserPoolId": pool_id, "Filter": format!("email = \"user{n:07}@example.com\"")});
                let v = c.call("ListUsers", &body, true).await?;
                if v["Users"].as_array().map_or(0, Vec::len) != 1 {
                    bail!("expected one user");
                }
                Ok(())
            }
        })
        .await?;
    }
    Ok(())
}
