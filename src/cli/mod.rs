//! The command line: arguments ([`args`]), commands ([`commands`]) and exit codes ([`exit`]).

mod args;
mod commands;
mod exit;

use clap::Parser;

pub fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    let code = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(commands::dispatch(cli)),
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            exit::Exit::Infrastructure
        }
    };
    code.into()
}
