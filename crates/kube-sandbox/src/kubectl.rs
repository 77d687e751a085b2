//! Where to find a real kubectl to test against. The `kubectl` on this machine kind's PATH is
//! gcloud's version dispatcher, which asks the current context's server for its version even
//! for `kubectl config view`; plain builds (`kubectl.1.27` … `kubectl.1.33`) sit beside its
//! real file. Tests use a plain build as their independent client and oracle.

use std::path::PathBuf;

/// `$KUBECTL` if set; else a plain build beside the real file of the `kubectl` on PATH
/// (1.32 first); else that `kubectl` itself when it is not gcloud's dispatcher.
pub fn plain_kubectl() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KUBECTL") {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("kubectl"))
        .find(|p| p.is_file())?;
    let real = std::fs::canonicalize(on_path).ok()?;
    let dir = real.parent()?;
    let plain = ["1.32", "1.33", "1.31", "1.30", "1.29", "1.28", "1.27"]
        .iter()
        .map(|version| dir.join(format!("kubectl.{version}")))
        .find(|candidate| candidate.is_file());
    let is_dispatcher = real.to_string_lossy().contains("google-cloud-sdk");
    plain.or((!is_dispatcher).then_some(real))
}
