//! The `drillsim` command: a thin entry over the binary's `cli` module.
use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::main()
}
