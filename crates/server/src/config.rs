//! Configuration: one typed `Config`, loaded once at start-up from (lowest to highest precedence)
//! built-in defaults, a TOML file, `COGNATE_*` environment variables and command-line flags, and
//! passed down explicitly. No globals. Every key is documented here and in docs/CONFIG.md.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use figment::Figment;
use figment::providers::{Env, Format as _, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Log line format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Cognate's configuration. Each field is also a TOML key and a `COGNATE_<KEY>` environment variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address and port the server listens on (`listen = "127.0.0.1:9229"`).
    pub listen: SocketAddr,
    /// Public base URL clients reach the server at, without a trailing slash. Token issuers are
    /// `<public_url>/<poolId>`. Default: `http://<listen>` (with `localhost` for an unspecified address).
    pub public_url: Option<String>,
    /// Region of new user pools; pool IDs start with it.
    pub region: String,
    /// Twelve-digit account ID used in ARNs.
    pub account_id: String,
    /// Directory for the embedded database and the generated admin credentials.
    pub data_dir: PathBuf,
    /// Database URL: `sqlite://<path>` (default `sqlite://<data_dir>/cognate.sqlite3`) or
    /// `postgres://user@host:port/database`.
    pub database_url: Option<String>,
    /// Development mode: accept any (or no) AWS credentials on admin operations. Off by default;
    /// never enable it on a reachable network.
    pub dev_mode: bool,
    /// Log format: `text` or `json`.
    pub log_format: LogFormat,
    /// Log filter in `tracing` syntax (`info`, `cognate=debug,sqlx=warn`).
    pub log_level: String,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// SMTP server for email (codes, invitations). Without one, email goes only to the outbox.
    pub smtp_host: Option<String>,
    /// SMTP port (587 for STARTTLS, 465 for TLS, 25 or 1025 for local sinks).
    pub smtp_port: u16,
    /// SMTP transport security: `starttls`, `tls` or `none`.
    pub smtp_tls: SmtpSecurity,
    /// SMTP user name, if the server wants authentication.
    pub smtp_username: Option<String>,
    /// SMTP password (prefer `COGNATE_SMTP_PASSWORD` over the file).
    pub smtp_password: Option<Secret>,
    /// Sender address when the pool's EmailConfiguration has no `From`.
    pub email_from: String,
    /// HTTP endpoint that receives SMS as JSON (`{"to","body","poolId","purpose"}`).
    pub sms_webhook_url: Option<String>,
    /// Bearer token sent to the SMS endpoint.
    pub sms_webhook_token: Option<Secret>,
    /// Keep recent messages in memory, log them and serve them at `GET /_cognate/outbox`.
    /// Default: on in development mode, off otherwise.
    pub outbox: Option<bool>,
    /// How many messages the outbox keeps.
    pub outbox_capacity: usize,
    /// argon2id memory cost in KiB.
    pub argon2_memory_kib: u32,
    /// argon2id iterations.
    pub argon2_iterations: u32,
    /// argon2id lanes.
    pub argon2_parallelism: u32,
    /// Most password hashes computed at once; 0 means one per CPU core.
    pub hash_concurrency: usize,
    /// The master key (base64 of 32 random bytes) that encrypts every secret in the database:
    /// signing keys, client and access-key secrets, SRP verifiers, the deployment secret. Prefer
    /// `COGNATE_MASTER_KEY` or `master_key_file`. Without either, the key lives in
    /// `<data_dir>/master.key` (created at first start, mode 0600).
    pub master_key: Option<Secret>,
    /// A file holding the master key (base64), e.g. a mounted secret. Every node of a PostgreSQL
    /// deployment needs the same key.
    pub master_key_file: Option<PathBuf>,
    /// Seconds a client has to send a request's headers (also the idle time allowed between
    /// requests on a kept-alive connection).
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a request's body.
    pub body_read_timeout_secs: u64,
    /// Seconds a request may take in all, body and handling included.
    pub request_timeout_secs: u64,
    /// Most connections served at once; further ones wait to be accepted. 0: derived from the
    /// process's open-file limit (leaving room for the database and logs), at most 4096.
    pub max_connections: usize,
    /// Password-checking and message-sending requests (sign-in, challenge answers, sign-up,
    /// password changes and resets, code resends) each client address may make per minute; 0
    /// turns the limit off.
    pub password_requests_per_minute: u32,
    /// How many of those a client address may make in a burst.
    pub password_requests_burst: u32,
    /// Addresses (or CIDR ranges) of reverse proxies whose `X-Forwarded-For` is believed. Empty:
    /// the connection's own address is the client's.
    pub trusted_proxies: Vec<String>,
    /// Origins (`https://app.example.com`) whose web pages may call the public APIs (the AWS
    /// JSON endpoint, discovery, JWKS, the OAuth endpoints) from the browser; `["*"]`, the
    /// default, allows any, as Cognito does.
    pub cors_allowed_origins: Vec<String>,
    /// Host name under which prefix domains are served by Host header: a pool with the domain
    /// `myapp` answers at `<scheme>://myapp.<domain_base_host>` (e.g. `auth.example.com`, with
    /// a wildcard DNS record pointing at Cognate). Unset: prefix domains are reached under
    /// `<public_url>/domains/<prefix>/…`, which needs no DNS. Custom domains are always matched
    /// by the Host header.
    pub domain_base_host: Option<String>,
}

/// SMTP transport security.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP upgraded with STARTTLS (required).
    #[default]
    Starttls,
    /// Implicit TLS (SMTPS, port 465).
    Tls,
    /// No encryption; only for local test servers.
    None,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 9229)),
            public_url: None,
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            dev_mode: false,
            log_format: LogFormat::Text,
            log_level: "info".into(),
            max_body_bytes: 1024 * 1024,
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: SmtpSecurity::Starttls,
            smtp_username: None,
            smtp_password: None,
            email_from: "no-reply@localhost".into(),
            sms_webhook_url: None,
            sms_webhook_token: None,
            outbox: None,
            outbox_capacity: 200,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            hash_concurrency: 0,
            master_key: None,
            master_key_file: None,
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 30,
            request_timeout_secs: 60,
            max_connections: 0,
            password_requests_per_minute: 120,
            password_requests_burst: 20,
            trusted_proxies: Vec::new(),
            cors_allowed_origins: vec!["*".into()],
            domain_base_host: None,
        }
    }
}

/// A secret setting: serialises as its value, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Config {
    /// Whether the development outbox is on.
    pub fn is_outbox_enabled(&self) -> bool {
        self.outbox.unwrap_or(self.dev_mode)
    }

    /// The database URL, defaulting to SQLite in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("cognate.sqlite3").display()))
    }

    /// The public base URL for a server bound to `bound`.
    pub fn public_url_for(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None if bound.ip().is_unspecified() => format!("http://localhost:{}", bound.port()),
            None => format!("http://{bound}"),
        }
    }

    /// Checks values the types cannot.
    pub fn validate(&self) -> anyhow::Result<()> {
        let is_region = !self.region.is_empty()
            && self.region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        anyhow::ensure!(is_region, "region {:?} is not a region name like us-east-1", self.region);
        anyhow::ensure!(
            self.account_id.len() == 12 && self.account_id.chars().all(|c| c.is_ascii_digit()),
            "account_id must be 12 digits"
        );
        if let Some(u) = &self.public_url {
            anyhow::ensure!(
                u.starts_with("http://") || u.starts_with("https://"),
                "public_url must start with http:// or https://"
            );
        }
        anyhow::ensure!(self.max_body_bytes >= 1024, "max_body_bytes must be at least 1024");
        for (name, secs) in [
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("body_read_timeout_secs", self.body_read_timeout_secs),
            ("request_timeout_secs", self.request_timeout_secs),
        ] {
            anyhow::ensure!(secs > 0, "{name} must be at least 1");
        }
        self.trusted_proxy_nets()?;
        for origin in self.cors_allowed_origins.iter().filter(|o| *o != "*") {
            let is_origin = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.trim_start_matches("https://").trim_start_matches("http://").contains('/')
                && http::HeaderValue::from_str(origin).is_ok();
            anyhow::ensure!(
                is_origin,
                "cors_allowed_origins: {origin:?} is not an origin like https://app.example.com"
            );
        }
        Ok(())
    }

    /// `trusted_proxies` parsed: single addresses become /32 or /128 ranges.
    pub fn trusted_proxy_nets(&self) -> anyhow::Result<Vec<ipnet::IpNet>> {
        self.trusted_proxies
            .iter()
            .map(|p| {
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| anyhow::anyhow!("trusted_proxies: {p:?} is not an IP address or CIDR range"))
            })
            .collect()
    }
}

/// Cognate: a self-hosted identity service that speaks Amazon Cognito's APIs.
#[derive(Debug, Parser)]
#[command(name = "cognate", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (embedded SQLite in ./data unless configured otherwise).
    Serve(ServeArgs),
    /// Print the effective configuration (after file, environment and flags) as TOML.
    Config(ServeArgs),
}

/// Flags override the environment, which overrides the file.
#[derive(Debug, Default, Args, Serialize)]
pub struct ServeArgs {
    /// TOML configuration file. Default: `cognate.toml` if it exists.
    #[arg(long, short = 'c', env = "COGNATE_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Listen address, e.g. 127.0.0.1:9229 or 0.0.0.0:9229.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
    /// Public base URL (token issuer base), e.g. https://auth.example.com.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Region of new user pools.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Account ID used in ARNs.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// Data directory.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Database URL (sqlite://… or postgres://…).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Accept any AWS credentials (local development only).
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dev_mode: bool,
    /// Log format.
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// Log filter, e.g. info or cognate=debug.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<String>,
}

/// Loads the configuration: defaults < file < `COGNATE_*` environment < flags.
pub fn load(args: &ServeArgs) -> anyhow::Result<Config> {
    let mut figment = Figment::from(Serialized::defaults(Config::default()));
    match &args.config {
        Some(path) => {
            anyhow::ensure!(path.exists(), "configuration file {} does not exist", path.display());
            figment = figment.merge(Toml::file(path));
        }
        None => figment = figment.merge(Toml::file("cognate.toml")),
    }
    // Only the keys of `Config`: other COGNATE_* variables (test settings, say) are not config.
    let env = Env::prefixed("COGNATE_").only(&[
        "listen",
        "public_url",
        "region",
        "account_id",
        "data_dir",
        "database_url",
        "dev_mode",
        "log_format",
        "log_level",
        "max_body_bytes",
        "smtp_host",
        "smtp_port",
        "smtp_tls",
        "smtp_username",
        "smtp_password",
        "email_from",
        "sms_webhook_url",
        "sms_webhook_token",
        "outbox",
        "outbox_capacity",
        "argon2_memory_kib",
        "argon2_iterations",
        "argon2_parallelism",
        "hash_concurrency",
        "master_key",
        "master_key_file",
        "header_read_timeout_secs",
        "body_read_timeout_secs",
        "request_timeout_secs",
        "max_connections",
        "password_requests_per_minute",
        "password_requests_burst",
        "trusted_proxies",
        "cors_allowed_origins",
        "domain_base_host",
    ]);
    let config: Config = figment.merge(env).merge(Serialized::defaults(args)).extract()?;
    config.validate()?;
    Ok(config)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_file_which_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "region = \"eu-west-1\"\nlisten = \"127.0.0.1:7000\"\n").unwrap();
        let args =
            ServeArgs { config: Some(file), listen: Some("127.0.0.1:7001".parse().unwrap()), ..Default::default() };
        let c = load(&args).unwrap();
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.listen.port(), 7001);
        assert!(!c.dev_mode);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "regoin = \"eu-west-1\"\n").unwrap();
        assert!(load(&ServeArgs { config: Some(file.clone()), ..Default::default() }).is_err());
        std::fs::write(&file, "account_id = \"12\"\n").unwrap();
        assert!(load(&ServeArgs { config: Some(file), ..Default::default() }).is_err());
    }

    #[test]
    fn public_url_defaults_to_the_bound_address() {
        let c = Config::default();
        assert_eq!(c.public_url_for("127.0.0.1:9229".parse().unwrap()), "http://127.0.0.1:9229");
        assert_eq!(c.public_url_for("0.0.0.0:80".parse().unwrap()), "http://localhost:80");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod docs_tests {
    use super::Config;

    #[test]
    fn every_key_is_documented_in_config_md() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/CONFIG.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let value = serde_json::to_value(Config::default()).unwrap();
        for key in value.as_object().unwrap().keys() {
            assert!(doc.contains(&format!("| `{key}` |")), "docs/CONFIG.md does not describe `{key}`");
        }
    }
}
