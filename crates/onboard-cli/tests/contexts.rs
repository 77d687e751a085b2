//! `kubeconfig import|list|show|use-role|remove` end to end: the real binary, the real OS
//! keyring (scripts/test.sh runs the tests inside a private gnome-keyring session), and plain
//! kubectl as an independent reader of the store the app writes.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Output;

const HOST_TOKEN: &str = "host-token-5d1c0ffee";
const MEMBER_KEY: &str = "MEMBER-PRIVATE-KEY-PEM";
const SECRETS: [&str; 2] = [HOST_TOKEN, MEMBER_KEY];

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// Two kubeconfigs as kubeadm writes them (same context, cluster and user names), the
    /// member's key in a file named by a relative path.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("pki")).unwrap();
        std::fs::write(root.join("pki/admin.key"), MEMBER_KEY).unwrap();
        let body = |server: &str, user: &str| {
            format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: kubernetes-admin@kubernetes\n\
                 clusters:\n- name: kubernetes\n  cluster: {{server: '{server}', certificate-authority-data: Q0E=}}\n\
                 users:\n- name: kubernetes-admin\n  user: {user}\n\
                 contexts:\n- name: kubernetes-admin@kubernetes\n  context: {{cluster: kubernetes, user: kubernetes-admin}}\n"
            )
        };
        std::fs::write(
            root.join("host.yaml"),
            body("https://10.1.0.1:6443", &format!("{{token: {HOST_TOKEN}}}")),
        )
        .unwrap();
        std::fs::write(
            root.join("member.yaml"),
            body(
                "https://10.2.0.1:6443",
                "{client-certificate-data: Q0VSVA==, client-key: pki/admin.key}",
            ),
        )
        .unwrap();
        Env { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn store(&self) -> PathBuf {
        self.path("data/kubeconfig.yaml")
    }

    fn cli(&self, args: &[&str]) -> Output {
        let mut cmd = Command::cargo_bin("ks-onboard-cli").unwrap();
        cmd.current_dir(self.dir.path())
            .env("KS_ONBOARD_DATA_DIR", self.path("data"))
            .env("KUBECONFIG", self.path("no-such-kubeconfig"))
            .args(args);
        let output = cmd.output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        for secret in SECRETS {
            assert!(!all.contains(secret), "`{args:?}` printed a secret:\n{all}");
        }
        output
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert!(output.status.success(), "{args:?} failed: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut with_json = args.to_vec();
        with_json.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&with_json)).unwrap()
    }

    fn import_both(&self) {
        self.ok(&[
            "kubeconfig",
            "import",
            "host.yaml",
            "member.yaml",
            "--as",
            "kubernetes-admin@kubernetes=host",
            "--as",
            "kubernetes-admin@kubernetes=member",
        ]);
    }
}

#[test]
fn a_dry_run_suggests_a_free_name_for_the_second_kubeadm_file_and_saves_nothing() {
    let env = Env::new();
    let plan = env.json(&[
        "kubeconfig",
        "import",
        "host.yaml",
        "member.yaml",
        "--dry-run",
    ]);
    let saved: Vec<_> = plan
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["saveAs"].as_str().unwrap())
        .collect();
    assert_eq!(
        saved,
        [
            "kubernetes-admin@kubernetes",
            "kubernetes-admin@kubernetes-2"
        ]
    );
    assert!(!env.store().exists());
}

#[test]
fn imported_contexts_are_listed_with_their_auth_and_the_store_holds_no_secret() {
    let env = Env::new();
    env.import_both();
    let list = env.json(&["kubeconfig", "list"]);
    let rows = list.as_array().unwrap();
    let summary: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["server"].as_str().unwrap(),
                r["auth"]["kind"].as_str().unwrap(),
                r["imported"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("host", "https://10.1.0.1:6443", "token", true),
            ("member", "https://10.2.0.1:6443", "clientCertificate", true)
        ]
    );
    // Every file the app wrote (store, backup, anything else) is free of secrets.
    env.ok(&["kubeconfig", "use-role", "host", "host"]);
    let written: Vec<_> = std::fs::read_dir(env.path("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        written.iter().any(|p| p.ends_with("kubeconfig.yaml.bak")),
        "{written:?}"
    );
    for file in &written {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        for secret in SECRETS {
            assert!(
                !text.contains(secret),
                "{} holds a secret:\n{text}",
                file.display()
            );
        }
    }
    let names = env.ok(&["kubeconfig", "list", "-o", "name"]);
    assert_eq!(names, "host\nmember\n");
}

#[test]
fn plain_kubectl_reads_the_store_as_a_kubeconfig() {
    let env = Env::new();
    env.import_both();
    let kubectl =
        kube_sandbox::kubectl::plain_kubectl().expect("a plain kubectl build (see DESIGN.md)");
    let output = std::process::Command::new(kubectl)
        .args(["config", "get-contexts", "-o", "name", "--kubeconfig"])
        .arg(env.store())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), "host\nmember\n");
}

#[test]
fn roles_are_checked_remembered_and_shown() {
    let env = Env::new();
    env.import_both();
    env.ok(&["kubeconfig", "use-role", "host", "host"]);
    let refused = env.cli(&["kubeconfig", "use-role", "member", "host"]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("hint: the host and the member must be two different clusters"),
        "{stderr}"
    );
    let roles = env.json(&["kubeconfig", "use-role", "member", "member"]);
    assert_eq!(
        roles,
        serde_json::json!({"host": "host", "member": "member"})
    );

    let shown = env.json(&["kubeconfig", "show", "member"]);
    assert_eq!(shown["roles"], serde_json::json!(["member"]));
    assert_eq!(
        shown["user"]["credentials"],
        serde_json::json!([{"field": "client-key-data", "place": {"kind": "keyring"}}])
    );
    assert_eq!(shown["cluster"]["server"], "https://10.2.0.1:6443");
    let table = env.ok(&["kubeconfig", "show", "host", "--context", "member"]);
    assert!(table.contains("token: •••• in the OS keyring"), "{table}");
    let missing = env.cli(&["kubeconfig", "use-role", "host", "nope"]);
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn removing_takes_the_context_and_its_credentials_away() {
    let env = Env::new();
    env.import_both();
    env.ok(&["kubeconfig", "use-role", "member", "member"]);
    env.ok(&["kubeconfig", "remove", "member"]);
    assert_eq!(env.ok(&["kubeconfig", "list", "-o", "name"]), "host\n");
    let roles = env.json(&["kubeconfig", "use-role", "host", "host"]);
    assert_eq!(roles["member"], serde_json::Value::Null);
    let again = env.cli(&["kubeconfig", "remove", "member"]);
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn without_a_keyring_the_import_fails_with_the_fix_and_writes_nothing() {
    let env = Env::new();
    let mut cmd = Command::cargo_bin("ks-onboard-cli").unwrap();
    let output = cmd
        .current_dir(env.dir.path())
        .env("KS_ONBOARD_DATA_DIR", env.path("data"))
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .args(["kubeconfig", "import", "host.yaml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the OS keyring is not available"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: start and unlock a keyring"),
        "{stderr}"
    );
    assert!(!stderr.contains(HOST_TOKEN));
    assert!(
        !env.store().exists(),
        "no plaintext fallback, no half import"
    );
    assert!(!Path::new(&env.path("data"))
        .join("kubeconfig.yaml.bak")
        .exists());
}

#[test]
fn a_broken_file_stops_the_import_naming_the_file_and_line() {
    let env = Env::new();
    std::fs::write(env.path("broken.yaml"), "contexts:\n- name: yes\n").unwrap();
    let output = env.cli(&["kubeconfig", "import", "broken.yaml", "host.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.yaml"), "{stderr}");
    assert!(!env.store().exists());
}
