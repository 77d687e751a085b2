//! Importing kubeconfigs into the app's store, with credentials moved to a vault
//! (in memory here; `keyring.rs` runs the same contract against the real OS keyring).

use onboard_core::app::Role;
use onboard_core::kubeconfig::import::{self, Conflict, ImportChoice, ImportSource, Taken};
use onboard_core::kubeconfig::load::{self, Merged};
use onboard_core::kubeconfig::store::Store;
use onboard_core::kubeconfig::summary::{self, AuthKind};
use onboard_core::kubeconfig::{secrets, sources};
use onboard_core::vault::{MemoryVault, SecretStore, SecretString};
use std::path::{Path, PathBuf};

const KEY_PEM: &str =
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKEYMATERIALxx\n-----END EC PRIVATE KEY-----\n";
const HOST_TOKEN: &str = "host-token-9f8e7d";

/// Two kubeconfigs as kubeadm writes them: the same cluster, user and context names.
fn kubeadm_files(dir: &Path) -> (PathBuf, PathBuf) {
    std::fs::create_dir_all(dir.join("certs")).unwrap();
    std::fs::write(dir.join("certs/admin.key"), KEY_PEM).unwrap();
    let host = dir.join("host.yaml");
    std::fs::write(
        &host,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: kubernetes-admin@kubernetes\n\
             clusters:\n- name: kubernetes\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: Q0EtSE9TVA==\n    x-vendor-field: keep-me\n\
             users:\n- name: kubernetes-admin\n  user:\n    token: {HOST_TOKEN}\n\
             contexts:\n- name: kubernetes-admin@kubernetes\n  context: {{cluster: kubernetes, user: kubernetes-admin, namespace: kubesphere-system}}\n"
        ),
    )
    .unwrap();
    let member = dir.join("member.yaml");
    std::fs::write(
        &member,
        "apiVersion: v1\nkind: Config\n\
         clusters:\n- name: kubernetes\n  cluster: {server: 'https://10.0.0.2:6443', certificate-authority-data: Q0EtTUVNQkVS}\n\
         users:\n- name: kubernetes-admin\n  user: {client-certificate-data: Q0VSVA==, client-key: certs/admin.key}\n\
         contexts:\n- name: kubernetes-admin@kubernetes\n  context: {cluster: kubernetes, user: kubernetes-admin}\n",
    )
    .unwrap();
    (host, member)
}

fn no_files() -> Merged {
    load::load(&[]).unwrap()
}

fn choice(group: u32, context: &str, save_as: &str) -> ImportChoice {
    ImportChoice {
        group,
        context: context.into(),
        save_as: save_as.into(),
        replace: false,
    }
}

fn import_both(store: &Store, vault: &MemoryVault, host: &Path, member: &Path) {
    let source = ImportSource::Files {
        paths: vec![host.into(), member.into()],
    };
    let taken = Taken::new(store, &no_files()).unwrap();
    let outcome = import::import(
        &source,
        &[
            choice(0, "kubernetes-admin@kubernetes", "host"),
            choice(1, "kubernetes-admin@kubernetes", "member"),
        ],
        &taken,
        store,
        vault,
    )
    .unwrap();
    assert_eq!(outcome.imported, ["host", "member"]);
    assert_eq!(outcome.secrets_saved, 2);
}

#[test]
fn two_kubeadm_files_preview_with_a_suggested_name_for_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let (host, member) = kubeadm_files(dir.path());
    let store = Store::in_dir(&dir.path().join("data"));
    let taken = Taken::new(&store, &no_files()).unwrap();
    let preview = import::preview(
        &ImportSource::Files {
            paths: vec![host.clone(), member],
        },
        &taken,
    )
    .unwrap();
    assert_eq!(preview.groups.len(), 2);
    let first = &preview.groups[0].contexts[0];
    assert_eq!(preview.groups[0].label, host.display().to_string());
    assert_eq!(first.conflict, None);
    assert_eq!(first.suggested_name, "kubernetes-admin@kubernetes");
    assert_eq!(
        first.context.server.as_deref(),
        Some("https://10.0.0.1:6443")
    );
    assert_eq!(first.context.auth, AuthKind::Token);
    assert_eq!(first.context.namespace, "kubesphere-system");
    let second = &preview.groups[1].contexts[0];
    assert_eq!(second.conflict, Some(Conflict::InThisImport));
    assert_eq!(second.suggested_name, "kubernetes-admin@kubernetes-2");
    assert_eq!(second.context.auth, AuthKind::ClientCertificate);
    let json = serde_json::to_string(&preview).unwrap();
    assert!(!json.contains(HOST_TOKEN), "{json}");
    assert!(!store.path().exists(), "a preview saves nothing");
}

#[test]
fn import_keeps_credentials_in_the_vault_and_unknown_fields_in_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (host, member) = kubeadm_files(dir.path());
    let store = Store::in_dir(&dir.path().join("data"));
    let vault = MemoryVault::new();
    import_both(&store, &vault, &host, &member);
    assert_eq!(vault.len(), 2);

    let text = std::fs::read_to_string(store.path()).unwrap();
    assert!(!text.contains(HOST_TOKEN), "{text}");
    assert!(!text.contains("KEYMATERIAL"), "{text}");
    assert!(text.contains("x-vendor-field: keep-me"), "{text}");
    assert!(text.contains(secrets::EXTENSION), "{text}");

    // Read back through kubectl's loading rules, together with the user's own files.
    let merged = load::load(&[store.source(), sources_of(&host), sources_of(&member)]).unwrap();
    let summary = summary::summarize(&merged);
    let names: Vec<_> = summary.contexts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["host", "kubernetes-admin@kubernetes", "member"]);
    let host_ctx = &summary.contexts[0];
    assert_eq!(
        host_ctx.auth,
        AuthKind::Token,
        "a token in the vault still counts"
    );
    assert_eq!(host_ctx.server.as_deref(), Some("https://10.0.0.1:6443"));
    assert_eq!(host_ctx.cluster, "ks-onboard/host");
    assert_eq!(
        summary.contexts[2].server.as_deref(),
        Some("https://10.0.0.2:6443")
    );

    // The credentials come back from the vault, the key file's contents embedded.
    let config = store.config().unwrap();
    let users = config.auth_infos.unwrap();
    let mut host_user = users[0].value.clone();
    secrets::fill_in(&mut host_user, &vault).unwrap();
    assert_eq!(host_user.token, HOST_TOKEN);
    let mut member_user = users[1].value.clone();
    assert!(
        member_user.client_key.is_empty(),
        "the path is replaced by its contents"
    );
    secrets::fill_in(&mut member_user, &vault).unwrap();
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD
        .decode(&member_user.client_key_data)
        .unwrap();
    assert_eq!(key, KEY_PEM.as_bytes());
}

fn sources_of(path: &Path) -> sources::Source {
    sources::resolve(Some(path), None, None).unwrap().remove(0)
}

#[test]
fn a_name_taken_needs_replace_and_replacing_frees_the_old_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let (host, member) = kubeadm_files(dir.path());
    let store = Store::in_dir(&dir.path().join("data"));
    let vault = MemoryVault::new();
    import_both(&store, &vault, &host, &member);
    let before = std::fs::read_to_string(store.path()).unwrap();

    let source = ImportSource::Files { paths: vec![host] };
    let taken = Taken::new(&store, &no_files()).unwrap();
    let preview = import::preview(&source, &taken).unwrap();
    assert_eq!(preview.groups[0].contexts[0].conflict, None);
    let again = choice(0, "kubernetes-admin@kubernetes", "host");
    let error = import::import(
        &source,
        std::slice::from_ref(&again),
        &taken,
        &store,
        &vault,
    )
    .unwrap_err();
    assert!(
        error.message.contains("imported before"),
        "{}",
        error.message
    );
    assert_eq!(std::fs::read_to_string(store.path()).unwrap(), before);

    let replace = ImportChoice {
        replace: true,
        ..again
    };
    import::import(&source, &[replace], &taken, &store, &vault).unwrap();
    assert_eq!(
        vault.len(),
        2,
        "the replaced token is deleted, the new one saved"
    );
    assert_eq!(store.context_names().unwrap(), ["member", "host"]);
}

#[test]
fn a_name_in_the_users_own_files_must_be_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (host, member) = kubeadm_files(dir.path());
    let store = Store::in_dir(&dir.path().join("data"));
    let files = load::load(&[sources_of(&host)]).unwrap();
    let taken = Taken::new(&store, &files).unwrap();
    let source = ImportSource::Files {
        paths: vec![member],
    };
    let preview = import::preview(&source, &taken).unwrap();
    let found = &preview.groups[0].contexts[0];
    assert_eq!(found.conflict, Some(Conflict::InFiles));
    assert_eq!(found.suggested_name, "kubernetes-admin@kubernetes-2");
    let same = choice(
        0,
        "kubernetes-admin@kubernetes",
        "kubernetes-admin@kubernetes",
    );
    let error = import::import(&source, &[same], &taken, &store, &MemoryVault::new()).unwrap_err();
    assert!(error.hint.unwrap().contains("another name"));
    assert!(!store.path().exists());
}

#[test]
fn a_broken_file_is_reported_and_the_others_are_still_offered() {
    let dir = tempfile::tempdir().unwrap();
    let (host, _) = kubeadm_files(dir.path());
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "clusters:\n- name: a\n\tcluster: {}\n").unwrap();
    let store = Store::in_dir(&dir.path().join("data"));
    let taken = Taken::new(&store, &no_files()).unwrap();
    let preview = import::preview(
        &ImportSource::Files {
            paths: vec![broken.clone(), host],
        },
        &taken,
    )
    .unwrap();
    let error = preview.groups[0]
        .error
        .as_ref()
        .expect("the broken file fails");
    assert!(
        error.message.contains(&broken.display().to_string()),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("line 2, column 9"),
        "{}",
        error.message
    );
    assert_eq!(preview.groups[1].contexts.len(), 1);
}

#[test]
fn pasted_text_imports_but_cannot_resolve_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::in_dir(dir.path());
    let vault = MemoryVault::new();
    let taken = Taken::new(&store, &no_files()).unwrap();
    let good = ImportSource::Text {
        text: "clusters:\n- name: c\n  cluster: {server: 'https://p:6443'}\nusers:\n- name: u\n  user: {username: admin, password: P4ss}\ncontexts:\n- name: pasted\n  context: {cluster: c, user: u}\n".into(),
    };
    let preview = import::preview(&good, &taken).unwrap();
    assert_eq!(preview.groups[0].label, "pasted text");
    assert_eq!(preview.groups[0].contexts[0].context.auth, AuthKind::Basic);
    import::import(
        &good,
        &[choice(0, "pasted", "pasted")],
        &taken,
        &store,
        &vault,
    )
    .unwrap();
    assert_eq!(vault.len(), 1);
    assert!(!std::fs::read_to_string(store.path())
        .unwrap()
        .contains("P4ss"));

    let relative = ImportSource::Text {
        text: "clusters:\n- name: c\n  cluster: {server: 'https://p:6443', certificate-authority: ca.crt}\ncontexts:\n- name: rel\n  context: {cluster: c}\n".into(),
    };
    let taken = Taken::new(&store, &no_files()).unwrap();
    let error = import::import(
        &relative,
        &[choice(0, "rel", "rel")],
        &taken,
        &store,
        &vault,
    )
    .unwrap_err();
    assert!(error.message.contains("relative path"), "{}", error.message);
    assert_eq!(store.context_names().unwrap(), ["pasted"]);
}

/// A vault that takes one secret, then fails like a keyring that got locked.
struct FailsAfterOne(MemoryVault);

impl SecretStore for FailsAfterOne {
    fn put(&self, key: &str, secret: &SecretString) -> onboard_core::Result<()> {
        if !self.0.is_empty() {
            return Err(onboard_core::Error::new(
                onboard_core::ErrorKind::Unavailable,
                "the OS keyring is not available or is locked",
            ));
        }
        self.0.put(key, secret)
    }
    fn get(&self, key: &str) -> onboard_core::Result<SecretString> {
        self.0.get(key)
    }
    fn delete(&self, key: &str) -> onboard_core::Result<()> {
        self.0.delete(key)
    }
}

#[test]
fn a_vault_failure_half_way_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (host, member) = kubeadm_files(dir.path());
    let store = Store::in_dir(&dir.path().join("data"));
    let vault = FailsAfterOne(MemoryVault::new());
    let taken = Taken::new(&store, &no_files()).unwrap();
    let error = import::import(
        &ImportSource::Files {
            paths: vec![host, member],
        },
        &[
            choice(0, "kubernetes-admin@kubernetes", "host"),
            choice(1, "kubernetes-admin@kubernetes", "member"),
        ],
        &taken,
        &store,
        &vault,
    )
    .unwrap_err();
    assert_eq!(error.kind, onboard_core::ErrorKind::Unavailable);
    assert!(vault.0.is_empty(), "the first secret is taken back");
    assert!(!store.path().exists());
}

#[test]
fn removing_a_context_deletes_its_credentials_and_forgets_its_role() {
    let dir = tempfile::tempdir().unwrap();
    let (host, member) = kubeadm_files(dir.path());
    let store = Store::in_dir(&dir.path().join("data"));
    let vault = MemoryVault::new();
    import_both(&store, &vault, &host, &member);
    store.set_role(Role::Host, Some("host")).unwrap();
    store.set_role(Role::Member, Some("member")).unwrap();
    assert_eq!(store.roles().unwrap().member.as_deref(), Some("member"));

    store.remove(&["member".into()], &vault).unwrap();
    assert_eq!(vault.len(), 1);
    assert_eq!(store.context_names().unwrap(), ["host"]);
    let roles = store.roles().unwrap();
    assert_eq!((roles.host.as_deref(), roles.member), (Some("host"), None));
    let config = store.config().unwrap();
    assert_eq!(
        config.clusters.unwrap().len(),
        1,
        "its cluster goes with it"
    );

    let error = store
        .remove(&["kubernetes-admin@kubernetes".into()], &vault)
        .unwrap_err();
    assert!(error.hint.unwrap().contains("never edits your own"));
}
