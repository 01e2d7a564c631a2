//! Lambda fixes: function URLs anyone can call.

use aws_config::SdkConfig;
use aws_sdk_lambda::types::FunctionUrlAuthType;
use plumb_model::aws::lambda::LambdaFunction;
use plumb_model::Resource;

use super::{api, props, Fix, FixError};

pub(super) async fn apply(
    config: &SdkConfig,
    fix: &Fix,
    resource: &Resource,
) -> Result<(), FixError> {
    match fix.id {
        "lambda_function_url_iam_auth" => {
            let function: LambdaFunction = props(resource, "aws_lambda_function")?;
            let lambda = aws_sdk_lambda::Client::new(config);
            for url in function
                .function_url_configs
                .iter()
                .filter(|u| u.auth_type != "AWS_IAM")
            {
                let mut update = lambda
                    .update_function_url_config()
                    .function_name(&function.function_name)
                    .auth_type(FunctionUrlAuthType::AwsIam);
                if let Some(qualifier) = qualifier(&url.function_arn, &function.function_name) {
                    update = update.qualifier(qualifier);
                }
                update
                    .send()
                    .await
                    .map_err(api("lambda:UpdateFunctionUrlConfig"))?;
            }
        }
        other => return Err(FixError::Unimplemented(other.to_string())),
    }
    Ok(())
}

/// The alias a function URL belongs to: what follows `function:NAME:` in
/// its function ARN (none for the unqualified function).
fn qualifier<'a>(arn: &'a str, name: &str) -> Option<&'a str> {
    let (_, rest) = arn.split_once(&format!(":function:{name}:"))?;
    Some(rest).filter(|q| !q.is_empty())
}

#[cfg(test)]
mod tests {
    use super::qualifier;

    #[test]
    fn an_alias_url_is_updated_with_its_qualifier() {
        let base = "arn:aws:lambda:us-east-1:111122223333:function:api";
        assert_eq!(qualifier(base, "api"), None);
        assert_eq!(qualifier(&format!("{base}:live"), "api"), Some("live"));
        assert_eq!(qualifier(&format!("{base}2:live"), "api"), None);
    }
}
