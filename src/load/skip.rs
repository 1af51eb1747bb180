//! What the security model never reads in an OpenAPI document, so that loading JSON leaves it
//! unbuilt (the model's knowledge, handed to the JSON reader as its skip policy).

use super::json::{Members, Seg};

/// The path-parameter extension that lets a parameter span segments (`true` or `false`).
pub const MULTI_SEGMENT: &str = "x-scopegate-multi-segment";

/// Decides which members of an OpenAPI document the security model never reads, so that
/// loading JSON leaves them unbuilt: schemas, examples, bodies, responses, descriptions.
/// Objects the model reads keep only the members it reads (and the suppression directive); a
/// `$ref` into anything skipped builds that subtree when it is followed.
pub fn openapi_skip(path: &[Seg<'_>]) -> Members {
    const IGNORE: &str = super::tree::IGNORE_KEY;
    const ROOT: &[&str] = &[
        "openapi",
        "swagger",
        "info",
        "servers",
        "basePath",
        "host",
        "security",
        "securityDefinitions",
        "components",
        "paths",
        "webhooks",
        "parameters",
        IGNORE,
    ];
    const COMPONENTS: &[&str] = &["securitySchemes", "parameters", "pathItems", IGNORE];
    const PATH_ITEM: &[&str] = &[
        "$ref",
        "parameters",
        "servers",
        "get",
        "put",
        "post",
        "delete",
        "options",
        "head",
        "patch",
        "trace",
        "query",
        "additionalOperations",
        IGNORE,
    ];
    const OPERATION: &[&str] = &["operationId", "security", "parameters", "servers", IGNORE];
    const PARAMETER: &[&str] = &["$ref", "name", "in", "required", MULTI_SEGMENT, IGNORE];
    let is_path_map = |s: &Seg<'_>| s.is("paths") || s.is("webhooks");
    let is_path_item_map = |p: &[Seg<'_>]| match p {
        [m] => is_path_map(m),
        [c, items] => c.is("components") && items.is("pathItems"),
        _ => false,
    };
    // An operation under a path item: `get`, or 3.2's `additionalOperations/COPY`.
    let is_operation = |p: &[Seg<'_>]| match p {
        [items @ .., _, extra, _] if extra.is("additionalOperations") => is_path_item_map(items),
        [items @ .., _, op] => {
            is_path_item_map(items)
                && !op.is("parameters")
                && !op.is("servers")
                && !op.is("additionalOperations")
        }
        _ => false,
    };
    let is_parameter_list = |p: &[Seg<'_>]| match p {
        // A path item's, or an operation's.
        [rest @ .., params] if params.is("parameters") => {
            matches!(rest, [items @ .., _] if is_path_item_map(items)) || is_operation(rest)
        }
        _ => false,
    };
    match path {
        [] => Members::Only(ROOT),
        [c] if c.is("components") => Members::Only(COMPONENTS),
        // Named parameters: Swagger 2.0's top-level ones and OpenAPI 3's components.
        [params, _] if params.is("parameters") => Members::Only(PARAMETER),
        [c, params, _] if c.is("components") && params.is("parameters") => Members::Only(PARAMETER),
        [list @ .., Seg::Index] if is_parameter_list(list) => Members::Only(PARAMETER),
        [items @ .., _] if is_path_item_map(items) => Members::Only(PATH_ITEM),
        p if is_operation(p) => Members::Only(OPERATION),
        _ => Members::All,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the policy leaves the member `key` of the object at `path` unbuilt.
    fn skips(path: &[Seg<'_>], key: &str) -> bool {
        openapi_skip(path).skips(key)
    }

    #[test]
    fn the_skip_policy_keeps_what_the_model_reads() {
        let key = |k: &'static str| Seg::Key(k.into());
        let op = [key("paths"), key("/a"), key("get")];
        assert!(skips(&op, "responses"));
        assert!(skips(&op, "description"));
        assert!(!skips(&op, "security"));
        assert!(!skips(&op, "x-scopegate-ignore"));
        assert!(!skips(&op[..2], "get"));
        assert!(skips(&op[..2], "summary"));
        let param = [
            key("paths"),
            key("/a"),
            key("get"),
            key("parameters"),
            Seg::Index,
        ];
        assert!(skips(&param, "schema"));
        assert!(!skips(&param, "in"));
        assert!(!skips(&[], "components"));
        assert!(skips(&[], "definitions"));
        assert!(skips(&[key("components")], "schemas"));
        assert!(!skips(&[key("components")], "securitySchemes"));
        assert!(!skips(
            &[key("components"), key("securitySchemes"), key("o")],
            "flows"
        ));
        let extra = [
            key("paths"),
            key("/a"),
            key("additionalOperations"),
            key("COPY"),
        ];
        assert!(!skips(&extra, "security"));
        assert!(skips(&extra, "responses"));
        assert!(!skips(&extra[..3], "COPY"));
        assert!(!skips(&op[..2], "query"));
        let extra_param = [
            key("paths"),
            key("/a"),
            key("additionalOperations"),
            key("COPY"),
            key("parameters"),
            Seg::Index,
        ];
        assert!(!skips(&extra_param, "in"));
        assert!(skips(&extra_param, "schema"));
        let item = [key("components"), key("pathItems"), key("t"), key("get")];
        assert!(!skips(&item, "operationId"));
        assert!(skips(&item, "requestBody"));
    }
}
