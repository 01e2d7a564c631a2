//! `plumb fix` end to end on the resources of `plumb_aws::seed::fix_targets`:
//! a real binary against moto's server on loopback. Each automated fix
//! planned for a seeded misconfiguration is applied, verified and logged;
//! a new scan then passes its checks, and every other finding is as before.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{apply, plan, plumb, scan, stderr, stdout, stdout_json};
use plumb_aws::seed::FixTargets;
use plumb_testkit::MotoServer;
use serde_json::Value;

/// A moto server (with extra environment for its test controls) seeded
/// with the fix targets; the keys of `users_to_age` made 60 and 90 days
/// old, and the stale console user's password 100 days old and key 60.
fn seeded(env: &[(&str, &str)]) -> (MotoServer, FixTargets) {
    let server = MotoServer::start_with_env(env);
    let targets = common::seed(&server, |config| async move {
        plumb_aws::seed::fix_targets(&config)
            .await
            .expect("seeding the fix targets")
    });
    for ((_, key), days) in targets.users_to_age.iter().zip([60, 90]) {
        server.age_access_key(key, days);
    }
    let (user, key) = &targets.stale_console_user;
    server.age_user(user, 100);
    server.age_access_key(key, 60);
    (server, targets)
}

fn props(db: &str, uid: &str) -> Value {
    let out = plumb(db, &["inventory", "show", uid, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout_json(&out)["props"].clone()
}

/// The plan item of `fix` whose resource uid ends with `suffix`.
fn item<'a>(items: &'a [Value], fix: &str, suffix: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["fix"] == fix && i["resource_uid"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| {
            let planned: Vec<String> = items
                .iter()
                .map(|i| format!("{} {}", i["fix"], i["resource_uid"]))
                .collect();
            panic!("no {fix} planned for …{suffix}:\n{}", planned.join("\n"))
        })
}

/// Each fix of the table and what it is seeded for: the resource uid's
/// last part.
fn expected_items(t: &FixTargets) -> Vec<(&'static str, String)> {
    vec![
        (
            "vpc_revoke_internet_admin_ingress",
            t.admin_open_group_id.clone(),
        ),
        (
            "vpc_revoke_internet_admin_ingress",
            t.all_open_group_id.clone(),
        ),
        ("vpc_default_security_group_closed", String::new()),
        ("vpc_subnet_no_auto_public_ip", t.public_subnet_id.clone()),
        ("ec2_metadata_hop_limit_one", t.instance_id.clone()),
        ("ec2_ami_private", t.image_id.clone()),
        ("ec2_release_unused_eip", t.allocation_id.clone()),
        ("kms_cancel_key_deletion", t.key_id.clone()),
        ("logs_retention_365_days", t.log_group.clone()),
        ("cloudwatch_enable_alarm_actions", t.alarm.clone()),
        ("iam_deactivate_never_used_access_keys", t.user.clone()),
        (
            "iam_deactivate_access_keys_unused_45_days",
            t.users_to_age[0].0.clone(),
        ),
        (
            "iam_deactivate_access_keys_unused_45_days",
            t.users_to_age[1].0.clone(),
        ),
        (
            "iam_deactivate_access_keys_unused_90_days",
            t.users_to_age[1].0.clone(),
        ),
        (
            "iam_deactivate_access_keys_unused_45_days",
            t.stale_console_user.0.clone(),
        ),
        (
            "iam_deactivate_access_keys_unused_90_days",
            t.stale_console_user.0.clone(),
        ),
        (
            "iam_deactivate_never_used_access_keys",
            t.stale_console_user.0.clone(),
        ),
        ("rds_instance_not_public", t.db_instance.clone()),
        (
            "rds_instance_auto_minor_version_upgrade",
            t.db_instance.clone(),
        ),
        (
            "rds_instance_backup_retention_7_days",
            t.db_instance.clone(),
        ),
        ("rds_instance_deletion_protection", t.db_instance.clone()),
        ("rds_instance_copy_tags_to_snapshot", t.db_instance.clone()),
        ("rds_instance_iam_authentication", t.db_instance.clone()),
        ("rds_snapshot_private", t.db_snapshot.clone()),
        ("rds_cluster_deletion_protection", t.db_cluster.clone()),
        ("rds_cluster_copy_tags_to_snapshot", t.db_cluster.clone()),
        (
            "rds_cluster_snapshot_private",
            t.db_cluster_snapshot.clone(),
        ),
        ("sns_topic_encryption", t.topic_arn.clone()),
        ("sqs_queue_encryption", "fix-targets-queue".into()),
        (
            "elbv2_drop_invalid_header_fields",
            t.load_balancer_arn.clone(),
        ),
        ("elbv2_deletion_protection", t.load_balancer_arn.clone()),
        (
            "elbv2_desync_mitigation_defensive",
            t.load_balancer_arn.clone(),
        ),
        ("lambda_function_url_iam_auth", t.function.clone()),
        ("s3_disable_acls", t.bucket.clone()),
    ]
}

/// Every fix seeded by `fix_targets`, applied in one plan: each is planned
/// for its resource, applied (disruptive ones allowed) and verified; a new
/// scan passes each fixed check on its resource, the released address is
/// gone, the security groups keep every rule but the internet's access to
/// administration ports, and no other finding changed except those the
/// summary of the security group fix announces. The unused-credentials
/// fixes decline a user whose console password is stale too: skipped,
/// with the reason, and logged.
#[test]
fn every_fix_makes_its_checks_pass_and_changes_nothing_else() {
    let (server, targets) = seeded(&[]);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();
    let before = scan(&db, &server);

    let plan_path = dir.path().join("plan.json");
    let items = plan(&db, &plan_path, &[]);
    for (fix, suffix) in expected_items(&targets) {
        item(&items, fix, &suffix);
    }
    // Only the four admin-port checks of the first group fail: its MySQL
    // and HTTPS rules stay open, as they must after the fix.
    let admin = item(
        &items,
        "vpc_revoke_internet_admin_ingress",
        &targets.admin_open_group_id,
    );
    assert_eq!(admin["checks"].as_array().unwrap().len(), 4, "{admin}");
    assert_eq!(admin["disruptive"], true);

    let out = apply(
        &db,
        &server,
        &plan_path,
        &["--yes", "--allow-disruptive", "--format", "json"],
    );
    let results = stdout_json(&out);
    assert_eq!(out.status.code(), Some(0), "{results:#}\n{}", stderr(&out));
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), items.len());
    let erin = format!(":user/{}", targets.stale_console_user.0);
    let declined = |fix: &Value, uid: &Value| {
        fix.as_str()
            .unwrap()
            .starts_with("iam_deactivate_access_keys_unused_")
            && uid.as_str().unwrap().ends_with(&erin)
    };
    for r in results {
        if declined(&r["fix"], &r["resource_uid"]) {
            assert_eq!(r["outcome"], "skipped", "{r}");
            assert!(
                r["detail"]
                    .as_str()
                    .unwrap()
                    .contains("console password is unused"),
                "{r}"
            );
        } else {
            assert_eq!(r["outcome"], "fixed", "{r}");
        }
    }
    assert_eq!(
        results.iter().filter(|r| r["outcome"] == "skipped").count(),
        2,
        "the 45- and 90-day fixes of the stale console user"
    );

    let after_db = dir.path().join("after.db").display().to_string();
    let after = scan(&after_db, &server);
    let fixed: BTreeMap<(String, String), &str> = items
        .iter()
        .filter(|i| !declined(&i["fix"], &i["resource_uid"]))
        .flat_map(|i| {
            let uid = i["resource_uid"].as_str().unwrap().to_string();
            let fix = i["fix"].as_str().unwrap();
            i["checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |c| ((c.as_str().unwrap().to_string(), uid.clone()), fix))
        })
        .collect();
    let released = item(&items, "ec2_release_unused_eip", &targets.allocation_id)["resource_uid"]
        .as_str()
        .unwrap()
        .to_string();
    let all_open = item(
        &items,
        "vpc_revoke_internet_admin_ingress",
        &targets.all_open_group_id,
    )["resource_uid"]
        .as_str()
        .unwrap()
        .to_string();
    let mut changed = Vec::new();
    for (key, status) in &before {
        let now = after.get(key);
        if key.1 == released {
            assert_eq!(now, None, "{key:?}: the address is released");
        } else if fixed.contains_key(key) {
            assert_eq!(now.map(String::as_str), Some("pass"), "{key:?} fixed");
        } else if now != Some(status) {
            changed.push(format!("{} {}: {status} -> {now:?}", key.0, key.1));
        }
    }
    // The all-traffic rule from 0.0.0.0/0 is revoked whole, as the fix's
    // summary says: the group's other internet checks pass with it. Its
    // TCP 8443 rule stays open, so the authorised-ports check still fails.
    let side_effects: BTreeSet<&str> = [
        "vpc_security_group_all_ports_closed_to_internet",
        "vpc_security_group_cifs_closed_to_internet",
        "vpc_security_group_database_ports_closed_to_internet",
        "vpc_security_group_high_risk_ports_closed_to_internet",
    ]
    .into();
    changed.retain(|c| {
        !side_effects
            .iter()
            .any(|check| c == &format!("{check} {all_open}: fail -> Some(\"pass\")"))
    });
    assert!(
        changed.is_empty(),
        "other findings changed:\n{}",
        changed.join("\n")
    );
    let new: Vec<_> = after.keys().filter(|k| !before.contains_key(*k)).collect();
    assert!(new.is_empty(), "new findings: {new:?}");
    assert_eq!(
        after.get(&(
            "vpc_security_group_internet_ingress_only_authorized_ports".into(),
            all_open.clone()
        )),
        Some(&"fail".to_string())
    );

    // What the security group fix kept: every rule and source that is not
    // the internet reaching port 22 or 3389.
    let rules = |uid: &str| -> BTreeSet<String> {
        props(&after_db, uid)["ip_permissions"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| {
                let head = format!("{} {}-{}", p["ip_protocol"], p["from_port"], p["to_port"]);
                let v4 = p["ip_ranges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["cidr_ip"].clone());
                let v6 = p["ipv6_ranges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["cidr_ipv6"].clone());
                v4.chain(v6)
                    .map(move |c| format!("{head} {}", c.as_str().unwrap()))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let admin_uid = admin["resource_uid"].as_str().unwrap();
    assert_eq!(
        rules(admin_uid),
        [
            "\"tcp\" 22-22 10.1.0.0/16",
            "\"tcp\" 3306-3306 0.0.0.0/0",
            "\"tcp\" 443-443 0.0.0.0/0",
        ]
        .map(String::from)
        .into()
    );
    assert_eq!(
        rules(&all_open),
        ["\"tcp\" 8443-8443 0.0.0.0/0", "\"udp\" 53-53 10.0.0.0/8"]
            .map(String::from)
            .into()
    );

    // The audit log: one entry per item, each fixed or (declined) skipped
    // with its reason, none left applying.
    let log = stdout_json(&plumb(&db, &["fix", "log", "--format", "json"]));
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), items.len());
    for e in log {
        if declined(&e["fix"], &e["resource_uid"]) {
            assert_eq!(e["outcome"], "skipped", "{e}");
            assert!(e["detail"].as_str().unwrap().starts_with("not applied: "));
            assert!(e["after"].is_null(), "{e}");
        } else {
            assert_eq!(e["outcome"], "fixed", "{e}");
            assert!(!e["after"].is_null(), "{e}");
        }
    }
}

/// A plan of three fixes whose first call AWS refuses (moto answers
/// ReleaseAddress with AccessDenied): the other two still run and are
/// verified, the refused one is reported `failed` with AWS's reason, the
/// command exits 3, the address is untouched, and the audit log holds an
/// accurate entry for each, none left `applying`.
#[test]
fn a_fix_the_api_refuses_fails_alone_and_is_logged_as_failed() {
    let (server, targets) = seeded(&[("PLUMB_MOTO_FAIL_ACTIONS", "ReleaseAddress")]);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("plumb.db").display().to_string();
    scan(&db, &server);
    let plan_path = dir.path().join("plan.json");
    let items = plan(
        &db,
        &plan_path,
        &[
            "--check",
            "ec2_eip_associated",
            "--check",
            "sns_topic_encrypted",
            "--check",
            "sqs_queue_encrypted",
        ],
    );
    let fixes: Vec<&str> = items.iter().map(|i| i["fix"].as_str().unwrap()).collect();
    assert_eq!(
        fixes,
        [
            "ec2_release_unused_eip",
            "sns_topic_encryption",
            "sqs_queue_encryption"
        ],
        "the refused fix comes first"
    );

    let out = apply(&db, &server, &plan_path, &["--yes", "--allow-disruptive"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let table = stdout(&out);
    let line = |fix: &str| -> String {
        table
            .lines()
            .find(|l| l.contains(fix))
            .unwrap_or_else(|| panic!("{fix} is not reported:\n{table}"))
            .to_string()
    };
    let refused = line("ec2_release_unused_eip");
    assert!(refused.contains("failed"), "{table}");
    assert!(table.contains("AccessDenied"), "{table}");
    assert!(line("sns_topic_encryption").contains("fixed"), "{table}");
    assert!(line("sqs_queue_encryption").contains("fixed"), "{table}");

    let log = stdout_json(&plumb(&db, &["fix", "log", "--format", "json"]));
    let log: BTreeMap<&str, &Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["fix"].as_str().unwrap(), e))
        .collect();
    assert_eq!(log.len(), 3, "{log:?}");
    let failed = log["ec2_release_unused_eip"];
    assert_eq!(failed["outcome"], "failed");
    let detail = failed["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("ec2:ReleaseAddress") && detail.contains("AccessDenied"),
        "{detail}"
    );
    assert!(failed["after"].is_null(), "nothing was verified: {failed}");
    for fix in ["sns_topic_encryption", "sqs_queue_encryption"] {
        assert_eq!(log[fix]["outcome"], "fixed", "{}", log[fix]);
        assert!(log[fix]["detail"].is_null());
    }

    // The address is still there and still unassociated.
    let after = scan(&dir.path().join("after.db").display().to_string(), &server);
    let eip = item(&items, "ec2_release_unused_eip", &targets.allocation_id)["resource_uid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        after.get(&("ec2_eip_associated".to_string(), eip)),
        Some(&"fail".to_string())
    );
}
