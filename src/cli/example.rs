//! `rubric example POLICY --tier T`: print a minimal partner that meets a
//! tier, or misses it by one requirement at its boundary, checked by
//! evaluating it; with `--as-test`, as a ready test case.

use chrono::NaiveDate;
use miette::NamedSource;
use rubric::example::{self, Request};
use rubric::report::diagnostic::WithSource;

use super::{Exit, emit};

/// Arguments of `rubric example`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file.
    #[arg(value_name = "POLICY")]
    pub policy: String,
    /// The option; by default the first that has the tier.
    #[arg(long, value_name = "OPTION")]
    pub option: Option<String>,
    /// The tier to meet (or miss, with --just-below).
    #[arg(long, value_name = "TIER")]
    pub tier: String,
    /// The partner's market; by default the first the tier's thresholds all name.
    #[arg(long, value_name = "MARKET")]
    pub market: Option<String>,
    /// Miss the tier by this requirement alone, at its boundary: a measure
    /// 0.01 (or 1) below its threshold, one person short, an attribute
    /// missing. Named as in test files (`gold/crm`, `crm`, `gold/people`).
    #[arg(long, value_name = "REQUIREMENT")]
    pub just_below: Option<String>,
    /// The date it is evaluated at, YYYY-MM-DD; by default the policy's
    /// `effective` date.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// Print a `[[case]]` for a `*.tests.toml` file instead of partner JSON.
    #[arg(long)]
    pub as_test: bool,
}

fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    rubric::data::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date; write YYYY-MM-DD, e.g. 2017-06-30"))
}

/// Synthesises, checks and prints the example.
pub fn run(args: &Args) -> Exit {
    let text = match std::fs::read_to_string(&args.policy) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read `{}`: {err}", args.policy);
            return Exit::Usage;
        }
    };
    let policy = match rubric::load_policy(&text) {
        Ok(policy) => policy,
        Err(err) => {
            let source = NamedSource::new(args.policy.clone(), text);
            for diagnostic in err.diagnostics() {
                emit(&WithSource::new(diagnostic, &source));
            }
            eprintln!(
                "{}: the policy has errors; no example was made",
                args.policy
            );
            return Exit::Invalid;
        }
    };
    let Some(as_of) = args.as_of.or(policy.effective) else {
        eprintln!(
            "error: `{}` has no `effective` date; give the date to evaluate at with --as-of YYYY-MM-DD",
            args.policy
        );
        return Exit::Usage;
    };
    let request = Request {
        option: args.option.as_deref(),
        tier: &args.tier,
        market: args.market.as_deref(),
        just_below: args.just_below.as_deref(),
        as_of,
    };
    let made = example::synthesize(&policy, &request).and_then(|example| {
        if args.as_test {
            example::checked_case(&policy, &example)
        } else {
            Ok(example.json())
        }
    });
    match made {
        Ok(text) => {
            use std::io::Write as _;
            let _ = writeln!(std::io::stdout(), "{}", text.trim_end());
            Exit::Success
        }
        Err(err @ example::ExampleError::Unattainable { .. }) => {
            eprintln!("error: {err}");
            Exit::Invalid
        }
        Err(err @ example::ExampleError::CaseFails(_)) => {
            eprintln!("error: {err}");
            Exit::Invalid
        }
        Err(err) => {
            eprintln!("error: {err}");
            Exit::Usage
        }
    }
}
