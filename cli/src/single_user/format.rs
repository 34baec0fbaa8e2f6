//! The table Locust's `run_single_user` prints (its `PrintListener`), byte for byte: a blank
//! line, a tab-separated header, then one line per request, every field followed by a tab.

use cicada_engine::report::civil_from_days;
use cicada_scripting::ReportedRequest;

/// Locust's `PrintListener` cuts error texts to this many characters.
const ERROR_CHARS: usize = 500;

/// The optional columns (`include_time`, `include_length`, `include_context` in Locust).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Columns {
    pub(crate) time: bool,
    pub(crate) length: bool,
    pub(crate) context: bool,
}

impl Columns {
    /// `--single-user-include`: a comma-separated list of `time`, `length`, `context`.
    pub(crate) fn parse(spec: &str) -> Result<Columns, String> {
        let mut c = Columns::default();
        for word in spec.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "time" => c.time = true,
                "length" => c.length = true,
                "context" => c.context = true,
                other => {
                    return Err(format!(
                        "invalid column: '{other}' (choose from 'time', 'length', 'context', \
                         separated by commas)"
                    ))
                }
            }
        }
        Ok(c)
    }
}

/// The blank line and the header.
pub(crate) fn header(c: Columns) -> String {
    format!(
        "\n{}type\t{:<50}\tresp_ms\t{}exception\t{}\t\n",
        if c.time { "time                    \t" } else { "" },
        "name",
        if c.length { "length\t" } else { "" },
        if c.context { "context\t" } else { "" },
    )
}

/// One request's line. `now` (Unix seconds) stands in for a request without a start time.
pub(crate) fn line(c: Columns, r: &ReportedRequest, now: f64) -> String {
    let mut out = String::with_capacity(96);
    let mut field = |s: &str| {
        out.push_str(s);
        out.push('\t');
    };
    if c.time {
        field(&utc_datetime(r.start_time.unwrap_or(now)));
    }
    field(&r.request_type);
    field(&format!("{:<50}", r.name));
    // Python's round() ties to even; a request without a time prints -1.
    let ms = r.response_time_ms.map_or(-1, |ms| ms.round_ties_even() as i64);
    field(&format!("{ms:<7}"));
    if c.length {
        field(&r.length.to_string());
    }
    let error: String = r
        .error
        .as_deref()
        .unwrap_or("")
        .chars()
        .take(ERROR_CHARS)
        .map(|ch| if ch == '\n' { ' ' } else { ch })
        .collect();
    field(&format!("{error:<9}"));
    if c.context {
        field(r.context.as_deref().unwrap_or(""));
    }
    out.push('\n');
    out
}

/// Python's `str(datetime.fromtimestamp(t, tz=timezone.utc))`: microseconds only when not
/// zero, then `+00:00`.
fn utc_datetime(unix: f64) -> String {
    let micros = (unix * 1e6).round() as i64;
    let (secs, micro) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    let (days, s) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let fraction = if micro == 0 { String::new() } else { format!(".{micro:06}") };
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}{fraction}+00:00", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &str =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/reference/samples/run_single_user/");

    /// The 404 as Locust words it (and cicada's HTTP client does too).
    const NOT_FOUND: &str =
        "HTTPError('404 Client Error: File not found for url: /does-not-exist')";

    fn req(name: &str, ms: f64, length: u64, error: Option<&str>, start: f64) -> ReportedRequest {
        ReportedRequest {
            request_type: "GET".into(),
            name: name.into(),
            response_time_ms: Some(ms),
            length,
            error: error.map(str::to_owned),
            context: None,
            start_time: Some(start),
        }
    }

    /// The requests of single.py, with the times and lengths of the samples.
    fn sample_run(ms: [f64; 3], starts: [f64; 3]) -> Vec<ReportedRequest> {
        vec![
            req("/", ms[0], 12, None, starts[0]),
            req("/does-not-exist", ms[1], 335, Some(NOT_FOUND), starts[1]),
            req("/index.html?a=[x]", ms[2], 12, None, starts[2]),
        ]
    }

    fn render(c: Columns, reqs: &[ReportedRequest]) -> String {
        let mut out = header(c);
        for r in reqs {
            out.push_str(&line(c, r, 0.0));
        }
        out
    }

    /// The sample file's first `lines` lines, if the reference samples are checked out.
    fn sample(file: &str, lines: usize) -> Option<String> {
        let text = std::fs::read_to_string(format!("{SAMPLES}{file}")).ok()?;
        Some(text.split_inclusive('\n').take(lines).collect())
    }

    #[test]
    fn default_columns_match_locust() {
        let got = render(Columns::default(), &sample_run([13.4, 2.0, 4.6], [0.0; 3]));
        let want = concat!(
            "\n",
            "type\tname                                              \tresp_ms\texception\t\t\n",
            "GET\t/                                                 \t13     \t         \t\n",
            "GET\t/does-not-exist                                   \t2      \tHTTPError('404 Client Error: File not found for url: /does-not-exist')\t\n",
            "GET\t/index.html?a=[x]                                 \t5      \t         \t\n",
        );
        assert_eq!(got, want);
        if let Some(file) = sample("default_flags_stdout.txt", 5) {
            assert_eq!(got, file);
        }
    }

    #[test]
    fn time_length_and_context_match_locust() {
        // 2026-11-26 11:35:37 UTC is 1795692937 s after the epoch.
        let t = 1_795_692_937.0;
        let starts = [t + 0.230_060, t + 0.239_268, t + 0.242_512];
        let all = Columns { time: true, length: true, context: true };
        let got = render(all, &sample_run([9.0, 3.0, 5.0], starts));
        let want = concat!(
            "\n",
            "time                    \ttype\tname                                              \tresp_ms\tlength\texception\tcontext\t\t\n",
            "2026-11-26 11:35:37.230060+00:00\tGET\t/                                                 \t9      \t12\t         \t\t\n",
            "2026-11-26 11:35:37.239268+00:00\tGET\t/does-not-exist                                   \t3      \t335\tHTTPError('404 Client Error: File not found for url: /does-not-exist')\t\t\n",
            "2026-11-26 11:35:37.242512+00:00\tGET\t/index.html?a=[x]                                 \t5      \t12\t         \t\t\n",
        );
        assert_eq!(got, want);
        if let Some(file) = sample("include_length_time_context_stdout.txt", 5) {
            assert_eq!(got, file);
        }
    }

    #[test]
    fn errors_are_cut_and_kept_on_one_line() {
        let long = format!("a\nb{}", "x".repeat(600));
        let r = ReportedRequest { response_time_ms: None, ..req("n", 0.0, 0, Some(&long), 0.0) };
        let got = line(Columns::default(), &r, 0.0);
        let fields: Vec<&str> = got.trim_end_matches('\n').split('\t').collect();
        assert_eq!(fields[2], "-1     ", "no time prints -1");
        assert_eq!(fields[3].chars().count(), 500);
        assert!(fields[3].starts_with("a b"));
    }

    #[test]
    fn rounding_ties_to_even_and_whole_seconds_have_no_fraction() {
        let at = |ms| line(Columns::default(), &req("n", ms, 0, None, 0.0), 0.0);
        assert!(at(2.5).contains("\t2      \t"));
        assert!(at(3.5).contains("\t4      \t"));
        assert_eq!(utc_datetime(0.0), "1970-01-01 00:00:00+00:00");
    }

    #[test]
    fn columns_are_parsed_from_a_list() {
        assert_eq!(
            Columns::parse("length, time,context"),
            Ok(Columns { time: true, length: true, context: true })
        );
        assert_eq!(Columns::parse(""), Ok(Columns::default()));
        assert!(Columns::parse("payload").unwrap_err().contains("'payload'"));
    }
}
