//! The contexts the app works with: those imported into its store, then those of the user's
//! own kubeconfig files (kubectl's files: `--kubeconfig`, `KUBECONFIG`, `~/.kube/config`),
//! merged with kubectl's rules, the store read first. The desktop app and the CLI both
//! go through here, so they see the same list.

use super::details::{self, ContextDetails};
use super::import::Taken;
use super::load::{self, Merged};
use super::secrets;
use super::sources::Source;
use super::store::{Roles, Store};
use super::summary::{self, KubeconfigSummary};
use crate::app::Role;
use crate::vault::{SecretStore, SecretString};

pub struct Workspace {
    pub store: Store,
    /// The user's own kubeconfig files, in kubectl's order.
    pub files: Vec<Source>,
}

impl Workspace {
    pub fn sources(&self) -> Vec<Source> {
        std::iter::once(self.store.source())
            .chain(self.files.iter().cloned())
            .collect()
    }

    /// Everything, credentials of imported contexts still in the vault.
    pub fn load(&self) -> crate::Result<Merged> {
        load::load(&self.sources())
    }

    pub fn summary(&self) -> crate::Result<KubeconfigSummary> {
        let mut summary = summary::summarize(&self.load()?);
        for context in &mut summary.contexts {
            context.imported = context.file.as_deref() == Some(self.store.path());
        }
        Ok(summary)
    }

    /// The names an import must not take.
    pub fn taken(&self) -> crate::Result<Taken> {
        Taken::new(&self.store, &load::load(&self.files)?)
    }

    pub fn details(&self, context: &str) -> crate::Result<ContextDetails> {
        let merged = self.load()?;
        details::describe(&merged, context, &self.store.roles()?, self.store.path())
    }

    /// Everything, with the credentials of `context`'s user filled in from the vault: what
    /// a client for that context is built from.
    pub fn with_credentials(
        &self,
        context: &str,
        vault: &dyn SecretStore,
    ) -> crate::Result<Merged> {
        let mut merged = self.load()?;
        let user_name = details::find_context(&merged, context)?.auth_info.clone();
        let user = merged
            .config
            .auth_infos
            .iter_mut()
            .flatten()
            .find(|u| u.name == user_name);
        if let Some(user) = user {
            secrets::fill_in(&mut user.value, vault)?;
        }
        Ok(merged)
    }

    pub fn roles(&self) -> crate::Result<Roles> {
        self.store.roles()
    }

    /// Gives `context` the role and remembers it, after the same checks as the window.
    pub fn use_role(&self, role: Role, context: &str) -> crate::Result<Roles> {
        let roles = self.store.roles()?;
        let other = match role {
            Role::Host => roles.member,
            Role::Member => roles.host,
        };
        crate::app::check_role(context, other.as_deref(), &self.summary()?)?;
        self.store.set_role(role, Some(context))?;
        self.store.roles()
    }

    /// One credential of `context`'s user, from the vault or the kubeconfig, for the
    /// "copy" action. Never sent to the webview: the caller puts it on the clipboard.
    pub fn credential(
        &self,
        context: &str,
        field: &str,
        vault: &dyn SecretStore,
    ) -> crate::Result<SecretString> {
        let merged = self.with_credentials(context, vault)?;
        let user_name = details::find_context(&merged, context)?.auth_info.clone();
        let user = merged
            .config
            .auth_infos
            .into_iter()
            .flatten()
            .find(|u| u.name == user_name)
            .map(|u| u.value)
            .unwrap_or_default();
        secrets::value_of(user, field).ok_or_else(|| {
            crate::Error::not_found(format!(
                "context \"{context}\" has no credential \"{field}\" to copy"
            ))
            .with_hint("credentials kept in a file are copied from that file")
        })
    }
}
