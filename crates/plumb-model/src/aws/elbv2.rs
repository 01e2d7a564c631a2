//! Props of the kinds the `elbv2` collector produces: Application, Network
//! and Gateway Load Balancers, their listeners (with rules) and target
//! groups (with registered targets), with the settings the FSBP ELB controls
//! read and the routing an exposure analysis follows from the internet to a
//! target.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![
        kind!(
            "aws_lb",
            "elbv2",
            LoadBalancer,
            uid = "arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/TYPE/NAME/ID",
            "An Application, Network or Gateway Load Balancer with its scheme, subnets, security groups and attributes (access logs, deletion protection, header handling)"
        ),
        kind!(
            "aws_lb_listener",
            "elbv2",
            Listener,
            uid = "arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/TYPE/LB_NAME/LB_ID/ID",
            "A load balancer listener with its protocol, TLS policy, certificates, default actions and rules"
        ),
        kind!(
            "aws_lb_target_group",
            "elbv2",
            TargetGroup,
            uid = "arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID",
            "A load balancer target group with its protocol, health check and registered targets"
        ),
    ]
}

/// Props of `aws_lb`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadBalancer {
    /// The load balancer ARN (DescribeLoadBalancers).
    pub load_balancer_arn: String,
    /// The load balancer name (DescribeLoadBalancers).
    pub load_balancer_name: String,
    /// The public DNS name (DescribeLoadBalancers `DNSName`).
    pub dns_name: Option<String>,
    /// The Route 53 hosted zone of the DNS name (DescribeLoadBalancers).
    pub canonical_hosted_zone_id: Option<String>,
    /// `internet-facing` or `internal` (DescribeLoadBalancers).
    pub scheme: Option<String>,
    /// `application`, `network` or `gateway` (DescribeLoadBalancers).
    #[serde(rename = "type")]
    pub r#type: Option<String>,
    /// The VPC of the load balancer (DescribeLoadBalancers).
    pub vpc_id: Option<String>,
    /// `active`, `provisioning`, `active_impaired` or `failed` (DescribeLoadBalancers `State.Code`).
    pub state: Option<String>,
    /// Why the load balancer is in its state, when AWS says (DescribeLoadBalancers `State.Reason`).
    pub state_reason: Option<String>,
    /// The zones and subnets the load balancer has nodes in (DescribeLoadBalancers `AvailabilityZones`).
    pub availability_zones: Vec<LbAvailabilityZone>,
    /// The security group ids; empty for load balancers without security groups (DescribeLoadBalancers).
    pub security_groups: Vec<String>,
    /// `ipv4`, `dualstack` or `dualstack-without-public-ipv4` (DescribeLoadBalancers).
    pub ip_address_type: Option<String>,
    /// Whether security group inbound rules apply to PrivateLink traffic, for NLBs: `on` or `off` (DescribeLoadBalancers).
    pub enforce_security_group_inbound_rules_on_private_link_traffic: Option<String>,
    /// When the load balancer was created (DescribeLoadBalancers).
    pub created_time: Option<DateTime<Utc>>,
    /// Every attribute as AWS returns it, key to string value (DescribeLoadBalancerAttributes).
    pub attributes: BTreeMap<String, String>,
    /// `deletion_protection.enabled`; `null` when the type has no such attribute (DescribeLoadBalancerAttributes).
    pub deletion_protection_enabled: Option<bool>,
    /// `access_logs.s3.enabled`; `null` when the type has no such attribute (DescribeLoadBalancerAttributes).
    pub access_logs_s3_enabled: Option<bool>,
    /// `access_logs.s3.bucket`; `null` when empty (DescribeLoadBalancerAttributes).
    pub access_logs_s3_bucket: Option<String>,
    /// `access_logs.s3.prefix`; `null` when empty (DescribeLoadBalancerAttributes).
    pub access_logs_s3_prefix: Option<String>,
    /// `routing.http.drop_invalid_header_fields.enabled`, for ALBs (DescribeLoadBalancerAttributes).
    pub drop_invalid_header_fields: Option<bool>,
    /// `routing.http.desync_mitigation_mode`: `monitor`, `defensive` or `strictest`, for ALBs (DescribeLoadBalancerAttributes).
    pub desync_mitigation_mode: Option<String>,
    /// The ARNs of the load balancer's listeners (DescribeListeners).
    pub listener_arns: Vec<String>,
}

/// A zone a load balancer has a node in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LbAvailabilityZone {
    /// The zone name (DescribeLoadBalancers `AvailabilityZones[].ZoneName`).
    pub zone_name: Option<String>,
    /// The subnet of the node (DescribeLoadBalancers `AvailabilityZones[].SubnetId`).
    pub subnet_id: Option<String>,
    /// The Outpost, when the node runs on one (DescribeLoadBalancers `AvailabilityZones[].OutpostId`).
    pub outpost_id: Option<String>,
    /// The static and Elastic IP addresses of an NLB's node (DescribeLoadBalancers `AvailabilityZones[].LoadBalancerAddresses`).
    pub load_balancer_addresses: Vec<LoadBalancerAddress>,
}

/// An address of a Network Load Balancer node.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadBalancerAddress {
    /// The static IP address (DescribeLoadBalancers `LoadBalancerAddresses[].IpAddress`).
    pub ip_address: Option<String>,
    /// The Elastic IP allocation, for internet-facing NLBs (DescribeLoadBalancers `LoadBalancerAddresses[].AllocationId`).
    pub allocation_id: Option<String>,
    /// The private IPv4 address, for internal NLBs (DescribeLoadBalancers `LoadBalancerAddresses[].PrivateIPv4Address`).
    pub private_ipv4_address: Option<String>,
    /// The IPv6 address (DescribeLoadBalancers `LoadBalancerAddresses[].IPv6Address`).
    pub ipv6_address: Option<String>,
}

/// Props of `aws_lb_listener`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Listener {
    /// The listener ARN (DescribeListeners).
    pub listener_arn: String,
    /// The load balancer the listener belongs to (DescribeListeners).
    pub load_balancer_arn: String,
    /// The port the listener accepts connections on (DescribeListeners).
    pub port: Option<i32>,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP` or `GENEVE` (DescribeListeners).
    pub protocol: Option<String>,
    /// The TLS security policy, for HTTPS and TLS listeners (DescribeListeners).
    pub ssl_policy: Option<String>,
    /// The default certificate, for HTTPS and TLS listeners (DescribeListeners `Certificates`).
    pub certificates: Vec<ListenerCertificate>,
    /// The ALPN policy, for TLS listeners (DescribeListeners).
    pub alpn_policy: Vec<String>,
    /// Mutual TLS mode: `off`, `passthrough` or `verify` (DescribeListeners `MutualAuthentication.Mode`).
    pub mutual_authentication_mode: Option<String>,
    /// What the listener does with a request no rule matches (DescribeListeners `DefaultActions`).
    pub default_actions: Vec<Action>,
    /// The listener's rules, the default rule included, for ALB listeners (DescribeRules).
    pub rules: Vec<Rule>,
}

/// A certificate of a listener.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListenerCertificate {
    /// The ACM or IAM certificate ARN (DescribeListeners `Certificates[].CertificateArn`).
    pub certificate_arn: Option<String>,
    /// Whether it is the default certificate (DescribeListeners `Certificates[].IsDefault`).
    pub is_default: Option<bool>,
}

/// An action of a listener or rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Action {
    /// `forward`, `redirect`, `fixed-response`, `authenticate-oidc`, `authenticate-cognito` or `jwt-validation` (DescribeListeners/DescribeRules `Actions[].Type`).
    #[serde(rename = "type")]
    pub r#type: Option<String>,
    /// The order of the action within its list (DescribeListeners/DescribeRules `Actions[].Order`).
    pub order: Option<i32>,
    /// The target group of a single-group forward (DescribeListeners/DescribeRules `Actions[].TargetGroupArn`).
    pub target_group_arn: Option<String>,
    /// The weighted target groups of a forward (DescribeListeners/DescribeRules `Actions[].ForwardConfig`).
    pub forward_config: Option<ForwardConfig>,
    /// Where a redirect sends the client (DescribeListeners/DescribeRules `Actions[].RedirectConfig`).
    pub redirect_config: Option<RedirectConfig>,
    /// The fixed response returned (DescribeListeners/DescribeRules `Actions[].FixedResponseConfig`).
    pub fixed_response_config: Option<FixedResponseConfig>,
}

/// The target groups of a forward action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ForwardConfig {
    /// The target groups and their weights (DescribeListeners/DescribeRules `ForwardConfig.TargetGroups`).
    pub target_groups: Vec<TargetGroupTuple>,
}

/// A weighted target group of a forward action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetGroupTuple {
    /// The target group ARN (DescribeListeners/DescribeRules `TargetGroups[].TargetGroupArn`).
    pub target_group_arn: Option<String>,
    /// The weight (DescribeListeners/DescribeRules `TargetGroups[].Weight`).
    pub weight: Option<i32>,
}

/// A redirect action's target; `#{protocol}`-style placeholders keep the request's value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RedirectConfig {
    /// `HTTP`, `HTTPS` or `#{protocol}` (DescribeListeners/DescribeRules `RedirectConfig.Protocol`).
    pub protocol: Option<String>,
    /// The port or `#{port}` (DescribeListeners/DescribeRules `RedirectConfig.Port`).
    pub port: Option<String>,
    /// The host or `#{host}` (DescribeListeners/DescribeRules `RedirectConfig.Host`).
    pub host: Option<String>,
    /// The path or `/#{path}` (DescribeListeners/DescribeRules `RedirectConfig.Path`).
    pub path: Option<String>,
    /// `HTTP_301` or `HTTP_302` (DescribeListeners/DescribeRules `RedirectConfig.StatusCode`).
    pub status_code: Option<String>,
}

/// A fixed-response action.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FixedResponseConfig {
    /// The HTTP status code returned (DescribeListeners/DescribeRules `FixedResponseConfig.StatusCode`).
    pub status_code: Option<String>,
    /// The content type returned (DescribeListeners/DescribeRules `FixedResponseConfig.ContentType`).
    pub content_type: Option<String>,
}

/// A listener rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rule {
    /// The rule ARN (DescribeRules).
    pub rule_arn: Option<String>,
    /// The priority, or `default` for the default rule (DescribeRules).
    pub priority: Option<String>,
    /// Whether this is the listener's default rule (DescribeRules).
    pub is_default: Option<bool>,
    /// The conditions a request must meet (DescribeRules `Conditions`).
    pub conditions: Vec<RuleCondition>,
    /// What the rule does with a matching request (DescribeRules `Actions`).
    pub actions: Vec<Action>,
}

/// A condition of a listener rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RuleCondition {
    /// `host-header`, `path-pattern`, `http-header`, `http-request-method`, `query-string` or `source-ip` (DescribeRules `Conditions[].Field`).
    pub field: Option<String>,
    /// The values matched: host names, paths, methods or source CIDRs (DescribeRules `Conditions[].Values` and the `*Config.Values` of the field).
    pub values: Vec<String>,
}

/// Props of `aws_lb_target_group`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TargetGroup {
    /// The target group ARN (DescribeTargetGroups).
    pub target_group_arn: String,
    /// The target group name (DescribeTargetGroups).
    pub target_group_name: String,
    /// The protocol traffic reaches targets with (DescribeTargetGroups).
    pub protocol: Option<String>,
    /// `HTTP1`, `HTTP2` or `GRPC`, for HTTP(S) groups (DescribeTargetGroups).
    pub protocol_version: Option<String>,
    /// The port traffic reaches targets on (DescribeTargetGroups).
    pub port: Option<i32>,
    /// `instance`, `ip`, `lambda` or `alb` (DescribeTargetGroups).
    pub target_type: Option<String>,
    /// The VPC of the targets (DescribeTargetGroups).
    pub vpc_id: Option<String>,
    /// `ipv4` or `ipv6` (DescribeTargetGroups).
    pub ip_address_type: Option<String>,
    /// Whether health checks are enabled (DescribeTargetGroups).
    pub health_check_enabled: Option<bool>,
    /// The health check protocol (DescribeTargetGroups).
    pub health_check_protocol: Option<String>,
    /// The health check port, or `traffic-port` (DescribeTargetGroups).
    pub health_check_port: Option<String>,
    /// The health check path, for HTTP(S) checks (DescribeTargetGroups).
    pub health_check_path: Option<String>,
    /// Seconds between health checks (DescribeTargetGroups).
    pub health_check_interval_seconds: Option<i32>,
    /// Consecutive successes before a target is healthy (DescribeTargetGroups).
    pub healthy_threshold_count: Option<i32>,
    /// Consecutive failures before a target is unhealthy (DescribeTargetGroups).
    pub unhealthy_threshold_count: Option<i32>,
    /// The load balancers that route to the group (DescribeTargetGroups).
    pub load_balancer_arns: Vec<String>,
    /// The registered targets and their health (DescribeTargetHealth).
    pub targets: Vec<Target>,
}

/// A target registered with a target group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    /// The instance id, IP address, Lambda function ARN or ALB ARN (DescribeTargetHealth `Target.Id`).
    pub id: String,
    /// The port the target receives traffic on (DescribeTargetHealth `Target.Port`).
    pub port: Option<i32>,
    /// The zone of the target, or `all` (DescribeTargetHealth `Target.AvailabilityZone`).
    pub availability_zone: Option<String>,
    /// `initial`, `healthy`, `unhealthy`, `unused`, `draining` or `unavailable` (DescribeTargetHealth `TargetHealth.State`).
    pub state: Option<String>,
    /// The reason code for a state other than healthy (DescribeTargetHealth `TargetHealth.Reason`).
    pub reason: Option<String>,
}
