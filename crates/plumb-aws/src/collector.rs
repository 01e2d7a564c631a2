//! Runs a scan: resolves the accounts and regions, plans one unit per
//! (account, region, service), runs the units concurrently with a bound,
//! and assembles what they found into a snapshot with its coverage.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use chrono::Utc;
use futures::stream::{self, StreamExt};
use plumb_model::aws::region::{AwsRegion, RegionSummary};
use plumb_model::{Coverage, CoverageStatus, Edge, Relation, Resource, Scope, Snapshot};

use crate::error::api;
use crate::services::{Service, ServiceScope, SERVICES};
use crate::{client, CollectError, Unit};

/// Actions the collector itself calls before any service: identify the
/// caller, assume roles, list regions and organisation accounts.
pub(crate) const SETUP_ACTIONS: [&str; 4] = [
    "sts:GetCallerIdentity",
    "sts:AssumeRole",
    "ec2:DescribeRegions",
    "organizations:ListAccounts",
];

/// Which regions to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionChoice {
    /// Every region enabled in the account (`ec2:DescribeRegions`).
    All,
    /// These regions.
    List(Vec<String>),
}

/// Which accounts to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChoice {
    /// The account of the caller's credentials.
    Caller,
    /// These accounts, through a role of this name in each.
    AssumeRole {
        /// The role name (not ARN) to assume in every account.
        role_name: String,
        /// The account ids.
        accounts: Vec<String>,
    },
    /// Every active account of the caller's organisation, through a role of
    /// this name in each.
    Organization {
        /// The role name (not ARN) to assume in every account.
        role_name: String,
    },
}

/// What to collect and how.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// A named profile of the AWS config files.
    pub profile: Option<String>,
    /// An endpoint for every client (an emulator); `AWS_ENDPOINT_URL` works too.
    pub endpoint_url: Option<String>,
    /// The home region for global services and setup calls; defaults to the
    /// chain's region, else `us-east-1`.
    pub home_region: Option<String>,
    /// Regions to scan.
    pub regions: RegionChoice,
    /// Services to scan; `None` for all.
    pub services: Option<Vec<String>>,
    /// Accounts to scan.
    pub accounts: AccountChoice,
    /// Units running at once.
    pub concurrency: usize,
    /// Attempts per API call under the adaptive retry mode.
    pub max_attempts: u32,
    /// Explicit access keys (emulators, tests); `None` uses the standard chain.
    pub static_keys: Option<crate::StaticKeys>,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            profile: None,
            endpoint_url: None,
            home_region: None,
            regions: RegionChoice::All,
            services: None,
            accounts: AccountChoice::Caller,
            concurrency: 16,
            max_attempts: 8,
            static_keys: None,
        }
    }
}

/// Receives progress as units run, for a progress bar.
pub trait Progress: Send + Sync {
    /// The scan planned this many units.
    fn planned(&self, _units: usize) {}
    /// One unit finished, with its coverage.
    fn finished(&self, _coverage: &Coverage) {}
}

/// Progress that shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct SilentProgress;

impl Progress for SilentProgress {}

/// Resolves the services a user named, all of them when `None`.
pub fn select_services(names: Option<&[String]>) -> Result<Vec<&'static Service>, CollectError> {
    let Some(names) = names else {
        return Ok(SERVICES.iter().collect());
    };
    let mut selected = Vec::new();
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let service = crate::services::find(name).ok_or_else(|| CollectError::UnknownService {
            name: name.to_string(),
            known: SERVICES
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        if !selected.iter().any(|s: &&Service| s.name == service.name) {
            selected.push(service);
        }
    }
    Ok(selected)
}

/// Collects a snapshot. Setup failures (no credentials, no region list)
/// are errors; every failure after that is recorded in coverage and the
/// scan goes on.
pub async fn collect(
    options: &CollectOptions,
    progress: Arc<dyn Progress>,
) -> Result<Snapshot, CollectError> {
    let started_at = Utc::now();
    let services = select_services(options.services.as_deref())?;
    let mut base = crate::load_sdk_config(
        options.profile.as_deref(),
        options.endpoint_url.as_deref(),
        options.home_region.as_deref(),
        options.static_keys.as_ref(),
        options.max_attempts,
    )
    .await;
    if base.region().is_none() {
        base = base
            .to_builder()
            .region(aws_config::Region::new("us-east-1"))
            .build();
    }
    let caller = caller_account(&base).await?;

    let mut coverage = Vec::new();
    let targets = resolve_accounts(&base, &caller, &options.accounts, &mut coverage).await?;
    let regions = match &options.regions {
        RegionChoice::List(list) => list.clone(),
        RegionChoice::All => enabled_regions(&base, &caller).await?,
    };

    let mut units = Vec::new();
    for (account, config) in &targets {
        for service in &services {
            match service.scope {
                ServiceScope::Global => units.push((
                    *service,
                    Unit::new(account, "global", config.clone(), regions.clone()),
                )),
                ServiceScope::Regional => {
                    for region in &regions {
                        let regional = config
                            .to_builder()
                            .region(aws_config::Region::new(region.clone()))
                            .build();
                        units.push((
                            *service,
                            Unit::new(account, region, regional, regions.clone()),
                        ));
                    }
                }
            }
        }
    }
    progress.planned(units.len());

    let concurrency = options.concurrency.max(1);
    let results: Vec<(Coverage, Vec<Resource>, Vec<Edge>)> = stream::iter(units)
        .map(|(service, unit)| {
            let progress = progress.clone();
            async move {
                let (account, region) = (unit.account.clone(), unit.region.clone());
                let outcome = tokio::spawn(run_unit(service, unit)).await;
                let result = match outcome {
                    Ok(result) => result,
                    Err(join) => (
                        panicked_unit(&account, &region, service, &join),
                        Vec::new(),
                        Vec::new(),
                    ),
                };
                progress.finished(&result.0);
                result
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;

    let mut resources = Vec::new();
    let mut edges = Vec::new();
    for (c, r, e) in results {
        coverage.push(c);
        resources.extend(r);
        edges.extend(e);
    }
    coverage.sort_by(|a, b| {
        (&a.account, &a.region, &a.service).cmp(&(&b.account, &b.region, &b.service))
    });
    let (resources, edges) = assemble(resources, edges, &coverage);

    Ok(Snapshot {
        id: 0,
        started_at,
        finished_at: Utc::now(),
        scope: Scope {
            accounts: targets.iter().map(|(a, _)| a.clone()).collect(),
            regions,
            services: services.iter().map(|s| s.name.to_string()).collect(),
        },
        coverage,
        resources,
        edges,
    })
}

async fn run_unit(
    service: &'static Service,
    mut unit: Unit,
) -> (Coverage, Vec<Resource>, Vec<Edge>) {
    let result = (service.collect)(&mut unit).await;
    let partial = unit.resources.iter().filter(|r| r.is_partial()).count() as u64;
    let mut coverage = Coverage {
        account: unit.account.clone(),
        region: unit.region.clone(),
        service: service.name.to_string(),
        status: CoverageStatus::Ok,
        error: None,
        error_code: None,
        missing_permission: None,
        api_calls: unit.api_calls(),
        resources: unit.resources.len() as u64,
        partial_resources: partial,
    };
    if let Err(error) = result {
        tracing::warn!(service = service.name, account = %unit.account, region = %unit.region, %error, "unit failed");
        coverage.status = CoverageStatus::Error;
        coverage.error = Some(error.to_string());
        coverage.error_code = error.code().map(str::to_string);
        coverage.missing_permission = error.missing_permission().map(str::to_string);
    }
    (coverage, unit.resources, unit.edges)
}

/// A unit whose task died (a bug in its collector): recorded as an error
/// so that the scan goes on and says it is partial.
fn panicked_unit(
    account: &str,
    region: &str,
    service: &Service,
    join: &tokio::task::JoinError,
) -> Coverage {
    Coverage {
        account: account.to_string(),
        region: region.to_string(),
        service: service.name.to_string(),
        status: CoverageStatus::Error,
        error: Some(format!("collector task failed: {join}")),
        error_code: Some("InternalError".into()),
        missing_permission: None,
        api_calls: 0,
        resources: 0,
        partial_resources: 0,
    }
}

fn setup_failure(account: &str, service: &str, error: &CollectError) -> Coverage {
    Coverage {
        account: account.to_string(),
        region: "global".into(),
        service: service.to_string(),
        status: CoverageStatus::Error,
        error: Some(error.to_string()),
        error_code: error.code().map(str::to_string),
        missing_permission: error.missing_permission().map(str::to_string),
        api_calls: 1,
        resources: 0,
        partial_resources: 0,
    }
}

async fn caller_account(config: &SdkConfig) -> Result<String, CollectError> {
    let sts = aws_sdk_sts::Client::new(config);
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(api("sts:GetCallerIdentity"))
        .map_err(|e| {
            CollectError::Setup(format!(
                "cannot identify the AWS account of these credentials: {e}"
            ))
        })?;
    identity
        .account()
        .map(str::to_string)
        .ok_or_else(|| CollectError::Setup("sts:GetCallerIdentity returned no account".into()))
}

/// The accounts to scan with an SDK configuration for each. An account
/// whose role cannot be assumed becomes an `sts` coverage error.
async fn resolve_accounts(
    base: &SdkConfig,
    caller: &str,
    choice: &AccountChoice,
    coverage: &mut Vec<Coverage>,
) -> Result<Vec<(String, SdkConfig)>, CollectError> {
    let (role_name, accounts) = match choice {
        AccountChoice::Caller => return Ok(vec![(caller.to_string(), base.clone())]),
        AccountChoice::AssumeRole {
            role_name,
            accounts,
        } => (role_name, accounts.clone()),
        AccountChoice::Organization { role_name } => {
            (role_name, organization_accounts(base).await?)
        }
    };
    let mut targets = Vec::new();
    for account in accounts {
        if account == caller {
            targets.push((account, base.clone()));
            continue;
        }
        match assume(base, &account, role_name).await {
            Ok(config) => targets.push((account, config)),
            Err(error) => {
                tracing::warn!(%account, %error, "cannot assume role; account skipped");
                coverage.push(setup_failure(&account, "sts", &error));
            }
        }
    }
    if targets.is_empty() {
        return Err(CollectError::Setup(format!(
            "no account could be scanned: role `{role_name}` could not be assumed in any of them"
        )));
    }
    Ok(targets)
}

async fn assume(
    base: &SdkConfig,
    account: &str,
    role_name: &str,
) -> Result<SdkConfig, CollectError> {
    let partition =
        crate::unit::partition_of(base.region().map(|r| r.as_ref()).unwrap_or("us-east-1"));
    let arn = format!("arn:{partition}:iam::{account}:role/{role_name}");
    let provider = aws_config::sts::AssumeRoleProvider::builder(arn)
        .session_name("plumb-scan")
        .configure(base)
        .build()
        .await;
    let config = base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build();
    // Assume now, so that a refused role is one clear error, not one per unit.
    let seen = caller_account(&config)
        .await
        .map_err(|e| CollectError::Api {
            action: "sts:AssumeRole",
            code: "AssumeRoleFailed".into(),
            message: e.to_string(),
        })?;
    if seen != account {
        return Err(CollectError::Setup(format!(
            "role {role_name} in {account} answered as account {seen}"
        )));
    }
    Ok(config)
}

async fn organization_accounts(base: &SdkConfig) -> Result<Vec<String>, CollectError> {
    let org = aws_sdk_organizations::Client::new(base);
    let mut pages = org.list_accounts().into_paginator().send();
    let mut accounts = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("organizations:ListAccounts"))?;
        for a in page.accounts() {
            let active = a.state().map(|s| s.as_str() == "ACTIVE").unwrap_or(true);
            if let (Some(id), true) = (a.id(), active) {
                accounts.push(id.to_string());
            }
        }
    }
    if accounts.is_empty() {
        return Err(CollectError::Setup(
            "the organization lists no active account".into(),
        ));
    }
    Ok(accounts)
}

async fn enabled_regions(base: &SdkConfig, caller: &str) -> Result<Vec<String>, CollectError> {
    let unit = Unit::new(caller, "global", base.clone(), Vec::new());
    let ec2 = client!(unit, aws_sdk_ec2);
    let answer = ec2
        .describe_regions()
        .all_regions(false)
        .send()
        .await
        .map_err(api("ec2:DescribeRegions"))
        .map_err(|e| {
            CollectError::Setup(format!(
                "cannot list the account's regions ({e}); pass --regions"
            ))
        })?;
    let mut regions: Vec<String> = answer
        .regions()
        .iter()
        .filter(|r| r.opt_in_status().is_none_or(|s| s != "not-opted-in"))
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    regions.sort();
    regions.dedup();
    Ok(regions)
}

/// Puts the units' findings together: one resource per uid, one edge per
/// triple, account → region edges, and the per-region settings summarised
/// on each account (a region whose unit failed is recorded as a gap there,
/// so account-wide controls cannot pass on what was not seen).
fn assemble(
    resources: Vec<Resource>,
    edges: Vec<Edge>,
    coverage: &[Coverage],
) -> (Vec<Resource>, Vec<Edge>) {
    let mut seen = HashSet::new();
    let mut resources: Vec<Resource> = resources
        .into_iter()
        .filter(|r| seen.insert(r.uid.clone()))
        .collect();
    resources.sort_by(|a, b| (&a.kind, &a.uid).cmp(&(&b.kind, &b.uid)));
    let mut edges: BTreeSet<Edge> = edges.into_iter().collect();

    let mut summaries: BTreeMap<String, BTreeMap<String, Result<RegionSummary, String>>> =
        BTreeMap::new();
    for r in resources.iter().filter(|r| r.kind == "aws_region") {
        let summary = if r.is_partial() {
            Err(format!("region settings incomplete: {:?}", r.gaps()))
        } else {
            serde_json::from_value::<AwsRegion>(r.props.clone())
                .map(|region| RegionSummary::from(&region))
                .map_err(|e| format!("region settings unreadable: {e}"))
        };
        summaries
            .entry(r.account.clone())
            .or_default()
            .insert(r.region.clone(), summary);
    }
    for c in coverage
        .iter()
        .filter(|c| c.service == "region" && c.status == CoverageStatus::Error)
    {
        summaries.entry(c.account.clone()).or_default().insert(
            c.region.clone(),
            Err(c.error.clone().unwrap_or_else(|| "not collected".into())),
        );
    }

    for account in resources.iter_mut().filter(|r| r.kind == "aws_account") {
        let Some(regions) = summaries.get(&account.account) else {
            account.record_gap(
                "regions",
                &["regions"],
                "the region service was not collected",
            );
            continue;
        };
        let mut ok = serde_json::Map::new();
        let mut failed = Vec::new();
        for (region, summary) in regions {
            edges.insert(Edge::new(
                account.uid.clone(),
                Relation::Contains,
                format!("aws_region:{}:{region}", account.account),
            ));
            match summary {
                Ok(s) => {
                    ok.insert(region.clone(), serde_json::to_value(s).unwrap_or_default());
                }
                Err(e) => failed.push((region, e)),
            }
        }
        if let Some(props) = account.props.as_object_mut() {
            props.insert("regions".into(), serde_json::Value::Object(ok));
        }
        // One unreadable region makes the all-regions summary unknown.
        for (region, error) in failed {
            account.record_gap(&format!("region:{region}"), &["regions"], error);
        }
    }
    (resources, edges.into_iter().collect())
}
