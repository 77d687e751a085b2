use crate::sandbox::RunningSandbox;
use crate::tasks::Tasks;
use onboard_core::app::{AppStatus, Role, Target};
use onboard_core::kubeconfig::client::ClientSettings;
use onboard_core::kubeconfig::load::Merged;
use onboard_core::kubeconfig::shell_path::SearchPath;
use onboard_core::kubeconfig::store::Store;
use onboard_core::kubeconfig::workspace::Workspace;
use onboard_core::vault::{ExposeSecret, MemoryVault, OsKeyring, SecretStore, SecretString};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Where imported contexts and their credentials are kept.
#[derive(Clone)]
pub struct Backing {
    pub store_dir: PathBuf,
    pub vault: Arc<dyn SecretStore>,
}

impl Backing {
    /// The user's own: the app's data directory and the OS keyring.
    pub fn user() -> onboard_core::Result<Self> {
        Ok(Self {
            store_dir: Store::default_dir()?,
            vault: Arc::new(OsKeyring::new()),
        })
    }

    /// A store in `dir` and a vault in memory: the sandbox uses it (and tests), so trying the app never
    /// leaves entries in the user's store or keyring (the sandbox's credentials die with it).
    pub fn in_memory(dir: PathBuf) -> Self {
        Self {
            store_dir: dir,
            vault: Arc::new(MemoryVault::new()),
        }
    }
}

/// What the commands share for the life of the window. Held by Tauri (`manage`), never global.
pub struct AppState {
    status: Mutex<AppStatus>,
    sandbox: Mutex<Option<RunningSandbox>>,
    backing: Mutex<Backing>,
    /// Kept for the life of the window: on X11 the clipboard's content is served by its owner.
    clipboard: Mutex<Option<arboard::Clipboard>>,
    /// The join watches running, by cluster name, so the page can stop or replace one.
    watches: Mutex<HashMap<String, tokio::task::AbortHandle>>,
    /// Read-only waits the page may stop (`cancel_task`).
    tasks: Tasks,
}

impl AppState {
    /// Roles chosen in an earlier run come back from the store.
    pub fn new(target: Target, sandbox: Option<RunningSandbox>, backing: Backing) -> Self {
        let mut status = AppStatus::new(target);
        if let Ok(roles) = Store::in_dir(&backing.store_dir).roles() {
            status.host_context = roles.host;
            status.member_context = roles.member;
        }
        Self {
            status: Mutex::new(status),
            sandbox: Mutex::new(sandbox),
            backing: Mutex::new(backing),
            clipboard: Mutex::new(None),
            watches: Mutex::new(HashMap::new()),
            tasks: Tasks::default(),
        }
    }

    pub fn tasks(&self) -> &Tasks {
        &self.tasks
    }

    /// Stops the built-in sandbox, if it runs, and points the app at `target`, with the
    /// user's own store and keyring.
    pub fn leave_sandbox(&self, target: Target, backing: Backing) -> AppStatus {
        let stopped = relock(&self.sandbox).take();
        drop(stopped);
        *relock(&self.backing) = backing;
        let mut status = relock(&self.status);
        status.switch_target(target);
        status.clone()
    }

    pub fn status(&self) -> AppStatus {
        relock(&self.status).clone()
    }

    /// The contexts of the current target, with the app's store in front.
    pub fn workspace(&self) -> onboard_core::Result<Workspace> {
        Ok(Workspace {
            store: Store::in_dir(&relock(&self.backing).store_dir),
            files: self.status().target.sources()?,
        })
    }

    pub fn vault(&self) -> Arc<dyn SecretStore> {
        relock(&self.backing).vault.clone()
    }

    /// The app's data directory (the sandbox's own while it runs): backups go here.
    pub fn data_dir(&self) -> PathBuf {
        relock(&self.backing).store_dir.clone()
    }

    /// What a client for `context` is built from: the merged kubeconfig with an imported
    /// context's credentials filled in from the vault, and settings whose exec-plugin search
    /// uses the login shell's PATH (resolved once per process, off the async workers: a
    /// window started from a launcher lacks the shell's PATH). An unknown context is left to
    /// the caller, which reports it like any other failed connection.
    pub async fn connect_inputs(
        &self,
        context: &str,
    ) -> onboard_core::Result<(Merged, ClientSettings)> {
        let workspace = self.workspace()?;
        let merged = workspace.load()?;
        let known = merged
            .config
            .contexts
            .iter()
            .flatten()
            .any(|c| c.name == context);
        let merged = if known {
            workspace.with_credentials(context, self.vault().as_ref())?
        } else {
            merged
        };
        let search_path = tauri::async_runtime::spawn_blocking(|| SearchPath::login().clone())
            .await
            .unwrap_or_else(|_| SearchPath::process());
        Ok((merged, ClientSettings::new(search_path)))
    }

    /// Gives `context` the role, checked against the workspace, and remembers it.
    pub fn assign(&self, role: Role, context: &str) -> onboard_core::Result<AppStatus> {
        let workspace = self.workspace()?;
        let known = workspace.summary()?;
        let mut status = relock(&self.status);
        let mut next = status.clone();
        next.assign(role, context, &known)?;
        workspace.store.set_role(role, Some(context))?;
        *status = next.clone();
        Ok(next)
    }

    /// Forgets roles held by contexts that are gone (after a removal).
    pub fn forget_missing_roles(&self, known: &[String]) {
        let status = &mut *relock(&self.status);
        for slot in [&mut status.host_context, &mut status.member_context] {
            if slot.as_ref().is_some_and(|name| !known.contains(name)) {
                *slot = None;
            }
        }
    }
}

impl AppState {
    /// Remembers the watch of `cluster`, stopping one that ran before.
    pub fn track_watch(&self, cluster: &str, handle: tokio::task::AbortHandle) {
        if let Some(old) = relock(&self.watches).insert(cluster.to_string(), handle) {
            old.abort();
        }
    }

    pub fn stop_watch(&self, cluster: &str) {
        if let Some(handle) = relock(&self.watches).remove(cluster) {
            handle.abort();
        }
    }
}

impl AppState {
    pub fn copy_to_clipboard(&self, secret: &SecretString) -> onboard_core::Result<()> {
        let unavailable = || {
            onboard_core::Error::new(
                onboard_core::ErrorKind::Unavailable,
                "the clipboard could not be written",
            )
            .with_hint("check that a desktop session is running, then try again")
        };
        let mut clipboard = relock(&self.clipboard);
        if clipboard.is_none() {
            *clipboard = Some(arboard::Clipboard::new().map_err(|_| unavailable())?);
        }
        let clipboard = clipboard.as_mut().expect("set above");
        clipboard
            .set_text(secret.expose_secret().to_owned())
            .map_err(|_| unavailable())
    }
}

/// A poisoned lock only means another command panicked; the data is plain and whole.
pub(crate) fn relock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
