//! The command line: every flag defined once, with its documentation, which
//! feeds `--help`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Plumb: cloud security posture management. Inventories your AWS accounts
/// through the read-only APIs and keeps every scan as a snapshot.
#[derive(Debug, Parser)]
#[command(name = "plumb", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// The snapshot store: a SQLite file path (default: plumb.db in your data
    /// directory) or a postgres:// URL.
    #[arg(long, global = true, env = "PLUMB_DB", value_name = "PATH|URL")]
    pub db: Option<String>,

    /// More diagnostics on stderr (-v warnings, -vv info, -vvv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect an inventory snapshot from AWS (read-only API calls).
    Collect(CollectArgs),
    /// List stored snapshots with their coverage.
    Snapshots(FormatArgs),
    /// Look at the resources of a snapshot.
    #[command(subcommand)]
    Inventory(InventoryCommand),
    /// Every resource kind and its documented fields.
    Kinds(KindsArgs),
    /// The IAM permissions a scan needs.
    Permissions(FormatArgs),
}

/// Options of `plumb collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// A named profile from your AWS config files.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Regions to scan, comma-separated, or `all` for every enabled region.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    pub regions: Vec<String>,
    /// The region for global services and setup calls (default: your
    /// configured region, else us-east-1).
    #[arg(long)]
    pub region: Option<String>,
    /// Services to scan, comma-separated (default: all). See `plumb permissions`.
    #[arg(long, value_delimiter = ',')]
    pub services: Option<Vec<String>>,
    /// Send every API call to this endpoint (an emulator such as moto).
    /// `AWS_ENDPOINT_URL` works too.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Role name to assume in each account of --accounts or --org.
    #[arg(long, value_name = "ROLE_NAME")]
    pub assume_role: Option<String>,
    /// Accounts to scan through --assume-role, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        requires = "assume_role",
        conflicts_with = "org"
    )]
    pub accounts: Option<Vec<String>>,
    /// Scan every active account of the organization through --assume-role.
    #[arg(long, requires = "assume_role")]
    pub org: bool,
    /// Collection units (account × region × service) running at once.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Attempts per API call, with adaptive retry on throttling.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `inventory` subcommands.
#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// List resources.
    List(ListArgs),
    /// One resource: its props and its edges in and out.
    Show(ShowArgs),
    /// Counts of resources per kind, account and region.
    Summary(SnapshotArgs),
    /// Run a read-only SQL query on the store (tables: snapshots, coverage,
    /// resources, edges).
    Query(QueryArgs),
}

/// `--format` alone.
#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `--snapshot` and `--format`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Which snapshot: an id or `latest`.
    #[arg(long, default_value = "latest")]
    pub snapshot: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Options of `inventory list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only resources of this kind (see `plumb kinds`).
    #[arg(long)]
    pub kind: Option<String>,
    /// Only resources of this account.
    #[arg(long)]
    pub account: Option<String>,
    /// Only resources of this region (`global` for global services).
    #[arg(long)]
    pub region: Option<String>,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
}

/// Options of `inventory show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The resource's uid (its ARN, or the id `inventory list` shows).
    pub uid: String,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
}

/// Options of `inventory query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// One SQL statement; the store refuses writes.
    pub sql: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Options of `kinds`.
#[derive(Debug, Args)]
pub struct KindsArgs {
    /// `show KIND` documents one kind's fields.
    #[arg(value_name = "show KIND", num_args = 0..=2)]
    pub show: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// JSON for programs.
    Json,
}

/// Where the store is when neither --db nor PLUMB_DB says.
pub fn default_db() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("plumb")
        .join("plumb.db")
}
