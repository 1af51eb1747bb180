//! GitHub Actions workflow commands.

use std::io;

use super::to_string;
use crate::diagnostic::Severity;
use crate::lint::Outcome;

/// GitHub Actions workflow commands: `::error file=...,line=...,col=...,title=...::message`.
pub fn github(outcome: &Outcome) -> String {
    to_string(|w| write_github(outcome, w))
}

/// GitHub Actions workflow commands, written one by one.
pub fn write_github(outcome: &Outcome, out: &mut dyn io::Write) -> io::Result<()> {
    for d in &outcome.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info | Severity::Hint => "notice",
        };
        let mut properties = vec![format!("file={}", escape_property(&d.path))];
        if let Some(p) = d.position() {
            properties.push(format!("line={}", p.line));
            properties.push(format!("col={}", p.column));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("scopegate {}", d.rule))
        ));
        writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&d.message)
        )?;
    }
    Ok(())
}

/// Escapes a workflow command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a,b:c%"), "a%2Cb%3Ac%25");
    }
}
