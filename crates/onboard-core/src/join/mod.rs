//! Step 2 of the procedure and everything the console leaves to the user: the Add Cluster
//! form and its rules ([`form`]), the Cluster object it becomes ([`cluster_object`]),
//! creating it on the host ([`add`]), agent.yaml ([`agent`]), applying it to the member
//! ([`apply`]), following the join as it happens and explaining what is wrong
//! ([`watch`], [`diagnose`]), the host's cluster list ([`clusters`]) and a clean removal
//! ([`remove`]), all remembered in a local record ([`record`]); [`probe`] checks from the
//! member's nodes that tower answers at the proxy address before agent.yaml is applied, and
//! [`stale`] finds agents still dialling an old address. [`airgap`] points a member at a
//! mirror registry and [`pull_check`] proves the member can pull from it; [`bundle`] writes
//! everything for a join done by hand.

pub mod add;
pub mod agent;
pub mod airgap;
pub mod apply;
pub mod bundle;
pub mod cluster_object;
pub mod clusters;
pub mod conditions;
pub mod diagnose;
pub mod form;
mod objects;
pub mod probe;
pub mod pull_check;
pub mod record;
pub mod remove;
pub mod stale;
pub mod watch;
