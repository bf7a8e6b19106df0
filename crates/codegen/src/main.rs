//! `cargo run -p cognate-codegen` regenerates `crates/model/src/generated/` from `vendor/botocore`.

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out_dir = root.join("crates/model/src/generated");
    std::fs::create_dir_all(&out_dir)?;
    for (name, contents) in cognate_codegen::generate_all(&root.join("vendor/botocore"))? {
        std::fs::write(out_dir.join(&name), contents)?;
        println!("wrote crates/model/src/generated/{name}");
    }
    Ok(())
}
