//! `plumb-seed`: fills an emulated AWS account (moto's server on loopback)
//! for the demo and the benchmarks. It refuses any endpoint that is not
//! loopback: it writes, and Plumb never writes to a real account this way.

use anyhow::Context;
use clap::{Parser, Subcommand};
use plumb_aws::seed::{self, BulkCounts};
use plumb_aws::StaticKeys;

/// Seeds an emulated AWS account.
#[derive(Debug, Parser)]
#[command(name = "plumb-seed", version)]
struct Cli {
    /// The emulator's endpoint (loopback only), e.g. http://127.0.0.1:5000.
    #[arg(
        long,
        global = true,
        env = "AWS_ENDPOINT_URL",
        default_value = "http://127.0.0.1:5000"
    )]
    endpoint_url: String,
    /// The region to seed.
    #[arg(long, global = true, default_value = "us-east-1")]
    region: String,
    #[command(subcommand)]
    command: What,
}

#[derive(Debug, Subcommand)]
enum What {
    /// A small account with typical misconfigurations.
    Demo,
    /// One misconfigured resource for each automated fix the demo does not
    /// exercise, to try `plumb fix` on.
    FixTargets,
    /// Many resources, for the collection benchmark.
    Bulk {
        /// EC2 instances.
        #[arg(long, default_value_t = 2000)]
        instances: usize,
        /// S3 buckets.
        #[arg(long, default_value_t = 500)]
        buckets: usize,
        /// IAM users with an access key each.
        #[arg(long, default_value_t = 1000)]
        users: usize,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Emulators accept any keys; these are not secrets.
    let keys = StaticKeys {
        access_key_id: "testing".into(),
        secret_access_key: "testing".into(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let config = plumb_aws::load_sdk_config(None, Some(&cli.endpoint_url), Some(&cli.region), Some(&keys), 3).await;
        match cli.command {
            What::Demo => {
                let demo = seed::demo(&config).await.context("seeding the demo account")?;
                println!(
                    "seeded demo account: public bucket {}, instance {} with SSH open ({}), user {} without MFA",
                    demo.public_bucket, demo.instance_id, demo.open_security_group_id, demo.user
                );
            }
            What::FixTargets => {
                let targets = seed::fix_targets(&config).await.context("seeding the fix targets")?;
                println!(
                    "seeded fix targets in {}: security groups {} and {}, instance {}, DB instance {}",
                    targets.vpc_id,
                    targets.admin_open_group_id,
                    targets.all_open_group_id,
                    targets.instance_id,
                    targets.db_instance
                );
            }
            What::Bulk { instances, buckets, users } => {
                let counts = BulkCounts { instances, buckets, users };
                seed::bulk(&config, counts, 8).await.context("seeding the benchmark account")?;
                println!("seeded {instances} instances, {buckets} buckets, {users} users");
            }
        }
        Ok(())
    })
}
