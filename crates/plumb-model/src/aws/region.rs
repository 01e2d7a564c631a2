//! Props of `aws_region`: the settings that hold for a whole region of an
//! account (EBS default encryption, AWS Config recording, IAM Access
//! Analyzer, Security Hub, GuardDuty), so that region-wide controls are
//! checks of one resource.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_region",
        "region",
        AwsRegion,
        uid = "aws_region:ACCOUNT:REGION",
        "The region-wide security settings of one account in one region"
    )]
}

/// Props of `aws_region`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AwsRegion {
    /// The region name (`eu-west-1`).
    pub region: String,
    /// Whether new EBS volumes are encrypted by default (GetEbsEncryptionByDefault).
    pub ebs_encryption_by_default: bool,
    /// The KMS key used for default EBS encryption (GetEbsDefaultKmsKeyId).
    pub ebs_default_kms_key_id: Option<String>,
    /// Block public access for EBS snapshots: `block-all-sharing`, `block-new-sharing` or `unblocked` (GetSnapshotBlockPublicAccessState).
    pub snapshot_block_public_access: Option<String>,
    /// The AWS Config configuration recorders of the region, with their status (DescribeConfigurationRecorders, DescribeConfigurationRecorderStatus).
    pub config_recorders: Vec<ConfigRecorderState>,
    /// The IAM Access Analyzer analyzers of the region (ListAnalyzers).
    pub access_analyzers: Vec<AnalyzerState>,
    /// Whether Security Hub is enabled in the region (DescribeHub).
    pub security_hub_enabled: bool,
    /// The GuardDuty detectors of the region with their status (ListDetectors, GetDetector).
    pub guardduty_detectors: Vec<DetectorState>,
}

/// An AWS Config recorder and whether it records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ConfigRecorderState {
    /// The recorder name.
    pub name: String,
    /// Whether the recorder is recording now.
    pub recording: bool,
    /// Whether it records all supported resource types.
    pub all_supported: bool,
    /// Whether it records global resource types (IAM).
    pub include_global_resource_types: bool,
    /// The status of the last delivery attempt (`SUCCESS`, `FAILURE`, `PENDING`).
    pub last_status: Option<String>,
}

/// An IAM Access Analyzer analyzer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnalyzerState {
    /// The analyzer ARN.
    pub arn: String,
    /// The analyzer name.
    pub name: String,
    /// `ACCOUNT`, `ORGANIZATION` or an unused-access type.
    pub r#type: String,
    /// `ACTIVE`, `CREATING`, `DISABLED` or `FAILED`.
    pub status: String,
}

/// A GuardDuty detector.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DetectorState {
    /// The detector id.
    pub id: String,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
}

/// What `aws_account.props.regions` says of each region: the region-wide
/// settings, summarised for account-wide controls ("in all regions").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RegionSummary {
    /// Some Config recorder records all resource types, now.
    pub config_recording: bool,
    /// Some external-access analyzer (type `ACCOUNT` or `ORGANIZATION`) is
    /// active; unused-access analyzers do not count.
    pub access_analyzer_enabled: bool,
    /// Security Hub is enabled.
    pub security_hub_enabled: bool,
    /// Some GuardDuty detector is enabled.
    pub guardduty_enabled: bool,
    /// EBS encryption by default is on.
    pub ebs_encryption_by_default: bool,
}

impl From<&AwsRegion> for RegionSummary {
    fn from(r: &AwsRegion) -> Self {
        RegionSummary {
            config_recording: r
                .config_recorders
                .iter()
                .any(|c| c.recording && c.all_supported),
            access_analyzer_enabled: r.access_analyzers.iter().any(|a| {
                a.status == "ACTIVE" && (a.r#type == "ACCOUNT" || a.r#type == "ORGANIZATION")
            }),
            security_hub_enabled: r.security_hub_enabled,
            guardduty_enabled: r.guardduty_detectors.iter().any(|d| d.status == "ENABLED"),
            ebs_encryption_by_default: r.ebs_encryption_by_default,
        }
    }
}
