//! The grep-able architecture invariants of ARCHITECTURE.md, kept true by reading the source (as
//! rust-analyzer's tidy tests do): SQL only in the store crates, no `serde_json::Value` in the
//! domain, no wildcard arm in the dispatch tables, `X-Amz-Target` and `__type` only in the
//! protocol and API crates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `.rs` file below `dir`, generated code excluded.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !path.ends_with("generated") {
                out.extend(rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The crate a file belongs to (`crates/<name>/…`).
fn crate_of(path: &Path) -> String {
    let rel = path.strip_prefix(crates_dir()).unwrap_or(path);
    rel.components().next().map(|c| c.as_os_str().to_string_lossy().to_string()).unwrap_or_default()
}

/// Lines of code, comments left out.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

fn violations(rule: impl Fn(&str, &str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for file in rust_files(&crates_dir()) {
        let krate = crate_of(&file);
        for (n, line) in code_lines(&file) {
            if rule(&krate, &line) {
                out.push(format!("{}:{n}: {}", file.display(), line.trim()));
            }
        }
    }
    out
}

/// A line with a string that reads as a SQL statement.
fn is_sql(line: &str) -> bool {
    let statements =
        ["SELECT ", "INSERT INTO ", "DELETE FROM ", "UPDATE ", "CREATE TABLE ", "CREATE INDEX ", "ALTER TABLE "];
    let clauses = [" FROM ", "INSERT INTO ", " SET ", "TABLE ", "INDEX "];
    line.contains('"') && statements.iter().any(|k| line.contains(k)) && clauses.iter().any(|c| line.contains(c))
}

#[test]
fn only_the_store_crates_hold_sql() {
    let found = violations(|krate, line| {
        !matches!(krate, "store-sqlite" | "store-postgres") && krate != "testkit" && is_sql(line)
    });
    assert!(found.is_empty(), "SQL outside the store crates:\n{}", found.join("\n"));
}

#[test]
fn the_domain_holds_no_json_values() {
    let found =
        violations(|krate, line| krate == "domain" && (line.contains("serde_json::Value") || line.contains("json!(")));
    assert!(found.is_empty(), "serde_json::Value in the domain:\n{}", found.join("\n"));
}

#[test]
fn dispatch_tables_have_no_wildcard_arm() {
    let file = crates_dir().join("api/src/dispatch.rs");
    let found: Vec<String> = code_lines(&file)
        .into_iter()
        .filter(|(_, l)| l.trim_start().starts_with("_ =>") || l.contains("| _ =>"))
        .map(|(n, l)| format!("dispatch.rs:{n}: {}", l.trim()))
        .collect();
    assert!(found.is_empty(), "a wildcard arm in the dispatch tables:\n{}", found.join("\n"));
}

#[test]
fn only_protocol_and_api_know_the_aws_wire_headers() {
    let found = violations(|krate, line| {
        !matches!(krate, "protocol" | "api" | "testkit" | "bench" | "server")
            && (line.to_ascii_lowercase().contains("x-amz-target") || line.contains("\"__type\""))
    });
    assert!(found.is_empty(), "AWS wire details outside protocol/api:\n{}", found.join("\n"));
}

/// The checks themselves catch what they are meant to.
#[test]
fn the_checks_see_what_they_look_for() {
    assert!(is_sql(r#"sqlx::query("SELECT id FROM users WHERE x = $1")"#));
    assert!(is_sql(r#"    "INSERT INTO counters (key) VALUES ($1)""#));
    assert!(is_sql(r#"    "UPDATE users SET status = $1 WHERE pool_id = $2""#));
    assert!(!is_sql(r#"let session = self.seal_challenge(pool, client, &user, "SELECT_CHALLENGE")?;"#));
    assert!(!is_sql(r#"let name = "Select a user from the list";"#));
    let store = crates_dir().join("store-sqlite/src/tokens.rs");
    assert!(code_lines(&store).iter().any(|(_, l)| is_sql(l)), "the store's own SQL is seen");
}
