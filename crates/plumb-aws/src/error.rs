//! Errors of the collector, and how SDK errors become them.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Why a collection unit, a sub-call or the whole scan failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CollectError {
    /// An AWS API call failed.
    #[error("{code}: {action}: {message}")]
    Api {
        /// The IAM action of the call (`s3:GetBucketPolicy`).
        action: &'static str,
        /// The AWS error code (`AccessDenied`), or the SDK's failure kind
        /// (`DispatchFailure`, `TimeoutError`) when AWS was not reached.
        code: String,
        /// The message AWS or the SDK gave.
        message: String,
    },
    /// An API answered with something the collector cannot read.
    #[error("malformed answer from {action}: {detail}")]
    Malformed {
        /// The IAM action of the call.
        action: &'static str,
        /// What was wrong with it.
        detail: String,
    },
    /// A service name given by the user is not one Plumb collects.
    #[error("unknown service `{name}`; known services: {known}")]
    UnknownService {
        /// The name given.
        name: String,
        /// The names Plumb knows.
        known: String,
    },
    /// The scan cannot start at all (no credentials, no region list).
    #[error("{0}")]
    Setup(String),
}

const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AuthorizationErrorException",
    "AuthFailure",
    "Forbidden",
    "InvalidClientTokenId",
];

impl CollectError {
    /// The AWS error code, when an API call failed.
    pub fn code(&self) -> Option<&str> {
        match self {
            CollectError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The IAM action that was refused, when the error is an access denial.
    pub fn missing_permission(&self) -> Option<&'static str> {
        match self {
            CollectError::Api { action, code, .. }
                if ACCESS_DENIED_CODES.contains(&code.as_str()) =>
            {
                Some(action)
            }
            _ => None,
        }
    }

    /// The short form recorded in a resource's `_errors`: `Code: message`.
    pub fn gap_text(&self) -> String {
        match self {
            CollectError::Api {
                code,
                message,
                action,
            } => {
                if message.is_empty() {
                    format!("{code} ({action})")
                } else {
                    format!("{code} ({action}): {message}")
                }
            }
            other => other.to_string(),
        }
    }
}

/// Turns an SDK error of the call `action` into a [`CollectError`].
pub(crate) fn api_error<E, R>(action: &'static str, error: SdkError<E, R>) -> CollectError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let (code, message) = match &error {
        SdkError::ServiceError(service) => match service.err().code() {
            Some(code) => (
                code.to_string(),
                service
                    .err()
                    .message()
                    .map(str::to_string)
                    .unwrap_or_default(),
            ),
            // No code: the answer could not be read; say why, with the status.
            None => (
                "Unknown".to_string(),
                DisplayErrorContext(&error).to_string(),
            ),
        },
        SdkError::TimeoutError(_) => (
            "TimeoutError".to_string(),
            DisplayErrorContext(&error).to_string(),
        ),
        SdkError::DispatchFailure(_) => (
            "DispatchFailure".to_string(),
            DisplayErrorContext(&error).to_string(),
        ),
        SdkError::ResponseError(_) => (
            "ResponseError".to_string(),
            DisplayErrorContext(&error).to_string(),
        ),
        _ => (
            "SdkError".to_string(),
            DisplayErrorContext(&error).to_string(),
        ),
    };
    CollectError::Api {
        action,
        code,
        message: shorten(message),
    }
}

/// Keeps messages readable: SDK errors can carry a whole HTTP answer.
fn shorten(message: String) -> String {
    const LIMIT: usize = 300;
    if message.len() <= LIMIT {
        return message;
    }
    let mut end = LIMIT;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}

/// A closure for `map_err` that tags an SDK error with its IAM action:
/// `client.list_buckets().send().await.map_err(api("s3:ListAllMyBuckets"))?`.
pub(crate) fn api<E, R>(action: &'static str) -> impl FnOnce(SdkError<E, R>) -> CollectError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |error| api_error(action, error)
}

/// Whether a failed call's AWS error code is one of `codes`: used for the
/// answers that mean "not configured" rather than "could not read" (for
/// example `NoSuchBucketPolicy`).
pub(crate) fn is_code(error: &CollectError, codes: &[&str]) -> bool {
    error.code().is_some_and(|c| codes.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_refused_action() {
        let e = CollectError::Api {
            action: "s3:GetBucketPolicy",
            code: "AccessDenied".into(),
            message: "no".into(),
        };
        assert_eq!(e.missing_permission(), Some("s3:GetBucketPolicy"));
        let throttled = CollectError::Api {
            action: "s3:GetBucketPolicy",
            code: "Throttling".into(),
            message: String::new(),
        };
        assert_eq!(throttled.missing_permission(), None);
        assert_eq!(throttled.gap_text(), "Throttling (s3:GetBucketPolicy)");
    }
}
