//! The `plumb` binary: parses arguments and wires Plumb's crates together.
//! Data goes to stdout, progress and diagnostics to stderr.
//!
//! Exit codes: 0 success; 1 internal error; 2 usage or input error;
//! 3 a check or scan found failures (or undecidable findings) at or above
//! `--fail-on`; 4 a collection that finished but is partial (some unit or
//! sub-call failed: see the coverage). `export` exits 1 when any finding
//! could not be exported.

mod cli;
mod collect;
mod compliance;
mod context;
mod export;
mod fix;
mod inventory;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// An error in what the user asked for (exit code 2), as opposed to a
/// failure while doing it (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// What a command that ran to the end reports.
pub enum Outcome {
    /// Everything asked for was done.
    Done,
    /// A collection finished without seeing everything.
    Partial,
    /// A check found failures at or above `--fail-on`.
    Failing,
    /// An export ran to the end but some findings could not be exported.
    ExportFailed,
}

#[global_allocator]
static ALLOCATOR: plumb_alloc::Allocator = plumb_alloc::Allocator;

fn main() -> ExitCode {
    plumb_alloc::configure();
    let cli = Cli::parse();
    init_tracing(cli.verbose);
    match run(cli) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Partial) => ExitCode::from(4),
        Ok(Outcome::Failing) => ExitCode::from(3),
        Ok(Outcome::ExportFailed) => ExitCode::from(1),
        // The reader went away (`plumb … | head`): not an error of ours.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            if error.downcast_ref::<UsageError>().is_some() || is_input_error(&error) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(|e| e.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn is_input_error(error: &anyhow::Error) -> bool {
    use plumb_aws::CollectError;
    use plumb_store::StoreError;
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<CollectError>(),
            Some(CollectError::UnknownService { .. })
        ) || matches!(
            cause.downcast_ref::<StoreError>(),
            Some(
                StoreError::NotFound(_) | StoreError::Query(_) | StoreError::UnsupportedLocation(_)
            )
        )
    })
}

fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "error",
        1 => "warn",
        2 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PLUMB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // The HTTP client's trace logs show full URLs, and a Slack webhook's
    // URL is its credential: never below info, whatever PLUMB_LOG says.
    let filter = ["ureq=info", "ureq_proto=info"]
        .into_iter()
        .filter_map(|d| d.parse().ok())
        .fold(filter, |f, d| f.add_directive(d));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let db = cli
        .db
        .clone()
        .unwrap_or_else(|| cli::default_db().display().to_string());
    match cli.command {
        Command::Scan(args) => compliance::scan(&db, args),
        Command::Collect(args) => collect::run(&db, args),
        Command::Check(args) => compliance::check(&db, args),
        Command::Report(args) => compliance::report(&db, args),
        Command::Exposure(args) => context::exposure(&db, args),
        Command::Graph(args) => context::graph(&db, args),
        Command::Risks(args) => context::risks(&db, args),
        Command::Paths(args) => context::paths(&db, args),
        Command::Fix(cli::FixCommand::Plan(args)) => fix::plan(&db, args),
        Command::Fix(cli::FixCommand::Apply(args)) => fix::apply(&db, args),
        Command::Fix(cli::FixCommand::Log(args)) => fix::log(&db, args.format),
        Command::Export(args) => export::run(&db, args),
        Command::Checks(command) => compliance::checks(command),
        Command::Frameworks(command) => compliance::frameworks(command),
        Command::Snapshots(args) => inventory::snapshots(&db, args.format),
        Command::Inventory(command) => inventory::run(&db, command),
        Command::Kinds(args) => inventory::kinds(args),
        Command::Permissions(args) => inventory::permissions(args.format),
    }
}
