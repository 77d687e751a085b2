//! The console's Add Cluster form (Basic Information, Advanced Settings, Connection
//! Settings, Cluster Configuration) and its rules, as KubeSphere's console has them
//! (../shared/KUBESPHERE-FACTS.md §1–2; console v3dist Basic Information component):
//! name `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$` and at most 60 characters (tower names a Service
//! `mc-<name>`, a 63-character DNS label), alias at most 63, description at most 256, at
//! most 5 tags with one value per key, the usage group from a fixed list, and the Cluster
//! Configuration YAML (the ks-core Helm values the host installs into the member).
//!
//! Problems carry a stable code and the limit involved, so each front end words them in its
//! own language; `message` is the English text for the CLI and logs.

use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 60;
pub const ALIAS_MAX: usize = 63;
pub const DESCRIPTION_MAX: usize = 256;
pub const TAGS_MAX: usize = 5;

/// The console's provider list (value = what is stored; `Aure` is the console's own spelling).
pub const PROVIDERS: [&str; 7] = [
    "Aliyun ACK",
    "Aure Kubernetes Service",
    "Huawei Cloud CCE",
    "Amazon EKS",
    "Google Kubernetes Engine",
    "QingCloud Kubernetes Engine",
    "Tencent Kubernetes Engine",
];

/// The console's default Cluster Configuration (`DEFAULT_CLUSTER_CONFIG` with its comment).
pub const DEFAULT_CONFIG: &str = "global:\n  # The registry the member pulls KubeSphere's images from. docker.io is KubeSphere's public\n  # registry; on an air-gapped member put your mirror here (e.g. mirror.local:5000).\n  imageRegistry: docker.io\n";

/// Advanced Settings → the usage identifier, label `cluster.kubesphere.io/group`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum Group {
    Production,
    Development,
    Testing,
    Demo,
}

impl Group {
    pub const ALL: [Group; 4] = [
        Group::Production,
        Group::Development,
        Group::Testing,
        Group::Demo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Production => "production",
            Group::Development => "development",
            Group::Testing => "testing",
            Group::Demo => "demo",
        }
    }
}

impl std::str::FromStr for Group {
    type Err = crate::Error;

    fn from_str(text: &str) -> crate::Result<Self> {
        Group::ALL
            .into_iter()
            .find(|g| g.as_str() == text)
            .ok_or_else(|| {
                crate::Error::invalid_input(format!("\"{text}\" is not a cluster usage group"))
                    .with_hint("use production, development, testing or demo")
            })
    }
}

/// A cluster tag: a key and a value (a `Label` object of `cluster.kubesphere.io` on the host).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// What the user fills in. Empty strings mean "not set".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase", default)]
pub struct ClusterForm {
    pub name: String,
    pub alias: String,
    pub tags: Vec<Tag>,
    pub provider: String,
    pub description: String,
    pub group: Option<Group>,
    /// The Cluster Configuration YAML; empty: none (`spec.config` is left out).
    pub config: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum FormField {
    Name,
    Alias,
    Tags,
    Provider,
    Description,
    Config,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum ProblemCode {
    Required,
    /// Characters or shape the rule does not allow.
    Pattern,
    TooLong,
    /// A Cluster of that name exists on the host.
    Taken,
    TooManyTags,
    /// Two tags with one key (KubeSphere allows one value per key).
    DuplicateTagKey,
    /// A tag without a key or a value.
    IncompleteTag,
    /// The Cluster Configuration is not YAML.
    InvalidYaml,
    /// It is YAML, but not a mapping of Helm values.
    NotAMapping,
}

/// One thing wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct FieldProblem {
    pub field: FormField,
    pub code: ProblemCode,
    /// The limit broken (characters or tags) where there is one.
    pub limit: Option<u32>,
    /// Where in the Cluster Configuration (1-based line), for YAML problems.
    pub line: Option<u32>,
    /// English, for the CLI; the UI words `code` itself.
    pub message: String,
}

impl FieldProblem {
    fn new(field: FormField, code: ProblemCode, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            limit: None,
            line: None,
            message: message.into(),
        }
    }

    fn limit(mut self, limit: usize) -> Self {
        self.limit = u32::try_from(limit).ok();
        self
    }
}

/// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$` (console PATTERN_NAME).
pub fn is_dns_label(name: &str) -> bool {
    let bytes = name.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || *b == b'-')
}

/// Console PATTERN_ALIAS_NAME: letters, digits, CJK ideographs (U+4E00–U+9FA5), inner `-`.
fn is_alias(alias: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || ('\u{4e00}'..='\u{9fa5}').contains(&c);
    alias.chars().next().is_some_and(word)
        && alias.chars().last().is_some_and(word)
        && alias.chars().all(|c| word(c) || c == '-')
}

/// Checks the name alone (the form's live check; whether the host has it is asked apart).
pub fn name_problems(name: &str) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if name.is_empty() {
        problems.push(FieldProblem::new(
            FormField::Name,
            ProblemCode::Required,
            "enter a cluster name",
        ));
        return problems;
    }
    if name.chars().count() > NAME_MAX {
        problems.push(
            FieldProblem::new(
                FormField::Name,
                ProblemCode::TooLong,
                format!("the cluster name is longer than {NAME_MAX} characters"),
            )
            .limit(NAME_MAX),
        );
    }
    if !is_dns_label(name) {
        problems.push(FieldProblem::new(
            FormField::Name,
            ProblemCode::Pattern,
            "the cluster name may hold only lower-case letters, digits and '-', and must start and end with a letter or digit",
        ));
    }
    problems
}

/// Every rule of the form that needs no cluster. An empty list: the form can be sent.
pub fn validate(form: &ClusterForm) -> Vec<FieldProblem> {
    let mut problems = name_problems(&form.name);
    if !form.alias.is_empty() {
        if form.alias.chars().count() > ALIAS_MAX {
            problems.push(
                FieldProblem::new(
                    FormField::Alias,
                    ProblemCode::TooLong,
                    format!("the alias is longer than {ALIAS_MAX} characters"),
                )
                .limit(ALIAS_MAX),
            );
        }
        if !is_alias(&form.alias) {
            problems.push(FieldProblem::new(
                FormField::Alias,
                ProblemCode::Pattern,
                "the alias may hold letters, digits, Chinese characters and inner '-' only",
            ));
        }
    }
    if form.description.chars().count() > DESCRIPTION_MAX {
        problems.push(
            FieldProblem::new(
                FormField::Description,
                ProblemCode::TooLong,
                format!("the description is longer than {DESCRIPTION_MAX} characters"),
            )
            .limit(DESCRIPTION_MAX),
        );
    }
    problems.extend(tag_problems(&form.tags));
    problems.extend(config_problems(&form.config));
    problems
}

fn tag_problems(tags: &[Tag]) -> Vec<FieldProblem> {
    let mut problems = Vec::new();
    if tags.len() > TAGS_MAX {
        problems.push(
            FieldProblem::new(
                FormField::Tags,
                ProblemCode::TooManyTags,
                format!("a cluster can have at most {TAGS_MAX} tags"),
            )
            .limit(TAGS_MAX),
        );
    }
    if tags
        .iter()
        .any(|t| t.key.trim().is_empty() || t.value.trim().is_empty())
    {
        problems.push(FieldProblem::new(
            FormField::Tags,
            ProblemCode::IncompleteTag,
            "every tag needs a key and a value",
        ));
    }
    let mut keys: Vec<&str> = tags.iter().map(|t| t.key.as_str()).collect();
    keys.sort_unstable();
    if keys.windows(2).any(|w| w[0] == w[1]) {
        problems.push(FieldProblem::new(
            FormField::Tags,
            ProblemCode::DuplicateTagKey,
            "two tags have the same key; a cluster takes one value per key",
        ));
    }
    problems
}

fn config_problems(config: &str) -> Vec<FieldProblem> {
    if config.trim().is_empty() {
        return Vec::new();
    }
    match serde_yaml::from_str::<serde_yaml::Value>(config) {
        Ok(serde_yaml::Value::Mapping(_)) => Vec::new(),
        Ok(serde_yaml::Value::Null) => Vec::new(),
        Ok(_) => vec![FieldProblem::new(
            FormField::Config,
            ProblemCode::NotAMapping,
            "the cluster configuration must be a mapping of Helm values (key: value)",
        )],
        Err(error) => {
            // The YAML reader puts an error at the end of the text on the line after the last
            // one ("[" is "line 2"): point at the last line the user has (found by fuzzing).
            let lines = config
                .replace("\r\n", "\n")
                .matches(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
                .count()
                + usize::from(!config.ends_with(['\n', '\r']));
            let line = error
                .location()
                .map(|l| l.line().clamp(1, lines.max(1)) as u32);
            let mut problem = FieldProblem::new(
                FormField::Config,
                ProblemCode::InvalidYaml,
                match line {
                    Some(line) => {
                        format!("the cluster configuration is not valid YAML (line {line})")
                    }
                    None => "the cluster configuration is not valid YAML".to_string(),
                },
            );
            problem.line = line;
            vec![problem]
        }
    }
}

/// The problems as one error for the CLI and commands: each on its own line.
pub fn into_error(problems: &[FieldProblem]) -> crate::Error {
    let lines: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
    crate::Error::invalid_input(format!("the cluster cannot be added: {}", lines.join("; ")))
        .with_hint("correct the fields named and try again; nothing was created")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str) -> ClusterForm {
        ClusterForm {
            name: name.into(),
            config: DEFAULT_CONFIG.into(),
            ..ClusterForm::default()
        }
    }

    fn codes(form: &ClusterForm) -> Vec<(FormField, ProblemCode)> {
        validate(form).iter().map(|p| (p.field, p.code)).collect()
    }

    #[test]
    fn names_follow_the_console_pattern_and_length() {
        for good in ["member", "m", "a-1", "0", &"a".repeat(60)] {
            assert!(codes(&form(good)).is_empty(), "{good}");
        }
        for bad in ["Member", "-m", "m-", "m_1", "mém", "a.b", " m"] {
            assert_eq!(
                codes(&form(bad)),
                [(FormField::Name, ProblemCode::Pattern)],
                "{bad}"
            );
        }
        assert_eq!(
            codes(&form(&"a".repeat(61))),
            [(FormField::Name, ProblemCode::TooLong)]
        );
        assert_eq!(validate(&form(&"a".repeat(61)))[0].limit, Some(60));
        assert_eq!(codes(&form("")), [(FormField::Name, ProblemCode::Required)]);
    }

    #[test]
    fn alias_description_and_tags_have_the_console_limits() {
        let mut f = form("member");
        f.alias = "生产-集群1".into();
        f.description = "任何 characters: <>&\"' ✓".repeat(10);
        assert!(codes(&f).is_empty(), "{:?}", validate(&f));
        f.alias = "bad alias".into();
        f.description = "x".repeat(257);
        f.tags = (0..6)
            .map(|i| Tag {
                key: format!("k{}", i % 5),
                value: "v".into(),
            })
            .collect();
        assert_eq!(
            codes(&f),
            [
                (FormField::Alias, ProblemCode::Pattern),
                (FormField::Description, ProblemCode::TooLong),
                (FormField::Tags, ProblemCode::TooManyTags),
                (FormField::Tags, ProblemCode::DuplicateTagKey),
            ]
        );
        f.tags = vec![Tag {
            key: "env".into(),
            value: " ".into(),
        }];
        assert!(codes(&f).contains(&(FormField::Tags, ProblemCode::IncompleteTag)));
    }

    #[test]
    fn the_cluster_configuration_must_be_a_yaml_mapping() {
        let mut f = form("member");
        f.config = "global:\n  imageRegistry: [mirror\n".into();
        let problems = validate(&f);
        assert_eq!(problems[0].code, ProblemCode::InvalidYaml);
        assert!(problems[0].line.is_some());
        // From the fuzz target, minimized: an error at the end of a one-line text was put on
        // line 2, a line the user does not have.
        for (text, line) in [("[", 1), ("a: 1\nb: [\n", 2), ("a: [\r\rb: 1", 3)] {
            f.config = text.into();
            assert_eq!(validate(&f)[0].line, Some(line), "{text:?}");
        }
        f.config = "- a\n- b\n".into();
        assert_eq!(codes(&f), [(FormField::Config, ProblemCode::NotAMapping)]);
        f.config = String::new();
        assert!(codes(&f).is_empty());
        assert!(
            codes(&form("m")).is_empty(),
            "the default configuration is valid"
        );
    }

    #[test]
    fn groups_parse_from_their_label_values() {
        for group in Group::ALL {
            assert_eq!(group.as_str().parse::<Group>().unwrap(), group);
        }
        assert!("prod".parse::<Group>().is_err());
    }
}
