//! IAM fixes: the account password policy, and access keys nobody uses.
//!
//! Unused access keys are deactivated, never deleted: `UpdateAccessKey`
//! back to `Active` undoes the fix. Console passwords are left alone (a
//! deleted password cannot be restored), so the unused-credentials fixes
//! refuse a user whose password is unused too: deactivating the keys would
//! not make the check pass.

use aws_config::SdkConfig;
use aws_sdk_iam::types::StatusType;
use chrono::{DateTime, Utc};
use plumb_model::aws::iam::{AccessKey, IamUser};
use plumb_model::Resource;
use serde_json::Value;

use super::{api, props, Fix, FixError};

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    let iam = aws_sdk_iam::Client::new(config);
    match fix.id {
        "iam_password_policy_cis" => password_policy_cis(&iam, resource).await,
        "iam_deactivate_never_used_access_keys" => {
            let user: IamUser = props(resource, "aws_iam_user")?;
            let keys: Vec<&AccessKey> = user
                .access_keys
                .iter()
                .filter(|k| is_active(k) && k.last_used_date.is_none())
                .collect();
            deactivate(&iam, &user, &keys).await
        }
        "iam_deactivate_access_keys_unused_45_days" => {
            deactivate_unused(&iam, resource, 45, Utc::now()).await
        }
        "iam_deactivate_access_keys_unused_90_days" => {
            deactivate_unused(&iam, resource, 90, Utc::now()).await
        }
        other => Err(FixError::Unimplemented(other.to_string())),
    }
}

async fn password_policy_cis(
    iam: &aws_sdk_iam::Client,
    resource: &Resource,
) -> Result<(), FixError> {
    let current = resource.props.get("password_policy");
    let int = |field: &str| {
        current
            .and_then(|p| p.get(field))
            .and_then(Value::as_i64)
            .and_then(|v| i32::try_from(v).ok())
    };
    let flag = |field: &str| {
        current
            .and_then(|p| p.get(field))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let mut update = iam
        .update_account_password_policy()
        .minimum_password_length(int("minimum_password_length").unwrap_or(0).max(14))
        .password_reuse_prevention(int("password_reuse_prevention").unwrap_or(0).max(24))
        .require_lowercase_characters(true)
        .require_uppercase_characters(true)
        .require_numbers(true)
        .require_symbols(true)
        .allow_users_to_change_password(current.is_none() || flag("allow_users_to_change_password"))
        .hard_expiry(flag("hard_expiry"));
    if let Some(age) = int("max_password_age").filter(|a| *a > 0) {
        update = update.max_password_age(age);
    }
    update
        .send()
        .await
        .map_err(api("iam:UpdateAccountPasswordPolicy"))?;
    Ok(())
}

/// Deactivates the keys that fail `iam_user_unused_credentials_disabled_<days>_days`,
/// unless the user's console password fails it too.
async fn deactivate_unused(
    iam: &aws_sdk_iam::Client,
    resource: &Resource,
    days: i64,
    now: DateTime<Utc>,
) -> Result<(), FixError> {
    let user: IamUser = props(resource, "aws_iam_user")?;
    if password_unused(&user, days, now) {
        return Err(FixError::Declined(format!(
            "{}'s console password is unused for {days} days too; this fix deactivates access keys only (remove the password by hand if it is not needed)",
            user.user_name
        )));
    }
    let keys: Vec<&AccessKey> = user
        .access_keys
        .iter()
        .filter(|k| key_unused(k, days, now))
        .collect();
    deactivate(iam, &user, &keys).await
}

async fn deactivate(
    iam: &aws_sdk_iam::Client,
    user: &IamUser,
    keys: &[&AccessKey],
) -> Result<(), FixError> {
    if keys.is_empty() {
        return Err(FixError::Declined(format!(
            "{} has no access key to deactivate",
            user.user_name
        )));
    }
    for key in keys {
        iam.update_access_key()
            .user_name(&user.user_name)
            .access_key_id(&key.access_key_id)
            .status(StatusType::Inactive)
            .send()
            .await
            .map_err(api("iam:UpdateAccessKey"))?;
    }
    Ok(())
}

/// As the checks read a key's status: only an explicit non-`Active`
/// status counts as inactive.
fn is_active(key: &AccessKey) -> bool {
    key.status.as_deref().is_none_or(|s| s == "Active")
}

/// Whole days from `then` to `now`, as the checks' `days_since` counts them.
fn days_since(then: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - then).num_days()
}

fn recent(at: Option<DateTime<Utc>>, days: i64, now: DateTime<Utc>) -> bool {
    at.is_some_and(|at| days_since(at, now) < days)
}

/// An active key neither used nor created in the last `days` days.
fn key_unused(key: &AccessKey, days: i64, now: DateTime<Utc>) -> bool {
    is_active(key) && !recent(key.last_used_date, days, now) && !recent(key.create_date, days, now)
}

/// A console password neither used nor created in the last `days` days.
fn password_unused(user: &IamUser, days: i64, now: DateTime<Utc>) -> bool {
    user.login_profile.as_ref().is_some_and(|profile| {
        !recent(user.password_last_used, days, now) && !recent(profile.create_date, days, now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use plumb_model::aws::iam::LoginProfile;

    fn key_at(
        now: DateTime<Utc>,
        status: &str,
        created_days_ago: i64,
        used_days_ago: Option<i64>,
    ) -> AccessKey {
        AccessKey {
            access_key_id: "AKIAEXAMPLE".into(),
            status: Some(status.into()),
            create_date: Some(now - Duration::days(created_days_ago)),
            last_used_date: used_days_ago.map(|d| now - Duration::days(d)),
            ..AccessKey::default()
        }
    }

    #[test]
    fn a_key_unused_for_the_checks_days_is_deactivated_at_exactly_that_many() {
        let now = Utc::now();
        let key = |status, created, used| key_at(now, status, created, used);
        assert!(key_unused(&key("Active", 200, Some(45)), 45, now));
        assert!(!key_unused(&key("Active", 200, Some(44)), 45, now));
        assert!(key_unused(&key("Active", 45, None), 45, now));
        assert!(!key_unused(&key("Active", 44, None), 45, now));
        // The 90-day fix leaves a key the 45-day check fails.
        assert!(!key_unused(&key("Active", 200, Some(60)), 90, now));
        assert!(!key_unused(&key("Inactive", 200, None), 45, now));
    }

    #[test]
    fn a_user_whose_password_is_unused_too_is_declined() {
        let now = Utc::now();
        let mut user = IamUser {
            user_name: "bob".into(),
            access_keys: vec![key_at(now, "Active", 100, None)],
            ..IamUser::default()
        };
        assert!(!password_unused(&user, 45, now), "no password");
        user.login_profile = Some(LoginProfile {
            create_date: Some(now - Duration::days(100)),
            ..LoginProfile::default()
        });
        assert!(password_unused(&user, 45, now));
        user.password_last_used = Some(now - Duration::days(3));
        assert!(!password_unused(&user, 45, now));
    }
}
