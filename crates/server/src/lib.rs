//! The `cognate` server as a library: open the store the configuration names, bootstrap the admin
//! access key, assemble the routers (AWS APIs on `POST /`, OIDC discovery and JWKS, health) and
//! serve until shut down. The binary (`main.rs`) and the test kit both start servers through
//! `Server::start`, so tests run exactly what users run.

pub mod config;
pub mod cors;
pub mod logging;
pub mod serve;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cognate_api::{ApiConfig, ApiState};
use cognate_domain::access_keys::AccessKey;
use cognate_domain::passwords::Argon2Params;
use cognate_domain::vault::MasterKey;
use cognate_domain::{Domain, DomainConfig, SystemClock};
use cognate_messaging::{MessagingConfig, Messenger, SmsConfig, SmtpConfig, SmtpTls};
use cognate_store::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::Config;
use config::SmtpSecurity;

/// Opens the store a URL names: `sqlite:` or `postgres:`/`postgresql:`.
pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        let store = cognate_store_sqlite::SqliteStore::open(url).await.context("opening the SQLite database")?;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = cognate_store_postgres::PgStore::open(url).await.context("connecting to PostgreSQL")?;
        Ok(Arc::new(store))
    } else {
        anyhow::bail!("unsupported database URL (expected sqlite://… or postgres://…)")
    }
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub public_url: String,
    /// The admin key created at this start, if the store had none.
    pub created_admin_key: Option<AccessKey>,
    /// Where the admin credentials were written, if they were.
    pub credentials_file: Option<PathBuf>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    background: JoinHandle<()>,
}

impl Server {
    /// Binds, opens the store, runs migrations, bootstraps credentials and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Server> {
        create_private_dir(&config.data_dir)?;
        let master_key = master_key(&config)?;
        let listener = TcpListener::bind(config.listen).await.with_context(|| format!("binding {}", config.listen))?;
        let addr = listener.local_addr()?;
        let public_url = config.public_url_for(addr);

        let store = open_store(&config.database_url()).await?;
        tracing::info!(backend = store.backend(), "store ready");
        let messenger = messenger(&config)?;
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let domain = Domain::new(
            store,
            Arc::new(SystemClock),
            DomainConfig {
                region: config.region.clone(),
                account_id: config.account_id.clone(),
                issuer_base: public_url.clone(),
                domain_base_host: config.domain_base_host.clone(),
                argon2: Argon2Params {
                    memory_kib: config.argon2_memory_kib,
                    iterations: config.argon2_iterations,
                    parallelism: config.argon2_parallelism,
                },
                hash_concurrency: if config.hash_concurrency == 0 { cores } else { config.hash_concurrency },
                master_key,
            },
            messenger,
        )
        .await
        .context("starting the domain")?;

        let created_admin_key = domain.bootstrap_admin_key().await.context("creating the admin access key")?;
        let credentials_file = match &created_admin_key {
            Some(key) => {
                let path = config.data_dir.join("credentials");
                write_credentials(&path, key)?;
                tracing::info!(
                    path = %path.display(),
                    access_key_id = %key.access_key_id,
                    "created the administrator access key; use it with AWS_SHARED_CREDENTIALS_FILE={}",
                    path.display()
                );
                Some(path)
            }
            None => None,
        };
        if config.dev_mode {
            tracing::warn!("development mode: admin operations accept any credentials");
        }

        let background = tokio::spawn(purge_expired_tokens(domain.clone()));
        let app = app(domain, &config)?;
        let limits = serve::Limits {
            max_connections: match config.max_connections {
                0 => serve::default_max_connections(),
                n => n,
            },
            header_read_timeout: std::time::Duration::from_secs(config.header_read_timeout_secs),
        };
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve::serve(listener, app, limits, rx));
        tracing::info!(%addr, %public_url, "cognate listening");
        Ok(Server { addr, public_url, created_admin_key, credentials_file, shutdown: Some(tx), task, background })
    }

    /// Stops accepting connections, finishes in-flight requests and waits for the server to end.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.background.abort();
        (&mut self.task).await??;
        Ok(())
    }

    /// Serves until the task ends (it does not without `shutdown`).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await??;
        Ok(())
    }

    /// A handle that shuts the server down when sent to.
    pub fn take_shutdown(&mut self) -> Option<oneshot::Sender<()>> {
        self.shutdown.take()
    }
}

/// Background job: delete expired refresh tokens every hour. Harmless to run on every node.
async fn purge_expired_tokens(domain: Domain) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        match domain.purge_expired_tokens().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "purged expired refresh tokens"),
            Err(e) => tracing::warn!(error = %e, "COGNATE-SRV0002 purging expired refresh tokens failed"),
        }
    }
}

/// The message transports the configuration names.
fn messenger(config: &Config) -> anyhow::Result<Messenger> {
    let smtp = config.smtp_host.as_ref().map(|host| SmtpConfig {
        host: host.clone(),
        port: config.smtp_port,
        tls: match config.smtp_tls {
            SmtpSecurity::Starttls => SmtpTls::StartTls,
            SmtpSecurity::Tls => SmtpTls::Tls,
            SmtpSecurity::None => SmtpTls::None,
        },
        username: config.smtp_username.clone(),
        password: config.smtp_password.as_ref().map(|p| p.0.clone()),
        from: config.email_from.clone(),
        timeout: std::time::Duration::from_secs(15),
    });
    let sms = config.sms_webhook_url.as_ref().map(|url| SmsConfig {
        url: url.clone(),
        bearer_token: config.sms_webhook_token.as_ref().map(|t| t.0.clone()),
        timeout: std::time::Duration::from_secs(15),
    });
    let outbox_capacity = if config.is_outbox_enabled() { config.outbox_capacity } else { 0 };
    if outbox_capacity > 0 {
        tracing::warn!("development outbox on: messages, codes included, are logged and served at /_cognate/outbox");
    }
    Messenger::new(MessagingConfig { smtp, sms, outbox_capacity }).map_err(|e| anyhow::anyhow!("message delivery: {e}"))
}

/// The whole HTTP application.
pub fn app(domain: Domain, config: &Config) -> anyhow::Result<Router> {
    // One per-address budget for password checks and sends, through the API or the hosted pages.
    let throttle = Arc::new(cognate_api::throttle::Throttle::new(
        config.password_requests_per_minute,
        config.password_requests_burst,
        config.trusted_proxy_nets()?,
    ));
    let api = cognate_api::router(ApiState {
        domain: domain.clone(),
        config: ApiConfig { dev_mode: config.dev_mode, max_body_bytes: config.max_body_bytes },
        throttle: throttle.clone(),
    });
    let pages = cognate_oauth::pages_router(domain.clone())
        .layer(axum::middleware::from_fn_with_state(throttle, throttle_hosted_forms));
    let body_timeout = std::time::Duration::from_secs(config.body_read_timeout_secs);
    let request_timeout = std::time::Duration::from_secs(config.request_timeout_secs);
    let origins = &config.cors_allowed_origins;
    let routes = Router::new()
        .route("/health", get(health))
        .route("/_cognate/outbox", get(outbox))
        .with_state(domain.clone())
        .merge(cognate_oauth::cross_origin_router(domain.clone()).layer(cors::oidc(origins)))
        .merge(pages)
        .merge(api.layer(cors::aws_api(origins)))
        .fallback(not_found);
    // A request naming a pool's domain by Host is served as that domain before routing.
    let by_host = axum::middleware::from_fn_with_state(domain, cognate_oauth::by_host);
    Ok(Router::new()
        .fallback_service(tower::ServiceBuilder::new().layer(by_host).service(routes))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(body_timeout))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout))
        .layer(axum::middleware::from_fn(cognate_protocol::request_id::layer))
        .layer(tower_http::trace::TraceLayer::new_for_http()))
}

/// Every form the hosted pages take (sign-in, challenges, sign-up, codes, recovery) checks a
/// password or sends a message: it spends the client address's budget, as the API's do.
async fn throttle_hosted_forms(
    State(throttle): State<Arc<cognate_api::throttle::Throttle>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if req.method() == axum::http::Method::POST {
        let peer = req.extensions().get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        if !throttle.allow(throttle.client_addr(peer, req.headers())) {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    (axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (axum::http::header::RETRY_AFTER, "60"),
                ],
                "<!doctype html><title>Too many requests</title><p>Too many requests. Try again in a minute.</p>",
            )
                .into_response();
            response
                .headers_mut()
                .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            return response;
        }
    }
    next.run(req).await
}

async fn health(State(domain): State<Domain>) -> Response {
    match domain.store().ping().await {
        Ok(()) => (StatusCode::OK, axum::Json(serde_json::json!({ "status": "ok" }))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "COGNATE-SRV0001 health check: store unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(serde_json::json!({ "status": "unavailable" })))
                .into_response()
        }
    }
}

/// The development outbox, newest last (404 when the outbox is off).
async fn outbox(State(domain): State<Domain>) -> Response {
    let messenger = domain.messenger();
    if !messenger.outbox_enabled() {
        return not_found().await;
    }
    axum::Json(serde_json::json!({ "messages": messenger.outbox() })).into_response()
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({ "message": "Not Found" }))).into_response()
}

/// Creates the data directory readable by its owner only (it holds the database, the master key
/// and the admin credentials); warns about an existing one that others can read.
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("creating the data directory {}", dir.display()))?;
        }
        let mode = std::fs::metadata(dir)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %dir.display(),
                mode = format!("{:o}", mode & 0o777),
                "COGNATE-SRV0003 the data directory can be read by other users; chmod 700 it"
            );
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
    Ok(())
}

/// The master key: `master_key`, else the file `master_key_file` names, else
/// `<data_dir>/master.key`, created (mode 0600) at first start.
fn master_key(config: &Config) -> anyhow::Result<MasterKey> {
    if let Some(text) = &config.master_key {
        return MasterKey::from_base64(&text.0).context("master_key must be the base64 of 32 bytes");
    }
    let (path, may_create) = match &config.master_key_file {
        Some(path) => (path.clone(), false),
        None => (config.data_dir.join("master.key"), true),
    };
    let read = |path: &Path| -> anyhow::Result<MasterKey> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading the master key {}", path.display()))?;
        MasterKey::from_base64(&text).with_context(|| format!("{} must hold the base64 of 32 bytes", path.display()))
    };
    if path.exists() || !may_create {
        return read(&path);
    }
    let key = MasterKey::generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            use std::io::Write as _;
            writeln!(file, "{}", key.to_base64()).with_context(|| format!("writing {}", path.display()))?;
            tracing::info!(
                path = %path.display(),
                "created the master key that encrypts the secrets in the database: back it up with the \
                 database, which is useless without it"
            );
            if !config.database_url().starts_with("sqlite:") {
                tracing::warn!(
                    "COGNATE-SRV0004 the master key was generated on this node; every node of a shared \
                     database needs the same one (set COGNATE_MASTER_KEY_FILE or COGNATE_MASTER_KEY)"
                );
            }
            Ok(key)
        }
        // Another process created it first.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(&path),
        Err(e) => Err(e).with_context(|| format!("creating the master key {}", path.display())),
    }
}

/// Writes an AWS shared-credentials file readable only by the owner.
fn write_credentials(path: &Path, key: &AccessKey) -> anyhow::Result<()> {
    let text = format!(
        "# Administrator credentials created by Cognate at first start.\n\
         # Use: AWS_SHARED_CREDENTIALS_FILE={} aws --endpoint-url <cognate URL> cognito-idp ...\n\
         [default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        path.display(),
        key.access_key_id,
        key.secret_access_key
    );
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
