//! The `migration-harness` binary: a shim; arguments, commands and exit codes are in the library.

fn main() -> std::process::ExitCode {
    migration_harness::cli_main()
}
