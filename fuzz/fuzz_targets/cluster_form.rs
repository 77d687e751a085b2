//! The Add Cluster form's validation (`join::form::validate` and its parts), with the
//! registry and pull secret checks of the air-gap settings.
//!
//! Input: a form built by `arbitrary` from the bytes. Invariants, against an independent
//! oracle (the `regex` crate with the console's patterns):
//! - `validate` never panics, and every problem names its field, carries the code that
//!   belongs to that field and an English message;
//! - the name has a problem exactly when it is empty, longer than 60 characters or not
//!   `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`; likewise alias (≤ 63, console pattern),
//!   description (≤ 256), tags (≤ 5, complete, unique keys) and the configuration (a YAML
//!   mapping, its line when it is not YAML);
//! - `into_error` names every problem.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use onboard_core::join::airgap;
use onboard_core::join::form::{self, ClusterForm, FormField, ProblemCode, Tag};
use regex::Regex;
use std::sync::OnceLock;

#[derive(Debug, Arbitrary)]
struct Input {
    name: String,
    alias: String,
    tags: Vec<(String, String)>,
    provider: String,
    description: String,
    config: String,
    registry: String,
}

struct Oracle {
    name: Regex,
    alias: Regex,
    /// A repository path component (distribution/reference's grammar).
    component: Regex,
}

fn oracle() -> &'static Oracle {
    static ORACLE: OnceLock<Oracle> = OnceLock::new();
    ORACLE.get_or_init(|| Oracle {
        name: Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").unwrap(),
        alias: Regex::new(r"^[a-zA-Z0-9\x{4e00}-\x{9fa5}]([-a-zA-Z0-9\x{4e00}-\x{9fa5}]*[a-zA-Z0-9\x{4e00}-\x{9fa5}])?$").unwrap(),
        component: Regex::new(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$").unwrap(),
    })
}

fuzz_target!(|input: Input| {
    let form = ClusterForm {
        name: input.name,
        alias: input.alias,
        tags: input
            .tags
            .into_iter()
            .map(|(key, value)| Tag { key, value })
            .collect(),
        provider: input.provider,
        description: input.description,
        group: None,
        config: input.config,
    };
    let problems = form::validate(&form);
    let of = |field: FormField| -> Vec<ProblemCode> {
        problems
            .iter()
            .filter(|p| p.field == field)
            .map(|p| p.code)
            .collect()
    };
    for problem in &problems {
        assert!(!problem.message.is_empty());
        let allowed: &[ProblemCode] = match problem.field {
            FormField::Name => &[
                ProblemCode::Required,
                ProblemCode::Pattern,
                ProblemCode::TooLong,
            ],
            FormField::Alias | FormField::Description | FormField::Provider => {
                &[ProblemCode::Pattern, ProblemCode::TooLong]
            }
            FormField::Tags => &[
                ProblemCode::TooManyTags,
                ProblemCode::DuplicateTagKey,
                ProblemCode::IncompleteTag,
            ],
            FormField::Config => &[ProblemCode::InvalidYaml, ProblemCode::NotAMapping],
        };
        assert!(allowed.contains(&problem.code), "{problem:?}");
        if problem.code == ProblemCode::TooLong {
            assert!(problem.limit.is_some(), "{problem:?}");
        }
    }

    let oracle = oracle();
    let name_ok = !form.name.is_empty()
        && form.name.chars().count() <= form::NAME_MAX
        && oracle.name.is_match(&form.name);
    assert_eq!(
        of(FormField::Name).is_empty(),
        name_ok,
        "name {:?}",
        form.name
    );
    assert_eq!(form::name_problems(&form.name).is_empty(), name_ok);
    assert_eq!(
        form::is_dns_label(&form.name),
        oracle.name.is_match(&form.name)
    );

    let alias_ok = form.alias.is_empty()
        || (form.alias.chars().count() <= form::ALIAS_MAX && oracle.alias.is_match(&form.alias));
    assert_eq!(
        of(FormField::Alias).is_empty(),
        alias_ok,
        "alias {:?}",
        form.alias
    );

    let description_ok = form.description.chars().count() <= form::DESCRIPTION_MAX;
    assert_eq!(of(FormField::Description).is_empty(), description_ok);
    assert!(
        of(FormField::Provider).is_empty(),
        "the provider is free text"
    );

    let mut keys: Vec<&str> = form.tags.iter().map(|t| t.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let tags_ok = form.tags.len() <= form::TAGS_MAX
        && keys.len() == form.tags.len()
        && form
            .tags
            .iter()
            .all(|t| !t.key.trim().is_empty() && !t.value.trim().is_empty());
    assert_eq!(of(FormField::Tags).is_empty(), tags_ok, "{:?}", form.tags);

    let config_ok = form.config.trim().is_empty()
        || matches!(
            serde_yaml::from_str::<serde_yaml::Value>(&form.config),
            Ok(serde_yaml::Value::Mapping(_) | serde_yaml::Value::Null)
        );
    assert_eq!(of(FormField::Config).is_empty(), config_ok);
    for problem in problems.iter().filter(|p| p.field == FormField::Config) {
        if let Some(line) = problem.line {
            // Lines as YAML (and the editor) count them: \r alone ends one too.
            let lines = form
                .config
                .replace("\r\n", "\n")
                .matches(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
                .count()
                + 1;
            assert!(
                line >= 1 && line as usize <= lines,
                "{problem:?} in {:?}",
                form.config
            );
        }
    }

    if !problems.is_empty() {
        let error = form::into_error(&problems);
        for problem in &problems {
            assert!(error.message.contains(&problem.message));
        }
    }

    // The air-gap settings on the same form: a Secret name is a DNS-1123 subdomain, a
    // registry never comes back with a scheme, a space or credentials in it.
    let secret_ok = !form.name.is_empty()
        && form.name.len() <= 253
        && form
            .name
            .split('.')
            .all(|label| oracle.name.is_match(label));
    assert_eq!(airgap::check_secret_name(&form.name).is_ok(), secret_ok);
    // What a container runtime reads as a registry: a host with a dot or a port (or
    // localhost; otherwise `harbor/ks/x` is docker.io's `harbor` namespace), then lower-case
    // repository components.
    if let Ok(registry) = airgap::check_registry(&input.registry) {
        assert!(!registry.contains("://"), "{registry:?}");
        assert!(
            !registry
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@'),
            "{registry:?}"
        );
        let mut parts = registry.split('/');
        let host = parts.next().unwrap_or_default();
        assert!(
            host.contains(['.', ':']) || host == "localhost",
            "{registry:?}: a runtime reads {host:?} as a docker.io namespace"
        );
        for component in parts {
            assert!(
                oracle.component.is_match(component),
                "{registry:?}: {component:?}"
            );
        }
        assert_eq!(
            airgap::check_registry(&registry).as_deref(),
            Ok(registry.as_str())
        );
    }
});
