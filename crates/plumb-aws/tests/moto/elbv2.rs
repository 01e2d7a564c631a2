//! Tests of the `elbv2` collector against moto.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
    ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum, RuleCondition, Tag,
    TargetDescription, TargetTypeEnum,
};
use plumb_model::Relation;

use crate::common::*;

/// moto's stock Amazon Linux image.
const AMI: &str = "ami-12c6146b";

/// An internet-facing ALB in two subnets of a VPC behind a security group,
/// an HTTP listener forwarding to a target group with a registered
/// instance, a rule forwarding `/api/*` to a second group, an HTTPS
/// listener forwarding to the first group, and a listener on 8080
/// redirecting to HTTPS.
struct Seeded {
    vpc: String,
    subnets: Vec<String>,
    security_group: String,
    instance: String,
    lb: String,
    web_group: String,
    api_group: String,
    http_listener: String,
    https_listener: String,
    redirect_listener: String,
}

/// The IAM server certificate of the HTTPS listener.
fn certificate() -> String {
    format!("arn:aws:iam::{ACCOUNT}:server-certificate/web")
}

/// The TLS policy of the HTTPS listener.
const TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

fn ec2_arn(resource: &str) -> String {
    format!("arn:aws:ec2:{REGION}:{ACCOUNT}:{resource}")
}

async fn seed(server: &MotoServer) -> Seeded {
    let config = sdk(server, REGION).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.2.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let mut subnets = Vec::new();
    for (cidr, zone) in [("10.2.1.0/24", "us-east-1a"), ("10.2.2.0/24", "us-east-1b")] {
        subnets.push(
            ec2.create_subnet()
                .vpc_id(&vpc)
                .cidr_block(cidr)
                .availability_zone(zone)
                .send()
                .await
                .unwrap()
                .subnet
                .unwrap()
                .subnet_id
                .unwrap(),
        );
    }
    let security_group = ec2
        .create_security_group()
        .group_name("web")
        .description("web")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let instance = ec2
        .run_instances()
        .image_id(AMI)
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .subnet_id(&subnets[0])
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_string();
    s3(server, REGION)
        .await
        .create_bucket()
        .bucket("plumb-lb-logs")
        .send()
        .await
        .unwrap();

    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let lb = elb
        .create_load_balancer()
        .name("web")
        .set_subnets(Some(subnets.clone()))
        .security_groups(&security_group)
        .scheme(LoadBalancerSchemeEnum::InternetFacing)
        .r#type(LoadBalancerTypeEnum::Application)
        .tags(Tag::builder().key("Name").value("public web").build())
        .tags(Tag::builder().key("team").value("web").build())
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let attributes = [
        ("deletion_protection.enabled", "true"),
        ("access_logs.s3.enabled", "true"),
        ("access_logs.s3.bucket", "plumb-lb-logs"),
        ("access_logs.s3.prefix", "web"),
        ("routing.http.drop_invalid_header_fields.enabled", "true"),
        ("routing.http.desync_mitigation_mode", "strictest"),
    ];
    elb.modify_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .set_attributes(Some(
            attributes
                .iter()
                .map(|(k, v)| LoadBalancerAttribute::builder().key(*k).value(*v).build())
                .collect(),
        ))
        .send()
        .await
        .unwrap();

    let mut groups = Vec::new();
    for (name, path) in [("web", "/health"), ("api", "/api/health")] {
        groups.push(
            elb.create_target_group()
                .name(name)
                .protocol(ProtocolEnum::Http)
                .port(80)
                .vpc_id(&vpc)
                .target_type(TargetTypeEnum::Instance)
                .health_check_path(path)
                .send()
                .await
                .unwrap()
                .target_groups()[0]
                .target_group_arn()
                .unwrap()
                .to_string(),
        );
    }
    let (web_group, api_group) = (groups[0].clone(), groups[1].clone());
    elb.register_targets()
        .target_group_arn(&web_group)
        .targets(TargetDescription::builder().id(&instance).port(80).build())
        .send()
        .await
        .unwrap();

    let http_listener = elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&web_group)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_string();
    elb.create_rule()
        .listener_arn(&http_listener)
        .priority(10)
        .conditions(
            RuleCondition::builder()
                .field("path-pattern")
                .values("/api/*")
                .build(),
        )
        .actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&api_group)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let https_listener = elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Https)
        .port(443)
        .ssl_policy(TLS_POLICY)
        .certificates(
            aws_sdk_elasticloadbalancingv2::types::Certificate::builder()
                .certificate_arn(certificate())
                .build(),
        )
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&web_group)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_string();
    let redirect_listener = elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Http)
        .port(8080)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(
                    RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .status_code(RedirectActionStatusCodeEnum::Http301)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_string();

    Seeded {
        vpc,
        subnets,
        security_group,
        instance,
        lb,
        web_group,
        api_group,
        http_listener,
        https_listener,
        redirect_listener,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn load_balancers_are_collected_with_placement_attributes_and_tags() {
    let server = MotoServer::start();
    let seeded = seed(&server).await;

    let snap = collect(&server, &["elbv2"]).await;
    snap.assert_ok("elbv2");
    assert_eq!(snap.of_kind("aws_lb").len(), 1);
    let lb = snap.resource(&seeded.lb);
    assert_eq!(lb.name, "public web");
    assert_eq!(lb.tags.get("team").map(String::as_str), Some("web"));
    let p = &lb.props;
    assert_eq!(p["load_balancer_arn"], seeded.lb.as_str());
    assert_eq!(p["load_balancer_name"], "web");
    assert_eq!(p["scheme"], "internet-facing");
    assert_eq!(p["type"], "application");
    assert_eq!(p["vpc_id"], seeded.vpc.as_str());
    assert!(p["dns_name"].as_str().unwrap().starts_with("web-"));
    assert!(p["state"].is_string());
    assert_eq!(p["ip_address_type"], "ipv4");
    assert_eq!(
        p["security_groups"],
        serde_json::json!([seeded.security_group])
    );
    let zones = p["availability_zones"].as_array().unwrap();
    assert_eq!(zones.len(), 2, "{zones:?}");
    assert!(zones.iter().any(|z| z["zone_name"] == "us-east-1b"));

    assert_eq!(p["deletion_protection_enabled"], true);
    assert_eq!(p["access_logs_s3_enabled"], true);
    assert_eq!(p["access_logs_s3_bucket"], "plumb-lb-logs");
    assert_eq!(p["access_logs_s3_prefix"], "web");
    assert_eq!(p["drop_invalid_header_fields"], true);
    assert_eq!(p["desync_mitigation_mode"], "strictest");
    assert_eq!(p["attributes"]["deletion_protection.enabled"], "true");
    assert_eq!(p["listener_arns"].as_array().unwrap().len(), 3);

    let sg = ec2_arn(&format!("security-group/{}", seeded.security_group));
    assert!(snap.has_edge(&lb.uid, Relation::ProtectedBy, &sg));
    for subnet in &seeded.subnets {
        assert!(snap.has_edge(
            &lb.uid,
            Relation::MemberOf,
            &ec2_arn(&format!("subnet/{subnet}"))
        ));
    }
    assert!(snap.has_edge(&lb.uid, Relation::LogsTo, "arn:aws:s3:::plumb-lb-logs"));
}

#[tokio::test(flavor = "multi_thread")]
async fn listeners_and_target_groups_trace_the_route_to_the_instance() {
    let server = MotoServer::start();
    let seeded = seed(&server).await;

    let snap = collect(&server, &["elbv2"]).await;
    snap.assert_ok("elbv2");
    assert_eq!(snap.of_kind("aws_lb_listener").len(), 3);
    assert_eq!(snap.of_kind("aws_lb_target_group").len(), 2);

    let http = snap.resource(&seeded.http_listener);
    assert_eq!(http.name, "HTTP:80");
    assert_eq!(http.props["load_balancer_arn"], seeded.lb.as_str());
    assert_eq!(http.props["port"], 80);
    assert_eq!(http.props["protocol"], "HTTP");
    assert_eq!(http.props["default_actions"][0]["type"], "forward");
    assert_eq!(
        http.props["default_actions"][0]["target_group_arn"],
        seeded.web_group.as_str()
    );
    let rules = http.props["rules"].as_array().unwrap();
    let api_rule = rules
        .iter()
        .find(|r| r["priority"] == "10")
        .unwrap_or_else(|| panic!("no rule of priority 10: {rules:?}"));
    assert_eq!(api_rule["conditions"][0]["field"], "path-pattern");
    assert_eq!(
        api_rule["conditions"][0]["values"],
        serde_json::json!(["/api/*"])
    );
    assert_eq!(
        api_rule["actions"][0]["target_group_arn"],
        seeded.api_group.as_str()
    );
    assert!(snap.has_edge(&http.uid, Relation::MemberOf, &seeded.lb));
    assert!(snap.has_edge(&http.uid, Relation::RoutesTo, &seeded.web_group));
    assert!(snap.has_edge(&http.uid, Relation::RoutesTo, &seeded.api_group));

    let https = snap.resource(&seeded.https_listener);
    assert_eq!(https.props["protocol"], "HTTPS");
    assert_eq!(https.props["ssl_policy"], TLS_POLICY);
    assert_eq!(
        https.props["certificates"][0]["certificate_arn"],
        certificate().as_str()
    );
    assert!(snap.has_edge(&https.uid, Relation::RoutesTo, &seeded.web_group));

    let redirect = snap.resource(&seeded.redirect_listener);
    let action = &redirect.props["default_actions"][0];
    assert_eq!(action["type"], "redirect");
    assert_eq!(action["redirect_config"]["protocol"], "HTTPS");
    assert_eq!(action["redirect_config"]["port"], "443");
    assert_eq!(action["redirect_config"]["status_code"], "HTTP_301");
    assert!(snap.has_edge(&redirect.uid, Relation::MemberOf, &seeded.lb));
    assert!(!snap
        .edges
        .iter()
        .any(|e| e.from == redirect.uid && e.relation == Relation::RoutesTo));

    let web = snap.resource(&seeded.web_group);
    assert_eq!(web.name, "web");
    let p = &web.props;
    assert_eq!(p["target_group_name"], "web");
    assert_eq!(p["protocol"], "HTTP");
    assert_eq!(p["port"], 80);
    assert_eq!(p["target_type"], "instance");
    assert_eq!(p["vpc_id"], seeded.vpc.as_str());
    assert_eq!(p["health_check_path"], "/health");
    // moto repeats the ARN once per listener that forwards to the group.
    let lbs = p["load_balancer_arns"].as_array().unwrap();
    assert!(!lbs.is_empty() && lbs.iter().all(|a| a == seeded.lb.as_str()));
    assert_eq!(p["targets"][0]["id"], seeded.instance.as_str());
    assert_eq!(p["targets"][0]["port"], 80);
    assert!(p["targets"][0]["state"].is_string(), "{:?}", p["targets"]);
    let instance = ec2_arn(&format!("instance/{}", seeded.instance));
    assert!(snap.has_edge(&web.uid, Relation::RoutesTo, &instance));

    let api = snap.resource(&seeded.api_group);
    assert_eq!(api.props["targets"], serde_json::json!([]));
}
