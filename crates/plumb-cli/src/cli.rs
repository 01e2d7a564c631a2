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
    /// Collect a snapshot, then check it: the main job.
    Scan(ScanArgs),
    /// Collect an inventory snapshot from AWS (read-only API calls).
    Collect(CollectArgs),
    /// Run the checks on a stored snapshot and report posture per framework.
    Check(CheckArgs),
    /// Report the stored findings of a snapshot again, in any format.
    Report(ReportArgs),
    /// What the internet can reach, on which ports, and the path that
    /// proves it.
    Exposure(ContextArgs),
    /// A resource's neighbourhood: the resources within --depth edges.
    Graph(GraphArgs),
    /// Failing findings ranked by risk, each with its reason and path.
    Risks(RisksArgs),
    /// Attack paths from the internet to a kind, a resource or admin.
    Paths(PathsArgs),
    /// Automated fixes: plan them, apply them, read the audit log.
    #[command(subcommand)]
    Fix(FixCommand),
    /// Send failing findings to GitHub issues, Jira, Slack or a webhook,
    /// one ticket per finding; close those whose finding no longer fails.
    Export(ExportArgs),
    /// The check library.
    #[command(subcommand)]
    Checks(ChecksCommand),
    /// Compliance frameworks and their controls.
    #[command(subcommand)]
    Frameworks(FrameworksCommand),
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
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What to collect and how: shared by `collect` and `scan`.
#[derive(Debug, Args)]
pub struct ScopeArgs {
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
}

/// Which checks to run and how to judge: shared by `check` and `scan`.
#[derive(Debug, Args)]
pub struct CheckOptions {
    /// Only checks mapped to this framework (repeatable); see `plumb frameworks list`.
    #[arg(long = "framework", value_name = "FRAMEWORK")]
    pub frameworks: Vec<String>,
    /// Only checks whose id matches this glob (repeatable), e.g. `s3_*`.
    #[arg(long = "checks", value_name = "GLOB")]
    pub checks: Vec<String>,
    /// Only checks of this severity, or at least it with a `+` (`high+`).
    #[arg(long, value_name = "SEVERITY")]
    pub severity: Option<String>,
    /// A directory of your own checks and frameworks (repeatable).
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// The configuration file with mutes (default: ./plumb.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exit 3 when a finding at or above this severity fails or cannot be
    /// decided (error).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Show only the failures whose risk (0–100, from the context) is at
    /// least this; every finding is still stored and counted in posture.
    #[arg(long, value_name = "N")]
    pub min_risk: Option<f64>,
    /// The order of the findings in the report.
    #[arg(long, value_enum, default_value_t = SortBy::Check)]
    pub sort: SortBy,
}

/// How findings are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortBy {
    /// By check, then resource.
    Check,
    /// Riskiest failure first.
    Risk,
}

/// Options of `plumb check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Which snapshot: an id or `latest`.
    #[arg(long, default_value = "latest")]
    pub snapshot: String,
    #[command(flatten)]
    pub options: CheckOptions,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options of `plumb scan`: collect, then check.
#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub options: CheckOptions,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Where and how a report is written: shared by `check`, `scan` and
/// `report`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format; several with --output-dir.
    #[arg(long, value_enum, default_values_t = [ReportFormat::Table])]
    pub format: Vec<ReportFormat>,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE", conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// Write one file per --format into this directory (report.json,
    /// report.csv, report.xml, report.md, report.sarif, report.ocsf.jsonl,
    /// report.html).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
}

/// Options of `plumb report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which snapshot: an id or `latest`. Its findings are those `plumb
    /// check` or `plumb scan` stored; nothing is evaluated again.
    #[arg(long, default_value = "latest")]
    pub snapshot: String,
    /// Only this framework's posture and the findings mapped to it
    /// (repeatable).
    #[arg(long = "framework", value_name = "FRAMEWORK")]
    pub frameworks: Vec<String>,
    /// The directories of your own checks and frameworks, when the
    /// findings include theirs (repeatable).
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Options of the context commands.
#[derive(Debug, Args)]
pub struct ContextArgs {
    /// Which snapshot: an id or `latest`.
    #[arg(long, default_value = "latest")]
    pub snapshot: String,
    /// The configuration file with the context's settings (default:
    /// ./plumb.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `fix` subcommands.
#[derive(Debug, Subcommand)]
pub enum FixCommand {
    /// What the automated fixes would change for a snapshot's failures;
    /// changes nothing.
    Plan(FixPlanArgs),
    /// Applies a plan, then collects the resources again to verify.
    Apply(FixApplyArgs),
    /// Every fix applied: who, what, when, before and after.
    Log(FormatArgs),
}

/// Options of `plumb fix plan`.
#[derive(Debug, Args)]
pub struct FixPlanArgs {
    /// Which snapshot: an id or `latest`.
    #[arg(long, default_value = "latest")]
    pub snapshot: String,
    /// Only failures of checks matching this glob (repeatable).
    #[arg(long = "check", value_name = "ID|GLOB")]
    pub checks: Vec<String>,
    /// Only these resources (uid or glob, repeatable).
    #[arg(long = "resource", value_name = "UID|GLOB")]
    pub resources: Vec<String>,
    /// Only failures of this severity, or at least it with a `+`.
    #[arg(long, value_name = "SEVERITY")]
    pub severity: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the plan to this file, for `plumb fix apply`.
    #[arg(long, value_name = "PLAN_FILE")]
    pub output: Option<PathBuf>,
}

/// Options of `plumb fix apply`.
#[derive(Debug, Args)]
pub struct FixApplyArgs {
    /// The plan written by `plumb fix plan --output`.
    pub plan: PathBuf,
    /// Apply; without it nothing is changed and the plan is shown.
    #[arg(long)]
    pub yes: bool,
    /// Also apply the fixes that may disrupt workloads.
    #[arg(long)]
    pub allow_disruptive: bool,
    /// A named profile from your AWS config files.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// The region for global services and setup calls.
    #[arg(long)]
    pub region: Option<String>,
    /// Send every API call to this endpoint (an emulator such as moto).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Options of `plumb export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to send findings; each is configured in plumb.toml's
    /// `[export.<system>]` section, its credentials in the environment (or
    /// written in the file, when only its owner can read it).
    #[arg(long, value_enum)]
    pub to: ExportTarget,
    /// Which snapshot: an id or `latest`. Its findings are those `plumb
    /// check` or `plumb scan` stored.
    #[arg(long, default_value = "latest")]
    pub snapshot: String,
    /// The configuration file with the `[export.*]` sections (default:
    /// ./plumb.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only failures whose risk (0–100) is at least this.
    #[arg(long, value_name = "N")]
    pub min_risk: Option<f64>,
    /// Only failures of this severity, or at least it with a `+` (`high+`).
    #[arg(long, value_name = "SEVERITY")]
    pub severity: Option<String>,
    /// Send nothing and store nothing: print the requests that would be
    /// sent (without credentials).
    #[arg(long)]
    pub dry_run: bool,
    /// Attempts per request when rate-limited (429) or on a server error
    /// (5xx), with backoff and `Retry-After`.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub max_attempts: u32,
}

/// The systems `plumb export` sends to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportTarget {
    /// GitHub issues (REST API).
    Github,
    /// Jira issues (REST API v2 or v3).
    Jira,
    /// A Slack incoming webhook.
    Slack,
    /// A generic webhook receiving JSON events.
    Webhook,
}

/// Options of `plumb risks`.
#[derive(Debug, Args)]
pub struct RisksArgs {
    #[command(flatten)]
    pub context: ContextArgs,
    /// Only the N riskiest resources.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
}

/// Options of `plumb paths`.
#[derive(Debug, Args)]
pub struct PathsArgs {
    /// Where paths start; only `internet` for now.
    #[arg(long, default_value = "internet", value_parser = ["internet"])]
    pub from: String,
    /// Where they end: a kind (`aws_s3_bucket`), a uid, or `admin` (admin
    /// power, escalation or another account). Every path when absent.
    #[arg(long, value_name = "KIND|UID|admin")]
    pub to: Option<String>,
    /// Which snapshot: an id or `latest`.
    #[arg(long, default_value = "latest")]
    pub snapshot: String,
    /// The configuration file with the context's settings (default:
    /// ./plumb.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PathsFormat::Table)]
    pub format: PathsFormat,
}

/// How `plumb paths` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PathsFormat {
    /// One path per row, hop by hop.
    Table,
    /// JSON: the paths with their hops.
    Json,
    /// Graphviz dot: every path as a chain of edges.
    Dot,
}

/// Options of `plumb graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The resource's uid.
    pub uid: String,
    /// Which snapshot: an id or `latest`.
    #[arg(long, default_value = "latest")]
    pub snapshot: String,
    /// How many edges away to go.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=6))]
    pub depth: u8,
    /// Output format: Graphviz dot or JSON.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

/// How `plumb graph` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz dot (`| dot -Tsvg`).
    Dot,
    /// JSON: nodes and edges.
    Json,
}

/// The formats of `check` and `scan` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Posture, then failures by severity, for people.
    Table,
    /// The documented JSON report (`schema_version` 1).
    Json,
    /// One row per finding.
    Csv,
    /// JUnit XML: a suite per framework, a case per check and resource.
    Junit,
    /// A summary for a pull-request comment.
    Markdown,
    /// SARIF 2.1.0 for GitHub code scanning: a rule per check, a result per
    /// failure.
    Sarif,
    /// OCSF 1.5 Compliance Finding events, one JSON object per line.
    Ocsf,
    /// One self-contained HTML page: scan, coverage gaps, posture charts,
    /// every control and finding, filterable.
    Html,
}

/// `checks` subcommands.
#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// The check library.
    List {
        /// Only checks mapped to this framework.
        #[arg(long)]
        framework: Option<String>,
        /// Only checks of this service (`s3`, `iam`, …).
        #[arg(long)]
        service: Option<String>,
        /// Your own checks too.
        #[arg(long = "policies", value_name = "DIR")]
        policies: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One check: what, why, how to fix, which controls.
    Show {
        /// The check id.
        id: String,
        /// Your own checks too.
        #[arg(long = "policies", value_name = "DIR")]
        policies: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// `frameworks` subcommands.
#[derive(Debug, Subcommand)]
pub enum FrameworksCommand {
    /// Every framework, with how many of its controls Plumb checks.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One framework's controls with their checks, automated or manual.
    Show {
        /// The framework id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
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
