//! Functions conditions can call for what CEL should not do by hand: IAM
//! policy analysis, CIDR and port tests, dates, and CloudWatch metric-filter
//! patterns. Each is plain Rust over CEL values, unit-tested here, and
//! registered once on the root context that every evaluation shares.

use std::sync::Arc;

use cel::{Context, ExecutionError, Value};
use chrono::{DateTime, Utc};

use crate::value::{field, int, items, strings, text, Doc};

/// The helper functions, by name, for load-time validation of conditions.
pub const HELPERS: &[&str] = &[
    "policy_is_public",
    "policy_allows",
    "policy_is_admin",
    "policy_has_service_wildcard",
    "cidr_is_public",
    "ingress_open_to_world",
    "days_since",
    "metric_filter_matches",
    "kind_in_account",
    "related",
    "referrers",
];

/// Condition keys that tie a public principal to known callers: a statement
/// with one of them (and a value that is not a bare wildcard) is not public.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "aws:username",
    "aws:resourceorgid",
    "kms:calleraccount",
    "s3:dataaccesspointaccount",
];

fn statements<'a, D: Doc<'a>>(policy: D) -> Vec<D> {
    match field(policy, "Statement") {
        Some(s) => items(s),
        None => Vec::new(),
    }
}

fn is_allow<'a, D: Doc<'a>>(statement: D) -> bool {
    field(statement, "Effect").and_then(text) == Some("Allow")
}

/// Whether a principal block names everyone: `"*"`, `{"AWS": "*"}`,
/// `{"AWS": ["*"]}` or `{"CanonicalUser": "*"}`.
fn principal_is_everyone<'a, D: Doc<'a>>(principal: D) -> bool {
    if text(principal) == Some("*") {
        return true;
    }
    ["AWS", "CanonicalUser"]
        .iter()
        .filter_map(|k| field(principal, k))
        .any(|v| strings(v).contains(&"*"))
}

/// Whether a statement's conditions limit it to known callers.
fn restricted_by_condition<'a, D: Doc<'a>>(statement: D) -> bool {
    let Some(conditions) = field(statement, "Condition").and_then(Doc::as_entries) else {
        return false;
    };
    conditions.into_iter().any(|(_, operator_block)| {
        operator_block.as_entries().is_some_and(|keys| {
            keys.into_iter().any(|(k, v)| {
                RESTRICTING_KEYS.contains(&k.to_ascii_lowercase().as_str())
                    && strings(v).iter().all(|value| *value != "*")
            })
        })
    })
}

/// Whether a resource policy lets anyone in: an `Allow` whose principal is
/// everyone (or which uses `NotPrincipal`) with no condition tying it to
/// known accounts, organizations, networks or sources.
pub fn policy_is_public<'a, D: Doc<'a>>(policy: D) -> bool {
    statements(policy).into_iter().any(|s| {
        is_allow(s)
            && (field(s, "Principal").is_some_and(principal_is_everyone)
                || field(s, "NotPrincipal").is_some())
            && !restricted_by_condition(s)
    })
}

/// IAM-style wildcard match, case-insensitive (`s3:Get*` matches `s3:GetObject`).
pub fn wildcard_match(pattern: &str, value: &str) -> bool {
    fn go(p: &[u8], v: &[u8]) -> bool {
        match (p.first(), v.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], v) || (!v.is_empty() && go(p, &v[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &v[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &v[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), value.as_bytes())
}

/// Whether an identity policy allows `action` (on some resource): an
/// `Allow` statement whose `Action` matches it, or whose `NotAction` does not.
pub fn policy_allows<'a, D: Doc<'a>>(policy: D, action: &str) -> bool {
    statements(policy).into_iter().any(|s| {
        is_allow(s)
            && match (field(s, "Action"), field(s, "NotAction")) {
                (Some(actions), _) => strings(actions).iter().any(|a| wildcard_match(a, action)),
                (None, Some(not)) => !strings(not).iter().any(|a| wildcard_match(a, action)),
                (None, None) => false,
            }
    })
}

/// Whether a policy grants full administrative rights: an `Allow` of
/// action `*` on resource `*` (CIS "no `*:*` policies").
pub fn policy_is_admin<'a, D: Doc<'a>>(policy: D) -> bool {
    statements(policy).into_iter().any(|s| {
        is_allow(s)
            && field(s, "Action")
                .is_some_and(|a| strings(a).iter().any(|a| *a == "*" || *a == "*:*"))
            && field(s, "Resource").is_some_and(|r| strings(r).contains(&"*"))
    })
}

/// Whether an `Allow` grants every action of some service (`s3:*`).
pub fn policy_has_service_wildcard<'a, D: Doc<'a>>(policy: D) -> bool {
    statements(policy).into_iter().any(|s| {
        is_allow(s)
            && field(s, "Action")
                .is_some_and(|a| strings(a).iter().any(|a| a.ends_with(":*") && *a != "*:*"))
    })
}

/// Whether a CIDR is the whole internet (`0.0.0.0/0` or `::/0`).
pub fn cidr_is_public(cidr: &str) -> bool {
    matches!(cidr.trim(), "0.0.0.0/0" | "::/0")
}

/// Whether a security group's ingress permissions (`ip_permissions`) let
/// the whole internet reach `port` (any port when `port` is -1), over TCP,
/// UDP or all protocols.
pub fn ingress_open_to_world<'a, D: Doc<'a>>(permissions: D, port: i64) -> bool {
    ingress_open_to_world_on_any(permissions, &[port])
}

/// Whether [`ingress_open_to_world`] holds for any of `ports`, the
/// permissions read once for all of them.
pub fn ingress_open_to_world_on_any<'a, D: Doc<'a>>(permissions: D, ports: &[i64]) -> bool {
    // The port and protocol first: they rule out most permissions without
    // reading their ranges.
    items(permissions).into_iter().any(|p| {
        let protocol = field(p, "ip_protocol").and_then(text).unwrap_or("");
        let covers = if protocol == "-1" || protocol.eq_ignore_ascii_case("all") {
            !ports.is_empty()
        } else if protocol == "tcp" || protocol == "udp" || protocol == "6" || protocol == "17" {
            // The range read once for all the ports.
            let from = field(p, "from_port").and_then(int).unwrap_or(0);
            let to = field(p, "to_port").and_then(int).unwrap_or(65535);
            ports
                .iter()
                .any(|port| *port < 0 || (from <= *port && *port <= to))
        } else {
            false
        };
        let open = |ranges: &str, key: &str| {
            field(p, ranges).is_some_and(|list| {
                items(list)
                    .into_iter()
                    .any(|r| field(r, key).and_then(text).is_some_and(cidr_is_public))
            })
        };
        covers && (open("ip_ranges", "cidr_ip") || open("ipv6_ranges", "cidr_ipv6"))
    })
}

/// Whole days from an RFC 3339 time to now; an error for anything else.
pub fn days_since(time: &str) -> Result<i64, String> {
    let parsed = DateTime::parse_from_rfc3339(time)
        .map_err(|e| format!("days_since: `{time}` is not an RFC 3339 time: {e}"))?;
    Ok((Utc::now() - parsed.with_timezone(&Utc)).num_days())
}

/// The terms each CIS monitoring control needs in a metric filter pattern,
/// by the name a condition passes (`metric_filter_matches(p, "root_usage")`).
/// Each inner list is one alternative a pattern must contain in full.
fn required_terms(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "unauthorized_api_calls" => &[
            "$.errorcode=\"*unauthorizedoperation\"",
            "$.errorcode=\"accessdenied*\"",
        ],
        "console_signin_without_mfa" => &[
            "$.eventname=\"consolelogin\"",
            "$.additionaleventdata.mfaused!=\"yes\"",
        ],
        "root_usage" => &[
            "$.useridentity.type=\"root\"",
            "$.useridentity.invokedby notexists",
            "$.eventtype!=\"awsserviceevent\"",
        ],
        "iam_policy_changes" => &[
            "deletegrouppolicy",
            "deleterolepolicy",
            "deleteuserpolicy",
            "putgrouppolicy",
            "putrolepolicy",
            "putuserpolicy",
            "createpolicy",
            "deletepolicy",
            "createpolicyversion",
            "deletepolicyversion",
            "attachrolepolicy",
            "detachrolepolicy",
            "attachuserpolicy",
            "detachuserpolicy",
            "attachgrouppolicy",
            "detachgrouppolicy",
        ],
        "cloudtrail_changes" => &[
            "createtrail",
            "updatetrail",
            "deletetrail",
            "startlogging",
            "stoplogging",
        ],
        "console_auth_failures" => &[
            "$.eventname=\"consolelogin\"",
            "$.errormessage=\"failed authentication\"",
        ],
        "cmk_disable_or_deletion" => &[
            "$.eventsource=\"kms.amazonaws.com\"",
            "disablekey",
            "schedulekeydeletion",
        ],
        "s3_bucket_policy_changes" => &[
            "$.eventsource=\"s3.amazonaws.com\"",
            "putbucketacl",
            "putbucketpolicy",
            "putbucketcors",
            "putbucketlifecycle",
            "putbucketreplication",
            "deletebucketpolicy",
            "deletebucketcors",
            "deletebucketlifecycle",
            "deletebucketreplication",
        ],
        "config_changes" => &[
            "$.eventsource=\"config.amazonaws.com\"",
            "stopconfigurationrecorder",
            "deletedeliverychannel",
            "putdeliverychannel",
            "putconfigurationrecorder",
        ],
        "security_group_changes" => &[
            "authorizesecuritygroupingress",
            "authorizesecuritygroupegress",
            "revokesecuritygroupingress",
            "revokesecuritygroupegress",
            "createsecuritygroup",
            "deletesecuritygroup",
        ],
        "nacl_changes" => &[
            "createnetworkacl",
            "createnetworkaclentry",
            "deletenetworkacl",
            "deletenetworkaclentry",
            "replacenetworkaclentry",
            "replacenetworkaclassociation",
        ],
        "network_gateway_changes" => &[
            "createcustomergateway",
            "deletecustomergateway",
            "attachinternetgateway",
            "createinternetgateway",
            "deleteinternetgateway",
            "detachinternetgateway",
        ],
        "route_table_changes" => &[
            "createroute",
            "createroutetable",
            "replaceroute",
            "replaceroutetableassociation",
            "deleteroutetable",
            "deleteroute",
            "disassociateroutetable",
        ],
        "vpc_changes" => &[
            "createvpc",
            "deletevpc",
            "modifyvpcattribute",
            "acceptvpcpeeringconnection",
            "createvpcpeeringconnection",
            "deletevpcpeeringconnection",
            "rejectvpcpeeringconnection",
            "attachclassiclinkvpc",
            "detachclassiclinkvpc",
            "disablevpcclassiclink",
            "enablevpcclassiclink",
        ],
        "organizations_changes" => &[
            "$.eventsource=\"organizations.amazonaws.com\"",
            "accepthandshake",
            "attachpolicy",
            "createaccount",
            "createorganizationalunit",
            "createpolicy",
            "declinehandshake",
            "deleteorganization",
            "deleteorganizationalunit",
            "deletepolicy",
            "detachpolicy",
            "disablepolicytype",
            "enablepolicytype",
            "inviteaccounttoorganization",
            "leaveorganization",
            "moveaccount",
            "removeaccountfromorganization",
            "updatepolicy",
            "updateorganizationalunit",
        ],
        _ => return None,
    })
}

/// Whether a CloudWatch Logs metric filter pattern covers a CIS monitoring
/// control's events: every required term appears, whitespace, case and
/// quotes aside (CloudWatch accepts `$.eventName = "X"` and
/// `$.eventName = X` alike).
pub fn metric_filter_matches(pattern: &str, control: &str) -> Result<bool, String> {
    let terms = required_terms(control)
        .ok_or_else(|| format!("metric_filter_matches: unknown control `{control}`"))?;
    let bare = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'')
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let normalised = bare(pattern);
    Ok(terms.iter().all(|term| normalised.contains(&bare(term))))
}

fn fail(function: &str, message: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, message)
}

fn need_text(function: &str, value: &Value) -> Result<Arc<String>, ExecutionError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(fail(
            function,
            format!("expected a string, got {:?}", other.type_of()),
        )),
    }
}

/// Registers every helper on a root context.
pub fn register(context: &mut Context<'_, '_>) -> Result<(), cel::DeclarationError> {
    context.add_function("policy_is_public", |policy: Value| {
        policy_is_public(&policy)
    })?;
    context.add_function(
        "policy_allows",
        |policy: Value, action: Value| -> Result<bool, ExecutionError> {
            Ok(policy_allows(
                &policy,
                &need_text("policy_allows", &action)?,
            ))
        },
    )?;
    context.add_function("policy_is_admin", |policy: Value| policy_is_admin(&policy))?;
    context.add_function("policy_has_service_wildcard", |policy: Value| {
        policy_has_service_wildcard(&policy)
    })?;
    context.add_function(
        "cidr_is_public",
        |cidr: Value| -> Result<bool, ExecutionError> {
            Ok(cidr_is_public(&need_text("cidr_is_public", &cidr)?))
        },
    )?;
    context.add_function(
        "ingress_open_to_world",
        |permissions: Value, port: Value| -> Result<bool, ExecutionError> {
            let port = int(&port)
                .ok_or_else(|| fail("ingress_open_to_world", "the port must be an integer"))?;
            Ok(ingress_open_to_world(&permissions, port))
        },
    )?;
    context.add_function("days_since", |time: Value| -> Result<i64, ExecutionError> {
        days_since(&need_text("days_since", &time)?).map_err(|e| fail("days_since", e))
    })?;
    context.add_function(
        "metric_filter_matches",
        |pattern: Value, control: Value| -> Result<bool, ExecutionError> {
            metric_filter_matches(
                &need_text("metric_filter_matches", &pattern)?,
                &need_text("metric_filter_matches", &control)?,
            )
            .map_err(|e| fail("metric_filter_matches", e))
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::from_json;
    use serde_json::json;

    fn v(j: serde_json::Value) -> Value {
        from_json(&j)
    }

    #[test]
    fn a_star_principal_without_conditions_is_public() {
        let p = v(
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}]}),
        );
        assert!(policy_is_public(&p));
        let p = v(
            json!({"Statement": {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "sqs:*"}}),
        );
        assert!(policy_is_public(&p));
    }

    #[test]
    fn public_policy_with_org_condition_is_not_public() {
        let p = v(
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]}),
        );
        assert!(!policy_is_public(&p));
        let p = v(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket"}}}]}),
        );
        assert!(!policy_is_public(&p));
    }

    #[test]
    fn a_wildcard_condition_value_does_not_restrict() {
        let p = v(
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Condition": {"StringLike": {"aws:PrincipalOrgID": "*"}}}]}),
        );
        assert!(policy_is_public(&p));
    }

    #[test]
    fn deny_statements_and_account_principals_are_not_public() {
        let p = v(json!({"Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "*"},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "*"}
        ]}));
        assert!(!policy_is_public(&p));
        assert!(!policy_is_public(&Value::Null));
    }

    #[test]
    fn admin_and_service_wildcards_are_told_apart() {
        let admin = v(json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
        assert!(policy_is_admin(&admin));
        assert!(!policy_has_service_wildcard(&admin));
        let s3 =
            v(json!({"Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}]}));
        assert!(!policy_is_admin(&s3));
        assert!(policy_has_service_wildcard(&s3));
        let scoped = v(
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}]}),
        );
        assert!(!policy_is_admin(&scoped));
    }

    #[test]
    fn actions_match_with_wildcards_and_not_action() {
        let p = v(
            json!({"Statement": [{"Effect": "Allow", "Action": ["iam:Pass*", "ec2:RunInstances"], "Resource": "*"}]}),
        );
        assert!(policy_allows(&p, "iam:PassRole"));
        assert!(policy_allows(&p, "EC2:runinstances"));
        assert!(!policy_allows(&p, "s3:GetObject"));
        let not =
            v(json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}));
        assert!(policy_allows(&not, "s3:GetObject"));
        assert!(!policy_allows(&not, "iam:PassRole"));
    }

    #[test]
    fn open_ingress_is_judged_per_port_and_protocol() {
        let perms = v(json!([
            {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}], "ipv6_ranges": []},
            {"ip_protocol": "tcp", "from_port": 3389, "to_port": 3389, "ip_ranges": [{"cidr_ip": "10.0.0.0/8"}], "ipv6_ranges": [{"cidr_ipv6": "::/0"}]},
            {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "ip_ranges": [{"cidr_ip": "10.0.0.0/8"}], "ipv6_ranges": []}
        ]));
        assert!(ingress_open_to_world(&perms, 22));
        assert!(ingress_open_to_world(&perms, 3389), "IPv6 ::/0 counts");
        assert!(!ingress_open_to_world(&perms, 443));
        assert!(!ingress_open_to_world(&perms, 80));
        let all = v(json!([{"ip_protocol": "-1", "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}]));
        assert!(ingress_open_to_world(&all, 5432));
        assert!(ingress_open_to_world(&all, -1));
        let range = v(
            json!([{"ip_protocol": "tcp", "from_port": 0, "to_port": 65535, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}]),
        );
        assert!(ingress_open_to_world(&range, 22));
        // Several ports at once: open when one of them is.
        assert!(ingress_open_to_world_on_any(&perms, &[80, 443, 3389]));
        assert!(ingress_open_to_world_on_any(&perms, &[22]));
        assert!(!ingress_open_to_world_on_any(&perms, &[80, 443, 8080]));
        assert!(!ingress_open_to_world_on_any(&perms, &[]));
        assert!(!ingress_open_to_world_on_any(&range, &[70000]));
        assert!(ingress_open_to_world_on_any(&all, &[-1, 5]));
    }

    #[test]
    fn days_since_counts_whole_days_and_rejects_garbage() {
        let ten_days_ago = (Utc::now() - chrono::Duration::days(10)).to_rfc3339();
        assert_eq!(days_since(&ten_days_ago).unwrap(), 10);
        assert!(days_since("yesterday").is_err());
    }

    #[test]
    fn cis_metric_filter_patterns_are_recognised() {
        let unauthorized =
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#;
        assert!(metric_filter_matches(unauthorized, "unauthorized_api_calls").unwrap());
        assert!(!metric_filter_matches(unauthorized, "root_usage").unwrap());
        let root = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
        assert!(metric_filter_matches(root, "root_usage").unwrap());
        assert!(!metric_filter_matches(
            r#"{ $.errorCode = "AccessDenied*" }"#,
            "unauthorized_api_calls"
        )
        .unwrap());
        assert!(metric_filter_matches(root, "no_such_control").is_err());
        // The CIS patterns as published, unquoted values included.
        let trail = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";
        assert!(metric_filter_matches(trail, "cloudtrail_changes").unwrap());
        let kms = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }";
        assert!(metric_filter_matches(kms, "cmk_disable_or_deletion").unwrap());
        let console =
            r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#;
        assert!(metric_filter_matches(console, "console_auth_failures").unwrap());
        let orgs = r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#;
        assert!(metric_filter_matches(orgs, "organizations_changes").unwrap());
    }

    #[test]
    fn helpers_run_inside_cel() {
        let mut context = Context::default();
        register(&mut context).unwrap();
        let program = cel::Program::compile(
            r#"cidr_is_public("0.0.0.0/0") && !cidr_is_public("10.0.0.0/8")"#,
        )
        .unwrap();
        assert_eq!(program.execute(&context), Ok(Value::Bool(true)));
        let program = cel::Program::compile(r#"days_since("not a date")"#).unwrap();
        assert!(program.execute(&context).is_err());
    }
}
