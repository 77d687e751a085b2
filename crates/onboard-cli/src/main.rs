//! `ks-onboard-cli`: the onboarding flows without a window.
//!
//! Exit codes: 0 done, 1 failed (the error says why and what to do), 2 bad usage.

mod cli;
mod commands;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        // clap prints help/version to stdout with exit 0, usage errors to stderr with exit 2.
        Err(error) => error.exit(),
    };
    match commands::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error.message);
            if let Some(hint) = &error.hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(1)
        }
    }
}
