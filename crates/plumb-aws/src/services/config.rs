//! Collects AWS Config configuration recorders: what each records (all
//! supported types, global types), whether it records now and how its last
//! attempt went, and the region's delivery channel (bucket, topic, key), as
//! CIS 3.3 and FSBP Config.1 read them.
//!
//! AWS Config has no link between a recorder and the delivery channel: a
//! region holds at most one customer managed recorder and one channel, so
//! the channel is reported on the customer managed recorder. Service-linked
//! recorders (those with a `service_principal`) deliver nowhere.

use std::collections::HashMap;

use plumb_model::aws::config::{ConfigConfigurationRecorder, DeliveryChannel, RecordingGroup};
use plumb_model::{Relation, Resource};

use crate::error::api;
use crate::services::{Service, ServiceScope};
use crate::unit::{record_gap, to_utc};
use crate::{client, collect_fn, CollectError, Unit};

/// The `config` collector.
pub const SERVICE: Service = Service {
    name: "config",
    scope: ServiceScope::Regional,
    kinds: &["aws_config_configuration_recorder"],
    actions: &[
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "config:DescribeDeliveryChannels",
    ],
    collect: collect_fn!(collect),
};

/// The fields DescribeConfigurationRecorderStatus fills.
const STATUS: &[&str] = &[
    "recording",
    "last_status",
    "last_error_code",
    "last_error_message",
    "last_start_time",
    "last_stop_time",
];

/// The recorders of a region, without their status.
pub(crate) async fn describe_recorders(
    client: &aws_sdk_config::Client,
) -> Result<Vec<ConfigConfigurationRecorder>, CollectError> {
    let answer = client
        .describe_configuration_recorders()
        .send()
        .await
        .map_err(api("config:DescribeConfigurationRecorders"))?;
    Ok(answer
        .configuration_recorders()
        .iter()
        .filter_map(|r| {
            Some(ConfigConfigurationRecorder {
                name: r.name()?.to_string(),
                arn: r.arn().map(str::to_string),
                role_arn: r.role_arn().map(str::to_string),
                service_principal: r.service_principal().map(str::to_string),
                recording_group: r.recording_group().map(|g| RecordingGroup {
                    all_supported: g.all_supported(),
                    include_global_resource_types: g.include_global_resource_types(),
                    resource_types: g
                        .resource_types()
                        .iter()
                        .map(|t| t.as_str().to_string())
                        .collect(),
                    exclusion_resource_types: g
                        .exclusion_by_resource_types()
                        .map(|x| x.resource_types())
                        .unwrap_or_default()
                        .iter()
                        .map(|t| t.as_str().to_string())
                        .collect(),
                    recording_strategy: g
                        .recording_strategy()
                        .and_then(|s| s.use_only())
                        .map(|u| u.as_str().to_string()),
                }),
                recording_frequency: r
                    .recording_mode()
                    .map(|m| m.recording_frequency().as_str().to_string()),
                ..ConfigConfigurationRecorder::default()
            })
        })
        .collect())
}

/// A recorder's status, as DescribeConfigurationRecorderStatus gives it.
#[derive(Debug, Clone, Default)]
pub(crate) struct RecorderStatus {
    pub(crate) recording: bool,
    pub(crate) last_status: Option<String>,
    pub(crate) last_error_code: Option<String>,
    pub(crate) last_error_message: Option<String>,
    pub(crate) last_start_time: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) last_stop_time: Option<chrono::DateTime<chrono::Utc>>,
}

/// The status of every recorder of the region, by recorder name.
pub(crate) async fn recorder_statuses(
    client: &aws_sdk_config::Client,
) -> Result<HashMap<String, RecorderStatus>, CollectError> {
    let answer = client
        .describe_configuration_recorder_status()
        .send()
        .await
        .map_err(api("config:DescribeConfigurationRecorderStatus"))?;
    Ok(answer
        .configuration_recorders_status()
        .iter()
        .filter_map(|s| {
            Some((
                s.name()?.to_string(),
                RecorderStatus {
                    recording: s.recording(),
                    last_status: s.last_status().map(|x| x.as_str().to_string()),
                    last_error_code: s.last_error_code().map(str::to_string),
                    last_error_message: s.last_error_message().map(str::to_string),
                    last_start_time: s.last_start_time().and_then(to_utc),
                    last_stop_time: s.last_stop_time().and_then(to_utc),
                },
            ))
        })
        .collect())
}

async fn delivery_channel(
    client: &aws_sdk_config::Client,
) -> Result<Option<DeliveryChannel>, CollectError> {
    let answer = client
        .describe_delivery_channels()
        .send()
        .await
        .map_err(api("config:DescribeDeliveryChannels"))?;
    Ok(answer.delivery_channels().first().map(|c| DeliveryChannel {
        name: c.name().unwrap_or_default().to_string(),
        s3_bucket_name: c.s3_bucket_name().map(str::to_string),
        s3_key_prefix: c.s3_key_prefix().map(str::to_string),
        s3_kms_key_arn: c.s3_kms_key_arn().map(str::to_string),
        sns_topic_arn: c.sns_topic_arn().map(str::to_string),
        delivery_frequency: c
            .config_snapshot_delivery_properties()
            .and_then(|p| p.delivery_frequency())
            .map(|f| f.as_str().to_string()),
    }))
}

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_config);
    let recorders = describe_recorders(&client).await?;
    if recorders.is_empty() {
        return Ok(());
    }
    let statuses = recorder_statuses(&client).await;
    let channel = delivery_channel(&client).await;

    for mut recorder in recorders {
        let mut gaps: Vec<(&str, &[&str], CollectError)> = Vec::new();
        match &statuses {
            Ok(by_name) => {
                // A recorder with no status row has never been started.
                let s = by_name.get(&recorder.name).cloned().unwrap_or_default();
                recorder.recording = s.recording;
                recorder.last_status = s.last_status;
                recorder.last_error_code = s.last_error_code;
                recorder.last_error_message = s.last_error_message;
                recorder.last_start_time = s.last_start_time;
                recorder.last_stop_time = s.last_stop_time;
            }
            Err(e) => gaps.push(("describe_configuration_recorder_status", STATUS, e.clone())),
        }
        if recorder.service_principal.is_none() {
            match &channel {
                Ok(c) => recorder.delivery_channel = c.clone(),
                Err(e) => gaps.push((
                    "describe_delivery_channels",
                    &["delivery_channel"],
                    e.clone(),
                )),
            }
        }

        let uid = unit.arn("config", &format!("config-recorder/{}", recorder.name));
        if let Some(role) = recorder.role_arn.as_deref().filter(|r| !r.is_empty()) {
            unit.link(&uid, Relation::Assumes, role);
        }
        if let Some(c) = &recorder.delivery_channel {
            if let Some(bucket) = c.s3_bucket_name.as_deref().filter(|b| !b.is_empty()) {
                let bucket = format!("arn:{}:s3:::{bucket}", unit.partition());
                unit.link(&uid, Relation::LogsTo, &bucket);
            }
            if let Some(topic) = c.sns_topic_arn.as_deref().filter(|t| !t.is_empty()) {
                unit.link(&uid, Relation::NotifiesTo, topic);
            }
            if let Some(key) = c.s3_kms_key_arn.as_deref().filter(|k| !k.is_empty()) {
                let key = unit.kms_key_arn(key);
                unit.link(&uid, Relation::EncryptedBy, &key);
            }
        }
        let name = recorder.name.clone();
        let mut resource = Resource::new(
            uid,
            "aws_config_configuration_recorder",
            &unit.account,
            &unit.region,
            name,
        )
        .with_props(&recorder);
        for (operation, fields, error) in gaps {
            record_gap(&mut resource, operation, fields, &error);
        }
        unit.add(resource);
    }
    Ok(())
}
