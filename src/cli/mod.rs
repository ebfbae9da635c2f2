//! The command line: arguments ([`args`]), commands ([`commands`]) and exit codes ([`exit`]).

mod args;
mod commands;
mod exit;

use clap::Parser;

use crate::engine::{cleanup, launcher::registry};

pub fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return exit::Exit::Infrastructure.into();
        }
    };
    let code = runtime.block_on(async {
        let signals = match cleanup::Signals::install() {
            Ok(signals) => signals,
            Err(e) => {
                eprintln!("error: failed to install signal handlers: {e}");
                return exit::Exit::Infrastructure;
            }
        };
        // SIGINT, SIGTERM or SIGHUP drop the command's future: every server it started is
        // stopped and its container, or process and data directory, removed on drop.
        tokio::select! {
            code = commands::dispatch(cli) => code,
            signal = signals.next() => {
                eprintln!("interrupted by {signal}: removing the servers this run started");
                match crate::engine::launcher::docker::remove_run_containers().await {
                    Ok(n) if n > 0 => eprintln!("removed {n} container(s) left mid-start"),
                    Ok(_) => {}
                    Err(e) => eprintln!("error: failed to remove containers: {e}"),
                }
                exit::Exit::interrupted(signal)
            }
        }
    });
    drop(runtime);
    registry::finish_run();
    code.into()
}
