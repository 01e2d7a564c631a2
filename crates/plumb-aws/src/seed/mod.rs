//! Seeds an emulated AWS account (moto's server on loopback) for the demo,
//! the tests and the benchmarks: a small account with the misconfigurations
//! a security engineer meets every day, or many resources for timing.
//!
//! Every function refuses to run unless the SDK config points at a loopback
//! endpoint: seeding writes, and Plumb never writes to a real account here.
//! [`fix_targets`] adds, for the fix tests, a resource for each automated
//! fix the demo does not exercise.

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, HttpTokensState, IamInstanceProfileSpecification,
    InstanceMetadataOptionsRequest, IpPermission, IpRange, ResourceType, Tag, TagSpecification,
};
use futures::stream::{self, StreamExt, TryStreamExt};

mod fix_targets;
pub use fix_targets::{fix_targets, FixTargets};

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The endpoint is not an emulator on loopback.
    #[error("refusing to seed {0}: seeding only ever targets an emulator on 127.0.0.1/localhost (pass --endpoint-url)")]
    NotLoopback(String),
    /// A call to the emulator failed.
    #[error("seeding step `{step}` failed: {message}")]
    Step {
        /// What was being created.
        step: &'static str,
        /// The error.
        message: String,
    },
}

fn step<E: std::error::Error>(step: &'static str) -> impl FnOnce(E) -> SeedError {
    move |e| SeedError::Step {
        step,
        message: aws_smithy_types::error::display::DisplayErrorContext(e).to_string(),
    }
}

fn guard(config: &SdkConfig) -> Result<(), SeedError> {
    let url = config.endpoint_url().unwrap_or("(the real AWS endpoints)");
    let host = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or("");
    if host == "127.0.0.1" || host == "localhost" || host == "[::1]" {
        Ok(())
    } else {
        Err(SeedError::NotLoopback(url.to_string()))
    }
}

fn s3(config: &SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    )
}

fn tags(resource: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

/// Names of what [`demo`] created, for tests and the demo's printout.
#[derive(Debug, Clone, Default)]
pub struct DemoAccount {
    /// The publicly readable bucket.
    pub public_bucket: String,
    /// The well-configured bucket holding customer data.
    pub data_bucket: String,
    /// The instance with IMDSv1, a public IP and SSH open to the world.
    pub instance_id: String,
    /// The security group open to the world on port 22.
    pub open_security_group_id: String,
    /// The IAM user with an access key and no MFA.
    pub user: String,
    /// The role the instance runs as.
    pub role: String,
}

/// Seeds a small account with typical misconfigurations in `config`'s
/// region: a public bucket, an IAM user without MFA, an over-broad policy,
/// SSH open to the internet, an instance with IMDSv1 and a public IP, an
/// unencrypted volume with a public snapshot, a KMS key without rotation, a
/// trail without log validation, and a weak password policy.
pub async fn demo(config: &SdkConfig) -> Result<DemoAccount, SeedError> {
    guard(config)?;
    let region = config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let s3 = s3(config);
    let iam = aws_sdk_iam::Client::new(config);
    let ec2 = aws_sdk_ec2::Client::new(config);
    let kms = aws_sdk_kms::Client::new(config);
    let trail = aws_sdk_cloudtrail::Client::new(config);
    let account = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(step("sts:GetCallerIdentity"))?
        .account()
        .unwrap_or_default()
        .to_string();

    // Storage.
    let out = DemoAccount {
        public_bucket: format!("acme-public-assets-{account}"),
        data_bucket: format!("acme-customer-data-{account}"),
        user: "alice".into(),
        role: "web-app".into(),
        ..DemoAccount::default()
    };
    let logs_bucket = format!("acme-logs-{account}");
    for bucket in [&out.public_bucket, &out.data_bucket, &logs_bucket] {
        let mut create = s3.create_bucket().bucket(bucket);
        if region != "us-east-1" {
            create = create.create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                        region.as_str(),
                    ))
                    .build(),
            );
        }
        create.send().await.map_err(step("s3:CreateBucket"))?;
    }
    let public_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}/*"}}]}}"#,
        out.public_bucket
    );
    s3.put_bucket_policy()
        .bucket(&out.public_bucket)
        .policy(public_policy)
        .send()
        .await
        .map_err(step("s3:PutBucketPolicy"))?;
    s3.put_public_access_block()
        .bucket(&out.data_bucket)
        .public_access_block_configuration(crate::fix::s3::all_public_access_blocked())
        .send()
        .await
        .map_err(step("s3:PutPublicAccessBlock"))?;
    s3.put_bucket_versioning()
        .bucket(&out.data_bucket)
        .versioning_configuration(crate::fix::s3::versioning_enabled())
        .send()
        .await
        .map_err(step("s3:PutBucketVersioning"))?;
    s3.put_bucket_tagging()
        .bucket(&out.data_bucket)
        .tagging(
            aws_sdk_s3::types::Tagging::builder()
                .tag_set(
                    aws_sdk_s3::types::Tag::builder()
                        .key("data-classification")
                        .value("confidential")
                        .build()
                        .map_err(step("s3 tag"))?,
                )
                .build()
                .map_err(step("s3 tagging"))?,
        )
        .send()
        .await
        .map_err(step("s3:PutBucketTagging"))?;

    // Identity.
    iam.update_account_password_policy()
        .minimum_password_length(8)
        .send()
        .await
        .map_err(step("iam:UpdateAccountPasswordPolicy"))?;
    iam.create_user()
        .user_name(&out.user)
        .send()
        .await
        .map_err(step("iam:CreateUser"))?;
    iam.create_login_profile()
        .user_name(&out.user)
        .password("Demo-only-password-1")
        .send()
        .await
        .map_err(step("iam:CreateLoginProfile"))?;
    iam.create_access_key()
        .user_name(&out.user)
        .send()
        .await
        .map_err(step("iam:CreateAccessKey"))?;
    let admin_doc =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let policy = iam
        .create_policy()
        .policy_name("too-broad")
        .policy_document(admin_doc)
        .send()
        .await
        .map_err(step("iam:CreatePolicy"))?;
    let policy_arn = policy
        .policy()
        .and_then(|p| p.arn())
        .unwrap_or_default()
        .to_string();
    iam.attach_user_policy()
        .user_name(&out.user)
        .policy_arn(&policy_arn)
        .send()
        .await
        .map_err(step("iam:AttachUserPolicy"))?;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name(&out.role)
        .assume_role_policy_document(trust)
        .send()
        .await
        .map_err(step("iam:CreateRole"))?;
    iam.attach_role_policy()
        .role_name(&out.role)
        .policy_arn(&policy_arn)
        .send()
        .await
        .map_err(step("iam:AttachRolePolicy"))?;
    iam.create_instance_profile()
        .instance_profile_name(&out.role)
        .send()
        .await
        .map_err(step("iam:CreateInstanceProfile"))?;
    iam.add_role_to_instance_profile()
        .instance_profile_name(&out.role)
        .role_name(&out.role)
        .send()
        .await
        .map_err(step("iam:AddRoleToInstanceProfile"))?;

    // Network and compute.
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .tag_specifications(tags(ResourceType::Vpc, "demo-vpc"))
        .send()
        .await
        .map_err(step("ec2:CreateVpc"))?;
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap_or_default()
        .to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.0.1.0/24")
        .tag_specifications(tags(ResourceType::Subnet, "demo-public"))
        .send()
        .await
        .map_err(step("ec2:CreateSubnet"))?;
    let subnet_id = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap_or_default()
        .to_string();
    ec2.modify_subnet_attribute()
        .subnet_id(&subnet_id)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .map_err(step("ec2:ModifySubnetAttribute"))?;
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .map_err(step("ec2:CreateInternetGateway"))?;
    let igw_id = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .unwrap_or_default()
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .map_err(step("ec2:AttachInternetGateway"))?;
    let rt = ec2
        .create_route_table()
        .vpc_id(&vpc_id)
        .send()
        .await
        .map_err(step("ec2:CreateRouteTable"))?;
    let rt_id = rt
        .route_table()
        .and_then(|r| r.route_table_id())
        .unwrap_or_default()
        .to_string();
    ec2.create_route()
        .route_table_id(&rt_id)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw_id)
        .send()
        .await
        .map_err(step("ec2:CreateRoute"))?;
    ec2.associate_route_table()
        .route_table_id(&rt_id)
        .subnet_id(&subnet_id)
        .send()
        .await
        .map_err(step("ec2:AssociateRouteTable"))?;
    let sg = ec2
        .create_security_group()
        .group_name("ssh-open")
        .description("SSH from anywhere")
        .vpc_id(&vpc_id)
        .send()
        .await
        .map_err(step("ec2:CreateSecurityGroup"))?;
    let sg_id = sg.group_id().unwrap_or_default().to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&sg_id)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .map_err(step("ec2:AuthorizeSecurityGroupIngress"))?;
    let image = first_image(&ec2).await?;
    let run = ec2
        .run_instances()
        .image_id(image)
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet_id)
        .security_group_ids(&sg_id)
        .iam_instance_profile(
            IamInstanceProfileSpecification::builder()
                .name(&out.role)
                .build(),
        )
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Optional)
                .build(),
        )
        .tag_specifications(tags(ResourceType::Instance, "web-1"))
        .send()
        .await
        .map_err(step("ec2:RunInstances"))?;
    let instance_id = run
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .unwrap_or_default()
        .to_string();
    let az = run
        .instances()
        .first()
        .and_then(|i| i.placement())
        .and_then(|p| p.availability_zone())
        .unwrap_or("us-east-1a")
        .to_string();
    let volume = ec2
        .create_volume()
        .availability_zone(&az)
        .size(8)
        .tag_specifications(tags(ResourceType::Volume, "web-1-data"))
        .send()
        .await
        .map_err(step("ec2:CreateVolume"))?;
    let volume_id = volume.volume_id().unwrap_or_default().to_string();
    ec2.attach_volume()
        .volume_id(&volume_id)
        .instance_id(&instance_id)
        .device("/dev/sdf")
        .send()
        .await
        .map_err(step("ec2:AttachVolume"))?;
    let snapshot = ec2
        .create_snapshot()
        .volume_id(&volume_id)
        .description("web-1 data backup")
        .send()
        .await
        .map_err(step("ec2:CreateSnapshot"))?;
    // The OperationType + UserGroup form: AWS accepts it as well as the
    // structured one, and it is the one moto implements.
    ec2.modify_snapshot_attribute()
        .snapshot_id(snapshot.snapshot_id().unwrap_or_default())
        .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
        .operation_type(aws_sdk_ec2::types::OperationType::Add)
        .group_names("all")
        .send()
        .await
        .map_err(step("ec2:ModifySnapshotAttribute"))?;
    let eip = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .map_err(step("ec2:AllocateAddress"))?;
    ec2.associate_address()
        .allocation_id(eip.allocation_id().unwrap_or_default())
        .instance_id(&instance_id)
        .send()
        .await
        .map_err(step("ec2:AssociateAddress"))?;

    // Keys and logging.
    kms.create_key()
        .description("demo key without rotation")
        .key_usage(aws_sdk_kms::types::KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .map_err(step("kms:CreateKey"))?;
    trail
        .create_trail()
        .name("demo-trail")
        .s3_bucket_name(&logs_bucket)
        .send()
        .await
        .map_err(step("cloudtrail:CreateTrail"))?;
    trail
        .start_logging()
        .name("demo-trail")
        .send()
        .await
        .map_err(step("cloudtrail:StartLogging"))?;

    Ok(DemoAccount {
        instance_id,
        open_security_group_id: sg_id,
        ..out
    })
}

async fn first_image(ec2: &aws_sdk_ec2::Client) -> Result<String, SeedError> {
    let images = ec2
        .describe_images()
        .owners("amazon")
        .send()
        .await
        .map_err(step("ec2:DescribeImages"))?;
    images
        .images()
        .iter()
        .filter_map(|i| i.image_id())
        .next()
        .map(str::to_string)
        .ok_or(SeedError::Step {
            step: "ec2:DescribeImages",
            message: "the emulator offers no Amazon image to launch".into(),
        })
}

/// How many resources [`bulk`] creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkCounts {
    /// EC2 instances.
    pub instances: usize,
    /// S3 buckets.
    pub buckets: usize,
    /// IAM users, each with an access key.
    pub users: usize,
}

/// Seeds many resources for the collection benchmark, `concurrency`
/// requests at a time.
pub async fn bulk(
    config: &SdkConfig,
    counts: BulkCounts,
    concurrency: usize,
) -> Result<(), SeedError> {
    guard(config)?;
    let concurrency = concurrency.max(1);
    let ec2 = aws_sdk_ec2::Client::new(config);
    let image = first_image(&ec2).await?;
    let batches: Vec<usize> = (0..counts.instances)
        .step_by(100)
        .map(|start| (counts.instances - start).min(100))
        .collect();
    stream::iter(batches)
        .map(|n| {
            let ec2 = ec2.clone();
            let image = image.clone();
            async move {
                ec2.run_instances()
                    .image_id(image)
                    .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
                    .min_count(n as i32)
                    .max_count(n as i32)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(step("ec2:RunInstances"))
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;

    let s3 = s3(config);
    stream::iter(0..counts.buckets)
        .map(|i| {
            let s3 = s3.clone();
            async move {
                s3.create_bucket()
                    .bucket(format!("plumb-bench-{i:06}"))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(step("s3:CreateBucket"))
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;

    let iam = aws_sdk_iam::Client::new(config);
    stream::iter(0..counts.users)
        .map(|i| {
            let iam = iam.clone();
            async move {
                let name = format!("bench-user-{i:06}");
                iam.create_user()
                    .user_name(&name)
                    .send()
                    .await
                    .map_err(step("iam:CreateUser"))?;
                iam.create_access_key()
                    .user_name(&name)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(step("iam:CreateAccessKey"))
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn seeding_refuses_anything_but_loopback() {
        for (url, ok) in [
            ("http://127.0.0.1:5000", true),
            ("http://localhost:5000/", true),
            ("https://s3.amazonaws.com", false),
            ("http://127.0.0.1.evil.example:80", false),
        ] {
            let config = SdkConfig::builder().endpoint_url(url).build();
            assert_eq!(guard(&config).is_ok(), ok, "{url}");
        }
        let real = SdkConfig::builder().build();
        assert!(matches!(guard(&real), Err(SeedError::NotLoopback(_))));
    }
}
