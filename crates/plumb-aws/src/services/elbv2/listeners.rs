//! The listeners of one load balancer, with their default actions and, for
//! HTTP(S) listeners, their rules: where each sends a request is what the
//! `routes_to` edges from listener to target group record.

use plumb_model::aws::elbv2::{
    Action, FixedResponseConfig, ForwardConfig, Listener, ListenerCertificate, RedirectConfig,
    Rule, RuleCondition, TargetGroupTuple,
};
use plumb_model::{Relation, Resource};

use super::{Client, Read};
use crate::error::api;
use crate::unit::record_gap;
use crate::{CollectError, Unit};

type SdkAction = aws_sdk_elasticloadbalancingv2::types::Action;

fn action(a: &SdkAction) -> Action {
    Action {
        r#type: a.r#type().map(|t| t.as_str().to_string()),
        order: a.order(),
        target_group_arn: a.target_group_arn().map(str::to_string),
        forward_config: a.forward_config().map(|f| ForwardConfig {
            target_groups: f
                .target_groups()
                .iter()
                .map(|t| TargetGroupTuple {
                    target_group_arn: t.target_group_arn().map(str::to_string),
                    weight: t.weight(),
                })
                .collect(),
        }),
        redirect_config: a.redirect_config().map(|r| RedirectConfig {
            protocol: r.protocol().map(str::to_string),
            port: r.port().map(str::to_string),
            host: r.host().map(str::to_string),
            path: r.path().map(str::to_string),
            status_code: r.status_code().map(|c| c.as_str().to_string()),
        }),
        fixed_response_config: a.fixed_response_config().map(|f| FixedResponseConfig {
            status_code: f.status_code().map(str::to_string),
            content_type: f.content_type().map(str::to_string),
        }),
    }
}

/// The target groups a list of actions forwards to, each once.
fn forwarded_groups<'a>(actions: impl IntoIterator<Item = &'a Action>) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for a in actions {
        let tuples = a
            .forward_config
            .iter()
            .flat_map(|f| &f.target_groups)
            .filter_map(|t| t.target_group_arn.as_deref());
        for arn in a.target_group_arn.as_deref().into_iter().chain(tuples) {
            if !groups.iter().any(|g| g == arn) {
                groups.push(arn.to_string());
            }
        }
    }
    groups
}

fn condition(c: &aws_sdk_elasticloadbalancingv2::types::RuleCondition) -> RuleCondition {
    let mut values: Vec<String> = c.values().to_vec();
    let typed = [
        c.host_header_config().map(|h| h.values()),
        c.path_pattern_config().map(|p| p.values()),
        c.source_ip_config().map(|s| s.values()),
        c.http_request_method_config().map(|m| m.values()),
    ];
    for list in typed.into_iter().flatten() {
        for v in list {
            if !values.contains(v) {
                values.push(v.clone());
            }
        }
    }
    RuleCondition {
        field: c.field().map(str::to_string),
        values,
    }
}

async fn read_rules(client: &Client, listener_arn: &str) -> Result<Vec<Rule>, CollectError> {
    let mut rules = Vec::new();
    let mut pages = client
        .describe_rules()
        .listener_arn(listener_arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("elasticloadbalancing:DescribeRules"))?;
        rules.extend(page.rules().iter().map(|r| Rule {
            rule_arn: r.rule_arn().map(str::to_string),
            priority: r.priority().map(str::to_string),
            is_default: r.is_default(),
            conditions: r.conditions().iter().map(condition).collect(),
            actions: r.actions().iter().map(action).collect(),
        }));
    }
    Ok(rules)
}

/// Reads the listeners of the load balancer `lb_arn`. Only the listing
/// itself can fail the whole; a listener whose rules cannot be read keeps
/// its default actions and records the gap.
pub(super) async fn read_listeners(
    unit: &Unit,
    client: &Client,
    lb_arn: &str,
) -> Result<Vec<Read>, CollectError> {
    let mut listed = Vec::new();
    let mut pages = client
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(api("elasticloadbalancing:DescribeListeners"))?;
        listed.extend(page.listeners().iter().cloned());
    }

    let mut read = Vec::new();
    for l in listed {
        let Some(arn) = l.listener_arn().map(str::to_string) else {
            continue;
        };
        let mut props = Listener {
            listener_arn: arn.clone(),
            load_balancer_arn: l.load_balancer_arn().unwrap_or(lb_arn).to_string(),
            port: l.port(),
            protocol: l.protocol().map(|p| p.as_str().to_string()),
            ssl_policy: l.ssl_policy().map(str::to_string),
            certificates: l
                .certificates()
                .iter()
                .map(|c| ListenerCertificate {
                    certificate_arn: c.certificate_arn().map(str::to_string),
                    is_default: c.is_default(),
                })
                .collect(),
            alpn_policy: l.alpn_policy().to_vec(),
            mutual_authentication_mode: l
                .mutual_authentication()
                .and_then(|m| m.mode())
                .map(str::to_string),
            default_actions: l.default_actions().iter().map(action).collect(),
            rules: Vec::new(),
        };
        // Rules are an ALB feature: only HTTP(S) listeners have more than
        // their default actions.
        let mut gap = None;
        if matches!(props.protocol.as_deref(), Some("HTTP") | Some("HTTPS")) {
            match read_rules(client, &arn).await {
                Ok(rules) => props.rules = rules,
                Err(e) => gap = Some(e),
            }
        }

        let mut links = vec![(Relation::MemberOf, props.load_balancer_arn.clone())];
        let actions = props
            .default_actions
            .iter()
            .chain(props.rules.iter().flat_map(|r| &r.actions));
        for group in forwarded_groups(actions) {
            links.push((Relation::RoutesTo, group));
        }

        let name = match (&props.protocol, props.port) {
            (Some(protocol), Some(port)) => format!("{protocol}:{port}"),
            _ => arn.rsplit('/').next().unwrap_or(&arn).to_string(),
        };
        let mut resource = Resource::new(arn, "aws_lb_listener", &unit.account, &unit.region, name)
            .with_props(&props);
        if let Some(e) = gap {
            record_gap(&mut resource, "describe_rules", &["rules"], &e);
        }
        read.push((resource, links));
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwards_name_each_target_group_once_from_both_forms() {
        let single = Action {
            r#type: Some("forward".into()),
            target_group_arn: Some("tg-a".into()),
            ..Action::default()
        };
        let weighted = Action {
            r#type: Some("forward".into()),
            forward_config: Some(ForwardConfig {
                target_groups: vec![
                    TargetGroupTuple {
                        target_group_arn: Some("tg-a".into()),
                        weight: Some(1),
                    },
                    TargetGroupTuple {
                        target_group_arn: Some("tg-b".into()),
                        weight: Some(1),
                    },
                ],
            }),
            ..Action::default()
        };
        let redirect = Action {
            r#type: Some("redirect".into()),
            ..Action::default()
        };
        assert_eq!(
            forwarded_groups([&single, &weighted, &redirect]),
            vec!["tg-a".to_string(), "tg-b".to_string()]
        );
    }
}
