//! The committed generated code must be exactly what `cognate-codegen` produces from the vendored
//! models. If this fails, run `cargo run -p cognate-codegen` and review the diff.

use std::path::PathBuf;

#[test]
fn generated_code_matches_the_vendored_models() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("crates/model/src/generated");
    let mut stale = Vec::new();
    let files = cognate_codegen::generate_all(&root.join("vendor/botocore"))?;
    for (name, expected) in &files {
        let actual = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        if &actual != expected {
            stale.push(name.clone());
        }
    }
    let mut on_disk: Vec<String> =
        std::fs::read_dir(&dir)?.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned())).collect();
    on_disk.sort();
    let mut expected_names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    expected_names.sort();
    assert_eq!(on_disk, expected_names, "unexpected files in src/generated");
    assert!(stale.is_empty(), "stale generated files {stale:?}: run `cargo run -p cognate-codegen`");
    Ok(())
}
