//! The module's behaviours, each on a small snapshot built in code and read
//! only through the public API.

use std::collections::BTreeSet;

use plumb_model::{Edge, Relation, Resource, Snapshot};
use serde_json::{json, Value};

use super::{can, policies, powers, Power, Trust};
use crate::{Index, Settings};

const ACCOUNT: &str = "111122223333";
const OTHER: &str = "444455556666";
const ADMIN_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn iam(kind: &str, path: &str, name: &str, props: Value) -> Resource {
    Resource::new(
        format!("arn:aws:iam::{ACCOUNT}:{path}/{name}"),
        kind,
        ACCOUNT,
        "global",
        name,
    )
    .with_props(&props)
}

fn role(name: &str, props: Value) -> Resource {
    iam("aws_iam_role", "role", name, props)
}

fn user(name: &str, props: Value) -> Resource {
    iam("aws_iam_user", "user", name, props)
}

fn group(name: &str, props: Value) -> Resource {
    let mut props = props;
    props["group_name"] = json!(name);
    iam("aws_iam_group", "group", name, props)
}

fn managed(name: &str, document: Value) -> Resource {
    iam(
        "aws_iam_policy",
        "policy",
        name,
        json!({ "document": document }),
    )
}

fn bucket(name: &str) -> Resource {
    Resource::new(
        format!("arn:aws:s3:::{name}"),
        "aws_s3_bucket",
        ACCOUNT,
        "eu-west-1",
        name,
    )
}

fn arn(path: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{path}/{name}")
}

/// Props holding one inline policy named `name` with these statements.
fn inline(name: &str, statements: Value) -> Value {
    json!({ "inline_policies": [
        { "policy_name": name, "policy_document": { "Version": "2012-10-17", "Statement": statements } }
    ]})
}

fn allow(action: Value, resource: Value) -> Value {
    json!({ "Effect": "Allow", "Action": action, "Resource": resource })
}

struct World {
    snapshot: Snapshot,
    settings: Settings,
    sensitive: BTreeSet<String>,
}

impl World {
    fn new(resources: Vec<Resource>, edges: Vec<Edge>) -> Self {
        World {
            snapshot: Snapshot {
                resources,
                edges,
                ..Snapshot::default()
            },
            settings: Settings::default(),
            sensitive: BTreeSet::new(),
        }
    }

    fn sensitive(mut self, uids: &[&str]) -> Self {
        self.sensitive = uids.iter().map(|u| u.to_string()).collect();
        self
    }

    fn powers(&self) -> Vec<Power> {
        powers(&Index::new(&self.snapshot), &self.settings, &self.sensitive)
    }

    fn power(&self, uid: &str) -> Power {
        self.powers()
            .into_iter()
            .find(|p| p.principal == uid)
            .unwrap_or_else(|| panic!("no power for {uid}"))
    }
}

fn escalations(power: &Power) -> Vec<&str> {
    power.escalation.iter().map(|e| e.name.as_str()).collect()
}

fn reasons(power: &Power) -> String {
    power.reasons.join("\n")
}

#[test]
fn role_with_pass_role_and_run_instances_on_everything_can_escalate() {
    let r = role(
        "builder",
        inline(
            "launch",
            json!([
                { "Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*" },
                allow(json!("ec2:RunInstances"), json!("*")),
            ]),
        ),
    );
    let world = World::new(vec![r], vec![]);
    let power = world.power(&arn("role", "builder"));
    assert!(!power.admin);
    assert_eq!(escalations(&power), ["PassRole+RunInstances"]);
    assert_eq!(
        power.escalation[0].actions,
        ["iam:PassRole", "ec2:RunInstances"]
    );
    let text = reasons(&power);
    assert!(
        text.contains("can escalate by PassRole+RunInstances: iam:PassRole by inline policy launch statement Pass; ec2:RunInstances by inline policy launch statement #1"),
        "{text}"
    );
}

#[test]
fn pass_role_alone_is_not_an_escalation() {
    let r = role(
        "passer",
        inline("p", json!([allow(json!("iam:PassRole"), json!("*"))])),
    );
    let world = World::new(vec![r], vec![]);
    assert!(world.power(&arn("role", "passer")).escalation.is_empty());
}

#[test]
fn aws_managed_administrator_access_is_admin() {
    let r = role("ops", json!({ "attached_policies": [] }));
    let uid = r.uid.clone();
    let world = World::new(
        vec![r],
        vec![Edge::new(&uid, Relation::HasPolicy, ADMIN_ARN)],
    );
    let power = world.power(&uid);
    assert!(power.admin, "{}", reasons(&power));
    assert!(power.escalation.is_empty(), "an admin lists no escalation");
    assert!(reasons(&power).contains(&format!(
        "admin: every action on every resource, by {ADMIN_ARN} statement AdministratorAccess"
    )));
}

#[test]
fn inline_allow_of_everything_is_admin() {
    let u = user(
        "root-ish",
        inline(
            "all",
            json!({ "Effect": "Allow", "Action": "*", "Resource": "*" }),
        ),
    );
    let world = World::new(vec![u], vec![]);
    assert!(world.power(&arn("user", "root-ish")).admin);
}

#[test]
fn an_unconditional_deny_of_everything_removes_admin() {
    let r = role(
        "fenced",
        inline(
            "fence",
            json!([
                allow(json!("*"), json!("*")),
                { "Sid": "Stop", "Effect": "Deny", "Action": "*", "Resource": "*" },
            ]),
        ),
    );
    let world = World::new(vec![r], vec![]);
    let power = world.power(&arn("role", "fenced"));
    assert!(!power.admin);
    assert!(
        power.escalation.is_empty(),
        "the deny takes every action away"
    );
    assert!(
        reasons(&power).contains("takes part of it away"),
        "{}",
        reasons(&power)
    );
}

#[test]
fn a_conditional_deny_is_not_assumed_to_remove_admin() {
    let r = role(
        "mfa",
        inline(
            "fence",
            json!([
                allow(json!("*"), json!("*")),
                { "Effect": "Deny", "Action": "*", "Resource": "*",
                  "Condition": { "BoolIfExists": { "aws:MultiFactorAuthPresent": "false" } } },
            ]),
        ),
    );
    let world = World::new(vec![r], vec![]);
    let power = world.power(&arn("role", "mfa"));
    assert!(power.admin);
    assert!(
        reasons(&power)
            .contains("conditional deny not assumed to apply: inline policy fence statement #1"),
        "{}",
        reasons(&power)
    );
}

#[test]
fn iam_full_access_escalates_without_being_admin() {
    let u = user(
        "iam-admin",
        json!({ "attached_policies": [
            { "policy_arn": "arn:aws:iam::aws:policy/IAMFullAccess", "policy_name": "IAMFullAccess" }
        ]}),
    );
    let world = World::new(vec![u], vec![]);
    let power = world.power(&arn("user", "iam-admin"));
    assert!(!power.admin);
    let held = escalations(&power);
    for want in ["CreatePolicyVersion", "AttachUserPolicy", "CreateAccessKey"] {
        assert!(held.contains(&want), "{want} in {held:?}");
    }
    assert!(!held.contains(&"PassRole+RunInstances"), "{held:?}");
}

#[test]
fn a_user_reads_a_sensitive_bucket_through_its_group_policy() {
    let b = bucket("acme-customers");
    let g = group(
        "analysts",
        inline(
            "read",
            json!([allow(
                json!("s3:Get*"),
                json!("arn:aws:s3:::acme-customers/*")
            )]),
        ),
    );
    let u = user("ann", json!({ "groups": [] }));
    let edge = Edge::new(&u.uid, Relation::MemberOf, &g.uid);
    let world = World::new(vec![b, g, u], vec![edge]).sensitive(&["arn:aws:s3:::acme-customers"]);
    let power = world.power(&arn("user", "ann"));
    assert_eq!(power.reads, ["arn:aws:s3:::acme-customers"]);
    assert!(power.writes.is_empty());
    assert!(
        reasons(&power).contains("reads arn:aws:s3:::acme-customers: s3:GetObject on arn:aws:s3:::acme-customers/* by inline policy read (via group analysts) statement #0"),
        "{}",
        reasons(&power)
    );
}

#[test]
fn group_names_in_props_count_without_an_edge() {
    let b = bucket("acme-customers");
    let g = group(
        "analysts",
        json!({ "attached_policies": [
            { "policy_arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }
        ]}),
    );
    let u = user("ann", json!({ "groups": ["analysts"] }));
    let world = World::new(vec![b, g, u], vec![]).sensitive(&["arn:aws:s3:::acme-customers"]);
    let power = world.power(&arn("user", "ann"));
    assert_eq!(power.reads, ["arn:aws:s3:::acme-customers"]);
    assert!(power.writes.is_empty());
}

#[test]
fn a_policy_limited_to_another_bucket_does_not_read_it() {
    let b = bucket("acme-customers");
    let u = user(
        "bob",
        inline(
            "logs",
            json!([allow(
                json!("s3:*"),
                json!(["arn:aws:s3:::acme-logs", "arn:aws:s3:::acme-logs/*"])
            )]),
        ),
    );
    let world = World::new(vec![b, u], vec![]).sensitive(&["arn:aws:s3:::acme-customers"]);
    let power = world.power(&arn("user", "bob"));
    assert!(
        power.reads.is_empty() && power.writes.is_empty(),
        "{power:?}"
    );
}

#[test]
fn a_prefix_of_the_bucket_is_enough_to_read_it() {
    let b = bucket("acme-customers");
    let u = user(
        "carol",
        inline(
            "part",
            json!([allow(
                json!("s3:GetObject"),
                json!("arn:aws:s3:::acme-customers/exports/*")
            )]),
        ),
    );
    let world = World::new(vec![b, u], vec![]).sensitive(&["arn:aws:s3:::acme-customers"]);
    assert_eq!(
        world.power(&arn("user", "carol")).reads,
        ["arn:aws:s3:::acme-customers"]
    );
}

#[test]
fn not_action_and_not_resource_are_complements() {
    let sensitive = "arn:aws:s3:::acme-customers";
    let cases = [
        // Everything but S3: no read.
        (
            json!({ "Effect": "Allow", "NotAction": "s3:*", "Resource": "*" }),
            false,
        ),
        // Everything but IAM: reads.
        (
            json!({ "Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*" }),
            true,
        ),
        // S3 on everything but another bucket: reads.
        (
            json!({ "Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::acme-logs/*" }),
            true,
        ),
        // S3 on everything but this bucket: no read.
        (
            json!({ "Effect": "Allow", "Action": "s3:*", "NotResource": ["arn:aws:s3:::acme-customers", "arn:aws:s3:::acme-customers/*"] }),
            false,
        ),
    ];
    for (statement, reads) in cases {
        let u = user("dave", inline("p", json!([statement.clone()])));
        let world = World::new(vec![bucket("acme-customers"), u], vec![]).sensitive(&[sensitive]);
        let power = world.power(&arn("user", "dave"));
        assert_eq!(!power.reads.is_empty(), reads, "{statement}");
    }
}

#[test]
fn a_deny_on_the_bucket_removes_the_read_but_not_one_on_part_of_it() {
    let deny = |resource: &str| {
        let u = user(
            "erin",
            inline(
                "p",
                json!([
                    allow(json!("s3:*"), json!("*")),
                    { "Effect": "Deny", "Action": "s3:GetObject", "Resource": resource },
                ]),
            ),
        );
        let world = World::new(vec![bucket("acme-customers"), u], vec![])
            .sensitive(&["arn:aws:s3:::acme-customers"]);
        world.power(&arn("user", "erin")).reads
    };
    assert!(deny("arn:aws:s3:::acme-customers/*").is_empty());
    assert!(deny("*").is_empty());
    // Some objects stay readable: over- rather than under-estimate.
    assert_eq!(
        deny("arn:aws:s3:::acme-customers/secret/*"),
        ["arn:aws:s3:::acme-customers"]
    );
}

#[test]
fn s3_full_access_writes_and_read_only_does_not() {
    let attached = |policy: &str| json!({ "attached_policies": [{ "policy_arn": format!("arn:aws:iam::aws:policy/{policy}") }] });
    let world = World::new(
        vec![
            bucket("acme-customers"),
            user("full", attached("AmazonS3FullAccess")),
            user("ro", attached("AmazonS3ReadOnlyAccess")),
        ],
        vec![],
    )
    .sensitive(&["arn:aws:s3:::acme-customers"]);
    let full = world.power(&arn("user", "full"));
    assert_eq!(full.reads, ["arn:aws:s3:::acme-customers"]);
    assert_eq!(full.writes, ["arn:aws:s3:::acme-customers"]);
    let ro = world.power(&arn("user", "ro"));
    assert_eq!(ro.reads, ["arn:aws:s3:::acme-customers"]);
    assert!(ro.writes.is_empty());
}

#[test]
fn a_customer_managed_policy_is_read_from_the_snapshot() {
    let p = managed(
        "db-admin",
        json!({ "Statement": [allow(json!("rds:*"), json!("*"))] }),
    );
    let db = Resource::new(
        "arn:aws:rds:eu-west-1:111122223333:db:orders",
        "aws_db_instance",
        ACCOUNT,
        "eu-west-1",
        "orders",
    );
    let r = role("dba", json!({}));
    let edge = Edge::new(&r.uid, Relation::HasPolicy, &p.uid);
    let world = World::new(vec![p, db, r], vec![edge])
        .sensitive(&["arn:aws:rds:eu-west-1:111122223333:db:orders"]);
    let power = world.power(&arn("role", "dba"));
    assert_eq!(
        power.writes,
        ["arn:aws:rds:eu-west-1:111122223333:db:orders"]
    );
    // Resetting the master password reads the data too.
    assert_eq!(power.reads, power.writes);
}

#[test]
fn a_conditional_allow_counts_and_says_so() {
    let u = user(
        "fay",
        inline(
            "p",
            json!([{ "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                     "Condition": { "IpAddress": { "aws:SourceIp": "10.0.0.0/8" } } }]),
        ),
    );
    let world = World::new(vec![bucket("acme-customers"), u], vec![])
        .sensitive(&["arn:aws:s3:::acme-customers"]);
    let power = world.power(&arn("user", "fay"));
    assert_eq!(power.reads.len(), 1);
    assert!(
        reasons(&power).contains("(conditional)"),
        "{}",
        reasons(&power)
    );
}

fn trusting(principal: Value, condition: Option<Value>) -> Resource {
    let mut statement =
        json!({ "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal });
    if let Some(c) = condition {
        statement["Condition"] = c;
    }
    role(
        "shared",
        json!({ "assume_role_policy_document": { "Version": "2012-10-17", "Statement": [statement] } }),
    )
}

fn trusts(world: &World) -> Vec<Trust> {
    world.power(&arn("role", "shared")).trusted_by
}

#[test]
fn a_role_trusted_by_an_unknown_account_says_it_is_unknown() {
    let world = World::new(
        vec![trusting(
            json!({ "AWS": format!("arn:aws:iam::{OTHER}:root") }),
            None,
        )],
        vec![],
    );
    let t = trusts(&world);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].account.as_deref(), Some(OTHER));
    assert!(!t[0].known && !t[0].conditioned && !t[0].federated);
    let text = reasons(&world.power(&arn("role", "shared")));
    assert!(
        text.contains(&format!("trusted by arn:aws:iam::{OTHER}:root of account {OTHER} (unknown) in trust policy statement #0")),
        "{text}"
    );
}

#[test]
fn a_known_account_and_the_roles_own_are_known() {
    let mut world = World::new(
        vec![trusting(json!({ "AWS": [OTHER, ACCOUNT] }), None)],
        vec![],
    );
    world.settings.known_accounts.insert(OTHER.to_string());
    let t = trusts(&world);
    assert_eq!(t.len(), 2);
    assert!(t.iter().all(|t| t.known), "{t:?}");
}

#[test]
fn a_star_trust_with_an_external_id_is_conditioned() {
    let world = World::new(
        vec![trusting(
            json!({ "AWS": "*" }),
            Some(json!({ "StringEquals": { "sts:ExternalId": "a1b2c3" } })),
        )],
        vec![],
    );
    let t = trusts(&world);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].principal, "*");
    assert!(t[0].conditioned && !t[0].known && t[0].account.is_none());
}

#[test]
fn a_star_trust_without_a_restricting_condition_is_public() {
    let world = World::new(
        vec![trusting(
            json!("*"),
            Some(json!({ "Bool": { "aws:MultiFactorAuthPresent": "true" } })),
        )],
        vec![],
    );
    let t = trusts(&world);
    assert_eq!(t.len(), 1);
    assert!(!t[0].conditioned && !t[0].known);
    let text = reasons(&world.power(&arn("role", "shared")));
    assert!(text.contains("trusted by anyone (*) (unknown)"), "{text}");
}

#[test]
fn services_are_not_trusts_and_federated_principals_say_so() {
    let world = World::new(
        vec![trusting(json!({ "Service": "ec2.amazonaws.com" }), None)],
        vec![],
    );
    assert!(trusts(&world).is_empty());
    let text = reasons(&world.power(&arn("role", "shared")));
    assert!(
        text.contains("assumed by the service ec2.amazonaws.com"),
        "{text}"
    );

    let provider =
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com");
    let audience_only = World::new(
        vec![trusting(
            json!({ "Federated": provider }),
            Some(
                json!({ "StringEquals": { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } }),
            ),
        )],
        vec![],
    );
    let t = trusts(&audience_only);
    assert!(t[0].federated && !t[0].conditioned, "{t:?}");
    let with_subject = World::new(
        vec![trusting(
            json!({ "Federated": provider }),
            Some(
                json!({ "StringLike": { "token.actions.githubusercontent.com:sub": "repo:acme/app:*" } }),
            ),
        )],
        vec![],
    );
    assert!(trusts(&with_subject)[0].conditioned);
}

#[test]
fn an_instance_profile_and_a_lambda_function_inherit_their_roles_power() {
    let r = role("app", json!({}));
    let profile = iam(
        "aws_iam_instance_profile",
        "instance-profile",
        "app",
        json!({ "roles": [{ "arn": r.uid, "role_name": "app" }] }),
    );
    let function = Resource::new(
        "arn:aws:lambda:eu-west-1:111122223333:function:job",
        "aws_lambda_function",
        ACCOUNT,
        "eu-west-1",
        "job",
    )
    .with_props(&json!({ "role": r.uid }));
    let instance = Resource::new(
        "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc",
        "aws_instance",
        ACCOUNT,
        "eu-west-1",
        "i-0abc",
    );
    let edges = vec![
        Edge::new(&r.uid, Relation::HasPolicy, ADMIN_ARN),
        Edge::new(&profile.uid, Relation::Assumes, &r.uid),
        Edge::new(&function.uid, Relation::Assumes, &r.uid),
        Edge::new(&instance.uid, Relation::Uses, &profile.uid),
    ];
    let (role_uid, profile_uid, function_uid, instance_uid) = (
        r.uid.clone(),
        profile.uid.clone(),
        function.uid.clone(),
        instance.uid.clone(),
    );
    let world = World::new(
        vec![bucket("acme-customers"), r, profile, function, instance],
        edges,
    )
    .sensitive(&["arn:aws:s3:::acme-customers"]);
    for uid in [&profile_uid, &function_uid] {
        let power = world.power(uid);
        assert!(power.admin, "{uid}");
        assert_eq!(power.reads, ["arn:aws:s3:::acme-customers"]);
        let text = reasons(&power);
        assert!(
            text.contains(&format!("has the power of role {role_uid}")),
            "{text}"
        );
        assert!(
            text.contains(&format!("via role {role_uid}: admin")),
            "{text}"
        );
    }
    let index = Index::new(&world.snapshot);
    let d = can(
        &index,
        &instance_uid,
        "s3:PutObject",
        "arn:aws:s3:::acme-customers/k",
    );
    assert!(d.allowed, "{d:?}");
    assert_eq!(policies(&index, &instance_uid)[0].principal(), role_uid);
}

#[test]
fn a_profile_whose_role_is_missing_says_its_power_is_unknown() {
    let profile = iam(
        "aws_iam_instance_profile",
        "instance-profile",
        "ghost",
        json!({ "roles": [{ "arn": arn("role", "gone"), "role_name": "gone" }] }),
    );
    let uid = profile.uid.clone();
    let world = World::new(vec![profile], vec![]);
    let power = world.power(&uid);
    assert!(!power.admin);
    assert!(reasons(&power).contains("not in the snapshot: its power is unknown"));
}

#[test]
fn a_permissions_boundary_intersects_with_the_policies() {
    let boundary = managed(
        "boundary",
        json!({ "Statement": [allow(json!(["s3:GetObject", "iam:PassRole"]), json!("*"))] }),
    );
    let props = |boundary_arn: &str| {
        let mut props = inline("wide", json!([allow(json!("*"), json!("*"))]));
        props["permissions_boundary"] = json!({
            "permissions_boundary_arn": boundary_arn,
            "permissions_boundary_type": "Policy"
        });
        props
    };
    let bounded = role("bounded", props(&boundary.uid));
    let unknown = role("unknown-boundary", props(&arn("policy", "elsewhere")));
    let world = World::new(
        vec![bucket("acme-customers"), boundary, bounded, unknown],
        vec![],
    )
    .sensitive(&["arn:aws:s3:::acme-customers"]);

    let power = world.power(&arn("role", "bounded"));
    assert!(!power.admin);
    assert_eq!(power.reads, ["arn:aws:s3:::acme-customers"]);
    assert!(power.writes.is_empty());
    assert!(power.escalation.is_empty(), "{:?}", power.escalation);

    let power = world.power(&arn("role", "unknown-boundary"));
    assert!(power.admin, "a boundary we cannot read is ignored");
    assert!(
        reasons(&power).contains("permissions boundary arn:aws:iam::111122223333:policy/elsewhere ignored, not in the snapshot"),
        "{}",
        reasons(&power)
    );
}

#[test]
fn a_malformed_policy_is_skipped_with_a_reason() {
    let u = user(
        "gil",
        json!({ "inline_policies": [
            { "policy_name": "broken", "policy_document": "{\"Statement\": [" },
            { "policy_name": "fine", "policy_document": { "Statement": [allow(json!("lambda:UpdateFunctionCode"), json!("*"))] } },
            { "policy_name": "odd", "policy_document": { "Statement": [{ "Effect": "Allow", "Action": 7, "Resource": {} }] } }
        ]}),
    );
    let world = World::new(vec![u], vec![]);
    let power = world.power(&arn("user", "gil"));
    assert_eq!(escalations(&power), ["UpdateFunctionCode"]);
    assert!(
        reasons(&power).contains("note: inline policy broken: skipped, not valid JSON"),
        "{}",
        reasons(&power)
    );
}

#[test]
fn every_principal_is_listed_once_sorted_by_uid() {
    let world = World::new(
        vec![
            role("b", json!({})),
            user("a", json!({})),
            role("a", json!({})),
        ],
        vec![],
    );
    let uids: Vec<_> = world.powers().into_iter().map(|p| p.principal).collect();
    let mut sorted = uids.clone();
    sorted.sort();
    assert_eq!(uids, sorted);
    assert_eq!(uids.len(), 3);
}

#[test]
fn can_answers_for_users_and_nothing_else() {
    let u = user(
        "hal",
        inline(
            "p",
            json!([allow(
                json!("sqs:SendMessage"),
                json!("arn:aws:sqs:*:*:jobs")
            )]),
        ),
    );
    let uid = u.uid.clone();
    let world = World::new(vec![u, bucket("x")], vec![]);
    let index = Index::new(&world.snapshot);
    assert!(
        can(
            &index,
            &uid,
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:1:jobs"
        )
        .allowed
    );
    assert!(
        !can(
            &index,
            &uid,
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:1:other"
        )
        .allowed
    );
    assert!(!can(&index, "arn:aws:s3:::x", "s3:GetObject", "*").allowed);
    assert!(policies(&index, "arn:aws:s3:::x").is_empty());
}
