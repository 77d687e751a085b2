//! The vault against the real OS keyring (Secret Service on Linux). `scripts/test.sh` runs
//! the tests inside `dbus-run-session` with an unlocked gnome-keyring; without a keyring
//! these tests fail, by design: a keyring that silently is not there is the bug they catch.

use onboard_core::kubeconfig::import::{self, ImportChoice, ImportSource, Taken};
use onboard_core::kubeconfig::{load, secrets, store::Store};
use onboard_core::vault::{ExposeSecret, OsKeyring, SecretStore, SecretString};

/// A service name of its own per test run, so the user's real entries are never touched.
fn test_keyring() -> OsKeyring {
    OsKeyring::with_service(format!("ks-onboard-test-{}", uuid::Uuid::new_v4()))
}

#[test]
fn a_secret_round_trips_through_the_os_keyring() {
    let keyring = test_keyring();
    let key = "users/round-trip/token";
    keyring
        .put(key, &SecretString::from("s3cr3t-ü-☃".to_owned()))
        .expect("a Secret Service must be running and unlocked (see scripts/test.sh)");
    assert_eq!(keyring.get(key).unwrap().expose_secret(), "s3cr3t-ü-☃");
    keyring
        .put(key, &SecretString::from("rotated".to_owned()))
        .unwrap();
    assert_eq!(keyring.get(key).unwrap().expose_secret(), "rotated");
    keyring.delete(key).unwrap();
    let gone = keyring.get(key).unwrap_err();
    assert_eq!(gone.kind, onboard_core::ErrorKind::NotFound);
    keyring.delete(key).expect("deleting twice is fine");
}

#[test]
fn an_import_keeps_its_token_in_the_os_keyring_only() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config");
    std::fs::write(
        &file,
        "clusters:\n- name: c\n  cluster: {server: 'https://k:6443'}\nusers:\n- name: u\n  user: {token: keyring-token-123}\ncontexts:\n- name: k\n  context: {cluster: c, user: u}\n",
    )
    .unwrap();
    let store = Store::in_dir(&dir.path().join("data"));
    let keyring = test_keyring();
    let taken = Taken::new(&store, &load::load(&[]).unwrap()).unwrap();
    let choice = ImportChoice {
        group: 0,
        context: "k".into(),
        save_as: "k".into(),
        replace: false,
    };
    let source = ImportSource::Files { paths: vec![file] };
    import::import(&source, &[choice], &taken, &store, &keyring).unwrap();
    assert!(!std::fs::read_to_string(store.path())
        .unwrap()
        .contains("keyring-token-123"));

    let mut user = store.config().unwrap().auth_infos.unwrap().remove(0).value;
    let references = secrets::references(&user);
    secrets::fill_in(&mut user, &keyring).unwrap();
    assert_eq!(user.token, "keyring-token-123");

    store.remove(&["k".into()], &keyring).unwrap();
    let (_, key) = &references[0];
    assert_eq!(
        keyring.get(key).unwrap_err().kind,
        onboard_core::ErrorKind::NotFound
    );
}
