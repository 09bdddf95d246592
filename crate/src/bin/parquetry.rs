//! `parquetry INPUT -o OUTPUT.parquet [options] [--json]`: the engine on the command line.

use clap::Parser;
use parquetry::alloc::CountingAlloc;
use parquetry::{BadRows, Codec, Encoding, Options, Progress, Report, TypeOverride};
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Convert a CSV file to compact, exactly typed Parquet.
#[derive(Parser, Debug)]
#[command(name = "parquetry", version)]
struct Cli {
    /// CSV file to convert, or `-` for standard input (read in one pass, see --stream).
    input: PathBuf,
    /// Parquet file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Compression codec: zstd, snappy, gzip, brotli, lz4 or none.
    #[arg(long, default_value = "zstd", value_parser = parse_codec)]
    compression: Codec,
    /// Compression level (zstd 1-22, gzip 0-9, brotli 0-11).
    #[arg(long)]
    level: Option<i32>,
    /// Most rows per row group.
    #[arg(long)]
    row_group_rows: Option<usize>,
    /// Most bytes of CSV text per row group (bounds memory on wide files).
    #[arg(long)]
    row_group_bytes: Option<usize>,
    /// Leave min/max statistics out of the Parquet file.
    #[arg(long)]
    no_statistics: bool,
    /// Field delimiter: `,` `;` `tab` `|` or another single character [default: sniffed].
    #[arg(long, value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// Quote character, or `none` [default: sniffed].
    #[arg(long, value_parser = parse_quote)]
    quote: Option<QuoteArg>,
    /// The first row is a header [default: sniffed].
    #[arg(long, conflicts_with = "no_header")]
    header: bool,
    /// The first row is data.
    #[arg(long)]
    no_header: bool,
    /// Text encoding: utf-8, utf-16le, utf-16be or windows-1252 [default: sniffed].
    #[arg(long, value_parser = parse_encoding)]
    encoding: Option<Encoding>,
    /// A null token (repeatable); replaces the default list.
    #[arg(long = "null", value_name = "TOKEN")]
    null_tokens: Vec<String>,
    /// Only the empty field is null.
    #[arg(long, conflicts_with = "null_tokens")]
    no_null_tokens: bool,
    /// Most distinct values for a category column (0 turns categories off).
    #[arg(long)]
    category_max: Option<usize>,
    /// Distinct values may be at most this fraction of a category column's values.
    #[arg(long)]
    category_ratio: Option<f64>,
    /// Force a column's type, as COLUMN=TYPE (repeatable).
    #[arg(long = "type", value_name = "COLUMN=TYPE", value_parser = parse_type)]
    types: Vec<(String, TypeOverride)>,
    /// Keep only these columns, in this order (comma separated).
    #[arg(long, value_delimiter = ',')]
    columns: Option<Vec<String>>,
    /// What to do with a bad row: error, skip or collect.
    #[arg(long, default_value = "error", value_parser = parse_bad_rows)]
    bad_rows: BadRows,
    /// With --bad-rows collect, also write the rejected rows to this CSV file.
    #[arg(long)]
    rejects: Option<PathBuf>,
    /// Worker threads: parsing, per-field work and encoding [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// One pass, with types inferred from the first --sample-rows rows (rows that do not
    /// fit them are rejected).
    #[arg(long)]
    stream: bool,
    /// Rows used for inference in stream mode; otherwise the rows whose types are tried
    /// first, in one pass that checks them against every row.
    #[arg(long)]
    sample_rows: Option<usize>,
    /// A longer field rejects its row.
    #[arg(long)]
    max_field_bytes: Option<usize>,
    /// Print the final report as JSON on standard output.
    #[arg(long)]
    json: bool,
    /// No progress line.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug)]
struct QuoteArg(Option<u8>);

fn one_ascii(s: &str, what: &str) -> Result<u8, String> {
    match s.as_bytes() {
        [c] if c.is_ascii() => Ok(*c),
        _ => Err(format!("{what} must be a single ASCII character")),
    }
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ => one_ascii(s, "the delimiter"),
    }
}

fn parse_quote(s: &str) -> Result<QuoteArg, String> {
    match s {
        "none" => Ok(QuoteArg(None)),
        _ => one_ascii(s, "the quote").map(|c| QuoteArg(Some(c))),
    }
}

fn parse_codec(s: &str) -> Result<Codec, String> {
    serde_json::from_value(serde_json::Value::String(s.to_ascii_lowercase()))
        .map_err(|_| format!("unknown codec {s:?}: use zstd, snappy, gzip, brotli, lz4 or none"))
}

fn parse_bad_rows(s: &str) -> Result<BadRows, String> {
    serde_json::from_value(serde_json::Value::String(s.to_ascii_lowercase()))
        .map_err(|_| format!("unknown policy {s:?}: use error, skip or collect"))
}

fn parse_encoding(s: &str) -> Result<Encoding, String> {
    match s.to_ascii_lowercase().replace('_', "-").as_str() {
        "utf-8" | "utf8" => Ok(Encoding::Utf8),
        "utf-16le" | "utf16le" => Ok(Encoding::Utf16Le),
        "utf-16be" | "utf16be" => Ok(Encoding::Utf16Be),
        "windows-1252" | "cp1252" | "latin1" | "latin-1" | "iso-8859-1" => {
            Ok(Encoding::Windows1252)
        }
        _ => Err(format!(
            "unknown encoding {s:?}: use utf-8, utf-16le, utf-16be or windows-1252"
        )),
    }
}

fn parse_type(s: &str) -> Result<(String, TypeOverride), String> {
    let (col, ty) = s.rsplit_once('=').ok_or("expected COLUMN=TYPE")?;
    Ok((col.to_string(), ty.parse()?))
}

impl Cli {
    fn options(&self) -> Options {
        let mut o = Options {
            delimiter: self.delimiter,
            quote: self.quote.map(|q| q.0),
            header: match (self.header, self.no_header) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            encoding: self.encoding,
            bad_rows: self.bad_rows,
            compression: self.compression,
            level: self.level,
            types: self.types.clone(),
            columns: self.columns.clone(),
            statistics: !self.no_statistics,
            ..Options::default()
        };
        if self.no_null_tokens {
            o.null_tokens.clear();
        } else if !self.null_tokens.is_empty() {
            o.null_tokens = self.null_tokens.clone();
        }
        let d = Options::default();
        o.category_max = self.category_max.unwrap_or(d.category_max);
        o.category_ratio = self.category_ratio.unwrap_or(d.category_ratio);
        o.row_group_rows = self.row_group_rows.unwrap_or(d.row_group_rows);
        o.row_group_bytes = self.row_group_bytes.unwrap_or(d.row_group_bytes);
        o.sample_rows = self.sample_rows.unwrap_or(d.sample_rows);
        o.max_field_bytes = self.max_field_bytes.unwrap_or(d.max_field_bytes);
        o
    }
}

/// A one-line progress display on a terminal's stderr, redrawn at most ten times a second.
struct ProgressLine {
    total: Option<u64>,
    last: Option<Instant>,
    shown: bool,
}

impl ProgressLine {
    fn show(&mut self, p: &Progress) {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t).as_millis() < 100)
        {
            return;
        }
        self.last = Some(now);
        let pct = self
            .total
            .filter(|t| *t > 0)
            .map(|t| format!(" {:5.1}%", p.bytes as f64 * 100.0 / t as f64));
        eprint!(
            "\r{:<8}{} {:>12} rows  {:>8.1} MB read  heap {:>7.1} MB ",
            format!("{:?}", p.phase).to_lowercase(),
            pct.unwrap_or_default(),
            p.rows,
            p.bytes as f64 / 1e6,
            p.heap_bytes as f64 / 1e6
        );
        self.shown = true;
    }

    fn clear(&self) {
        if self.shown {
            eprint!("\r{:80}\r", "");
        }
    }
}

/// Why a run failed: bad usage (exit 2) or a failed conversion (exit 1).
enum Failure {
    Usage(String),
    Conversion(String),
}

fn run(cli: &Cli) -> Result<Report, Failure> {
    let opts = cli.options();
    opts.validate().map_err(Failure::Usage)?;
    if cli.rejects.is_some() && opts.bad_rows != BadRows::Collect {
        return Err(Failure::Usage("--rejects needs --bad-rows collect".into()));
    }
    convert(cli, &opts).map_err(Failure::Conversion)
}

fn convert(cli: &Cli, opts: &Options) -> Result<Report, String> {
    let opts = opts.clone();
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .map_err(|e| format!("cannot start {n} threads: {e}"))?;
    }
    let stdin = cli.input.as_os_str() == "-";
    let total = if stdin {
        None
    } else {
        std::fs::metadata(&cli.input).ok().map(|m| m.len())
    };
    let mut line = ProgressLine {
        total,
        last: None,
        shown: false,
    };
    let interactive = !cli.quiet && io::stderr().is_terminal();
    let mut on_progress = |p: &Progress| {
        if interactive {
            line.show(p)
        }
    };
    let out = File::create(&cli.output)
        .map_err(|e| format!("cannot create {}: {e}", cli.output.display()))?;
    let out = BufWriter::with_capacity(1 << 20, out);
    let result = if stdin {
        parquetry::convert_stream(io::stdin(), out, &opts, &mut on_progress)
    } else {
        let input = File::open(&cli.input)
            .map_err(|e| format!("cannot open {}: {e}", cli.input.display()))?;
        if cli.stream {
            parquetry::convert_stream(input, out, &opts, &mut on_progress)
        } else {
            parquetry::convert_seekable(input, out, &opts, &mut on_progress)
        }
    };
    line.clear();
    let report = result.map_err(|e| e.to_string())?;
    if let Some(path) = &cli.rejects {
        write_rejects(path, &report)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(report)
}

fn write_rejects(path: &PathBuf, report: &Report) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(path)?);
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    writeln!(w, "line,reason,record")?;
    for r in &report.rejected {
        writeln!(w, "{},{},{}", r.line, quote(&r.reason), quote(&r.record))?;
    }
    w.flush()
}

/// Keeps freed memory in the process. By default glibc gives blocks over 128 KiB (and the
/// heap's free top) back to the kernel, which hands them out again page by page, zeroed,
/// when the next batch asks: a conversion frees and takes megabytes per batch, and those
/// page faults cost ~5% of its time (BENCHMARKS.md, 2026-12-05). Memory stays bounded by
/// the peak the engine reached, as before.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only sets the allocator's parameters; no thread has started yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    match run(&cli) {
        Ok(report) => {
            if cli.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(1);
                    }
                }
            } else if !cli.quiet {
                eprintln!(
                    "{} rows written, {} rejected, {:.1} MB → {:.1} MB ({}) in {:.0} ms",
                    report.rows_written,
                    report.rows_rejected,
                    report.bytes_in as f64 / 1e6,
                    report.bytes_out as f64 / 1e6,
                    cli.output.display(),
                    report.timings_ms.sniff + report.timings_ms.scan + report.timings_ms.convert
                );
            }
            ExitCode::SUCCESS
        }
        Err(Failure::Usage(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Conversion(e)) => {
            // Never leave a half-written file that looks like a result.
            let _ = std::fs::remove_file(&cli.output);
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
