//! `plumb check`, `plumb scan`, `plumb checks` and `plumb frameworks`:
//! checks on a stored snapshot, posture per framework, and the library.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use plumb_checks::{
    apply_mutes, evaluate, evaluate_from, posture, Config, Evaluator, Library, Selection,
};
use plumb_model::{Finding, Severity, Snapshot, Status};
use plumb_report::Report;
use plumb_store::SnapshotRef;
use serde_json::json;

use crate::cli::{
    CheckArgs, CheckOptions, ChecksCommand, Format, FrameworksCommand, OutputArgs, ReportArgs,
    ReportFormat, ScanArgs,
};
use crate::output;
use crate::{Outcome, UsageError};

/// The library with the user's policies, or the load errors as a usage error.
pub(crate) fn library(policies: &[PathBuf]) -> anyhow::Result<Library> {
    let mut library = Library::builtin()
        .map_err(|e| anyhow::anyhow!("the built-in check library is broken:\n{e}"))?;
    for dir in policies {
        library
            .add_policies(dir)
            .map_err(|e| UsageError(e.to_string()))?;
    }
    Ok(library)
}

pub(crate) fn severity(text: &str, flag: &str) -> Result<(Severity, bool), UsageError> {
    Severity::parse(text).ok_or_else(|| {
        UsageError(format!("{flag} `{text}` is not a severity: critical, high, medium, low or info (add + for \"or above\")"))
    })
}

/// The text of the configuration file: `path`, which must exist, or
/// `./plumb.toml` when present. `None` when neither is there.
pub(crate) fn config_text(path: Option<&Path>) -> anyhow::Result<Option<(String, String)>> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("plumb.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path.display().to_string(), text))),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(UsageError(format!("cannot read {}: {e}", path.display())).into()),
    }
}

fn config(path: Option<&Path>) -> anyhow::Result<Config> {
    match config_text(path)? {
        Some((file, text)) => {
            Config::parse(&file, &text).map_err(|e| UsageError(e.to_string()).into())
        }
        None => Ok(Config::default()),
    }
}

/// A stored snapshot read a page at a time, keeping the tags that mutes
/// match.
struct StoreSource<'a> {
    store: Box<dyn plumb_store::Store>,
    /// Where the store is, to open a second connection on.
    db: &'a str,
    snapshot: i64,
    /// Records the tags of what is read; `None` on a fork, which reads
    /// only what the account and region checks judge against, not what
    /// findings are about.
    keep_tags: Option<&'a mut (dyn FnMut(&plumb_model::Resource) + Send)>,
}

impl StoreSource<'_> {
    fn kept(
        &mut self,
        read: Result<Vec<plumb_model::Resource>, plumb_store::StoreError>,
    ) -> Result<Vec<plumb_model::Resource>, plumb_store::StoreError> {
        let resources = read?;
        if let Some(keep) = &mut self.keep_tags {
            resources.iter().for_each(keep);
        }
        Ok(resources)
    }
}

impl plumb_checks::Source for StoreSource<'_> {
    type Error = plumb_store::StoreError;

    /// A second connection to the store; `None` when it cannot be opened,
    /// and everything is then read on the first.
    fn fork<'f>(&self) -> Option<plumb_checks::Forked<'f, Self::Error>>
    where
        Self: 'f,
    {
        let store = plumb_store::open(self.db).ok()?;
        Some(Box::new(StoreSource {
            store,
            db: self.db,
            snapshot: self.snapshot,
            keep_tags: None,
        }))
    }

    fn page(
        &mut self,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Vec<plumb_model::Resource>, Self::Error> {
        let read = self
            .store
            .resources_page_with_props(self.snapshot, kind, after, limit, props);
        self.kept(read)
    }

    fn uids(
        &mut self,
        uids: &[&str],
        props: Option<&[&str]>,
    ) -> Result<Vec<plumb_model::Resource>, Self::Error> {
        let read = self
            .store
            .resources_by_uid_with_props(self.snapshot, uids, props);
        self.kept(read)
    }

    fn page_docs(
        &mut self,
        kind: &str,
        after: Option<&str>,
        limit: usize,
        props: Option<&[&str]>,
    ) -> Result<Option<Vec<(plumb_model::Resource, plumb_model::doc::Doc)>>, Self::Error> {
        let read = self
            .store
            .resources_page_docs(self.snapshot, kind, after, limit, props)?;
        if let (Some(pairs), Some(keep)) = (&read, &mut self.keep_tags) {
            pairs.iter().for_each(|(r, _)| keep(r));
        }
        Ok(read)
    }
}

/// What to check: a snapshot just collected and still in memory, or a
/// stored one, read kind by kind so that it is never all in memory.
enum Input<'a> {
    Memory(&'a Snapshot),
    Stored(Box<dyn plumb_store::Store>, Snapshot),
}

/// Runs the selected checks on a snapshot, applies mutes, stores the
/// findings with the snapshot and computes posture.
fn run_checks(
    db: &str,
    input: Input<'_>,
    options: &CheckOptions,
    context: &plumb_context::Context,
    weights: &plumb_context::Weights,
) -> anyhow::Result<Report> {
    let library = library(&options.policies)?;
    let config = config(options.config.as_deref())?;
    let (min, exact) = match &options.severity {
        Some(s) => {
            let (sev, and_above) = severity(s, "--severity")?;
            (Some(sev), !and_above)
        }
        None => (None, false),
    };
    let selection = Selection {
        frameworks: options.frameworks.clone(),
        checks: options.checks.clone(),
        min_severity: min,
    };
    let mut checks = library.select(&selection).map_err(UsageError)?;
    if let (Some(sev), true) = (min, exact) {
        checks.retain(|c| c.spec.severity == sev);
    }
    let mut tags: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut keep_tags = |r: &plumb_model::Resource| {
        if !r.tags.is_empty() {
            tags.insert(r.uid.clone(), r.tags.clone());
        }
    };
    let (scan, mut findings) = match input {
        Input::Memory(snapshot) => {
            snapshot.resources.iter().for_each(&mut keep_tags);
            (snapshot.summary(), evaluate(&checks, snapshot))
        }
        Input::Stored(mut store, meta) => {
            let scan = store
                .summary(SnapshotRef::Id(meta.id))
                .with_context(|| format!("cannot read snapshot {}", meta.id))?;
            let location = store.location();
            let mut by_check: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
            let mut source = StoreSource {
                store,
                db,
                snapshot: meta.id,
                keep_tags: Some(&mut keep_tags),
            };
            evaluate_from(
                &checks,
                &meta,
                &mut source,
                Evaluator::Compiled,
                |check, found| {
                    by_check
                        .entry(check.spec.id.clone())
                        .or_default()
                        .extend(found)
                },
            )
            .with_context(|| format!("cannot read snapshot {} from {location}", meta.id))?;
            let mut findings = Vec::new();
            for mut list in by_check.into_values() {
                // Each part is in uid order; the coverage errors come last.
                list.sort_by(|a, b| a.resource_uid().cmp(b.resource_uid()));
                findings.extend(list);
            }
            (scan, findings)
        }
    };
    let snapshot_id = scan.id;
    let notices = apply_mutes(
        &config,
        &mut findings,
        &tags,
        chrono::Utc::now().date_naive(),
    );
    // Every failure's risk in its resource's context, stored with it.
    let ranker = plumb_context::Ranker::new(context, weights);
    for f in findings.iter_mut().filter(|f| f.status == Status::Fail) {
        f.risk = Some(ranker.risk(f.severity(), f.resource_uid()).score);
    }

    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    store
        .save_findings(snapshot_id, &findings)
        .with_context(|| format!("cannot store the findings in {}", store.location()))?;

    let ran: BTreeSet<&str> = checks.iter().map(|c| c.spec.id.as_str()).collect();
    let posture = postures(&library, &ran, &options.frameworks, &findings);
    Ok(Report {
        snapshot: snapshot_id,
        scan,
        findings,
        posture,
        notices,
        checks: checks.iter().map(|c| c.spec.clone()).collect(),
    })
}

fn outcome(report: &Report, fail_on: Option<&str>) -> anyhow::Result<Outcome> {
    let Some(text) = fail_on else {
        return Ok(Outcome::Done);
    };
    let (threshold, _) = severity(text, "--fail-on")?;
    let failing = report
        .findings
        .iter()
        .any(|f| f.severity() >= threshold && matches!(f.status, Status::Fail | Status::Error));
    Ok(if failing {
        Outcome::Failing
    } else {
        Outcome::Done
    })
}

/// Posture per framework, counting only the checks in `ran`: of the
/// frameworks asked for, or else of every framework one of them maps to.
fn postures(
    library: &Library,
    ran: &BTreeSet<&str>,
    frameworks: &[String],
    findings: &[Finding],
) -> Vec<plumb_checks::Posture> {
    let by_control: BTreeMap<String, Vec<String>> = library
        .checks_by_control()
        .into_iter()
        .map(|(control, checks)| {
            let checks = checks
                .into_iter()
                .filter(|c| ran.contains(c.as_str()))
                .collect::<Vec<_>>();
            (control, checks)
        })
        .collect();
    library
        .frameworks
        .iter()
        .filter(|f| {
            if frameworks.is_empty() {
                ran.iter().any(|id| {
                    library
                        .check(id)
                        .is_some_and(|c| c.spec.frameworks.contains_key(&f.id))
                })
            } else {
                frameworks.contains(&f.id)
            }
        })
        .map(|f| posture(f, findings, &by_control))
        .collect()
}

/// `plumb check`.
pub fn check(db: &str, args: CheckArgs) -> anyhow::Result<Outcome> {
    let reference: SnapshotRef = args.snapshot.parse().map_err(UsageError)?;
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let meta = store.load_meta(reference)?;
    let (context, settings) =
        crate::context::load(store.as_mut(), meta.id, args.options.config.as_deref())?;
    let mut report = run_checks(
        db,
        Input::Stored(store, meta),
        &args.options,
        &context,
        &settings.weights,
    )?;
    let outcome = outcome(&report, args.options.fail_on.as_deref())?;
    arrange(&mut report, &args.options)?;
    emit(&report, &args.output)?;
    Ok(outcome)
}

fn valid_min_risk(options: &CheckOptions) -> Result<(), UsageError> {
    match options.min_risk {
        Some(min) if !(0.0..=100.0).contains(&min) => {
            Err(UsageError(format!("--min-risk {min}: a risk is 0 to 100")))
        }
        _ => Ok(()),
    }
}

/// Applies `--min-risk` and `--sort` to what is shown: the findings
/// stored, the posture and the `--fail-on` gate count them all.
fn arrange(report: &mut Report, options: &CheckOptions) -> anyhow::Result<()> {
    valid_min_risk(options)?;
    if let Some(min) = options.min_risk {
        report
            .findings
            .retain(|f| f.status != Status::Fail || f.risk.unwrap_or(0.0) >= min);
    }
    if options.sort == crate::cli::SortBy::Risk {
        // Riskiest first; the order is stable within a score.
        report
            .findings
            .sort_by(|a, b| b.risk.unwrap_or(-1.0).total_cmp(&a.risk.unwrap_or(-1.0)));
    }
    Ok(())
}

/// `plumb report`: the findings stored for a snapshot, reported again in
/// any format without evaluating anything.
pub fn report(db: &str, args: ReportArgs) -> anyhow::Result<Outcome> {
    let reference: SnapshotRef = args.snapshot.parse().map_err(UsageError)?;
    let library = library(&args.policies)?;
    for id in &args.frameworks {
        if library.framework(id).is_none() {
            return Err(UsageError(format!(
                "unknown framework `{id}`; see `plumb frameworks list`"
            ))
            .into());
        }
    }
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let scan = store.summary(reference)?;
    let mut findings = store
        .findings(scan.id)
        .with_context(|| format!("cannot read the findings of snapshot {}", scan.id))?;
    if findings.is_empty() {
        return Err(UsageError(format!(
            "snapshot {id} has no stored findings: run `plumb check --snapshot {id}` first",
            id = scan.id
        ))
        .into());
    }
    if !args.frameworks.is_empty() {
        findings.retain(|f| {
            f.controls().iter().any(|c| {
                c.split_once(':')
                    .is_some_and(|(framework, _)| args.frameworks.iter().any(|w| w == framework))
            })
        });
    }
    let ran: BTreeSet<&str> = findings.iter().map(|f| f.check_id()).collect();
    let mut notices = Vec::new();
    let mut checks = Vec::new();
    for id in &ran {
        match library.check(id) {
            Some(check) => checks.push(check.spec.clone()),
            None => notices.push(format!(
                "check {id} is not in the library: pass the --policies it came from to describe it"
            )),
        }
    }
    let posture = postures(&library, &ran, &args.frameworks, &findings);
    let report = Report {
        snapshot: scan.id,
        scan,
        findings,
        posture,
        notices,
        checks,
    };
    emit(&report, &args.output)?;
    Ok(Outcome::Done)
}

/// `plumb scan`: collect, then check what was collected.
pub fn scan(db: &str, args: ScanArgs) -> anyhow::Result<Outcome> {
    // Validate the check options before minutes of collection.
    library(&args.options.policies)?;
    config(args.options.config.as_deref())?;
    valid_min_risk(&args.options)?;
    let (settings, fingerprint) = crate::context::settings(args.options.config.as_deref())?;
    let (id, mut snapshot, location) = crate::collect::collect(db, &args.scope)?;
    snapshot.id = id;
    eprintln!(
        "Snapshot {id} written to {location}: {} resources, coverage {}",
        snapshot.resources.len(),
        if snapshot.is_complete() {
            "complete"
        } else {
            "PARTIAL (see `plumb snapshots`)"
        }
    );
    // The context (exposure, sensitive data, IAM power, attack paths) is
    // stored with the snapshot for `plumb risks`, `exposure` and `paths`,
    // and ranks the findings.
    let mut store = plumb_store::open(db).with_context(|| format!("cannot open the store {db}"))?;
    let context =
        crate::context::compute_and_store(store.as_mut(), &snapshot, &settings, &fingerprint)?;
    drop(store);
    let mut report = run_checks(
        db,
        Input::Memory(&snapshot),
        &args.options,
        &context,
        &settings.weights,
    )?;
    let outcome = outcome(&report, args.options.fail_on.as_deref())?;
    arrange(&mut report, &args.options)?;
    emit(&report, &args.output)?;
    Ok(outcome)
}

/// Writes the report in each format: to stdout, to `--output`, or one file
/// per format into `--output-dir`.
fn emit(report: &Report, args: &OutputArgs) -> anyhow::Result<()> {
    let (formats, output) = (&args.format[..], args.output.as_deref());
    let Some(dir) = args.output_dir.as_deref() else {
        return match formats {
            [format] => print(report, *format, output),
            _ => Err(UsageError(
                "several --format need --output-dir DIR (one file per format)".to_string(),
            )
            .into()),
        };
    };
    let Some(files) = formats
        .iter()
        .map(|f| file_format(*f))
        .collect::<Option<Vec<_>>>()
    else {
        return Err(UsageError(format!(
            "--output-dir writes {}; the table is for the terminal",
            file_formats()
        ))
        .into());
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (format, file) in formats.iter().zip(files) {
        print(
            report,
            *format,
            Some(&dir.join(format!("report.{}", file.extension()))),
        )?;
    }
    Ok(())
}

/// The file format of a report format; none for the terminal's table.
fn file_format(format: ReportFormat) -> Option<plumb_report::Format> {
    match format {
        ReportFormat::Table => None,
        ReportFormat::Json => Some(plumb_report::Format::Json),
        ReportFormat::Csv => Some(plumb_report::Format::Csv),
        ReportFormat::Junit => Some(plumb_report::Format::Junit),
        ReportFormat::Markdown => Some(plumb_report::Format::Markdown),
        ReportFormat::Sarif => Some(plumb_report::Format::Sarif),
        ReportFormat::Ocsf => Some(plumb_report::Format::Ocsf),
        ReportFormat::Html => Some(plumb_report::Format::Html),
    }
}

/// `json, csv, … or html`: the formats that write a file, for the errors
/// that list them.
fn file_formats() -> String {
    let names: Vec<String> = <ReportFormat as clap::ValueEnum>::value_variants()
        .iter()
        .filter(|f| file_format(**f).is_some())
        .filter_map(clap::ValueEnum::to_possible_value)
        .map(|v| v.get_name().to_string())
        .collect();
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn print(report: &Report, format: ReportFormat, output: Option<&Path>) -> anyhow::Result<()> {
    let Some(format) = file_format(format) else {
        if output.is_some() {
            return Err(UsageError(format!(
                "--output writes --format {}; the table is for the terminal",
                file_formats()
            ))
            .into());
        }
        return table(report);
    };
    match output {
        Some(path) => {
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            );
            plumb_report::write(report, format, &mut file)
                .and_then(|()| file.flush().map_err(Into::into))
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("Report written to {}", path.display());
        }
        None => {
            // A report can run to gigabytes: not a write per line.
            let mut out = output::stdout();
            plumb_report::write(report, format, &mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// The terminal view: posture per framework, then failures by severity,
/// the headings coloured on a terminal.
fn table(report: &Report) -> anyhow::Result<()> {
    let colour = output::colour();
    let mut t = output::table(&[
        "FRAMEWORK",
        "SCORE",
        "PASSED",
        "FAILED",
        "ERROR",
        "MANUAL",
        "NOT CHECKED",
    ]);
    for p in &report.posture {
        t.add_row(vec![
            p.framework.clone(),
            format!("{:.0}%", p.score),
            p.passed.to_string(),
            p.failed.to_string(),
            p.errors.to_string(),
            p.manual.to_string(),
            p.not_implemented.to_string(),
        ]);
    }
    output::line(format!("Posture of snapshot {}:", report.snapshot))?;
    output::print(&t)?;

    let count = |s: Status| report.findings.iter().filter(|f| f.status == s).count();
    output::line(format!(
        "{} findings: {} passed, {} failed, {} error, {} muted",
        report.findings.len(),
        count(Status::Pass),
        count(Status::Fail),
        count(Status::Error),
        count(Status::Muted)
    ))?;
    for sev in Severity::ALL.iter().rev() {
        let mut failing: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.status == Status::Fail && f.severity() == *sev)
            .collect();
        failing.sort_by(|a, b| b.risk.unwrap_or(0.0).total_cmp(&a.risk.unwrap_or(0.0)));
        if failing.is_empty() {
            continue;
        }
        let heading = format!("{} ({})", sev.as_str().to_uppercase(), failing.len());
        output::line(format!(
            "\n{}",
            output::paint(colour, &heading, output::severity_style(*sev))
        ))?;
        let mut t = output::table(&["RISK", "CHECK", "RESOURCE", "REGION"]);
        for f in failing {
            t.add_row(vec![
                f.risk.map(|r| format!("{r:.0}")).unwrap_or_default(),
                f.check_id().to_string(),
                f.resource_uid().to_string(),
                f.region().to_string(),
            ]);
        }
        output::print(&t)?;
    }
    let errors: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Error)
        .collect();
    if !errors.is_empty() {
        let heading = format!(
            "COULD NOT DECIDE ({}): never counted as passed",
            errors.len()
        );
        output::line(format!("\n{}", output::paint(colour, &heading, "35")))?;
        let mut t = output::table(&["CHECK", "RESOURCE", "REASON"]);
        for f in errors {
            t.add_row(vec![
                f.check_id().to_string(),
                f.resource_uid().to_string(),
                f.reason.clone().unwrap_or_default(),
            ]);
        }
        output::print(&t)?;
    }
    for n in &report.notices {
        output::line(format!("note: {n}"))?;
    }
    Ok(())
}

/// `plumb checks …`.
pub fn checks(command: ChecksCommand) -> anyhow::Result<Outcome> {
    match command {
        ChecksCommand::List {
            framework,
            service,
            policies,
            format,
        } => {
            let library = library(&policies)?;
            if let Some(f) = &framework {
                if library.framework(f).is_none() {
                    return Err(UsageError(format!(
                        "unknown framework `{f}`: see `plumb frameworks list`"
                    ))
                    .into());
                }
            }
            let chosen: Vec<_> = library
                .checks
                .iter()
                .filter(|c| {
                    framework
                        .as_ref()
                        .is_none_or(|f| c.spec.frameworks.contains_key(f))
                })
                .filter(|c| {
                    service.as_ref().is_none_or(|s| {
                        c.service() == s
                            || plumb_model::kinds::find(&c.spec.kind)
                                .is_some_and(|k| k.service == s)
                    })
                })
                .collect();
            if format == Format::Json {
                output::json(&chosen.iter().map(|c| &c.spec).collect::<Vec<_>>())?;
            } else {
                let mut t = output::table(&["CHECK", "SEVERITY", "KIND", "CONTROLS", "TITLE"]);
                for c in &chosen {
                    t.add_row(vec![
                        c.spec.id.clone(),
                        c.spec.severity.to_string(),
                        c.spec.kind.clone(),
                        c.controls().len().to_string(),
                        c.spec.title.clone(),
                    ]);
                }
                output::print(&t)?;
                output::line(format!("{} check(s)", chosen.len()))?;
            }
        }
        ChecksCommand::Show {
            id,
            policies,
            format,
        } => {
            let library = library(&policies)?;
            let c = library.check(&id).ok_or_else(|| {
                UsageError(format!("unknown check `{id}`: see `plumb checks list`"))
            })?;
            if format == Format::Json {
                output::json(&c.spec)?;
            } else {
                let s = &c.spec;
                output::line(format!(
                    "{} — {}\nseverity: {}   kind: {}   file: {}\n",
                    s.id, s.title, s.severity, s.kind, c.file
                ))?;
                output::line(format!("Why it matters:\n{}\n", s.risk.trim()))?;
                output::line(format!(
                    "Condition (passes when true):\n{}\n",
                    s.condition.trim()
                ))?;
                output::line(format!("Evidence: {}\n", s.evidence.join(", ")))?;
                output::line(format!("How to fix:\n{}", s.remediation.text.trim()))?;
                if let Some(cli) = &s.remediation.cli {
                    output::line(format!("\nAWS CLI:\n{}", cli.trim()))?;
                }
                if let Some(tf) = &s.remediation.terraform {
                    output::line(format!("\nTerraform:\n{}", tf.trim()))?;
                }
                output::line(format!("\nControls: {}", c.controls().join(", ")))?;
                for r in &s.references {
                    output::line(format!("See: {r}"))?;
                }
            }
        }
    }
    Ok(Outcome::Done)
}

/// `plumb frameworks …`.
pub fn frameworks(command: FrameworksCommand) -> anyhow::Result<Outcome> {
    let library = library(&[])?;
    let by_control = library.checks_by_control();
    match command {
        FrameworksCommand::List { format } => {
            let rows: Vec<_> = library
                .frameworks
                .iter()
                .map(|f| {
                    let automated = f
                        .controls
                        .iter()
                        .filter(|c| c.assessment == plumb_checks::Assessment::Automated)
                        .count();
                    let implemented = f
                        .controls
                        .iter()
                        .filter(|c| by_control.contains_key(&format!("{}:{}", f.id, c.id)))
                        .count();
                    (f, automated, implemented)
                })
                .collect();
            if format == Format::Json {
                let list: Vec<_> = rows
                    .iter()
                    .map(|(f, a, i)| json!({"id": f.id, "name": f.name, "version": f.version, "controls": f.controls.len(), "automated": a, "checked": i}))
                    .collect();
                output::json(&list)?;
            } else {
                let mut t = output::table(&[
                    "FRAMEWORK",
                    "NAME",
                    "VERSION",
                    "CONTROLS",
                    "AUTOMATED",
                    "CHECKED BY PLUMB",
                ]);
                for (f, a, i) in rows {
                    t.add_row(vec![
                        f.id.clone(),
                        f.name.clone(),
                        f.version.clone(),
                        f.controls.len().to_string(),
                        a.to_string(),
                        i.to_string(),
                    ]);
                }
                output::print(&t)?;
            }
        }
        FrameworksCommand::Show { id, format } => {
            let f = library.framework(&id).ok_or_else(|| {
                UsageError(format!(
                    "unknown framework `{id}`: see `plumb frameworks list`"
                ))
            })?;
            let checks_of = |c: &plumb_checks::Control| {
                by_control
                    .get(&format!("{}:{}", f.id, c.id))
                    .cloned()
                    .unwrap_or_default()
            };
            if format == Format::Json {
                let controls: Vec<_> = f
                    .controls
                    .iter()
                    .map(|c| json!({"id": c.id, "section": c.section, "title": c.title, "assessment": c.assessment, "guidance": c.guidance, "checks": checks_of(c)}))
                    .collect();
                output::json(
                    &json!({"id": f.id, "name": f.name, "version": f.version, "controls": controls}),
                )?;
            } else {
                output::line(format!("{} {} ({})", f.name, f.version, f.id))?;
                let mut t = output::table(&["CONTROL", "ASSESSMENT", "CHECKS", "TITLE"]);
                for c in &f.controls {
                    let checks = checks_of(c);
                    let assessment = match (c.assessment, checks.is_empty()) {
                        (plumb_checks::Assessment::Manual, _) => "manual",
                        (_, true) => "automated (not checked yet)",
                        _ => "automated",
                    };
                    // How to assess the control (manual ones carry it), indented
                    // under its title.
                    let title = match &c.guidance {
                        Some(g) => format!(
                            "{}\n{}",
                            c.title,
                            output::wrapped(&format!("How to assess: {g}"), 76, "  ")
                        ),
                        None => c.title.clone(),
                    };
                    t.add_row(vec![
                        c.id.clone(),
                        assessment.to_string(),
                        checks.join("\n"),
                        title,
                    ]);
                }
                output::print(&t)?;
            }
        }
    }
    Ok(Outcome::Done)
}
