//! Props of the kinds the `lambda` collector produces: functions with their
//! runtime, role, network placement, encryption, tracing, resource policy
//! and function URLs — what the FSBP Lambda controls read and what exposure
//! analysis needs to tell a function anyone on the internet can invoke.
//!
//! Environment variables are recorded by name only: their values often hold
//! secrets and are never stored.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::kind;
use crate::kinds::KindInfo;

/// The kinds of this service.
pub fn kinds() -> Vec<KindInfo> {
    vec![kind!(
        "aws_lambda_function",
        "lambda",
        LambdaFunction,
        uid = "arn:aws:lambda:REGION:ACCOUNT:function:NAME",
        "A Lambda function with its runtime, role, VPC placement, resource policy and function URLs"
    )]
}

/// Props of `aws_lambda_function` (its `$LATEST` version).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LambdaFunction {
    /// The function name (ListFunctions).
    pub function_name: String,
    /// The unqualified function ARN (ListFunctions).
    pub function_arn: String,
    /// The runtime identifier (`python3.12`); `null` for container image functions (ListFunctions).
    pub runtime: Option<String>,
    /// The execution role ARN (ListFunctions).
    pub role: Option<String>,
    /// The handler entry point; `null` for container image functions (ListFunctions).
    pub handler: Option<String>,
    /// `Zip` or `Image` (ListFunctions).
    pub package_type: Option<String>,
    /// When the function was last updated, ISO 8601 as AWS gives it (ListFunctions).
    pub last_modified: Option<String>,
    /// The timeout in seconds (ListFunctions).
    pub timeout: Option<i32>,
    /// The memory in MB (ListFunctions).
    pub memory_size: Option<i32>,
    /// The instruction set architectures: `x86_64` or `arm64` (ListFunctions).
    pub architectures: Vec<String>,
    /// The VPC the function's network interfaces live in; `null` when the function is not connected to a VPC (ListFunctions).
    pub vpc_config: Option<VpcConfig>,
    /// The customer managed KMS key that encrypts the environment variables; `null` for the AWS-managed key (ListFunctions).
    pub kms_key_arn: Option<String>,
    /// AWS X-Ray tracing (ListFunctions).
    pub tracing_config: Option<TracingConfig>,
    /// Where failed asynchronous invocations go; `null` when not configured (ListFunctions).
    pub dead_letter_config: Option<DeadLetterConfig>,
    /// The ARNs of the function's layer versions (ListFunctions).
    pub layers: Vec<String>,
    /// The names of the environment variables, sorted. Values are never stored (ListFunctions).
    pub environment_variable_names: Vec<String>,
    /// The function's resource-based policy as a JSON document; `null` when it has none (GetPolicy).
    pub policy: Option<Value>,
    /// The function URLs of the function and its aliases (ListFunctionUrlConfigs).
    pub function_url_configs: Vec<FunctionUrlConfig>,
}

/// A function's VPC placement.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VpcConfig {
    /// The subnets of the function's network interfaces (ListFunctions `VpcConfig.SubnetIds`).
    pub subnet_ids: Vec<String>,
    /// The security groups of the function's network interfaces (ListFunctions `VpcConfig.SecurityGroupIds`).
    pub security_group_ids: Vec<String>,
    /// The VPC (ListFunctions `VpcConfig.VpcId`).
    pub vpc_id: Option<String>,
}

/// A function's X-Ray tracing setting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TracingConfig {
    /// `Active` or `PassThrough` (ListFunctions `TracingConfig.Mode`).
    pub mode: Option<String>,
}

/// A function's dead-letter queue or topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeadLetterConfig {
    /// The ARN of the SQS queue or SNS topic (ListFunctions `DeadLetterConfig.TargetArn`).
    pub target_arn: Option<String>,
}

/// One function URL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FunctionUrlConfig {
    /// The HTTPS endpoint (ListFunctionUrlConfigs `FunctionUrl`).
    pub function_url: String,
    /// The ARN the URL invokes: the function, or one of its aliases (ListFunctionUrlConfigs `FunctionArn`).
    pub function_arn: String,
    /// `NONE` (anyone can invoke the URL, subject to the resource policy) or `AWS_IAM` (ListFunctionUrlConfigs `AuthType`).
    pub auth_type: String,
    /// `BUFFERED` or `RESPONSE_STREAM` (ListFunctionUrlConfigs `InvokeMode`).
    pub invoke_mode: Option<String>,
    /// Cross-origin resource sharing; `null` when not configured (ListFunctionUrlConfigs `Cors`).
    pub cors: Option<Cors>,
}

/// The CORS settings of a function URL.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Cors {
    /// Whether cookies and other credentials are allowed (ListFunctionUrlConfigs `Cors.AllowCredentials`).
    pub allow_credentials: Option<bool>,
    /// The allowed request headers (ListFunctionUrlConfigs `Cors.AllowHeaders`).
    pub allow_headers: Vec<String>,
    /// The allowed HTTP methods (ListFunctionUrlConfigs `Cors.AllowMethods`).
    pub allow_methods: Vec<String>,
    /// The allowed origins; `*` allows any (ListFunctionUrlConfigs `Cors.AllowOrigins`).
    pub allow_origins: Vec<String>,
    /// The response headers exposed to the browser (ListFunctionUrlConfigs `Cors.ExposeHeaders`).
    pub expose_headers: Vec<String>,
    /// How long a browser may cache preflight results, in seconds (ListFunctionUrlConfigs `Cors.MaxAge`).
    pub max_age: Option<i32>,
}
