//! The CLI contract: help and version, exit codes 0/1/2, `error:` + `hint:` lines, -o formats.

use assert_cmd::Command;

fn cli() -> Command {
    let mut cmd = Command::cargo_bin("ks-onboard-cli").expect("binary built");
    cmd.env_remove("KUBECONFIG");
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.output().expect("run ks-onboard-cli");
    assert!(output.status.success(), "failed: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8 output")
}

#[test]
fn help_and_version_exit_zero() {
    let help = stdout_of(cli().arg("--help"));
    for flag in [
        "--kubeconfig",
        "--context",
        "--output",
        "stages",
        "kubeconfig",
    ] {
        assert!(help.contains(flag), "help lacks {flag}:\n{help}");
    }
    let version = stdout_of(cli().arg("--version"));
    assert_eq!(
        version.trim(),
        format!("ks-onboard-cli {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_usage_exits_two() {
    let output = cli().arg("no-such-command").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = cli().args(["stages", "-o", "xml"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("table, json, yaml"));
}

#[test]
fn failures_exit_one_with_error_and_hint_lines() {
    let output = cli()
        .args([
            "kubeconfig",
            "sources",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert_eq!(
        lines[0],
        "error: kubeconfig file /nonexistent/kubeconfig does not exist"
    );
    assert!(lines[1].starts_with("hint: "), "{stderr}");
}

#[test]
fn stages_print_as_table_json_and_yaml() {
    let table = stdout_of(cli().arg("stages"));
    let mut lines = table.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("STEP   ID              TITLE                WHAT IT DOES"));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("1      kubeconfigs     Kubeconfigs          Choose"));
    assert_eq!(table.lines().count(), 7);

    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(cli().args(["-o", "json", "stages"]))).unwrap();
    assert_eq!(json[2]["id"], "proxy-address");
    assert_eq!(json[2]["step"], 3);

    let yaml: serde_json::Value =
        serde_yaml::from_str(&stdout_of(cli().args(["stages", "--output", "yaml"]))).unwrap();
    assert_eq!(yaml, json);
}

#[test]
fn kubeconfig_sources_follow_kubectl_precedence() {
    let dir = tempfile::tempdir().unwrap();
    let present = dir.path().join("a.yaml");
    std::fs::write(&present, "apiVersion: v1\nkind: Config\n").unwrap();
    let missing = dir.path().join("b.yaml");
    let list = std::env::join_paths([&present, &missing]).unwrap();

    let out =
        stdout_of(
            cli()
                .env("KUBECONFIG", &list)
                .args(["kubeconfig", "sources", "-o", "json"]),
        );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["path"], present.to_str().unwrap());
    assert_eq!(files[0]["origin"], "env");
    assert_eq!(files[0]["exists"], true);
    assert_eq!(files[1]["exists"], false);

    let table = stdout_of(
        cli()
            .env("KUBECONFIG", &list)
            .args(["kubeconfig", "sources", "--kubeconfig"])
            .arg(&present),
    );
    assert!(table.contains("--kubeconfig"), "{table}");
    assert_eq!(table.lines().count(), 2);
}

/// Usable over SSH on a server without a desktop: the binary links no window toolkit.
#[cfg(target_os = "linux")]
#[test]
fn the_cli_links_no_window_toolkit() {
    let out = std::process::Command::new("ldd")
        .arg(env!("CARGO_BIN_EXE_ks-onboard-cli"))
        .output()
        .expect("ldd runs");
    assert!(out.status.success(), "{out:?}");
    let libraries = String::from_utf8_lossy(&out.stdout);
    assert!(
        libraries.contains("libc.so"),
        "ldd listed the libraries: {libraries}"
    );
    for toolkit in [
        "libgtk",
        "libwebkit",
        "libgdk",
        "libjavascriptcore",
        "libX11",
    ] {
        assert!(
            !libraries.contains(toolkit),
            "ks-onboard-cli links {toolkit}: {libraries}"
        );
    }
}
