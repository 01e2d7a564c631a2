//! Collects Lambda functions (their `$LATEST` configuration) with runtime,
//! role, VPC placement, encryption, tracing, dead-letter target, layers,
//! resource policy, function URLs and tags: what the FSBP Lambda controls
//! read, and what exposure analysis needs to tell a function anyone can
//! invoke (a public resource policy, a URL with auth type `NONE`).
//!
//! Environment variables are kept by name only. Their values, which often
//! hold secrets, are dropped as soon as the answer is read.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};
use plumb_model::aws::lambda::{
    Cors, DeadLetterConfig, FunctionUrlConfig, LambdaFunction, TracingConfig, VpcConfig,
};
use plumb_model::{Relation, Resource};

use crate::error::{api, is_code};
use crate::services::{Service, ServiceScope};
use crate::unit::{display_name, parse_policy, record_gap};
use crate::{client, collect_fn, CollectError, Unit};

/// The `lambda` collector.
pub const SERVICE: Service = Service {
    name: "lambda",
    scope: ServiceScope::Regional,
    kinds: &["aws_lambda_function"],
    actions: &[
        "lambda:ListFunctions",
        "lambda:GetPolicy",
        "lambda:ListFunctionUrlConfigs",
        "lambda:ListTags",
    ],
    collect: collect_fn!(collect),
};

/// How many functions are read at once within the unit.
const FUNCTION_CONCURRENCY: usize = 8;

async fn collect(unit: &mut Unit) -> Result<(), CollectError> {
    let client = client!(unit, aws_sdk_lambda);
    let mut functions = Vec::new();
    let mut pages = client.list_functions().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("lambda:ListFunctions"))?;
        functions.extend(page.functions().iter().map(from_configuration));
    }

    let unit_ref = &*unit;
    let read: Vec<(Resource, Vec<(Relation, String)>)> = stream::iter(functions)
        .map(|f| read_function(unit_ref, &client, f))
        .buffer_unordered(FUNCTION_CONCURRENCY)
        .collect()
        .await;
    unit.add_linked(read);
    Ok(())
}

/// The props ListFunctions gives. The environment's values are not copied.
fn from_configuration(c: &aws_sdk_lambda::types::FunctionConfiguration) -> LambdaFunction {
    let mut environment_variable_names: Vec<String> = c
        .environment()
        .and_then(|e| e.variables())
        .map(|vars| vars.keys().cloned().collect())
        .unwrap_or_default();
    environment_variable_names.sort_unstable();
    let vpc_config = c
        .vpc_config()
        .filter(|v| !v.subnet_ids().is_empty() || !v.security_group_ids().is_empty())
        .map(|v| VpcConfig {
            subnet_ids: v.subnet_ids().to_vec(),
            security_group_ids: v.security_group_ids().to_vec(),
            vpc_id: v.vpc_id().filter(|id| !id.is_empty()).map(str::to_string),
        });
    LambdaFunction {
        function_name: c.function_name().unwrap_or_default().to_string(),
        function_arn: unqualified(c.function_arn().unwrap_or_default()),
        runtime: c.runtime().map(|r| r.as_str().to_string()),
        role: c.role().map(str::to_string),
        handler: c.handler().map(str::to_string),
        package_type: c.package_type().map(|p| p.as_str().to_string()),
        last_modified: c.last_modified().map(str::to_string),
        timeout: c.timeout(),
        memory_size: c.memory_size(),
        architectures: c
            .architectures()
            .iter()
            .map(|a| a.as_str().to_string())
            .collect(),
        vpc_config,
        kms_key_arn: c
            .kms_key_arn()
            .filter(|k| !k.is_empty())
            .map(str::to_string),
        tracing_config: c.tracing_config().map(|t| TracingConfig {
            mode: t.mode().map(|m| m.as_str().to_string()),
        }),
        dead_letter_config: c
            .dead_letter_config()
            .filter(|d| d.target_arn().is_some_and(|t| !t.is_empty()))
            .map(|d| DeadLetterConfig {
                target_arn: d.target_arn().map(str::to_string),
            }),
        layers: c
            .layers()
            .iter()
            .filter_map(|l| l.arn())
            .map(str::to_string)
            .collect(),
        environment_variable_names,
        policy: None,
        function_url_configs: Vec::new(),
    }
}

/// A function ARN without its version or alias qualifier, which is the
/// function's uid.
fn unqualified(arn: &str) -> String {
    arn.splitn(8, ':').take(7).collect::<Vec<_>>().join(":")
}

async fn read_function(
    unit: &Unit,
    client: &aws_sdk_lambda::Client,
    mut function: LambdaFunction,
) -> (Resource, Vec<(Relation, String)>) {
    let uid = function.function_arn.clone();
    let name = function.function_name.clone();
    let mut gaps: Vec<(&str, &[&str], CollectError)> = Vec::new();
    let mut links = Vec::new();

    if let Some(role) = &function.role {
        links.push((Relation::Assumes, role.clone()));
    }
    if let Some(vpc) = &function.vpc_config {
        for sg in &vpc.security_group_ids {
            links.push((
                Relation::ProtectedBy,
                unit.arn("ec2", &format!("security-group/{sg}")),
            ));
        }
        for subnet in &vpc.subnet_ids {
            links.push((
                Relation::MemberOf,
                unit.arn("ec2", &format!("subnet/{subnet}")),
            ));
        }
    }
    if let Some(key) = &function.kms_key_arn {
        links.push((Relation::EncryptedBy, unit.kms_key_arn(key)));
    }

    match client
        .get_policy()
        .function_name(&name)
        .send()
        .await
        .map_err(api("lambda:GetPolicy"))
    {
        Ok(out) => match out
            .policy()
            .map(|p| parse_policy("lambda:GetPolicy", p))
            .transpose()
        {
            Ok(policy) => function.policy = policy,
            Err(e) => gaps.push(("get_policy", &["policy"], e)),
        },
        Err(e) if is_code(&e, &["ResourceNotFoundException"]) => {}
        Err(e) => gaps.push(("get_policy", &["policy"], e)),
    }

    match list_url_configs(client, &name).await {
        Ok(urls) => function.function_url_configs = urls,
        Err(e) => gaps.push(("list_function_url_configs", &["function_url_configs"], e)),
    }

    let mut tags = BTreeMap::new();
    match client
        .list_tags()
        .resource(&uid)
        .send()
        .await
        .map_err(api("lambda:ListTags"))
    {
        Ok(out) => {
            if let Some(t) = out.tags() {
                tags.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        Err(e) => gaps.push(("list_tags", &[], e)),
    }

    let label = display_name(&tags, &name);
    let mut resource = Resource::new(
        uid,
        "aws_lambda_function",
        &unit.account,
        &unit.region,
        label,
    )
    .with_props(&function)
    .with_tags(tags);
    for (operation, fields, error) in gaps {
        record_gap(&mut resource, operation, fields, &error);
    }
    (resource, links)
}

async fn list_url_configs(
    client: &aws_sdk_lambda::Client,
    function_name: &str,
) -> Result<Vec<FunctionUrlConfig>, CollectError> {
    let mut urls = Vec::new();
    let mut pages = client
        .list_function_url_configs()
        .function_name(function_name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("lambda:ListFunctionUrlConfigs"))?;
        urls.extend(page.function_url_configs().iter().map(url_config));
    }
    Ok(urls)
}

fn url_config(u: &aws_sdk_lambda::types::FunctionUrlConfig) -> FunctionUrlConfig {
    FunctionUrlConfig {
        function_url: u.function_url().to_string(),
        function_arn: u.function_arn().to_string(),
        auth_type: u.auth_type().as_str().to_string(),
        invoke_mode: u.invoke_mode().map(|m| m.as_str().to_string()),
        cors: u.cors().map(|c| Cors {
            allow_credentials: c.allow_credentials(),
            allow_headers: c.allow_headers().to_vec(),
            allow_methods: c.allow_methods().to_vec(),
            allow_origins: c.allow_origins().to_vec(),
            expose_headers: c.expose_headers().to_vec(),
            max_age: c.max_age(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::types::{
        Cors as SdkCors, EnvironmentResponse, FunctionConfiguration, FunctionUrlAuthType,
        FunctionUrlConfig as SdkUrl,
    };

    #[test]
    fn qualifiers_are_dropped_from_function_arns() {
        let base = "arn:aws:lambda:us-east-1:111122223333:function:f";
        assert_eq!(unqualified(base), base);
        assert_eq!(unqualified(&format!("{base}:$LATEST")), base);
        assert_eq!(unqualified(&format!("{base}:live")), base);
    }

    #[test]
    fn environment_values_are_never_copied() {
        let c = FunctionConfiguration::builder()
            .function_name("f")
            .environment(
                EnvironmentResponse::builder()
                    .variables("Z_TOKEN", "hunter2-value")
                    .variables("A_HOST", "db.internal")
                    .build(),
            )
            .build();
        let props = from_configuration(&c);
        assert_eq!(props.environment_variable_names, ["A_HOST", "Z_TOKEN"]);
        let json = serde_json::to_string(&props).unwrap();
        assert!(!json.contains("hunter2-value") && !json.contains("db.internal"));
    }

    // moto has no ListFunctionUrlConfigs, so the mapping of its answer is
    // checked here on the SDK's own type.
    #[test]
    fn function_urls_keep_auth_type_and_cors() {
        let u = SdkUrl::builder()
            .function_url("https://abc.lambda-url.us-east-1.on.aws/")
            .function_arn("arn:aws:lambda:us-east-1:111122223333:function:f")
            .creation_time("2024-01-01T00:00:00.000+0000")
            .last_modified_time("2024-01-01T00:00:00.000+0000")
            .auth_type(FunctionUrlAuthType::None)
            .cors(SdkCors::builder().allow_origins("*").build())
            .build()
            .unwrap();
        let url = url_config(&u);
        assert_eq!(url.auth_type, "NONE");
        assert_eq!(url.cors.unwrap().allow_origins, ["*"]);
    }
}
