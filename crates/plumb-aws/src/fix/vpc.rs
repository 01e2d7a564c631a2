//! VPC fixes: security group rules that let the internet reach
//! administration ports, the default security group, and subnets that give
//! every instance a public address.
//!
//! Security group rules are revoked by their rule ids
//! (`DescribeSecurityGroupRules`): each id is one source of one permission,
//! so revoking the world's sources never touches another source of the
//! same port range.

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, SecurityGroupRule};
use plumb_model::Resource;

use super::{api, text, Fix, FixError};

/// The ports the security group checks call administration ports (SSH and
/// RDP): `vpc_security_group_{ssh,rdp}_closed_to_internet` and
/// `vpc_security_group_admin_ports_closed_to_ipv{4,6}_internet`.
const ADMIN_PORTS: [i32; 2] = [22, 3389];

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    let ec2 = aws_sdk_ec2::Client::new(config);
    match fix.id {
        "vpc_revoke_internet_admin_ingress" => {
            let group_id = text(resource, "group_id")?;
            let ids: Vec<String> = rules(&ec2, group_id)
                .await?
                .iter()
                .filter(|r| opens_admin_port_to_internet(r))
                .filter_map(|r| r.security_group_rule_id().map(str::to_string))
                .collect();
            if ids.is_empty() {
                return Err(FixError::Declined(format!(
                    "{group_id} has no ingress rule from 0.0.0.0/0 or ::/0 to port 22 or 3389"
                )));
            }
            ec2.revoke_security_group_ingress()
                .group_id(group_id)
                .set_security_group_rule_ids(Some(ids))
                .send()
                .await
                .map_err(api("ec2:RevokeSecurityGroupIngress"))?;
        }
        "vpc_default_security_group_closed" => {
            let group_id = text(resource, "group_id")?;
            if text(resource, "group_name")? != "default" {
                return Err(FixError::Declined(format!(
                    "{group_id} is not a VPC's default security group"
                )));
            }
            let (egress, ingress): (Vec<SecurityGroupRule>, Vec<SecurityGroupRule>) =
                rules(&ec2, group_id)
                    .await?
                    .into_iter()
                    .partition(|r| r.is_egress() == Some(true));
            let ids = |rules: &[SecurityGroupRule]| -> Vec<String> {
                rules
                    .iter()
                    .filter_map(|r| r.security_group_rule_id().map(str::to_string))
                    .collect()
            };
            let (ingress, egress) = (ids(&ingress), ids(&egress));
            if !ingress.is_empty() {
                ec2.revoke_security_group_ingress()
                    .group_id(group_id)
                    .set_security_group_rule_ids(Some(ingress))
                    .send()
                    .await
                    .map_err(api("ec2:RevokeSecurityGroupIngress"))?;
            }
            if !egress.is_empty() {
                ec2.revoke_security_group_egress()
                    .group_id(group_id)
                    .set_security_group_rule_ids(Some(egress))
                    .send()
                    .await
                    .map_err(api("ec2:RevokeSecurityGroupEgress"))?;
            }
        }
        "vpc_subnet_no_auto_public_ip" => {
            ec2.modify_subnet_attribute()
                .subnet_id(text(resource, "subnet_id")?)
                .map_public_ip_on_launch(AttributeBooleanValue::builder().value(false).build())
                .send()
                .await
                .map_err(api("ec2:ModifySubnetAttribute"))?;
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}

/// Every rule of a security group, ingress and egress.
async fn rules(
    ec2: &aws_sdk_ec2::Client,
    group_id: &str,
) -> Result<Vec<SecurityGroupRule>, FixError> {
    let mut all = Vec::new();
    let mut pages = ec2
        .describe_security_group_rules()
        .filters(Filter::builder().name("group-id").values(group_id).build())
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("ec2:DescribeSecurityGroupRules"))?;
        all.extend(page.security_group_rules().iter().cloned());
    }
    Ok(all)
}

/// Whether an ingress rule lets the internet reach an administration port,
/// read as the checks read it (`ingress_open_to_world`): all traffic, or
/// TCP or UDP over a port range that includes the port, from exactly
/// `0.0.0.0/0` or `::/0`.
fn opens_admin_port_to_internet(rule: &SecurityGroupRule) -> bool {
    if rule.is_egress() != Some(false) {
        return false;
    }
    let world = rule.cidr_ipv4().is_some_and(|c| c.trim() == "0.0.0.0/0")
        || rule.cidr_ipv6().is_some_and(|c| c.trim() == "::/0");
    let protocol = rule.ip_protocol().unwrap_or_default();
    let covers = protocol == "-1"
        || protocol.eq_ignore_ascii_case("all")
        || (matches!(protocol, "tcp" | "udp" | "6" | "17")
            && ADMIN_PORTS.iter().any(|port| {
                let from = rule.from_port().unwrap_or(0);
                let to = rule.to_port().unwrap_or(65535);
                from <= *port && *port <= to
            }));
    world && covers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ingress(
        protocol: &str,
        from: i32,
        to: i32,
        v4: Option<&str>,
        v6: Option<&str>,
    ) -> SecurityGroupRule {
        SecurityGroupRule::builder()
            .is_egress(false)
            .ip_protocol(protocol)
            .from_port(from)
            .to_port(to)
            .set_cidr_ipv4(v4.map(str::to_string))
            .set_cidr_ipv6(v6.map(str::to_string))
            .build()
    }

    #[test]
    fn ssh_and_rdp_from_the_internet_are_revoked_over_tcp_and_udp() {
        assert!(opens_admin_port_to_internet(&ingress(
            "tcp",
            22,
            22,
            Some("0.0.0.0/0"),
            None
        )));
        assert!(opens_admin_port_to_internet(&ingress(
            "udp",
            3389,
            3389,
            None,
            Some("::/0")
        )));
        assert!(opens_admin_port_to_internet(&ingress(
            "6",
            3389,
            3389,
            Some("0.0.0.0/0"),
            None
        )));
    }

    #[test]
    fn a_range_or_all_traffic_spanning_an_admin_port_is_revoked_whole() {
        assert!(opens_admin_port_to_internet(&ingress(
            "tcp",
            0,
            65535,
            Some("0.0.0.0/0"),
            None
        )));
        assert!(opens_admin_port_to_internet(&ingress(
            "tcp",
            20,
            25,
            Some("0.0.0.0/0"),
            None
        )));
        assert!(opens_admin_port_to_internet(&ingress(
            "-1",
            -1,
            -1,
            None,
            Some("::/0")
        )));
    }

    #[test]
    fn other_sources_ports_protocols_and_egress_are_kept() {
        assert!(!opens_admin_port_to_internet(&ingress(
            "tcp",
            22,
            22,
            Some("10.0.0.0/8"),
            None
        )));
        assert!(!opens_admin_port_to_internet(&ingress(
            "tcp",
            22,
            22,
            Some("0.0.0.0/1"),
            None
        )));
        assert!(!opens_admin_port_to_internet(&ingress(
            "tcp",
            443,
            443,
            Some("0.0.0.0/0"),
            None
        )));
        assert!(!opens_admin_port_to_internet(&ingress(
            "tcp",
            23,
            3388,
            Some("0.0.0.0/0"),
            None
        )));
        assert!(!opens_admin_port_to_internet(&ingress(
            "icmp",
            -1,
            -1,
            Some("0.0.0.0/0"),
            None
        )));
        let source_group = SecurityGroupRule::builder()
            .is_egress(false)
            .ip_protocol("-1")
            .build();
        assert!(!opens_admin_port_to_internet(&source_group));
        let egress = SecurityGroupRule::builder()
            .is_egress(true)
            .ip_protocol("-1")
            .cidr_ipv4("0.0.0.0/0")
            .build();
        assert!(!opens_admin_port_to_internet(&egress));
    }
}
