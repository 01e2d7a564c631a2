//! EC2 fixes: instance metadata options, public snapshots and images, EBS
//! encryption by default, and Elastic IPs that nothing uses.

use aws_config::SdkConfig;
use aws_sdk_ec2::operation::modify_instance_metadata_options::builders::ModifyInstanceMetadataOptionsFluentBuilder;
use aws_sdk_ec2::types::{
    HttpTokensState, InstanceMetadataEndpointState, InstanceMetadataProtocolState,
    InstanceMetadataTagsState, LaunchPermission, LaunchPermissionModifications, OperationType,
    PermissionGroup, SnapshotAttributeName,
};
use plumb_model::Resource;
use serde_json::Value;

use super::{api, text, Fix, FixError};

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    let ec2 = aws_sdk_ec2::Client::new(config);
    match fix.id {
        "ec2_require_imdsv2" => {
            metadata_options(&ec2, resource)?
                .http_tokens(HttpTokensState::Required)
                .http_endpoint(InstanceMetadataEndpointState::Enabled)
                .send()
                .await
                .map_err(api("ec2:ModifyInstanceMetadataOptions"))?;
        }
        "ec2_metadata_hop_limit_one" => {
            metadata_options(&ec2, resource)?
                .http_put_response_hop_limit(1)
                .send()
                .await
                .map_err(api("ec2:ModifyInstanceMetadataOptions"))?;
        }
        "ec2_snapshot_private" => {
            // The OperationType + group form, which AWS and moto both take.
            ec2.modify_snapshot_attribute()
                .snapshot_id(text(resource, "snapshot_id")?)
                .attribute(SnapshotAttributeName::CreateVolumePermission)
                .operation_type(OperationType::Remove)
                .group_names("all")
                .send()
                .await
                .map_err(api("ec2:ModifySnapshotAttribute"))?;
        }
        "ec2_ami_private" => {
            // Only the `all` group: launch permissions for account ids,
            // organizations and OUs are deliberate shares and stay.
            ec2.modify_image_attribute()
                .image_id(text(resource, "image_id")?)
                .launch_permission(
                    LaunchPermissionModifications::builder()
                        .remove(
                            LaunchPermission::builder()
                                .group(PermissionGroup::All)
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .map_err(api("ec2:ModifyImageAttribute"))?;
        }
        "ec2_ebs_default_encryption" => {
            ec2.enable_ebs_encryption_by_default()
                .send()
                .await
                .map_err(api("ec2:EnableEbsEncryptionByDefault"))?;
        }
        "ec2_release_unused_eip" => {
            let field = |name: &str| resource.props.get(name).and_then(Value::as_str);
            if let Some(used_by) = ["association_id", "instance_id", "network_interface_id"]
                .iter()
                .find_map(|f| field(f))
            {
                return Err(FixError::Declined(format!(
                    "the address is in use ({used_by})"
                )));
            }
            let release = ec2.release_address();
            let release = match field("allocation_id") {
                Some(id) => release.allocation_id(id),
                // EC2-Classic addresses have no allocation id.
                None => release.public_ip(text(resource, "public_ip")?),
            };
            release.send().await.map_err(api("ec2:ReleaseAddress"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}

/// A change of the instance's metadata options that restates every option
/// as the collector saw it, so that the one the fix sets is the only one
/// that changes (moto resets the options a request leaves out).
fn metadata_options(
    ec2: &aws_sdk_ec2::Client,
    resource: &Resource,
) -> Result<ModifyInstanceMetadataOptionsFluentBuilder, FixError> {
    let current = resource.props.get("metadata_options");
    let option = |name: &str| current.and_then(|o| o.get(name)).and_then(Value::as_str);
    let mut change = ec2
        .modify_instance_metadata_options()
        .instance_id(text(resource, "instance_id")?);
    if let Some(tokens) = option("http_tokens") {
        change = change.http_tokens(HttpTokensState::from(tokens));
    }
    if let Some(endpoint) = option("http_endpoint") {
        change = change.http_endpoint(InstanceMetadataEndpointState::from(endpoint));
    }
    if let Some(hops) = current
        .and_then(|o| o.get("http_put_response_hop_limit"))
        .and_then(Value::as_i64)
        .and_then(|h| i32::try_from(h).ok())
    {
        change = change.http_put_response_hop_limit(hops);
    }
    if let Some(tags) = option("instance_metadata_tags") {
        change = change.instance_metadata_tags(InstanceMetadataTagsState::from(tags));
    }
    if let Some(ipv6) = option("http_protocol_ipv6") {
        change = change.http_protocol_ipv6(InstanceMetadataProtocolState::from(ipv6));
    }
    Ok(change)
}
