//! Path templates as OpenAPI writes them: `/repos/{owner}/{repo}/compare/{base}...{head}`.
//! A segment may mix literals and several parameters, as long as a literal separates every
//! two parameters (`{a}{b}` could split anywhere, so it is refused).

use std::fmt;

/// A piece of a template segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text matched as it is.
    Literal(String),
    /// A `{name}` parameter: one or more characters of a segment.
    Param(String),
}

/// One `/`-separated piece of a template. The root template `/` is one empty segment, and a
/// trailing slash is a last empty segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Its literals and parameters in order; empty for an empty segment.
    pub parts: Vec<Part>,
}

impl Segment {
    /// The segment's text when it has no parameter.
    pub fn literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Literal(l)] => Some(l),
            _ => None,
        }
    }
}

/// Why a path template is refused: a [`kind`](Self::kind) and a message naming the template.
///
/// ```
/// use scopegate_runtime::template::{parse, TemplateErrorKind};
///
/// let e = parse("/compare/{base}{head}").unwrap_err();
/// assert_eq!(e.kind(), TemplateErrorKind::AdjacentParameters);
/// assert_eq!(
///     e.to_string(),
///     "path template `/compare/{base}{head}`: has two parameters with no literal between them"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    kind: TemplateErrorKind,
    template: String,
}

/// What is wrong with a path template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TemplateErrorKind {
    /// It does not start with `/`.
    NotAbsolute,
    /// `//`: an empty segment that is not the trailing one.
    EmptySegment,
    /// A `}` without its `{`.
    UnopenedBrace,
    /// A `{` without its `}`.
    UnclosedBrace,
    /// `{}`, or a `{` inside a parameter name.
    BadParameterName,
    /// `{a}{b}`: no literal between two parameters, so a request could split anywhere.
    AdjacentParameters,
}

impl TemplateErrorKind {
    fn says(self) -> &'static str {
        match self {
            TemplateErrorKind::NotAbsolute => "does not start with `/`",
            TemplateErrorKind::EmptySegment => "has an empty segment (`//`)",
            TemplateErrorKind::UnopenedBrace => "has `}` without `{`",
            TemplateErrorKind::UnclosedBrace => "has `{` without `}`",
            TemplateErrorKind::BadParameterName => "has an empty or nested parameter name",
            TemplateErrorKind::AdjacentParameters => {
                "has two parameters with no literal between them"
            }
        }
    }
}

impl TemplateError {
    /// What is wrong.
    pub fn kind(&self) -> TemplateErrorKind {
        self.kind
    }

    /// The template as it was given.
    pub fn template(&self) -> &str {
        &self.template
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "path template `{}`: {}", self.template, self.kind.says())
    }
}

impl std::error::Error for TemplateError {}

/// Splits a template into segments.
pub fn parse(template: &str) -> Result<Vec<Segment>, TemplateError> {
    let fail = |kind| {
        Err(TemplateError {
            kind,
            template: template.to_string(),
        })
    };
    let Some(rest) = template.strip_prefix('/') else {
        return fail(TemplateErrorKind::NotAbsolute);
    };
    let pieces: Vec<&str> = rest.split('/').collect();
    let mut segments = Vec::with_capacity(pieces.len());
    for (i, piece) in pieces.iter().enumerate() {
        if piece.is_empty() && i + 1 < pieces.len() {
            return fail(TemplateErrorKind::EmptySegment);
        }
        let mut parts = Vec::new();
        let mut rest = *piece;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                Some(at) if rest.as_bytes()[at] == b'}' => {
                    return fail(TemplateErrorKind::UnopenedBrace)
                }
                Some(at) => {
                    if at > 0 {
                        parts.push(Part::Literal(rest[..at].to_string()));
                    }
                    let after = &rest[at + 1..];
                    let Some(close) = after.find('}') else {
                        return fail(TemplateErrorKind::UnclosedBrace);
                    };
                    let name = &after[..close];
                    if name.is_empty() || name.contains('{') {
                        return fail(TemplateErrorKind::BadParameterName);
                    }
                    if matches!(parts.last(), Some(Part::Param(_))) {
                        return fail(TemplateErrorKind::AdjacentParameters);
                    }
                    parts.push(Part::Param(name.to_string()));
                    rest = &after[close + 1..];
                }
                None => {
                    parts.push(Part::Literal(rest.to_string()));
                    rest = "";
                }
            }
        }
        segments.push(Segment { parts });
    }
    Ok(segments)
}

/// The template with parameter names left out (`/a/{}/b`): two templates with one shape
/// match the same requests.
pub fn shape(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut in_param = false;
    for c in template.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

/// A segment's shape (`{}.json`): its parts with parameter names left out.
pub fn shape_of(parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Literal(l) => l.as_str(),
            Part::Param(_) => "{}",
        })
        .collect()
}

/// A request path for the template with every parameter replaced by `value`
/// (`/a/{id}.json` → `/a/1.json`), as examples, benchmarks and tests need.
pub fn instantiate(template: &str, value: &str) -> String {
    shape(template).replace("{}", value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Part {
        Part::Literal(s.into())
    }
    fn param(s: &str) -> Part {
        Part::Param(s.into())
    }

    #[test]
    fn mixed_segments() {
        let segments = parse("/repos/{owner}/{repo}/compare/{base}...{head}").unwrap();
        assert_eq!(segments.len(), 5);
        assert_eq!(
            segments[4].parts,
            [param("base"), lit("..."), param("head")]
        );
        assert_eq!(
            parse("/files/{name}.json").unwrap()[1].parts,
            [param("name"), lit(".json")]
        );
    }

    #[test]
    fn root_and_trailing_slash_are_empty_last_segments() {
        assert_eq!(parse("/").unwrap(), [Segment { parts: vec![] }]);
        let s = parse("/a/").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].literal(), Some(""));
    }

    #[test]
    fn refuses_what_cannot_be_matched() {
        for bad in ["a/b", "/a//b", "/{a", "/a}", "/{}", "/{a}{b}", "/{a{b}}"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shapes_ignore_parameter_names() {
        assert_eq!(shape("/a/{id}/b/{x}.json"), "/a/{}/b/{}.json");
        assert_eq!(shape("/a/{id}"), shape("/a/{name}"));
        assert_eq!(instantiate("/a/{id}/b/{x}.json", "1"), "/a/1/b/1.json");
    }
}
