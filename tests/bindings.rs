//! The TypeScript bindings in ui/src/backend/bindings.ts are generated from the command
//! table. This test fails when they are stale; `UPDATE_BINDINGS=1 cargo test --test bindings`
//! rewrites them.

use specta_typescript::Typescript;
use std::path::Path;

#[test]
fn typescript_bindings_are_current() {
    let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/backend/bindings.ts");
    let fresh = tempfile_path();
    ks_onboard_app::specta_builder::<tauri::Wry>()
        .export(Typescript::default(), &fresh)
        .expect("export TypeScript bindings");
    let fresh_text = std::fs::read_to_string(&fresh).expect("read exported bindings");
    std::fs::remove_file(&fresh).ok();

    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&checked_in, &fresh_text).expect("write ui/src/backend/bindings.ts");
        return;
    }
    let current = std::fs::read_to_string(&checked_in).unwrap_or_default();
    assert!(
        current == fresh_text,
        "ui/src/backend/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test --test bindings` and commit the result"
    );
}

fn tempfile_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ks-onboard-bindings-{}.ts", std::process::id()))
}
