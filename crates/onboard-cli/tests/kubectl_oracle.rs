//! `ks-onboard-cli kubeconfig view|get-contexts|current-context` against real kubectl on the
//! same inputs: kubectl is the oracle. Every fixture in tests/fixtures/kubeconfig is loaded
//! alone or in the combinations below, and each command must succeed or fail as kubectl does
//! and, when it succeeds, print the same data.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A plain kubectl; these tests fail, never skip, without their oracle.
fn kubectl() -> PathBuf {
    kube_sandbox::kubectl::plain_kubectl()
        .expect("no plain kubectl build found beside the kubectl on PATH; set KUBECTL")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/kubeconfig")
        .join(name)
}

/// KUBECONFIG lists to test: every fixture alone, plus merges and odd lists.
fn cases() -> Vec<Vec<PathBuf>> {
    let dir = fixture("");
    let mut singles: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    singles.sort();
    assert!(
        singles.len() >= 20,
        "expected at least 20 fixtures, found {}",
        singles.len()
    );
    let mut cases: Vec<Vec<PathBuf>> = singles.into_iter().map(|p| vec![p]).collect();
    let f = |names: &[&str]| names.iter().map(|n| fixture(n)).collect::<Vec<_>>();
    cases.extend([
        f(&["merge-first.yaml", "merge-second.yaml"]),
        f(&["merge-second.yaml", "merge-first.yaml"]),
        f(&["later-current.yaml", "dangling-current.yaml"]),
        f(&[
            "empty-file.yaml",
            "dangling-current.yaml",
            "later-current.yaml",
        ]),
        f(&["does-not-exist.yaml", "basic.yaml", "also-missing.yaml"]),
        f(&["relative/kubeconfig.yaml", "basic.yaml", "config.json"]),
        f(&["basic.yaml", "tab-indent.yaml"]),
        f(&["basic.yaml", "relative"]),
        f(&[
            "sorting.yaml",
            "anchors.yaml",
            "oidc.yaml",
            "impersonation.yaml",
        ]),
    ]);
    cases.push(vec![fixture("relative/kubeconfig.yaml")]);
    cases
}

const COMMANDS: &[&[&str]] = &[
    &["view", "-o", "json"],
    &["view", "--raw", "-o", "json"],
    &["view", "--raw", "--flatten", "-o", "json"],
    &["view", "--minify", "-o", "json"],
    &["view", "-o", "yaml"],
    &["get-contexts", "-o", "name"],
    &["get-contexts"],
    &["current-context"],
];

fn run(
    program: &Path,
    prefix: &[&str],
    args: &[&str],
    kubeconfig: &std::ffi::OsStr,
    cwd: &Path,
) -> Output {
    Command::new(program)
        .args(prefix)
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env_remove("HOME")
        .current_dir(cwd)
        .output()
        .expect("run command")
}

/// Compares what both printed: YAML and JSON as data, other output line by line with
/// trailing blanks dropped (kubectl pads its last table column).
fn same_output(args: &[&str], ours: &str, theirs: &str) -> bool {
    if args.contains(&"json") || args.contains(&"yaml") {
        let parse = |text: &str| serde_yaml::from_str::<serde_json::Value>(text).ok();
        return parse(ours).is_some() && parse(ours) == parse(theirs);
    }
    let lines = |text: &str| {
        text.lines()
            .map(str::trim_end)
            .map(String::from)
            .collect::<Vec<_>>()
    };
    lines(ours) == lines(theirs)
}

#[test]
fn kubeconfig_readers_match_kubectl_on_every_fixture() {
    let kubectl = kubectl();
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_ks-onboard-cli"));
    // Run from elsewhere so relative paths must be resolved against each file's directory.
    let cwd = std::env::temp_dir();
    let mut failures = Vec::new();
    let mut compared = 0;
    for case in cases() {
        let list = std::env::join_paths(&case).unwrap();
        for args in COMMANDS {
            let expected = run(&kubectl, &["config"], args, &list, &cwd);
            let actual = run(&ours, &["kubeconfig"], args, &list, &cwd);
            compared += 1;
            let (want, got) = (
                String::from_utf8_lossy(&expected.stdout),
                String::from_utf8_lossy(&actual.stdout),
            );
            let agree = expected.status.success() == actual.status.success()
                && (!expected.status.success() || same_output(args, &got, &want));
            if !agree {
                failures.push(format!(
                    "KUBECONFIG={} {}\n  kubectl (exit {:?}): {}{}\n  ours    (exit {:?}): {}{}",
                    list.to_string_lossy(),
                    args.join(" "),
                    expected.status.code(),
                    want,
                    String::from_utf8_lossy(&expected.stderr),
                    actual.status.code(),
                    got,
                    String::from_utf8_lossy(&actual.stderr),
                ));
            }
        }
    }
    assert!(compared > 200, "only {compared} comparisons ran");
    assert!(
        failures.is_empty(),
        "{} of {compared} differ from kubectl:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn errors_name_the_file_and_the_place() {
    let output = Command::new(env!("CARGO_BIN_EXE_ks-onboard-cli"))
        .args(["kubeconfig", "view", "--kubeconfig"])
        .arg(fixture("tab-indent.yaml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: kubeconfig "), "{stderr}");
    assert!(
        stderr.contains("tab-indent.yaml is not valid YAML at line 2, column 9"),
        "{stderr}"
    );
    assert!(stderr.contains("\nhint: "), "{stderr}");
}

#[test]
fn redacted_view_never_prints_a_secret() {
    let output = Command::new(env!("CARGO_BIN_EXE_ks-onboard-cli"))
        .env(
            "KUBECONFIG",
            std::env::join_paths([fixture("basic.yaml"), fixture("merge-second.yaml")]).unwrap(),
        )
        .args(["kubeconfig", "view", "-o", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    for secret in ["secret-token", "hunter2", "second-token", "QUJD", "S0VZ"] {
        assert!(!stdout.contains(secret), "{secret} leaked:\n{stdout}");
    }
    assert!(stdout.contains("REDACTED") && stdout.contains("DATA+OMITTED"));
}
