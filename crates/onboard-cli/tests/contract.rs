//! The CLI's JSON contract: what docs/cli.md says each command prints with `-o json`, checked
//! against the built binary run on a sandbox started in this process.
//!
//! docs/cli.md has, right after the field list of every command that prints JSON, one line
//!
//! ```text
//! <!-- json-keys: LABEL = key1,key2,key3? -->      the document is an object: its keys
//! <!-- json-keys: LABEL [] = key1,key2? -->        the document is an array: each element's keys
//! ```
//!
//! LABEL is the command's words (`cluster add`), with a flag where the flag changes the shape
//! of the document (`cluster add --dry-run`). A trailing `?` marks a key that may be absent;
//! every other key is always printed (possibly as `null`). Where an array is checked it must
//! not be empty, or there would be no element to check.
//!
//! Each check runs the command with `-o json` and asserts: the exit code is the expected one;
//! stdout is exactly one JSON value (nothing before or after it, progress goes to stderr); the
//! set of top-level keys (of each element, for `[]`) equals the documented set, a `?` key
//! being allowed to be missing. Each test function checks the labels of its own list (and
//! fails if one was not checked); `every_documented_command_is_checked` asserts that these
//! lists together are exactly the labels docs/cli.md documents, so a command documented but
//! never run, or run but not documented, fails as well.

use assert_cmd::Command;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{text, world, World, HOST, MEMBER};

/// Checked by `commands_that_need_no_cluster`.
const OFFLINE: &[&str] = &["stages", "sandbox scenarios"];
/// Checked by `kubeconfig_host_and_proxy_address_commands`.
const CONTEXTS_AND_HOST: &[&str] = &[
    "kubeconfig sources",
    "kubeconfig view",
    "kubeconfig get-contexts",
    "kubeconfig list",
    "kubeconfig import",
    "kubeconfig show",
    "kubeconfig use-role",
    "kubeconfig test",
    "host check",
    "host agent-image",
    "proxy-address show",
    "proxy-address probe",
];
/// Checked by `the_join_flow_from_add_to_remove_and_the_audit_log`.
const FLOW: &[&str] = &[
    "cluster add --dry-run",
    "cluster add",
    "cluster status",
    "cluster list",
    "cluster agent-yaml",
    "cluster bundle",
    "proxy-address set",
    "proxy-address stale",
    "cluster join",
    "proxy-address restore",
    "cluster remove --dry-run",
    "cluster remove",
    "audit list",
    "audit verify",
];

// ---- the documented keys ----

#[derive(Debug, PartialEq)]
struct Keys {
    array: bool,
    required: BTreeSet<String>,
    optional: BTreeSet<String>,
}

fn docs_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md")
}

/// Every `json-keys` line of docs/cli.md, by label.
fn documented() -> BTreeMap<String, Keys> {
    let path = docs_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse(&text)
}

fn parse(text: &str) -> BTreeMap<String, Keys> {
    let mut found = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let at = || format!("docs/cli.md:{}", index + 1);
        let Some(rest) = line.trim().strip_prefix("<!-- json-keys:") else {
            continue;
        };
        let body = rest
            .strip_suffix("-->")
            .unwrap_or_else(|| panic!("{}: the comment must end with --> on its line", at()));
        let (label, keys) = body
            .split_once('=')
            .unwrap_or_else(|| panic!("{}: expected `LABEL = key,key?`: {line}", at()));
        let label = label.trim();
        let (label, array) = match label.strip_suffix("[]") {
            Some(label) => (label.trim_end(), true),
            None => (label, false),
        };
        assert!(!label.is_empty(), "{}: no label", at());
        let mut entry = Keys {
            array,
            required: BTreeSet::new(),
            optional: BTreeSet::new(),
        };
        for key in keys.split(',').map(str::trim) {
            let (name, set) = match key.strip_suffix('?') {
                Some(name) => (name, &mut entry.optional),
                None => (key, &mut entry.required),
            };
            assert!(
                !name.is_empty() && !name.contains(char::is_whitespace),
                "{}: bad key {key:?}",
                at()
            );
            assert!(set.insert(name.to_string()), "{}: {name} twice", at());
        }
        assert!(
            entry.required.is_disjoint(&entry.optional),
            "{}: a key is both required and optional",
            at()
        );
        assert!(
            found.insert(label.to_string(), entry).is_none(),
            "{}: `{label}` is documented twice",
            at()
        );
    }
    found
}

/// The checks one test function makes: its labels, and which of them it has checked.
struct Checks {
    docs: BTreeMap<String, Keys>,
    list: &'static [&'static str],
    done: BTreeSet<&'static str>,
}

impl Checks {
    fn new(list: &'static [&'static str]) -> Self {
        Self {
            docs: documented(),
            list,
            done: BTreeSet::new(),
        }
    }

    /// Asserts that `out` (a run of the command `label` names, with `-o json`) exited with
    /// `exit` and printed exactly one JSON document with the documented keys; returns it.
    fn check(&mut self, label: &'static str, out: &Output, exit: i32) -> Value {
        assert!(
            self.list.contains(&label),
            "`{label}` is not in this test's list of checks"
        );
        let keys = self
            .docs
            .get(label)
            .unwrap_or_else(|| panic!("docs/cli.md has no `<!-- json-keys: {label} … -->` line"));
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            out.status.code(),
            Some(exit),
            "`{label}`: exit code\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        let document: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("`{label}`: stdout is not one JSON document ({e}):\n{stdout}\nstderr:\n{stderr}")
        });
        let objects: Vec<&Map<String, Value>> = if keys.array {
            let elements = document
                .as_array()
                .unwrap_or_else(|| panic!("`{label}` is documented as an array:\n{stdout}"));
            assert!(
                !elements.is_empty(),
                "`{label}`: the array is empty, so its elements' keys cannot be checked"
            );
            elements
                .iter()
                .map(|e| {
                    e.as_object().unwrap_or_else(|| {
                        panic!("`{label}`: an element is not an object:\n{stdout}")
                    })
                })
                .collect()
        } else {
            vec![document
                .as_object()
                .unwrap_or_else(|| panic!("`{label}` is documented as an object:\n{stdout}"))]
        };
        for (index, object) in objects.iter().enumerate() {
            let printed: BTreeSet<String> = object.keys().cloned().collect();
            let undocumented: Vec<&String> = printed
                .iter()
                .filter(|k| !keys.required.contains(*k) && !keys.optional.contains(*k))
                .collect();
            let missing: Vec<&String> = keys.required.difference(&printed).collect();
            let which = if keys.array {
                format!(" (element {index})")
            } else {
                String::new()
            };
            assert!(
                undocumented.is_empty() && missing.is_empty(),
                "`{label}`{which}: docs/cli.md and the output disagree\n  \
                 printed but not documented: {undocumented:?}\n  \
                 documented (without ?) but not printed: {missing:?}\n  \
                 printed: {printed:?}"
            );
        }
        self.done.insert(label);
        document
    }

    fn finish(self) {
        let missing: Vec<&&str> = self
            .list
            .iter()
            .filter(|l| !self.done.contains(**l))
            .collect();
        assert!(missing.is_empty(), "not checked: {missing:?}");
    }
}

// ---- the sandbox and the binary ----

impl World {
    /// Runs the CLI with both kubeconfigs and `-o json`.
    async fn json(&self, args: &[&str]) -> Output {
        let mut args = args.to_vec();
        args.extend(["-o", "json"]);
        self.cli(&args).await
    }
}

/// Something that answers `GET /health` with 200 on loopback, as tower's proxy does.
fn healthy_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    url
}

// ---- the checks ----

#[test]
fn commands_that_need_no_cluster() {
    let mut checks = Checks::new(OFFLINE);
    let run = |args: &[&str]| {
        Command::cargo_bin("ks-onboard-cli")
            .unwrap()
            .env("KUBECONFIG", "/nonexistent/kubeconfig")
            .env("KS_ONBOARD_DATA_DIR", "/nonexistent/data")
            .args(args)
            .output()
            .unwrap()
    };
    let stages = checks.check("stages", &run(&["stages", "-o", "json"]), 0);
    assert_eq!(stages[0]["id"], "kubeconfigs");
    // Global flags work before the subcommand too.
    let scenarios = checks.check(
        "sandbox scenarios",
        &run(&["-o", "json", "sandbox", "scenarios"]),
        0,
    );
    assert!(scenarios
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "air-gapped"));
    checks.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubeconfig_host_and_proxy_address_commands() {
    let w = world("healthy").await;
    let mut checks = Checks::new(CONTEXTS_AND_HOST);
    let member_file = w.sandbox.member_kubeconfig.to_str().unwrap().to_string();

    let sources = checks.check(
        "kubeconfig sources",
        &w.json(&["kubeconfig", "sources"]).await,
        0,
    );
    assert_eq!(sources["files"][0]["origin"], "env");
    checks.check(
        "kubeconfig view",
        &w.json(&["kubeconfig", "view", "--minify"]).await,
        0,
    );
    let contexts = checks.check(
        "kubeconfig get-contexts",
        &w.json(&["kubeconfig", "get-contexts"]).await,
        0,
    );
    assert_eq!(contexts[0]["name"], HOST);
    assert_eq!(contexts[0]["current"], true);

    let import = ["kubeconfig", "import", &member_file, "--as"];
    let mut dry = import.to_vec();
    dry.extend(["sandbox-member=edge-admin", "--dry-run"]);
    let plan = checks.check("kubeconfig import", &w.json(&dry).await, 0);
    assert_eq!(plan[0]["saveAs"], "edge-admin");
    let mut real = import.to_vec();
    real.push("sandbox-member=edge-admin");
    checks.check("kubeconfig import", &w.json(&real).await, 0);
    let list = checks.check("kubeconfig list", &w.json(&["kubeconfig", "list"]).await, 0);
    assert_eq!(list[0]["name"], "edge-admin", "imported contexts first");
    assert_eq!(list[0]["imported"], true);
    let details = checks.check(
        "kubeconfig show",
        &w.json(&["kubeconfig", "show", "edge-admin"]).await,
        0,
    );
    assert_eq!(details["imported"], true);
    let roles = checks.check(
        "kubeconfig use-role",
        &w.json(&["kubeconfig", "use-role", "member", "edge-admin"])
            .await,
        0,
    );
    assert_eq!(roles["member"], "edge-admin");
    let report = checks.check(
        "kubeconfig test",
        &w.json(&["kubeconfig", "test", "edge-admin"]).await,
        0,
    );
    assert_eq!(report["connected"], true, "the keyring's credentials work");

    // Global flags after the subcommand.
    let results = checks.check(
        "host check",
        &w.json(&["host", "check", "--context", HOST]).await,
        0,
    );
    assert!(results
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["verdict"] == "pass"));
    let image = checks.check(
        "host agent-image",
        &w.json(&[
            "host",
            "agent-image",
            "mirror.local:5000/kubesphere/tower:v0.2.1",
            "--dry-run",
            "--context",
            HOST,
        ])
        .await,
        0,
    );
    assert_eq!(
        (image["dryRunPassed"].as_bool(), image["written"].as_bool()),
        (Some(true), Some(false))
    );
    let address = checks.check(
        "proxy-address show",
        &w.json(&["proxy-address", "show", "--context", HOST]).await,
        0,
    );
    assert_eq!(address["effective"]["origin"], "loadBalancer");
    let url = healthy_endpoint();
    let probe = checks.check(
        "proxy-address probe",
        &w.json(&["proxy-address", "probe", &url]).await,
        0,
    );
    assert_eq!(probe["healthStatus"], 200);
    checks.finish();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_join_flow_from_add_to_remove_and_the_audit_log() {
    let w = world("healthy").await;
    let mut checks = Checks::new(FLOW);
    let both = ["--host-context", HOST, "--member-context", MEMBER];
    let with = |head: &[&'static str], tail: &[&'static str]| -> Vec<&'static str> {
        let mut args = head.to_vec();
        args.extend_from_slice(tail);
        args
    };

    let object = checks.check(
        "cluster add --dry-run",
        &w.json(&with(
            &["cluster", "add", "edge"],
            &with(&both, &["--dry-run"]),
        ))
        .await,
        0,
    );
    assert_eq!(object["kind"], "Cluster");
    let added = checks.check(
        "cluster add",
        &w.json(&with(
            &["cluster", "add", "edge"],
            &with(&both, &["--wait", "--timeout", "60s"]),
        ))
        .await,
        0,
    );
    assert_eq!(added["snapshot"]["ready"], true);
    assert_eq!(added["added"]["created"], true);

    let host = ["--context", HOST];
    let snapshot = checks.check(
        "cluster status",
        &w.json(&with(&["cluster", "status", "edge"], &host)).await,
        0,
    );
    assert_eq!(snapshot["step"], "ready");
    let clusters = checks.check(
        "cluster list",
        &w.json(&with(&["cluster", "list"], &host)).await,
        0,
    );
    assert!(clusters
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "edge" && c["joinedHere"] == true));
    let view = checks.check(
        "cluster agent-yaml",
        &w.json(&with(&["cluster", "agent-yaml", "edge"], &host))
            .await,
        0,
    );
    assert!(view["yaml"].as_str().unwrap().contains("--token=••••••••"));
    let bundle_dir = w.data.path().join("edge-bundle");
    let bundle = checks.check(
        "cluster bundle",
        &w.json(&[
            "cluster",
            "bundle",
            "edge",
            "--context",
            HOST,
            "--out",
            bundle_dir.to_str().unwrap(),
        ])
        .await,
        0,
    );
    assert_eq!(bundle["tokenIncluded"], false);

    // Move the address: the agent dials the old one until `cluster join` re-applies it.
    let set = checks.check(
        "proxy-address set",
        &w.json(&with(
            &["proxy-address", "set", "http://139.198.120.120:30000"],
            &host,
        ))
        .await,
        0,
    );
    assert_eq!(set["written"], true);
    let stale = checks.check(
        "proxy-address stale",
        &w.json(&with(&["proxy-address", "stale"], &host)).await,
        1,
    );
    assert_eq!(stale[0]["cluster"], "edge");
    let joined = checks.check(
        "cluster join",
        &w.json(&with(
            &["cluster", "join", "edge"],
            &with(&both, &["--wait", "--timeout", "60s"]),
        ))
        .await,
        0,
    );
    assert_eq!(
        joined["agent"]["proxyServer"],
        "http://139.198.120.120:30000"
    );
    let out = w.json(&with(&["proxy-address", "stale"], &host)).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).unwrap(),
        Value::Array(vec![])
    );
    let restored = checks.check(
        "proxy-address restore",
        &w.json(&with(&["proxy-address", "restore"], &host)).await,
        0,
    );
    assert_eq!(restored["verified"], true);

    let remove = with(&["cluster", "remove", "edge"], &both);
    let plan = checks.check(
        "cluster remove --dry-run",
        &w.json(&with(&remove, &["--dry-run"])).await,
        0,
    );
    assert_eq!(plan["fromRecord"], true);
    let removed = checks.check(
        "cluster remove",
        &w.json(&with(&remove, &["--yes"])).await,
        0,
    );
    assert_eq!(
        removed["done"].as_array().unwrap().len(),
        removed["plan"]["items"].as_array().unwrap().len()
    );

    let log = checks.check("audit list", &w.json(&["audit", "list"]).await, 0);
    assert_eq!(log["integrity"]["state"], "intact");
    assert!(log["entries"].as_array().unwrap().len() >= 5);
    let intact = checks.check("audit verify", &w.json(&["audit", "verify"]).await, 0);
    assert_eq!(intact["state"], "intact");
    // An altered log: the same document shape, `broken`, and exit 1.
    let file = w.data.path().join("audit.jsonl");
    let written = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, written.replacen("\"edge\"", "\"edgy\"", 1)).unwrap();
    let broken = checks.check("audit verify", &w.json(&["audit", "verify"]).await, 1);
    assert_eq!(broken["state"], "broken");
    checks.finish();
}

#[test]
fn every_documented_command_is_checked() {
    let documented: BTreeSet<String> = documented().into_keys().collect();
    let mut checked = BTreeSet::new();
    for label in OFFLINE.iter().chain(CONTEXTS_AND_HOST).chain(FLOW) {
        assert!(checked.insert(label.to_string()), "`{label}` in two lists");
    }
    let not_checked: Vec<&String> = documented.difference(&checked).collect();
    let not_documented: Vec<&String> = checked.difference(&documented).collect();
    assert!(
        not_checked.is_empty() && not_documented.is_empty(),
        "documented in docs/cli.md but checked by no test: {not_checked:?}\n\
         checked here but not documented: {not_documented:?}"
    );
}

#[test]
fn the_key_lines_parse_as_the_header_says() {
    let parsed = parse(
        "text\n<!-- json-keys: cluster add = added?,agent -->\n  <!-- json-keys: cluster list [] = name -->\n",
    );
    let set = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        parsed["cluster add"],
        Keys {
            array: false,
            required: set(&["agent"]),
            optional: set(&["added"]),
        }
    );
    assert_eq!(
        parsed["cluster list"],
        Keys {
            array: true,
            required: set(&["name"]),
            optional: set(&[]),
        }
    );
}
