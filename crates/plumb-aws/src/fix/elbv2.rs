//! Elastic Load Balancing v2 fixes: load balancer attributes.

use aws_config::SdkConfig;
use aws_sdk_elasticloadbalancingv2::types::LoadBalancerAttribute;
use plumb_model::Resource;

use super::{api, text, Fix, FixError};

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    let (key, value) = match fix.id {
        "elbv2_drop_invalid_header_fields" => {
            ("routing.http.drop_invalid_header_fields.enabled", "true")
        }
        "elbv2_deletion_protection" => ("deletion_protection.enabled", "true"),
        "elbv2_desync_mitigation_defensive" => ("routing.http.desync_mitigation_mode", "defensive"),
        other => return Err(FixError::Unimplemented(other.to_string())),
    };
    // Only the attribute named: ModifyLoadBalancerAttributes leaves the
    // others as they are.
    aws_sdk_elasticloadbalancingv2::Client::new(config)
        .modify_load_balancer_attributes()
        .load_balancer_arn(text(resource, "load_balancer_arn")?)
        .attributes(
            LoadBalancerAttribute::builder()
                .key(key)
                .value(value)
                .build(),
        )
        .send()
        .await
        .map_err(api("elasticloadbalancing:ModifyLoadBalancerAttributes"))?;
    Ok(())
}
