//! The report's charts, drawn as inline SVG so that the file needs nothing
//! from outside: a donut per framework and a stacked bar per section and
//! for the findings. Colours come from the stylesheet (`c-<class>`), so the
//! charts and the badges share one palette.

use std::fmt::Write as _;

use super::{Attr, Esc};

/// One part of a chart: what it counts, its colour class and its count.
#[derive(Debug, Clone, Copy)]
pub struct Slice {
    /// What it counts (`passed`).
    pub label: &'static str,
    /// Its colour class, without the `c-` prefix (`pass`).
    pub class: &'static str,
    /// How many.
    pub value: usize,
}

/// `34 passed, 1 failed, …`: the chart's text, for its tooltip and for
/// readers that do not see it.
pub fn describe(slices: &[Slice]) -> String {
    let parts: Vec<String> = slices
        .iter()
        .filter(|s| s.value > 0)
        .map(|s| format!("{} {}", s.value, s.label))
        .collect();
    if parts.is_empty() {
        "nothing to show".to_string()
    } else {
        parts.join(", ")
    }
}

/// A ring of the slices around `center` (the score).
pub fn donut(html: &mut String, slices: &[Slice], center: &str) {
    let total: usize = slices.iter().map(|s| s.value).sum();
    let text = describe(slices);
    // A circle of circumference 100 (r = 100 / 2π): dash lengths are
    // percentages, and an offset of 25 starts the ring at twelve o'clock.
    let _ = write!(
        html,
        "<svg class=\"donut\" viewBox=\"0 0 42 42\" width=\"132\" height=\"132\" role=\"img\" aria-label=\"{}\"><title>{}</title>\
<circle class=\"ring\" cx=\"21\" cy=\"21\" r=\"15.9155\" fill=\"none\" stroke-width=\"6\"/>",
        Attr(&text),
        Esc(&text)
    );
    let mut start = 0.0;
    for s in slices.iter().filter(|s| s.value > 0) {
        let length = 100.0 * s.value as f64 / total as f64;
        let _ = write!(
            html,
            "<circle class=\"c-{}\" cx=\"21\" cy=\"21\" r=\"15.9155\" fill=\"none\" stroke-width=\"6\" stroke-dasharray=\"{length:.3} {:.3}\" stroke-dashoffset=\"{:.3}\"/>",
            s.class,
            100.0 - length,
            25.0 - start
        );
        start += length;
    }
    let _ = write!(
        html,
        "<text x=\"21\" y=\"21\" text-anchor=\"middle\" dominant-baseline=\"central\">{}</text></svg>",
        Esc(center)
    );
}

/// A horizontal bar of the slices, as wide as its container.
pub fn bar(html: &mut String, slices: &[Slice]) {
    let total: usize = slices.iter().map(|s| s.value).sum();
    let text = describe(slices);
    let _ = write!(
        html,
        "<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\"><title>{}</title><rect class=\"track\" width=\"100\" height=\"10\"/>",
        Attr(&text),
        Esc(&text)
    );
    let mut x = 0.0;
    for s in slices.iter().filter(|s| s.value > 0) {
        let width = 100.0 * s.value as f64 / total as f64;
        let _ = write!(
            html,
            "<rect class=\"c-{}\" x=\"{x:.3}\" width=\"{width:.3}\" height=\"10\"/>",
            s.class
        );
        x += width;
    }
    html.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn donut_segments_add_up_to_the_whole_ring() {
        let mut html = String::new();
        donut(
            &mut html,
            &[
                Slice {
                    label: "passed",
                    class: "pass",
                    value: 3,
                },
                Slice {
                    label: "failed",
                    class: "fail",
                    value: 1,
                },
                Slice {
                    label: "manual",
                    class: "manual",
                    value: 0,
                },
            ],
            "75%",
        );
        assert!(html.contains("stroke-dasharray=\"75.000 25.000\" stroke-dashoffset=\"25.000\""));
        assert!(html.contains("stroke-dasharray=\"25.000 75.000\" stroke-dashoffset=\"-50.000\""));
        assert!(!html.contains("c-manual"), "empty slices are not drawn");
        assert!(html.contains("<title>3 passed, 1 failed</title>"));
    }

    #[test]
    fn an_empty_bar_is_only_its_track() {
        let mut html = String::new();
        bar(
            &mut html,
            &[Slice {
                label: "passed",
                class: "pass",
                value: 0,
            }],
        );
        assert!(html.contains("nothing to show"));
        assert!(!html.contains("c-pass"));
    }
}
