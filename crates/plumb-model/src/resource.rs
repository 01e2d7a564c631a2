//! Resources and the edges between them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The prop under which a resource records the sub-calls that failed while
/// it was collected, as `{operation: "Code: message"}`. A field that such a
/// call would have filled is left out of `props` (absent, not `null`), so a
/// check that reads it cannot mistake "unknown" for "not configured".
pub const ERRORS_FIELD: &str = "_errors";

/// One cloud object and its configuration at the time of a scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Stable identifier: the ARN where AWS has one, otherwise a synthesised
    /// id such as `aws_region:111122223333:eu-west-1`.
    pub uid: String,
    /// The kind, named after the Terraform AWS provider's resource type
    /// (`aws_s3_bucket`, `aws_instance`, …).
    pub kind: String,
    /// The cloud provider: `aws`.
    pub provider: String,
    /// The account that owns the resource.
    pub account: String,
    /// The region the resource lives in, or `global` for global services.
    pub region: String,
    /// A human name: the `Name` tag where there is one, else the AWS name or id.
    pub name: String,
    /// Tags, always present (empty when the resource has none).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// When the resource was created, where the API says.
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// The configuration: snake_case versions of the AWS API's field names,
    /// documented per kind (see `plumb kinds show KIND`). Always an object.
    #[serde(default = "empty_object")]
    pub props: Value,
}

fn empty_object() -> Value {
    Value::Object(Map::new())
}

impl Resource {
    /// A resource with empty tags and props, to be filled by a collector.
    pub fn new(
        uid: impl Into<String>,
        kind: &str,
        account: &str,
        region: &str,
        name: impl Into<String>,
    ) -> Self {
        Resource {
            uid: uid.into(),
            kind: kind.to_string(),
            provider: "aws".to_string(),
            account: account.to_string(),
            region: region.to_string(),
            name: name.into(),
            tags: BTreeMap::new(),
            created_at: None,
            props: empty_object(),
        }
    }

    /// Sets `props` from a kind's props struct.
    ///
    /// Serialising a plain struct of strings, numbers and JSON values cannot
    /// fail; should a props type ever hold a map with non-string keys, the
    /// failure is recorded as a gap rather than a panic.
    pub fn with_props<T: Serialize>(mut self, props: &T) -> Self {
        match serde_json::to_value(props) {
            Ok(Value::Object(map)) => self.props = Value::Object(map),
            Ok(other) => {
                let mut map = Map::new();
                map.insert("value".into(), other);
                self.props = Value::Object(map);
            }
            Err(error) => self.record_gap("serialize_props", &[], &error.to_string()),
        }
        self
    }

    /// Sets the tags.
    pub fn with_tags(mut self, tags: BTreeMap<String, String>) -> Self {
        self.tags = tags;
        self
    }

    /// Sets the creation time.
    pub fn created(mut self, at: Option<DateTime<Utc>>) -> Self {
        self.created_at = at;
        self
    }

    /// Records that `operation` failed with `error`, and removes from props
    /// the `fields` it would have filled, so they read as unknown.
    pub fn record_gap(&mut self, operation: &str, fields: &[&str], error: &str) {
        if !self.props.is_object() {
            self.props = empty_object();
        }
        let Value::Object(props) = &mut self.props else {
            return;
        };
        for field in fields {
            props.remove(*field);
        }
        let errors = props
            .entry(ERRORS_FIELD)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(errors) = errors {
            errors.insert(operation.to_string(), Value::String(error.to_string()));
        }
    }

    /// The sub-calls that failed while collecting this resource.
    pub fn gaps(&self) -> BTreeMap<String, String> {
        self.props
            .get(ERRORS_FIELD)
            .and_then(Value::as_object)
            .map(|errors| {
                errors
                    .iter()
                    .map(|(op, e)| (op.clone(), e.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether some part of this resource could not be read.
    pub fn is_partial(&self) -> bool {
        !self.gaps().is_empty()
    }
}

/// How one resource relates to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// A container holds the target (account → region, cluster → instance).
    Contains,
    /// The source is attached to the target (EIP → instance, IGW → VPC).
    AttachedTo,
    /// The source uses the target (instance → volume, instance → profile).
    Uses,
    /// The source's data is encrypted with the target KMS key.
    EncryptedBy,
    /// The source acts as the target role (profile → role, Lambda → role).
    Assumes,
    /// Traffic is routed to the target (route table → internet gateway).
    RoutesTo,
    /// The source belongs to the target (subnet → VPC, user → group).
    MemberOf,
    /// The source is guarded by the target (instance → security group).
    ProtectedBy,
    /// The source applies to the target (route table or NACL → subnet).
    AssociatedWith,
    /// The source writes logs to the target (trail → bucket, trail → log group).
    LogsTo,
    /// The source has the target policy attached (user, group, role → policy).
    HasPolicy,
    /// The source is a snapshot or image of the target (snapshot → volume).
    SnapshotOf,
    /// The source watches the target (flow log → VPC, alarm → metric filter).
    Monitors,
    /// The source sends to the target (SNS topic → SQS queue, alarm → topic).
    NotifiesTo,
}

impl Relation {
    /// Every relation, for documentation and parsing.
    pub const ALL: [Relation; 14] = [
        Relation::Contains,
        Relation::AttachedTo,
        Relation::Uses,
        Relation::EncryptedBy,
        Relation::Assumes,
        Relation::RoutesTo,
        Relation::MemberOf,
        Relation::ProtectedBy,
        Relation::AssociatedWith,
        Relation::LogsTo,
        Relation::HasPolicy,
        Relation::SnapshotOf,
        Relation::Monitors,
        Relation::NotifiesTo,
    ];

    /// The relation's snake_case name, as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Contains => "contains",
            Relation::AttachedTo => "attached_to",
            Relation::Uses => "uses",
            Relation::EncryptedBy => "encrypted_by",
            Relation::Assumes => "assumes",
            Relation::RoutesTo => "routes_to",
            Relation::MemberOf => "member_of",
            Relation::ProtectedBy => "protected_by",
            Relation::AssociatedWith => "associated_with",
            Relation::LogsTo => "logs_to",
            Relation::HasPolicy => "has_policy",
            Relation::SnapshotOf => "snapshot_of",
            Relation::Monitors => "monitors",
            Relation::NotifiesTo => "notifies_to",
        }
    }

    /// Parses a stored relation name.
    pub fn parse(name: &str) -> Option<Relation> {
        Relation::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl std::fmt::Display for Relation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A directed relationship between two resources, by uid. The target need
/// not be in the snapshot (an AWS-managed key, a bucket in another account).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edge {
    /// The uid of the source resource.
    pub from: String,
    /// The uid of the target resource.
    pub to: String,
    /// How the source relates to the target.
    pub relation: Relation,
}

impl Edge {
    /// An edge `from —relation→ to`.
    pub fn new(from: impl Into<String>, relation: Relation, to: impl Into<String>) -> Self {
        Edge {
            from: from.into(),
            to: to.into(),
            relation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_removes_the_fields_it_would_have_filled() {
        let mut r = Resource::new("arn:aws:s3:::b", "aws_s3_bucket", "1", "global", "b")
            .with_props(&serde_json::json!({"policy": null, "versioning": "Enabled"}));
        r.record_gap(
            "get_bucket_policy",
            &["policy"],
            "AccessDenied: s3:GetBucketPolicy",
        );
        assert!(r.props.get("policy").is_none());
        assert_eq!(r.props["versioning"], "Enabled");
        assert_eq!(
            r.gaps().get("get_bucket_policy").map(String::as_str),
            Some("AccessDenied: s3:GetBucketPolicy")
        );
        assert!(r.is_partial());
    }

    #[test]
    fn relation_names_round_trip() {
        for r in Relation::ALL {
            assert_eq!(Relation::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }
}
