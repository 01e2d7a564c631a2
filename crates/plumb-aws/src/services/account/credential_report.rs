//! The IAM credential report: generated on demand, polled until ready
//! within a bounded wait, and parsed from CSV into typed entries.

use std::time::Duration;

use aws_sdk_iam::types::ReportStateType;
use chrono::{DateTime, Utc};
use plumb_model::aws::account::CredentialReportEntry;
use serde::Deserialize;

use crate::error::api;
use crate::unit::to_utc;
use crate::CollectError;

/// The longest the collector waits for IAM to generate the report; AWS
/// usually takes seconds, a large account up to a minute or so.
const REPORT_WAIT: Duration = Duration::from_secs(90);
/// The first pause between polls; it doubles up to [`MAX_POLL_INTERVAL`].
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(500);
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(8);

/// The report's entries and when AWS generated it.
pub(super) async fn read(
    iam: &aws_sdk_iam::Client,
) -> Result<(Vec<CredentialReportEntry>, Option<DateTime<Utc>>), CollectError> {
    wait_until_generated(iam).await?;
    let out = iam
        .get_credential_report()
        .send()
        .await
        .map_err(api("iam:GetCredentialReport"))?;
    let content = out.content().ok_or_else(|| CollectError::Malformed {
        action: "iam:GetCredentialReport",
        detail: "the report has no content".into(),
    })?;
    let entries = parse(content.as_ref())?;
    Ok((entries, out.generated_time().and_then(to_utc)))
}

/// Asks IAM for a report (it reuses one under four hours old) and polls
/// until it is complete, for at most [`REPORT_WAIT`].
async fn wait_until_generated(iam: &aws_sdk_iam::Client) -> Result<(), CollectError> {
    let started = tokio::time::Instant::now();
    let mut pause = FIRST_POLL_INTERVAL;
    loop {
        let out = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(api("iam:GenerateCredentialReport"))?;
        if out.state() == Some(&ReportStateType::Complete) {
            return Ok(());
        }
        if started.elapsed() + pause > REPORT_WAIT {
            return Err(CollectError::Api {
                action: "iam:GenerateCredentialReport",
                code: "ReportNotReady".into(),
                message: format!(
                    "the credential report was not generated within {}s",
                    REPORT_WAIT.as_secs()
                ),
            });
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_POLL_INTERVAL);
    }
}

/// One CSV row as IAM writes it; columns are found by header name, so a
/// column AWS adds later is ignored and one it drops is an error.
#[derive(Deserialize)]
struct Row {
    user: String,
    arn: String,
    user_creation_time: String,
    password_enabled: String,
    password_last_used: String,
    password_last_changed: String,
    password_next_rotation: String,
    mfa_active: String,
    access_key_1_active: String,
    access_key_1_last_rotated: String,
    access_key_1_last_used_date: String,
    access_key_1_last_used_region: String,
    access_key_1_last_used_service: String,
    access_key_2_active: String,
    access_key_2_last_rotated: String,
    access_key_2_last_used_date: String,
    access_key_2_last_used_region: String,
    access_key_2_last_used_service: String,
    cert_1_active: String,
    cert_1_last_rotated: String,
    cert_2_active: String,
    cert_2_last_rotated: String,
}

/// Parses the report's CSV.
pub(super) fn parse(csv_text: &[u8]) -> Result<Vec<CredentialReportEntry>, CollectError> {
    let mut reader = csv::Reader::from_reader(csv_text);
    reader
        .deserialize::<Row>()
        .map(|row| row.map_err(|e| malformed(e.to_string())).and_then(entry))
        .collect()
}

fn entry(r: Row) -> Result<CredentialReportEntry, CollectError> {
    Ok(CredentialReportEntry {
        user_creation_time: date("user_creation_time", &r.user_creation_time)?,
        password_enabled: optional_flag("password_enabled", &r.password_enabled)?,
        password_last_used: date("password_last_used", &r.password_last_used)?,
        password_last_changed: date("password_last_changed", &r.password_last_changed)?,
        password_next_rotation: date("password_next_rotation", &r.password_next_rotation)?,
        mfa_active: flag("mfa_active", &r.mfa_active)?,
        access_key_1_active: flag("access_key_1_active", &r.access_key_1_active)?,
        access_key_1_last_rotated: date("access_key_1_last_rotated", &r.access_key_1_last_rotated)?,
        access_key_1_last_used_date: date(
            "access_key_1_last_used_date",
            &r.access_key_1_last_used_date,
        )?,
        access_key_1_last_used_region: text(&r.access_key_1_last_used_region),
        access_key_1_last_used_service: text(&r.access_key_1_last_used_service),
        access_key_2_active: flag("access_key_2_active", &r.access_key_2_active)?,
        access_key_2_last_rotated: date("access_key_2_last_rotated", &r.access_key_2_last_rotated)?,
        access_key_2_last_used_date: date(
            "access_key_2_last_used_date",
            &r.access_key_2_last_used_date,
        )?,
        access_key_2_last_used_region: text(&r.access_key_2_last_used_region),
        access_key_2_last_used_service: text(&r.access_key_2_last_used_service),
        cert_1_active: flag("cert_1_active", &r.cert_1_active)?,
        cert_1_last_rotated: date("cert_1_last_rotated", &r.cert_1_last_rotated)?,
        cert_2_active: flag("cert_2_active", &r.cert_2_active)?,
        cert_2_last_rotated: date("cert_2_last_rotated", &r.cert_2_last_rotated)?,
        user: r.user,
        arn: r.arn,
    })
}

/// The report's words for "no value".
fn is_absent(value: &str) -> bool {
    matches!(value, "" | "N/A" | "no_information" | "not_supported")
}

fn text(value: &str) -> Option<String> {
    (!is_absent(value)).then(|| value.to_string())
}

fn date(column: &str, value: &str) -> Result<Option<DateTime<Utc>>, CollectError> {
    if is_absent(value) {
        return Ok(None);
    }
    DateTime::parse_from_rfc3339(value)
        .map(|d| Some(d.with_timezone(&Utc)))
        .map_err(|e| malformed(format!("{column} `{value}` is not a date: {e}")))
}

fn optional_flag(column: &str, value: &str) -> Result<Option<bool>, CollectError> {
    match value {
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        v if is_absent(v) => Ok(None),
        v => Err(malformed(format!("{column} `{v}` is not a boolean"))),
    }
}

/// A column AWS always fills with `true` or `false`: anything else is an
/// error, not a guess.
fn flag(column: &str, value: &str) -> Result<bool, CollectError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        v => Err(malformed(format!("{column} `{v}` is not a boolean"))),
    }
}

fn malformed(detail: String) -> CollectError {
    CollectError::Malformed {
        action: "iam:GetCredentialReport",
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header and two rows as AWS documents them, the root user first.
    const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::111122223333:user/alice,2021-02-03T04:05:06+00:00,true,no_information,2021-02-03T04:05:06+00:00,N/A,false,true,2021-02-03T04:05:07+00:00,2024-06-01T12:00:00+00:00,eu-west-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

    #[test]
    fn rows_are_typed_and_placeholders_are_null() {
        let entries = parse(REPORT.as_bytes()).unwrap();
        assert_eq!(entries.len(), 2);
        let root = &entries[0];
        assert_eq!(root.user, "<root_account>");
        assert_eq!(root.password_enabled, None);
        assert!(root.mfa_active);
        assert!(root.password_last_used.is_some());
        assert_eq!(root.access_key_1_last_rotated, None);

        let alice = &entries[1];
        assert_eq!(alice.password_enabled, Some(true));
        assert_eq!(alice.password_last_used, None);
        assert!(alice.access_key_1_active);
        assert_eq!(
            alice.access_key_1_last_used_region.as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(alice.access_key_1_last_used_service.as_deref(), Some("s3"));
        assert_eq!(
            alice.access_key_1_last_used_date.map(|d| d.to_rfc3339()),
            Some("2024-06-01T12:00:00+00:00".to_string())
        );
        assert!(!alice.access_key_2_active);
        assert_eq!(alice.access_key_2_last_used_service, None);
    }

    #[test]
    fn an_unexpected_value_is_an_error_not_a_guess() {
        let broken = REPORT.replace(
            ",true,false,N/A,N/A,N/A,N/A,false",
            ",maybe,false,N/A,N/A,N/A,N/A,false",
        );
        let error = parse(broken.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("mfa_active"), "{error}");
    }

    #[test]
    fn a_missing_column_is_an_error() {
        let truncated = "user,arn\nalice,arn:aws:iam::111122223333:user/alice\n";
        assert!(parse(truncated.as_bytes()).is_err());
    }
}
