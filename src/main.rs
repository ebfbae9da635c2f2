//! The `migration-harness` binary: argument parsing and exit codes only; the work is in the library.

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
