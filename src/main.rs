//! The `drillsim` command: a thin entry over [`drillsim::cli`].
use std::process::ExitCode;

mod cli;

fn main() -> ExitCode {
    cli::main()
}
