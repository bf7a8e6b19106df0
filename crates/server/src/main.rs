//! The `cognate` binary: parse flags, load configuration, start logging, serve until Ctrl-C or
//! SIGTERM.

use clap::Parser as _;
use cognate_server::config::{self, Cli, Command};
use cognate_server::{Server, logging};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Config(args) => {
            let config = config::load(&args)?;
            print!("{}", toml_of(&config)?);
            Ok(())
        }
        Command::Serve(args) => {
            let config = config::load(&args)?;
            logging::init(&config);
            let mut server = Server::start(config).await?;
            let shutdown = server.take_shutdown();
            let serving = server.wait();
            tokio::pin!(serving);
            tokio::select! {
                result = &mut serving => result,
                () = signal() => {
                    tracing::info!("shutting down; finishing requests in flight");
                    if let Some(tx) = shutdown {
                        let _ = tx.send(());
                    }
                    serving.await
                }
            }
        }
    }
}

fn toml_of(config: &config::Config) -> anyhow::Result<String> {
    // figment has no TOML writer; render through serde_json into simple `key = value` lines.
    let value = serde_json::to_value(config)?;
    let mut out = String::new();
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            if !v.is_null() {
                out.push_str(&format!("{k} = {v}\n"));
            }
        }
    }
    Ok(out)
}

async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
