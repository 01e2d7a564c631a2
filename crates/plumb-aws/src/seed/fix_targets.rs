//! Seeds one misconfigured resource for each automated fix that the demo
//! account does not already exercise, for the fix tests: each of these
//! fails the checks of its fix, and some carry settings the fix must keep
//! (a security group's other rules and sources).

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, HttpTokensState, InstanceMetadataOptionsRequest, IpPermission, IpRange,
    Ipv6Range, LaunchPermission, LaunchPermissionModifications, PermissionGroup, ResourceType,
};

use super::{first_image, guard, s3, step, tags, SeedError};

/// What [`fix_targets`] created.
#[derive(Debug, Clone, Default)]
pub struct FixTargets {
    /// The VPC the network targets live in.
    pub vpc_id: String,
    /// SSH from 0.0.0.0/0 and 10.1.0.0/16, RDP from ::/0, MySQL and HTTPS
    /// from 0.0.0.0/0: the fix revokes the first and second world sources
    /// only.
    pub admin_open_group_id: String,
    /// All traffic from 0.0.0.0/0, TCP 8443 from 0.0.0.0/0 and UDP 53 from
    /// 10.0.0.0/8: the fix revokes the first whole and keeps the others.
    pub all_open_group_id: String,
    /// A subnet that gives instances public addresses.
    pub public_subnet_id: String,
    /// An instance whose metadata hop limit is 2.
    pub instance_id: String,
    /// A public image.
    pub image_id: String,
    /// An Elastic IP that nothing uses.
    pub allocation_id: String,
    /// A customer key scheduled for deletion.
    pub key_id: String,
    /// A log group keeping its events for 30 days.
    pub log_group: String,
    /// An alarm whose actions are disabled.
    pub alarm: String,
    /// A console user with an access key never used.
    pub user: String,
    /// Users with one access key each, never used, to be made old by the
    /// test (moto dates keys when they are created): `(user, key id)`.
    pub users_to_age: Vec<(String, String)>,
    /// A console user with an access key never used, both to be made old
    /// by the test: the unused-credentials fixes must decline it (they
    /// leave passwords alone): `(user, key id)`.
    pub stale_console_user: (String, String),
    /// A public DB instance without backups, deletion protection, tag
    /// copying, minor version upgrades or IAM authentication.
    pub db_instance: String,
    /// A DB snapshot anyone may restore.
    pub db_snapshot: String,
    /// An Aurora cluster without deletion protection or tag copying.
    pub db_cluster: String,
    /// A cluster snapshot anyone may restore.
    pub db_cluster_snapshot: String,
    /// An unencrypted topic.
    pub topic_arn: String,
    /// An unencrypted queue.
    pub queue_url: String,
    /// An application load balancer that keeps invalid headers, has no
    /// deletion protection and only monitors desync.
    pub load_balancer_arn: String,
    /// A function with a URL anyone can call.
    pub function: String,
    /// A bucket with ACLs on.
    pub bucket: String,
}

/// The smallest zip archive (no entries): Lambda stores the code, moto
/// never runs it.
const EMPTY_ZIP: [u8; 22] = [
    0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn world_v4() -> IpRange {
    IpRange::builder().cidr_ip("0.0.0.0/0").build()
}

fn permission(
    protocol: &str,
    from: i32,
    to: i32,
) -> aws_sdk_ec2::types::builders::IpPermissionBuilder {
    IpPermission::builder()
        .ip_protocol(protocol)
        .from_port(from)
        .to_port(to)
}

/// Seeds [`FixTargets`] in `config`'s region (its second subnet in the
/// region's second availability zone).
pub async fn fix_targets(config: &SdkConfig) -> Result<FixTargets, SeedError> {
    guard(config)?;
    let region = config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let account = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(step("sts:GetCallerIdentity"))?
        .account()
        .unwrap_or_default()
        .to_string();
    let mut out = FixTargets::default();
    network(config, &region, &mut out).await?;
    compute(config, &mut out).await?;
    databases(config, &mut out).await?;
    everything_else(config, &account, &mut out).await?;
    Ok(out)
}

async fn network(config: &SdkConfig, region: &str, out: &mut FixTargets) -> Result<(), SeedError> {
    let ec2 = aws_sdk_ec2::Client::new(config);
    out.vpc_id = ec2
        .create_vpc()
        .cidr_block("10.1.0.0/16")
        .tag_specifications(tags(ResourceType::Vpc, "fix-targets"))
        .send()
        .await
        .map_err(step("ec2:CreateVpc"))?
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap_or_default()
        .to_string();
    // The first subnet gives instances public addresses; the second, in
    // another zone, is there for the load balancer.
    for (cidr, az) in [("10.1.1.0/24", "a"), ("10.1.2.0/24", "b")] {
        let subnet = ec2
            .create_subnet()
            .vpc_id(&out.vpc_id)
            .cidr_block(cidr)
            .availability_zone(format!("{region}{az}"))
            .send()
            .await
            .map_err(step("ec2:CreateSubnet"))?
            .subnet()
            .and_then(|s| s.subnet_id())
            .unwrap_or_default()
            .to_string();
        if out.public_subnet_id.is_empty() {
            out.public_subnet_id = subnet;
        }
    }
    ec2.modify_subnet_attribute()
        .subnet_id(&out.public_subnet_id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .map_err(step("ec2:ModifySubnetAttribute"))?;

    let group = |name: &'static str| {
        let ec2 = ec2.clone();
        let vpc = out.vpc_id.clone();
        async move {
            ec2.create_security_group()
                .group_name(name)
                .description(name)
                .vpc_id(vpc)
                .send()
                .await
                .map_err(step("ec2:CreateSecurityGroup"))
                .map(|g| g.group_id().unwrap_or_default().to_string())
        }
    };
    out.admin_open_group_id = group("admin-open").await?;
    ec2.authorize_security_group_ingress()
        .group_id(&out.admin_open_group_id)
        .ip_permissions(
            permission("tcp", 22, 22)
                .ip_ranges(world_v4())
                .ip_ranges(IpRange::builder().cidr_ip("10.1.0.0/16").build())
                .build(),
        )
        .ip_permissions(
            permission("tcp", 3389, 3389)
                .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                .build(),
        )
        .ip_permissions(permission("tcp", 3306, 3306).ip_ranges(world_v4()).build())
        .ip_permissions(permission("tcp", 443, 443).ip_ranges(world_v4()).build())
        .send()
        .await
        .map_err(step("ec2:AuthorizeSecurityGroupIngress"))?;
    out.all_open_group_id = group("all-open").await?;
    ec2.authorize_security_group_ingress()
        .group_id(&out.all_open_group_id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(world_v4())
                .build(),
        )
        .ip_permissions(permission("tcp", 8443, 8443).ip_ranges(world_v4()).build())
        .ip_permissions(
            permission("udp", 53, 53)
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                .build(),
        )
        .send()
        .await
        .map_err(step("ec2:AuthorizeSecurityGroupIngress"))?;
    Ok(())
}

async fn compute(config: &SdkConfig, out: &mut FixTargets) -> Result<(), SeedError> {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let image = first_image(&ec2).await?;
    out.instance_id = ec2
        .run_instances()
        .image_id(image)
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&out.public_subnet_id)
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Required)
                .http_put_response_hop_limit(2)
                .build(),
        )
        .tag_specifications(tags(ResourceType::Instance, "image-builder"))
        .send()
        .await
        .map_err(step("ec2:RunInstances"))?
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .unwrap_or_default()
        .to_string();
    out.image_id = ec2
        .create_image()
        .instance_id(&out.instance_id)
        .name("fix-targets-public-image")
        .send()
        .await
        .map_err(step("ec2:CreateImage"))?
        .image_id()
        .unwrap_or_default()
        .to_string();
    ec2.modify_image_attribute()
        .image_id(&out.image_id)
        .launch_permission(
            LaunchPermissionModifications::builder()
                .add(
                    LaunchPermission::builder()
                        .group(PermissionGroup::All)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .map_err(step("ec2:ModifyImageAttribute"))?;
    out.allocation_id = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .map_err(step("ec2:AllocateAddress"))?
        .allocation_id()
        .unwrap_or_default()
        .to_string();
    Ok(())
}

async fn databases(config: &SdkConfig, out: &mut FixTargets) -> Result<(), SeedError> {
    let rds = aws_sdk_rds::Client::new(config);
    out.db_instance = "fix-targets-db".into();
    rds.create_db_instance()
        .db_instance_identifier(&out.db_instance)
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("app_owner")
        .master_user_password("Demo-only-password-1")
        .publicly_accessible(true)
        .auto_minor_version_upgrade(false)
        .backup_retention_period(0)
        .deletion_protection(false)
        .copy_tags_to_snapshot(false)
        .enable_iam_database_authentication(false)
        .send()
        .await
        .map_err(step("rds:CreateDBInstance"))?;
    out.db_snapshot = "fix-targets-db-snapshot".into();
    rds.create_db_snapshot()
        .db_instance_identifier(&out.db_instance)
        .db_snapshot_identifier(&out.db_snapshot)
        .send()
        .await
        .map_err(step("rds:CreateDBSnapshot"))?;
    rds.modify_db_snapshot_attribute()
        .db_snapshot_identifier(&out.db_snapshot)
        .attribute_name("restore")
        .values_to_add("all")
        .send()
        .await
        .map_err(step("rds:ModifyDBSnapshotAttribute"))?;
    out.db_cluster = "fix-targets-cluster".into();
    rds.create_db_cluster()
        .db_cluster_identifier(&out.db_cluster)
        .engine("aurora-postgresql")
        .master_username("app_owner")
        .master_user_password("Demo-only-password-1")
        .deletion_protection(false)
        .copy_tags_to_snapshot(false)
        .send()
        .await
        .map_err(step("rds:CreateDBCluster"))?;
    out.db_cluster_snapshot = "fix-targets-cluster-snapshot".into();
    rds.create_db_cluster_snapshot()
        .db_cluster_identifier(&out.db_cluster)
        .db_cluster_snapshot_identifier(&out.db_cluster_snapshot)
        .send()
        .await
        .map_err(step("rds:CreateDBClusterSnapshot"))?;
    rds.modify_db_cluster_snapshot_attribute()
        .db_cluster_snapshot_identifier(&out.db_cluster_snapshot)
        .attribute_name("restore")
        .values_to_add("all")
        .send()
        .await
        .map_err(step("rds:ModifyDBClusterSnapshotAttribute"))?;
    Ok(())
}

async fn everything_else(
    config: &SdkConfig,
    account: &str,
    out: &mut FixTargets,
) -> Result<(), SeedError> {
    let kms = aws_sdk_kms::Client::new(config);
    out.key_id = kms
        .create_key()
        .description("fix targets: scheduled for deletion")
        .send()
        .await
        .map_err(step("kms:CreateKey"))?
        .key_metadata()
        .map(|k| k.key_id().to_string())
        .unwrap_or_default();
    kms.schedule_key_deletion()
        .key_id(&out.key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .map_err(step("kms:ScheduleKeyDeletion"))?;

    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    out.log_group = "/fix-targets/app".into();
    logs.create_log_group()
        .log_group_name(&out.log_group)
        .send()
        .await
        .map_err(step("logs:CreateLogGroup"))?;
    logs.put_retention_policy()
        .log_group_name(&out.log_group)
        .retention_in_days(30)
        .send()
        .await
        .map_err(step("logs:PutRetentionPolicy"))?;

    out.alarm = "fix-targets-cpu".into();
    aws_sdk_cloudwatch::Client::new(config)
        .put_metric_alarm()
        .alarm_name(&out.alarm)
        .namespace("AWS/EC2")
        .metric_name("CPUUtilization")
        .statistic(aws_sdk_cloudwatch::types::Statistic::Average)
        .period(300)
        .evaluation_periods(1)
        .threshold(90.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .actions_enabled(false)
        .send()
        .await
        .map_err(step("cloudwatch:PutMetricAlarm"))?;

    let iam = aws_sdk_iam::Client::new(config);
    out.user = "fix-targets-bob".into();
    let erin = "fix-targets-erin";
    let users = [
        out.user.clone(),
        "fix-targets-carol".into(),
        "fix-targets-dave".into(),
        erin.into(),
    ];
    for user in &users {
        iam.create_user()
            .user_name(user)
            .send()
            .await
            .map_err(step("iam:CreateUser"))?;
        let key = iam
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .map_err(step("iam:CreateAccessKey"))?
            .access_key()
            .map(|k| k.access_key_id().to_string())
            .unwrap_or_default();
        if *user == out.user || user == erin {
            iam.create_login_profile()
                .user_name(user)
                .password("Demo-only-password-1")
                .send()
                .await
                .map_err(step("iam:CreateLoginProfile"))?;
        }
        if user == erin {
            out.stale_console_user = (user.to_string(), key);
        } else if *user != out.user {
            out.users_to_age.push((user.to_string(), key));
        }
    }

    out.topic_arn = aws_sdk_sns::Client::new(config)
        .create_topic()
        .name("fix-targets-topic")
        .send()
        .await
        .map_err(step("sns:CreateTopic"))?
        .topic_arn()
        .unwrap_or_default()
        .to_string();
    out.queue_url = aws_sdk_sqs::Client::new(config)
        .create_queue()
        .queue_name("fix-targets-queue")
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::SqsManagedSseEnabled,
            "false",
        )
        .send()
        .await
        .map_err(step("sqs:CreateQueue"))?
        .queue_url()
        .unwrap_or_default()
        .to_string();

    load_balancer(config, out).await?;
    function(config, out).await?;

    // A bucket whose only fixable failure is its ACLs: the other S3 fixes
    // are the demo's.
    out.bucket = format!("fix-targets-acls-{account}");
    let s3 = s3(config);
    s3.create_bucket()
        .bucket(&out.bucket)
        .send()
        .await
        .map_err(step("s3:CreateBucket"))?;
    s3.put_public_access_block()
        .bucket(&out.bucket)
        .public_access_block_configuration(crate::fix::s3::all_public_access_blocked())
        .send()
        .await
        .map_err(step("s3:PutPublicAccessBlock"))?;
    s3.put_bucket_versioning()
        .bucket(&out.bucket)
        .versioning_configuration(crate::fix::s3::versioning_enabled())
        .send()
        .await
        .map_err(step("s3:PutBucketVersioning"))?;
    s3.put_bucket_encryption()
        .bucket(&out.bucket)
        .server_side_encryption_configuration(
            crate::fix::s3::sse_s3_by_default().map_err(step("s3 encryption"))?,
        )
        .send()
        .await
        .map_err(step("s3:PutBucketEncryption"))?;
    Ok(())
}

async fn load_balancer(config: &SdkConfig, out: &mut FixTargets) -> Result<(), SeedError> {
    use aws_sdk_elasticloadbalancingv2::types::LoadBalancerAttribute;
    let ec2 = aws_sdk_ec2::Client::new(config);
    let subnets: Vec<String> = ec2
        .describe_subnets()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&out.vpc_id)
                .build(),
        )
        .send()
        .await
        .map_err(step("ec2:DescribeSubnets"))?
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id().map(str::to_string))
        .collect();
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(config);
    out.load_balancer_arn = elb
        .create_load_balancer()
        .name("fix-targets-alb")
        .set_subnets(Some(subnets))
        .send()
        .await
        .map_err(step("elasticloadbalancing:CreateLoadBalancer"))?
        .load_balancers()
        .first()
        .and_then(|lb| lb.load_balancer_arn())
        .unwrap_or_default()
        .to_string();
    elb.modify_load_balancer_attributes()
        .load_balancer_arn(&out.load_balancer_arn)
        .attributes(
            LoadBalancerAttribute::builder()
                .key("routing.http.desync_mitigation_mode")
                .value("monitor")
                .build(),
        )
        .attributes(
            LoadBalancerAttribute::builder()
                .key("routing.http.drop_invalid_header_fields.enabled")
                .value("false")
                .build(),
        )
        .send()
        .await
        .map_err(step("elasticloadbalancing:ModifyLoadBalancerAttributes"))?;
    Ok(())
}

async fn function(config: &SdkConfig, out: &mut FixTargets) -> Result<(), SeedError> {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = aws_sdk_iam::Client::new(config)
        .create_role()
        .role_name("fix-targets-function")
        .assume_role_policy_document(trust)
        .send()
        .await
        .map_err(step("iam:CreateRole"))?
        .role()
        .map(|r| r.arn().to_string())
        .unwrap_or_default();
    let lambda = aws_sdk_lambda::Client::new(config);
    out.function = "fix-targets-api".into();
    lambda
        .create_function()
        .function_name(&out.function)
        .runtime(aws_sdk_lambda::types::Runtime::Python312)
        .handler("index.handler")
        .role(role)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(aws_smithy_types::Blob::new(EMPTY_ZIP.to_vec()))
                .build(),
        )
        .send()
        .await
        .map_err(step("lambda:CreateFunction"))?;
    lambda
        .create_function_url_config()
        .function_name(&out.function)
        .auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None)
        .send()
        .await
        .map_err(step("lambda:CreateFunctionUrlConfig"))?;
    Ok(())
}
