//! Deterministic partner-data generator for benchmarks and load tests.
//!
//! ```sh
//! cargo run --release --example gen_partners -- --count 200000 [--seed 42] > /tmp/p.jsonl
//! ```
//!
//! Prints JSON Lines in the format `rubric eval` reads (see `src/data/mod.rs`),
//! shaped for `policies/cloud_crm.policy`: evaluated with `--as-of 2017-06-30`
//! the partners come out as a mix of gold, silver and no tier. The same count
//! and seed always give the same bytes: the PRNG (SplitMix64) is written out
//! here rather than taken from a crate.
//!
//! The benchmark (`benches/eval.rs`) includes this file as a module and calls
//! [`generate`] / [`partner`], so the two always measure the same data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write as _;

use serde_json::{Value, json};

/// SplitMix64: tiny, fast, and good enough for test data.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: no modulo bias worth caring about for test data.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FUNCTIONAL: [&str; 3] = ["714", "713", "709"];
const DEPLOYMENT: [&str; 2] = ["710", "706"];
const CUSTOMIZATION: [&str; 2] = ["712", "707"];
const ALL_EXAMS: [&str; 7] = ["714", "713", "709", "710", "706", "712", "707"];
const IN_SCOPE: [&str; 2] = ["CRM Online", "Dynamics 365 Plan 1"];
const FIRST: [&str; 12] = [
    "Ana", "Bo", "Chen", "Dana", "Eli", "Femi", "Gita", "Hugo", "Ines", "Jon", "Kai", "Lena",
];
const LAST: [&str; 10] = [
    "Silva", "Kim", "Wei", "Park", "Cohen", "Ade", "Rao", "Berg", "Costa", "Novak",
];
const CUSTOMERS: [&str; 10] = [
    "Alpine Ski House",
    "Blue Yonder Airlines",
    "Coho Winery",
    "Fourth Coffee",
    "Litware, Inc.",
    "Margie's Travel",
    "Northwind Traders",
    "Proseware",
    "Tailspin Toys",
    "Wide World Importers",
];
const COMPANY: [&str; 8] = [
    "Contoso",
    "Fabrikam",
    "Adatum",
    "Trey Research",
    "Lucerne",
    "Woodgrove",
    "Relecloud",
    "Humongous",
];
const SUFFIX: [&str; 5] = ["Ltd", "Inc.", "GmbH", "S.A.", "Partners"];

/// An exam code as partners write it: mostly `MB2-714`, sometimes not.
fn exam_code(rng: &mut Rng, number: &str) -> String {
    match rng.below(20) {
        0 => format!("mb2 {number}"),
        1 => format!("MB2_{number}"),
        2 => format!("mb2-{number}"),
        3 => format!(" MB2-{number} "),
        _ => format!("MB2-{number}"),
    }
}

/// A real calendar date in `years` (inclusive), `YYYY-MM-DD`.
fn date(rng: &mut Rng, first_year: u64, last_year: u64) -> String {
    let year = rng.range(first_year, last_year);
    let month = rng.range(1, 12);
    let days = match month {
        2 if year.is_multiple_of(4) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let day = rng.range(1, days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// An amount: a JSON number with cents, a whole number, or a string.
fn amount(rng: &mut Rng, cents: u64) -> Value {
    let text = format!("{}.{:02}", cents / 100, cents % 100);
    match rng.below(10) {
        0..=4 => {
            // Cents as an f64 prints back as the shortest text, e.g. 12345.67.
            json!(cents as f64 / 100.0)
        }
        5 | 6 => json!(cents / 100),
        _ => json!(text),
    }
}

/// One person: `strength` (0..100) makes a certified person likelier.
fn person(rng: &mut Rng, partner: usize, index: usize, strength: u64) -> Value {
    let exams_count = if rng.chance(10 + strength * 4 / 5) {
        rng.range(2, 4)
    } else {
        rng.range(0, 2)
    };
    // A person mostly follows a track: functional + deployment, or customization.
    let track = rng.below(3);
    let mut exams = Vec::new();
    for k in 0..exams_count {
        let number = match (track, k) {
            (0, 0) => *rng.pick(&FUNCTIONAL),
            (0, 1) => *rng.pick(&DEPLOYMENT),
            (1, 0) => *rng.pick(&CUSTOMIZATION),
            _ => *rng.pick(&ALL_EXAMS),
        };
        let code = exam_code(rng, number);
        // About one pass in six falls after the as-of date, 2017-06-30.
        let last_year = 2017 + u64::from(rng.chance(25));
        let passed = date(rng, 2014, last_year);
        exams.push(json!({ "code": code, "passed": passed }));
    }
    let id = if rng.chance(10) {
        json!(partner * 100 + index)
    } else {
        json!(format!("E-{partner}-{index}"))
    };
    json!({
        "id": id,
        "name": format!("{} {}", rng.pick(&FIRST), rng.pick(&LAST)),
        "exams": exams,
    })
}

/// One revenue line: `strength` (0..100) makes larger in-scope deals likelier.
fn revenue_line(rng: &mut Rng, strength: u64) -> Value {
    let product = if rng.chance(70) {
        *rng.pick(&IN_SCOPE)
    } else {
        "Office 365"
    };
    let kind = if rng.chance(75) { "net_new" } else { "renewal" };
    // Up to about $150,000 per line for the strongest partners.
    let cents = rng.range(50_000, 1_000_000 + strength * 150_000);
    // Strong partners sell more recently: their dates lean to the trailing year.
    let date = if rng.chance(strength * 3 / 4) {
        // 2016-07 to 2017-06: the trailing year at the as-of date 2017-06-30.
        let (year, first_month) = if rng.chance(50) { (2016, 7) } else { (2017, 1) };
        let month = rng.range(first_month, first_month + 5);
        format!("{year}-{month:02}-{:02}", rng.range(1, 28))
    } else {
        date(rng, 2015, 2018)
    };
    let associations: Vec<&str> = match rng.below(20) {
        0 => vec![],
        1 => vec!["cpor"],
        2 => vec!["dpor", "cpor"],
        _ => vec!["dpor"],
    };
    let mut line = json!({
        "customer": *rng.pick(&CUSTOMERS),
        "product": product,
        "type": kind,
        "amount": amount(rng, cents),
        "currency": "USD",
        "date": date,
        "associations": associations,
    });
    if rng.chance(3) {
        // A line without a customer: the field is optional.
        if let Some(object) = line.as_object_mut() {
            object.remove("customer");
        }
    }
    line
}

/// Partner number `index` of the data set for `seed`. Each partner has its
/// own stream, so a partner does not depend on how many come before it.
pub fn partner(seed: u64, index: usize) -> Value {
    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0xD129_0A5B_7C3E_4F61));
    rng.next_u64();
    // Skewed towards stronger partners: the larger of two draws.
    let strength = rng.below(100).max(rng.below(100));
    let people_count = rng.range(0, 1 + strength * 11 / 99);
    let people: Vec<Value> = (0..people_count)
        .map(|k| person(&mut rng, index, k as usize, strength))
        .collect();
    let revenue_count = rng.range(0, 5 + strength * 25 / 99);
    let revenue: Vec<Value> = (0..revenue_count)
        .map(|_| revenue_line(&mut rng, strength))
        .collect();
    let market = if rng.chance(85) {
        "developed"
    } else {
        "developing"
    };
    json!({
        "id": format!("P-{index:07}"),
        "name": format!("{} {} {}", rng.pick(&COMPANY), index, rng.pick(&SUFFIX)),
        "market": market,
        "people": people,
        "revenue": revenue,
    })
}

/// `count` partners for `seed`, as JSON Lines text (each line ends in `\n`).
pub fn generate(count: usize, seed: u64) -> String {
    let mut out = Vec::with_capacity(count * 2048);
    for index in 0..count {
        serde_json::to_writer(&mut out, &partner(seed, index)).expect("JSON to memory");
        out.push(b'\n');
    }
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

const USAGE: &str = "usage: gen_partners --count N [--seed S]";

fn main() {
    let mut count: Option<usize> = None;
    let mut seed: u64 = 42;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .unwrap_or_else(|| exit_usage(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--count" => {
                let v = value("--count");
                count = Some(v.parse().unwrap_or_else(|_| exit_usage("bad --count")));
            }
            "--seed" => {
                let v = value("--seed");
                seed = v.parse().unwrap_or_else(|_| exit_usage("bad --seed"));
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            other => exit_usage(&format!("unknown argument `{other}`")),
        }
    }
    let Some(count) = count else {
        exit_usage("--count is required")
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    for index in 0..count {
        let written = serde_json::to_writer(&mut out, &partner(seed, index))
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if written.is_err() {
            // stdout closed (e.g. piped into `head`): stop quietly.
            return;
        }
    }
    let _ = out.flush();
}

fn exit_usage(message: &str) -> ! {
    eprintln!("gen_partners: {message}\n{USAGE}");
    std::process::exit(2)
}
