//! Which parts of a kubeconfig user are credentials, and how they move between a user entry
//! and the vault. In the app's store a user keeps every other field; each credential is
//! replaced by a reference under the user's extension [`EXTENSION`], e.g.
//! `{ token: users/7f…/token }`, and the value itself sits in the OS keyring.
//!
//! Credentials: `token`, `password`, `client-key-data`, the `id-token`, `refresh-token` and
//! `client-secret` of an `auth-provider`, and exec `env` values whose name says they are
//! secret (`…TOKEN`, `…SECRET…`, `…PASSWORD`, `…KEY`). Certificates and CA data are public
//! and stay in the file.

use super::model::{AuthInfo, NamedExtension};
use crate::vault::{ExposeSecret, SecretStore, SecretString};
use serde_json::{Map, Value};

/// The name of the user extension that lists where each credential is kept.
pub const EXTENSION: &str = "ks-onboard.kubesphere.io/vault";

const PLAIN_FIELDS: [&str; 3] = ["token", "password", "client-key-data"];
const PROVIDER_FIELDS: [&str; 3] = ["id-token", "refresh-token", "client-secret"];

/// A credential taken out of a user entry: where it was (`token`,
/// `auth-provider.config.id-token`, `exec.env.AWS_SECRET_ACCESS_KEY`) and its value.
pub struct Taken {
    pub field: String,
    pub value: SecretString,
}

/// Removes every credential from a raw user value (the mapping under `user:`) and returns
/// them; the caller saves them and records the references with [`record_references`].
pub fn take(user: &mut Map<String, Value>) -> Vec<Taken> {
    let mut taken = Vec::new();
    for field in PLAIN_FIELDS {
        if let Some(Value::String(value)) = user.remove(field) {
            push(&mut taken, field.to_owned(), value);
        }
    }
    if let Some(Value::Object(config)) = user
        .get_mut("auth-provider")
        .and_then(|p| p.get_mut("config"))
    {
        for field in PROVIDER_FIELDS {
            if let Some(Value::String(value)) = config.remove(field) {
                push(&mut taken, format!("auth-provider.config.{field}"), value);
            }
        }
    }
    if let Some(Value::Array(env)) = user.get_mut("exec").and_then(|e| e.get_mut("env")) {
        for var in env.iter_mut().filter_map(Value::as_object_mut) {
            let name = var.get("name").and_then(Value::as_str).unwrap_or_default();
            if is_secret_env_name(name) {
                let field = format!("exec.env.{name}");
                if let Some(Value::String(value)) = var.remove("value") {
                    push(&mut taken, field, value);
                }
            }
        }
    }
    taken
}

fn push(taken: &mut Vec<Taken>, field: String, value: String) {
    if !value.is_empty() {
        taken.push(Taken {
            field,
            value: SecretString::from(value),
        });
    }
}

fn is_secret_env_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.ends_with("TOKEN")
        || upper.contains("SECRET")
        || upper.ends_with("PASSWORD")
        || upper.ends_with("KEY")
}

/// Adds the extension that maps each taken field to its vault key.
pub fn record_references(user: &mut Map<String, Value>, references: &[(String, String)]) {
    let map: Map<String, Value> = references
        .iter()
        .map(|(field, key)| (field.clone(), Value::String(key.clone())))
        .collect();
    let entry = serde_json::json!({ "name": EXTENSION, "extension": map });
    match user.get_mut("extensions") {
        Some(Value::Array(list)) => list.push(entry),
        _ => {
            user.insert("extensions".into(), Value::Array(vec![entry]));
        }
    }
}

/// The credentials a stored user keeps in the vault: `(field, vault key)`.
pub fn references(user: &AuthInfo) -> Vec<(String, String)> {
    vault_extension(user.extensions.as_deref())
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .filter_map(|(field, key)| Some((field.clone(), key.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn vault_extension(extensions: Option<&[NamedExtension]>) -> Option<&Value> {
    extensions?
        .iter()
        .find(|e| e.name == EXTENSION)
        .map(|e| &e.extension)
}

/// Puts the user's credentials back from the vault, ready to build a client with.
pub fn fill_in(user: &mut AuthInfo, vault: &dyn SecretStore) -> crate::Result<()> {
    for (field, key) in references(user) {
        let value = vault.get(&key)?.expose_secret().to_owned();
        set_field(user, &field, value);
    }
    Ok(())
}

fn set_field(user: &mut AuthInfo, field: &str, value: String) {
    if let Some(slot) = field_mut(user, field) {
        *slot = value;
    }
}

/// The value of one credential field of a user whose credentials were filled in (for the
/// "copy" action, which goes from Rust straight to the clipboard). `None` when it has none.
pub fn value_of(mut user: AuthInfo, field: &str) -> Option<SecretString> {
    field_mut(&mut user, field)
        .filter(|value| !value.is_empty())
        .map(|value| SecretString::from(std::mem::take(value)))
}

/// The string holding `field` (`token`, `auth-provider.config.id-token`,
/// `exec.env.AWS_SECRET_ACCESS_KEY`); an auth-provider key is created empty when missing.
fn field_mut<'a>(user: &'a mut AuthInfo, field: &str) -> Option<&'a mut String> {
    match field {
        "token" => Some(&mut user.token),
        "password" => Some(&mut user.password),
        "client-key-data" => Some(&mut user.client_key_data),
        _ => {
            if let Some(name) = field.strip_prefix("auth-provider.config.") {
                let provider = user.auth_provider.as_mut()?;
                let config = provider.config.get_or_insert_with(Default::default);
                Some(config.entry(name.to_owned()).or_default())
            } else if let Some(name) = field.strip_prefix("exec.env.") {
                let vars = user.exec.as_mut()?.env.as_mut()?;
                vars.iter_mut()
                    .find(|v| v.name == name)
                    .map(|v| &mut v.value)
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryVault;

    fn raw_user() -> Map<String, Value> {
        serde_json::from_value(serde_json::json!({
            "token": "tok-123",
            "client-certificate-data": "Y2VydA==",
            "client-key-data": "a2V5",
            "auth-provider": {"name": "oidc", "config": {"idp-issuer-url": "https://idp", "id-token": "idt", "refresh-token": "rt"}},
            "exec": {"command": "aws", "env": [{"name": "AWS_PROFILE", "value": "prod"}, {"name": "AWS_SECRET_ACCESS_KEY", "value": "sak"}]},
            "x-unknown": {"kept": true}
        }))
        .unwrap()
    }

    #[test]
    fn credentials_leave_the_entry_and_come_back_from_the_vault() {
        let mut user = raw_user();
        let taken = take(&mut user);
        let fields: Vec<_> = taken.iter().map(|t| t.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "token",
                "client-key-data",
                "auth-provider.config.id-token",
                "auth-provider.config.refresh-token",
                "exec.env.AWS_SECRET_ACCESS_KEY"
            ]
        );
        let text = serde_json::to_string(&user).unwrap();
        for secret in ["tok-123", "a2V5", "idt", "\"rt\"", "sak"] {
            assert!(!text.contains(secret), "{secret} left in {text}");
        }
        for public in [
            "Y2VydA==",
            "https://idp",
            "AWS_PROFILE",
            "prod",
            "x-unknown",
        ] {
            assert!(text.contains(public), "{public} lost from {text}");
        }

        let vault = MemoryVault::new();
        let refs: Vec<_> = taken
            .iter()
            .map(|t| {
                let key = format!("users/u1/{}", t.field);
                vault.put(&key, &t.value).unwrap();
                (t.field.clone(), key)
            })
            .collect();
        record_references(&mut user, &refs);
        let mut model: AuthInfo = serde_json::from_value(Value::Object(user)).unwrap();
        assert_eq!(references(&model).len(), 5);
        fill_in(&mut model, &vault).unwrap();
        assert_eq!(model.token, "tok-123");
        assert_eq!(model.client_key_data, "a2V5");
        let config = model.auth_provider.clone().unwrap().config.unwrap();
        assert_eq!(config["id-token"], "idt");
        assert_eq!(config["refresh-token"], "rt");
        let copied =
            |field: &str| value_of(model.clone(), field).map(|s| s.expose_secret().to_owned());
        assert_eq!(
            copied("exec.env.AWS_SECRET_ACCESS_KEY").as_deref(),
            Some("sak")
        );
        assert_eq!(
            copied("auth-provider.config.refresh-token").as_deref(),
            Some("rt")
        );
        assert_eq!(copied("password"), None);
        assert_eq!(copied("no-such-field"), None);
        let env = model.exec.unwrap().env.unwrap();
        assert_eq!(env[0].value, "prod");
        assert_eq!(env[1].value, "sak");
    }

    #[test]
    fn a_missing_vault_entry_is_an_error_with_the_fix() {
        let mut model = AuthInfo {
            extensions: Some(vec![NamedExtension {
                name: EXTENSION.into(),
                extension: serde_json::json!({"token": "users/gone/token"}),
            }]),
            ..AuthInfo::default()
        };
        let error = fill_in(&mut model, &MemoryVault::new()).unwrap_err();
        assert_eq!(error.kind, crate::ErrorKind::NotFound);
        assert!(error.hint.unwrap().contains("import"));
    }
}
