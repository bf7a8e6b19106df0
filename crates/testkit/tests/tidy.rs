//! The grep-able architecture invariants of ARCHITECTURE.md, kept true by reading the source (as
//! rust-analyzer's tidy tests do): SQL only in the store crates, the store's queries written once
//! (in `store-sql`, never in a backend crate), no `serde_json::Value` in the
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
        !matches!(krate, "store-sql" | "store-sqlite" | "store-postgres") && krate != "testkit" && is_sql(line)
    });
    assert!(found.is_empty(), "SQL outside the store crates:\n{}", found.join("\n"));
}

/// The tables of the store, as statements name them.
const STORE_TABLES: &[&str] = &[
    "user_pools",
    "signing_keys",
    "clients",
    "access_keys",
    "users",
    "user_index",
    "user_unique",
    "groups",
    "group_members",
    "refresh_tokens",
    "codes",
    "counters",
    "devices",
    "secrets",
    "used_once",
];

/// A SQL line that reads or writes one of the store's tables.
fn touches_store_table(line: &str) -> bool {
    is_sql(line)
        && STORE_TABLES.iter().any(|t| {
            [" FROM ", "INSERT INTO ", "UPDATE ", " JOIN "].iter().any(|k| line.contains(&format!("{k}{t} ")))
                || line.contains(&format!("INSERT INTO {t}("))
        })
}

/// Adding an aggregate means writing its SQL once: the backend crates hold connection set-up,
/// migrations and query-plan tests, never a query of the store.
#[test]
fn the_store_queries_are_written_once() {
    let found =
        violations(|krate, line| matches!(krate, "store-sqlite" | "store-postgres") && touches_store_table(line))
            .into_iter()
            // The query-plan tests populate the tables they explain.
            .filter(|v| !v.contains("/plans.rs:"))
            .collect::<Vec<_>>();
    assert!(found.is_empty(), "a store query in a backend crate (it belongs in store-sql):\n{}", found.join("\n"));
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

/// The caller is resolved once, before dispatch: no handler verifies an access token itself.
#[test]
fn handlers_do_not_resolve_the_caller() {
    let found = violations(|krate, line| krate == "api" && line.contains(".authorize(") && !line.contains("authz::"))
        .into_iter()
        .filter(|v| !v.contains("/api/src/auth.rs:") && !v.contains("/api/src/authz.rs:"))
        .collect::<Vec<_>>();
    assert!(found.is_empty(), "a handler resolving its own caller (use Ctx::signed_in):\n{}", found.join("\n"));
}

/// Sign-in dispatches flows and challenges with exhaustive matches: a new challenge must fail to
/// compile until someone decides what every step does with it.
#[test]
fn sign_in_has_no_wildcard_arm() {
    let found: Vec<String> = rust_files(&crates_dir().join("domain/src/signin"))
        .into_iter()
        .flat_map(|file| {
            code_lines(&file)
                .into_iter()
                .filter(|(_, l)| {
                    let l = l.trim_start();
                    l.starts_with("_ =>") || l.contains("| _ =>") || l.starts_with("other =>")
                })
                .map(move |(n, l)| format!("{}:{n}: {}", file.display(), l.trim()))
        })
        .collect();
    assert!(found.is_empty(), "a wildcard arm in sign-in:\n{}", found.join("\n"));
}

/// The domain's modules, each with the modules it names (`crate::<module>`).
fn domain_module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let src = crates_dir().join("domain/src");
    let mut graph = std::collections::BTreeMap::<String, std::collections::BTreeSet<String>>::new();
    for file in rust_files(&src) {
        let rel = file.strip_prefix(&src).unwrap().to_string_lossy().to_string();
        let module = rel.trim_end_matches(".rs").split('/').next().unwrap_or_default().to_string();
        if module == "lib" {
            continue;
        }
        let deps = graph.entry(module.clone()).or_default();
        for (_, line) in code_lines(&file) {
            for part in line.split("crate::").skip(1) {
                let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                // Lower-case names are modules; `Domain`, `Error`, `Result` are the crate root's.
                if name.starts_with(|c: char| c.is_ascii_lowercase()) && name != module {
                    deps.insert(name);
                }
            }
        }
    }
    graph
}

/// No import cycle between the domain's modules (each `impl Domain` block hangs off the crate
/// root, which is not a module of its own here).
#[test]
fn the_domain_has_no_import_cycle() {
    let graph = domain_module_graph();
    assert!(graph.get("signin").is_some_and(|d| d.contains("users")), "the graph is read: {graph:?}");
    let reaches = |from: &str, to: &str| {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack = vec![from.to_string()];
        while let Some(m) = stack.pop() {
            for d in graph.get(&m).into_iter().flatten() {
                if d == to {
                    return true;
                }
                if seen.insert(d.clone()) {
                    stack.push(d.clone());
                }
            }
        }
        false
    };
    let cycles: Vec<String> = graph
        .iter()
        .flat_map(|(m, deps)| deps.iter().filter(|d| reaches(d, m)).map(move |d| format!("{m} -> {d}")))
        .collect();
    assert!(cycles.is_empty(), "import cycles in the domain:\n{}", cycles.join("\n"));
}

/// The checks themselves catch what they are meant to.
#[test]
fn the_checks_see_what_they_look_for() {
    assert!(is_sql(r#"sqlx::query("SELECT id FROM users WHERE x = $1")"#));
    assert!(is_sql(r#"    "INSERT INTO counters (key) VALUES ($1)""#));
    assert!(is_sql(r#"    "UPDATE users SET status = $1 WHERE pool_id = $2""#));
    assert!(!is_sql(r#"let session = self.seal_challenge(pool, client, &user, "SELECT_CHALLENGE")?;"#));
    assert!(!is_sql(r#"let name = "Select a user from the list";"#));
    let store = crates_dir().join("store-sql/src/tokens.rs");
    assert!(code_lines(&store).iter().any(|(_, l)| is_sql(l)), "the store's own SQL is seen");
    assert!(code_lines(&store).iter().any(|(_, l)| touches_store_table(l)), "the store's tables are seen");
    assert!(touches_store_table(r#"sqlx::query("SELECT id FROM users WHERE pool_id = $1")"#));
    assert!(!touches_store_table(r#"sqlx::query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE x)")"#));
}
