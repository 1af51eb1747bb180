//! `scopegate lint [PATH...]`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use scopegate::config::{self, Config};
use scopegate::diagnostic::{Diagnostic, Severity};
use scopegate::lint::{self, baseline::Baseline, inputs, Options, Outcome};
use scopegate::load::walk;
use scopegate::report::{self, formats, markdown};

use super::exit;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// miette snippets with the offending line underlined (default on a terminal)
    Pretty,
    /// one line per finding: file:line:col: severity rule: message (default when piped)
    Plain,
    /// the JSON contract of SPEC section 5
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// GitHub Actions workflow commands (annotations)
    Github,
    /// JUnit XML
    Junit,
    /// a markdown summary per rule and per file
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailSeverity {
    Error,
    Warning,
    Info,
    Hint,
}

impl From<FailSeverity> for Severity {
    fn from(s: FailSeverity) -> Severity {
        match s {
            FailSeverity::Error => Severity::Error,
            FailSeverity::Warning => Severity::Warning,
            FailSeverity::Info => Severity::Info,
            FailSeverity::Hint => Severity::Hint,
        }
    }
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Files and directories to lint (`-` for stdin). Directories are walked for .yaml, .yml
    /// and .json files, honouring .gitignore.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format (default: pretty on a terminal, plain otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Configuration file for every linted file (default: for each file, the scopegate.yaml
    /// nearest to it, found by walking up from its directory).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity.
    #[arg(long, value_enum, default_value = "error")]
    fail_severity: FailSeverity,
    /// Also exit 1 when there are more than N warnings.
    #[arg(long, value_name = "N")]
    max_warnings: Option<usize>,
    /// Silence the findings recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file and exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Also write SARIF to this file, whatever --format is.
    #[arg(long, value_name = "FILE")]
    sarif_file: Option<PathBuf>,
    /// Also append a markdown summary (per rule and per file) to this file, e.g.
    /// $GITHUB_STEP_SUMMARY.
    #[arg(long, value_name = "FILE")]
    summary_file: Option<PathBuf>,
    /// Also append the counts as key=value lines (errors, warnings, infos, hints, files) to
    /// this file, e.g. $GITHUB_OUTPUT.
    #[arg(long, value_name = "FILE")]
    counts_file: Option<PathBuf>,
    /// Skip named files that are not OpenAPI documents instead of reporting them.
    #[arg(long)]
    skip_non_openapi: bool,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Write the report to FILE instead of standard output (plain unless --format says).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Print the findings only: no summary line, progress bar or notes.
    #[arg(short, long)]
    quiet: bool,
    /// Colours in pretty output: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR or
    /// CLICOLOR_FORCE turn them on elsewhere), always or never.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    color: ColorChoice,
    /// The file name that standard input (`-`) stands for: findings name it, and its
    /// configuration and relative $refs are found from it (for editors and pre-commit tools).
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour output going to a stream that is (or is not) a terminal.
    pub fn enabled(self, terminal: bool) -> bool {
        let set = |name: &str| {
            std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
        };
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            // https://no-color.org wins over the force variables: a user's "no" is final.
            ColorChoice::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
                false
            }
            ColorChoice::Auto => terminal || set("FORCE_COLOR") || set("CLICOLOR_FORCE"),
        }
    }
}

pub fn run(args: LintArgs) -> i32 {
    match lint(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("scopegate: {message}");
            exit::USAGE
        }
    }
}

/// The one configuration a command uses: `--config`, else the nearest up from the working
/// directory, else the defaults.
pub fn load_config(explicit: Option<&Path>) -> Result<Config, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("working directory: {e}"))?;
    config::for_working_directory(explicit, &cwd).map_err(|e| inputs::config_error(&e))
}

/// The files to lint with their configurations; the excluded named files said on stderr.
fn inputs_with_configs(args: &LintArgs) -> Result<Vec<(walk::Input, Arc<Config>)>, Stop> {
    let cwd =
        std::env::current_dir().map_err(|e| Stop::Other(format!("working directory: {e}")))?;
    let found = inputs::discover(
        &args.paths,
        args.config.as_deref(),
        args.stdin_filename.as_deref(),
        &cwd,
    )
    .map_err(|e| match e {
        inputs::InputsError::Config(diagnostics) => Stop::Config(diagnostics),
        walk => Stop::Other(walk.to_string()),
    })?;
    for path in found.excluded.iter().filter(|_| !args.quiet) {
        eprintln!(
            "scopegate: {}: not linted: an `ignore` glob of the configuration excludes it",
            path.display()
        );
    }
    Ok(found.jobs)
}

fn lint(args: LintArgs) -> Result<i32, String> {
    if let Some(n) = args.threads {
        // Only fails if a pool exists already, which cannot happen this early.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let format = args.format.unwrap_or(if to_terminal {
        Format::Pretty
    } else {
        Format::Plain
    });
    let jobs = match inputs_with_configs(&args) {
        Ok(jobs) => jobs,
        Err(Stop::Other(message)) => return Err(message),
        Err(Stop::Config(diagnostics)) => return config_mistakes(&args, format, diagnostics),
    };
    let inputs: Vec<(walk::Input, &scopegate::rules::Settings)> = jobs
        .iter()
        .map(|(input, config)| (input.clone(), &config.settings))
        .collect();
    let progress = progress_bar(inputs.len()).filter(|_| !args.quiet);
    let tick = || {
        if let Some(bar) = &progress {
            bar.inc(1);
        }
    };
    let options = Options {
        skip_non_openapi: args.skip_non_openapi,
        keep_sources: format == Format::Pretty,
    };
    let mut outcome = lint::run(&inputs, options, &tick);
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::of(&outcome.diagnostics, path);
        std::fs::write(path, baseline.to_json()).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!(
            "scopegate: wrote {} finding(s) to {}",
            outcome.diagnostics.len(),
            path.display()
        );
        return Ok(exit::OK);
    }
    if let Some(path) = &args.baseline {
        let silenced = Baseline::read(path)
            .map_err(|e| e.to_string())?
            .silence(&mut outcome.diagnostics);
        if silenced > 0 && !args.quiet {
            eprintln!(
                "scopegate: {silenced} known finding(s) silenced by {}",
                path.display()
            );
        }
    }
    if let Some(path) = &args.sarif_file {
        write_sarif_file(&outcome, path)?;
    }
    if let Some(path) = &args.summary_file {
        append(path, &markdown::markdown(&outcome))?;
    }
    if let Some(path) = &args.counts_file {
        append(path, &markdown::counts(&outcome))?;
    }
    let report = Report {
        format,
        color: args.color.enabled(to_terminal),
        summary: !args.quiet,
    };
    report.print(&outcome, args.output.as_deref())?;
    let code = if outcome.unreadable > 0 {
        exit::USAGE
    } else {
        let threshold: Severity = args.fail_severity.into();
        let failing = outcome.diagnostics.iter().any(|d| d.severity >= threshold);
        let too_many_warnings = args
            .max_warnings
            .is_some_and(|n| outcome.count(Severity::Warning) > n);
        if failing || too_many_warnings {
            exit::FINDINGS
        } else {
            exit::OK
        }
    };
    // The process ends with this command: the system takes its memory back at once, while
    // freeing tens of thousands of findings one by one (made on other threads) kept the last
    // core busy for tens of milliseconds after the report was written.
    std::mem::forget(outcome);
    Ok(code)
}

/// Why a lint stopped before reading a file.
enum Stop {
    /// Mistakes in configuration files.
    Config(Vec<Diagnostic>),
    Other(String),
}

/// Configuration mistakes stop the run (exit 2). They are said on stderr as always, and a
/// machine format (and `--sarif-file`) reports them too, so that CI annotates the line of the
/// configuration instead of failing without a word.
fn config_mistakes(
    args: &LintArgs,
    format: Format,
    diagnostics: Vec<Diagnostic>,
) -> Result<i32, String> {
    eprintln!(
        "scopegate: {}",
        inputs::InputsError::Config(diagnostics.clone())
    );
    let mut outcome = Outcome {
        diagnostics,
        ..Outcome::default()
    };
    scopegate::diagnostic::locate(&mut outcome.diagnostics);
    if let Some(path) = &args.sarif_file {
        write_sarif_file(&outcome, path)?;
    }
    if !matches!(format, Format::Plain | Format::Pretty) {
        let report = Report {
            format,
            color: false,
            summary: false,
        };
        report.print(&outcome, args.output.as_deref())?;
    }
    Ok(exit::USAGE)
}

/// `--sarif-file`: SARIF written to `path` as it is serialized.
fn write_sarif_file(outcome: &Outcome, path: &Path) -> Result<(), String> {
    write_file(path, |out| formats::write_sarif(outcome, out))
}

/// Creates `path` and runs `write` on it through a buffer; errors name the file.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), String> {
    std::fs::File::create(path)
        .and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            write(&mut out)?;
            out.flush()
        })
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Appends, as GitHub's `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY` expect.
fn append(path: &Path, text: &str) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// How the findings are printed.
struct Report {
    format: Format,
    color: bool,
    /// The summary line (stdout after pretty output, stderr after plain).
    summary: bool,
}

impl Report {
    fn write(&self, outcome: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
        match self.format {
            Format::Json => formats::write_json(outcome, out)?,
            Format::Sarif => formats::write_sarif(outcome, out)?,
            Format::Github => formats::write_github(outcome, out)?,
            Format::Junit => formats::write_junit(outcome, out)?,
            Format::Markdown => out.write_all(markdown::markdown(outcome).as_bytes())?,
            Format::Plain => {
                for d in &outcome.diagnostics {
                    writeln!(out, "{}", report::render_plain(d))?;
                }
            }
            Format::Pretty => {
                for d in &outcome.diagnostics {
                    writeln!(out, "{}", report::render_pretty(d, self.color))?;
                }
                if self.summary {
                    out.write_all(summary_line(outcome).as_bytes())?;
                }
            }
        }
        out.flush()
    }

    /// Writes the report to `output`, or to standard output.
    fn print(&self, outcome: &Outcome, output: Option<&Path>) -> Result<(), String> {
        // Written as it is formatted, never held whole: SARIF of the whole corpus is 100 MB.
        let written = match output {
            Some(path) => write_file(path, |out| self.write(outcome, out)),
            None => {
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                match self.write(outcome, &mut stdout) {
                    // A closed pipe (`| head`) is not an error worth reporting.
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                    Err(e) => Err(format!("standard output: {e}")),
                    Ok(()) => Ok(()),
                }
            }
        };
        written?;
        if self.format == Format::Plain && self.summary {
            eprint!("{}", summary_line(outcome));
        }
        Ok(())
    }
}

fn summary_line(outcome: &Outcome) -> String {
    format!(
        "{} error(s), {} warning(s), {} info, {} hint(s) in {} file(s)\n",
        outcome.count(Severity::Error),
        outcome.count(Severity::Warning),
        outcome.count(Severity::Info),
        outcome.count(Severity::Hint),
        outcome.files.len()
    )
}

/// A progress bar on stderr for long runs on a terminal; never in pipes or CI logs.
fn progress_bar(files: usize) -> Option<indicatif::ProgressBar> {
    let interactive = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if !interactive || files < 50 {
        return None;
    }
    let bar = indicatif::ProgressBar::new(files as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed}")
    {
        bar.set_style(style);
    }
    Some(bar)
}
