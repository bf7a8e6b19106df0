//! Test kit: `TestServer::start(Backend)` runs a real Cognate (the same `Server::start` the binary
//! uses) on `127.0.0.1:0` with a fresh store — a temp-file SQLite database, or a fresh schema in
//! the PostgreSQL database named by `COGNATE_TEST_POSTGRES_URL` — and hands out an official
//! `aws-sdk-cognitoidentityprovider` client signed with the admin key the server generated.

use cognate_server::{Config, Server};

/// The storage a test server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Environment variable naming the PostgreSQL database for tests.
pub const POSTGRES_URL_VAR: &str = "COGNATE_TEST_POSTGRES_URL";

/// Environment variable that, set to `1`, skips PostgreSQL tests visibly instead of failing them
/// when no database is configured.
pub const SKIP_POSTGRES_VAR: &str = "COGNATE_TEST_SKIP_POSTGRES";

/// Whether PostgreSQL tests were explicitly opted out of.
pub fn skips_postgres() -> bool {
    std::env::var(SKIP_POSTGRES_VAR).is_ok_and(|v| v == "1")
}

/// A running server with its own data directory and store.
pub struct TestServer {
    pub base_url: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub backend: Backend,
    /// The shared-credentials file the server wrote at first start.
    pub credentials_file: Option<std::path::PathBuf>,
    /// The server's data directory and database URL (to inspect what it stores).
    pub data_dir: std::path::PathBuf,
    pub database_url: String,
    server: Option<Server>,
    _data_dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server. For PostgreSQL without `COGNATE_TEST_POSTGRES_URL` it fails, unless
    /// `COGNATE_TEST_SKIP_POSTGRES=1` opts out: then it returns `None` and says so.
    pub async fn start(backend: Backend) -> anyhow::Result<Option<TestServer>> {
        Self::start_with(backend, |_| {}).await
    }

    /// Like `start`, with a chance to adjust the configuration.
    pub async fn start_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> anyhow::Result<Option<TestServer>> {
        let data_dir = tempfile::tempdir()?;
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => match std::env::var(POSTGRES_URL_VAR) {
                Ok(base) => Some(cognate_store_postgres::prepare_test_database(&base).await.map_err(|e| {
                    anyhow::anyhow!("cannot reach the test PostgreSQL at {base} ({POSTGRES_URL_VAR}): {e}")
                })?),
                Err(_) if skips_postgres() => {
                    eprintln!("SKIPPED (PostgreSQL): {SKIP_POSTGRES_VAR} is set");
                    return Ok(None);
                }
                Err(_) => anyhow::bail!(
                    "{POSTGRES_URL_VAR} is not set: PostgreSQL tests need a database (scripts/test sets one up), \
                     or set {SKIP_POSTGRES_VAR}=1 to skip them explicitly"
                ),
            },
        };
        let mut config = Config {
            listen: "127.0.0.1:0".parse()?,
            // A directory the server creates, as it would on a fresh machine.
            data_dir: data_dir.path().join("data"),
            database_url,
            // Tests read codes from the development outbox.
            outbox: Some(true),
            // Tests sign in far faster than a person; the throttle has tests of its own.
            password_requests_per_minute: 0,
            ..Config::default()
        };
        adjust(&mut config);
        let database_url = config.database_url();
        let server_dir = config.data_dir.clone();
        let server = Server::start(config).await?;
        let key = server
            .created_admin_key
            .clone()
            .ok_or_else(|| anyhow::anyhow!("a fresh store must create an admin key"))?;
        Ok(Some(TestServer {
            base_url: server.public_url.clone(),
            access_key_id: key.access_key_id.clone(),
            secret_access_key: key.secret_access_key.clone(),
            backend,
            credentials_file: server.credentials_file.clone(),
            data_dir: server_dir,
            database_url,
            server: Some(server),
            _data_dir: data_dir,
        }))
    }

    /// The official SDK client, signing with the server's admin key.
    pub fn idp(&self) -> aws_sdk_cognitoidentityprovider::Client {
        self.idp_with_credentials(&self.access_key_id, &self.secret_access_key)
    }

    /// Credentials (a session token for temporary ones) as the SDKs take them.
    pub fn credentials(key: &str, secret: &str, token: Option<&str>) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(key, secret, token.map(str::to_owned), None, "cognate-testkit")
    }

    /// The IAM client, signing with the admin key.
    pub fn iam(&self) -> aws_sdk_iam::Client {
        self.iam_with(Self::credentials(&self.access_key_id, &self.secret_access_key, None))
    }

    pub fn iam_with(&self, creds: aws_credential_types::Credentials) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&self.base_url)
            .credentials_provider(creds)
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    /// The cognito-identity client, signing with the admin key.
    pub fn identity(&self) -> aws_sdk_cognitoidentity::Client {
        let creds = Self::credentials(&self.access_key_id, &self.secret_access_key, None);
        let config = aws_sdk_cognitoidentity::Config::builder()
            .behavior_version(aws_sdk_cognitoidentity::config::BehaviorVersion::latest())
            .region(aws_sdk_cognitoidentity::config::Region::new("us-east-1"))
            .endpoint_url(&self.base_url)
            .credentials_provider(creds)
            .build();
        aws_sdk_cognitoidentity::Client::from_conf(config)
    }

    /// The STS client, signing with the admin key.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        self.sts_with(Self::credentials(&self.access_key_id, &self.secret_access_key, None))
    }

    pub fn sts_with(&self, creds: aws_credential_types::Credentials) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new("us-east-1"))
            .endpoint_url(&self.base_url)
            .credentials_provider(creds)
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// The cognito-idp client with any credentials.
    pub fn idp_with(&self, creds: aws_credential_types::Credentials) -> aws_sdk_cognitoidentityprovider::Client {
        let config = aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
            .region(aws_sdk_cognitoidentityprovider::config::Region::new("us-east-1"))
            .endpoint_url(&self.base_url)
            .credentials_provider(creds)
            .build();
        aws_sdk_cognitoidentityprovider::Client::from_conf(config)
    }

    /// The official SDK client with other credentials (to test refusals).
    pub fn idp_with_credentials(&self, key: &str, secret: &str) -> aws_sdk_cognitoidentityprovider::Client {
        let creds = aws_credential_types::Credentials::new(key, secret, None, None, "cognate-testkit");
        let config = aws_sdk_cognitoidentityprovider::Config::builder()
            .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
            .region(aws_sdk_cognitoidentityprovider::config::Region::new("us-east-1"))
            .endpoint_url(&self.base_url)
            .credentials_provider(creds)
            .build();
        aws_sdk_cognitoidentityprovider::Client::from_conf(config)
    }

    /// The newest message in the development outbox sent to `to`, as JSON.
    pub async fn last_message(&self, to: &str) -> anyhow::Result<Option<serde_json::Value>> {
        let v: serde_json::Value =
            self.http().get(format!("{}/_cognate/outbox", self.base_url)).send().await?.json().await?;
        let messages = v["messages"].as_array().cloned().unwrap_or_default();
        Ok(messages.into_iter().rev().find(|m| m["to"] == to))
    }

    /// The six-digit code in the newest message sent to `to`.
    pub async fn last_code(&self, to: &str) -> anyhow::Result<String> {
        let message = self.last_message(to).await?.ok_or_else(|| anyhow::anyhow!("no message to {to}"))?;
        let body = message["body"].as_str().unwrap_or_default();
        extract_code(body).ok_or_else(|| anyhow::anyhow!("no code in {body:?}"))
    }

    /// A plain HTTP client for raw protocol and OIDC requests.
    pub fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(server) = self.server.take() {
            server.shutdown().await?;
        }
        Ok(())
    }
}

/// The first run of six digits in a message body.
pub fn extract_code(body: &str) -> Option<String> {
    let chars: Vec<char> = body.chars().collect();
    chars.windows(6).find(|w| w.iter().all(char::is_ascii_digit)).map(|w| w.iter().collect())
}

/// Runs a test body against a server on each backend (see `TestServer::start` for PostgreSQL).
#[macro_export]
macro_rules! both_backends {
    ($($(#[$meta:meta])* async fn $name:ident($server:ident: TestServer) $body:block)*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($server: $crate::TestServer) -> anyhow::Result<()> $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() -> anyhow::Result<()> {
                    match $crate::TestServer::start($crate::Backend::Sqlite).await? {
                        Some(s) => run(s).await,
                        None => Ok(()),
                    }
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() -> anyhow::Result<()> {
                    match $crate::TestServer::start($crate::Backend::Postgres).await? {
                        Some(s) => run(s).await,
                        None => Ok(()),
                    }
                }
            }
        )*
    };
}
