//! Tests of the `organizations` collector against moto.

use aws_sdk_organizations::types::OrganizationFeatureSet;
use plumb_aws::AccountChoice;
use plumb_model::{CoverageStatus, Relation};

use crate::common::*;

/// An organization managed by the test account, with two created accounts;
/// returns the organization id and the created accounts' ids.
async fn organization(server: &MotoServer) -> (String, Vec<String>) {
    let org = aws_sdk_organizations::Client::new(&sdk(server, REGION).await);
    let id = org
        .create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap()
        .organization
        .unwrap()
        .id
        .unwrap();
    let mut accounts = Vec::new();
    for name in ["dev", "prod"] {
        let status = org
            .create_account()
            .account_name(name)
            .email(format!("{name}@example.com"))
            .send()
            .await
            .unwrap()
            .create_account_status
            .unwrap();
        accounts.push(status.account_id.unwrap());
    }
    (id, accounts)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_organization_and_its_accounts_are_collected_from_the_management_account() {
    let server = MotoServer::start();
    let (org_id, created) = organization(&server).await;

    let snap = collect(&server, &["organizations"]).await;
    snap.assert_ok("organizations");
    let orgs = snap.of_kind("aws_organizations_organization");
    assert_eq!(orgs.len(), 1);
    let org = orgs[0];
    assert_eq!(
        org.uid,
        format!("arn:aws:organizations::{ACCOUNT}:organization/{org_id}")
    );
    assert_eq!(org.name, org_id);
    assert_eq!(org.region, "global");
    assert_eq!(org.props["id"], org_id.as_str());
    assert_eq!(org.props["arn"], org.uid.as_str());
    assert_eq!(org.props["feature_set"], "ALL");
    assert_eq!(org.props["master_account_id"], ACCOUNT);
    assert!(org.props["master_account_arn"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/{ACCOUNT}")));

    let accounts = snap.of_kind("aws_organizations_account");
    assert_eq!(accounts.len(), 3, "the management account and two created");
    for id in created.iter().map(String::as_str).chain([ACCOUNT]) {
        let uid = format!("arn:aws:organizations::{ACCOUNT}:account/{org_id}/{id}");
        let account = snap.resource(&uid);
        assert_eq!(account.props["id"], id);
        assert_eq!(account.props["status"], "ACTIVE");
        assert!(account.props["joined_timestamp"].is_string());
        assert!(snap.has_edge(&org.uid, Relation::Contains, &uid));
    }
    let dev = snap.named("aws_organizations_account", "dev");
    assert_eq!(dev.props["name"], "dev");
    assert_eq!(dev.props["joined_method"], "CREATED");

    let stored = serde_json::to_string(&snap.resources).unwrap();
    assert!(
        !stored.contains('@'),
        "an e-mail address was stored: {stored}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_outside_any_organization_is_ok_with_no_resource() {
    let server = MotoServer::start();

    let snap = collect(&server, &["organizations"]).await;
    snap.assert_ok("organizations");
    assert!(snap.of_kind("aws_organizations_organization").is_empty());
    assert!(snap.of_kind("aws_organizations_account").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_account_refused_the_account_list_is_an_error_that_says_why() {
    let server = MotoServer::start();
    let (org_id, created) = organization(&server).await;
    let member = created[0].clone();
    let mut options = options(&server, &["organizations"], &[REGION]);
    options.accounts = AccountChoice::AssumeRole {
        role_name: "OrganizationAccountAccessRole".into(),
        accounts: vec![member.clone()],
    };

    let snap = collect_with(options).await;
    let unit = snap.unit("organizations", "global");
    assert_eq!(unit.account, member);
    assert_eq!(unit.status, CoverageStatus::Error, "{unit:?}");
    assert_eq!(unit.error_code.as_deref(), Some("AccessDeniedException"));
    let error = unit.error.as_deref().unwrap_or_default();
    assert!(error.contains("organizations:ListAccounts"), "{error}");
    assert!(
        error.contains(&format!("member of organization {org_id}")),
        "{error}"
    );
    assert!(
        error.contains(&format!("management account {ACCOUNT}")),
        "{error}"
    );
    // What could be read is kept: the member sees its organization.
    let orgs = snap.of_kind("aws_organizations_organization");
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].account, member);
    assert!(snap.of_kind("aws_organizations_account").is_empty());
}
