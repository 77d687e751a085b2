//! `registry login|logout`: a mirror registry's credentials in the OS keyring, from which
//! an air-gapped member's pull secret is made when it joins.

use super::host::no_names;
use crate::cli::{GlobalArgs, RegistryLoginArgs, RegistryLogoutArgs};
use onboard_core::join::airgap::{self, RegistryCredentials};
use onboard_core::vault::OsKeyring;
use onboard_core::{Error, Result};
use std::io::Read;

pub fn login(global: &GlobalArgs, args: &RegistryLoginArgs) -> Result<()> {
    no_names(global)?;
    let registry = airgap::check_registry(&args.registry)?;
    let mut password = String::new();
    std::io::stdin()
        .read_to_string(&mut password)
        .map_err(|e| Error::io("read", std::path::Path::new("standard input"), &e))?;
    let credentials = RegistryCredentials {
        username: args.username.clone(),
        password: password.trim_end_matches(['\n', '\r']).to_string(),
    };
    airgap::save_credentials(&OsKeyring::new(), &registry, &credentials)?;
    println!(
        "saved the login for {registry} (user {}) in the OS keyring",
        args.username
    );
    Ok(())
}

pub fn logout(global: &GlobalArgs, args: &RegistryLogoutArgs) -> Result<()> {
    no_names(global)?;
    let registry = airgap::check_registry(&args.registry)?;
    airgap::forget_credentials(&OsKeyring::new(), &registry)?;
    println!("forgot the login for {registry}");
    Ok(())
}
