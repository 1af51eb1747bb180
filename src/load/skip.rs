//! What the security model never reads in an OpenAPI document, so that loading JSON leaves it
//! unbuilt (the model's knowledge, handed to the JSON reader as its skip policy).

use super::json::Seg;

/// The path-parameter extension that lets a parameter span segments (`true` or `false`).
pub const MULTI_SEGMENT: &str = "x-scopegate-multi-segment";

/// Decides which members of an OpenAPI document the security model never reads, so that
/// loading JSON leaves them unbuilt: schemas, examples, bodies, responses, descriptions.
/// Objects the model reads keep only the members it reads; a `$ref` into anything skipped
/// builds that subtree when it is followed.
pub fn openapi_skip(path: &[Seg<'_>], key: &str) -> bool {
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
    ];
    const COMPONENTS: &[&str] = &["securitySchemes", "parameters", "pathItems"];
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
    ];
    const OPERATION: &[&str] = &["operationId", "security", "parameters", "servers"];
    const PARAMETER: &[&str] = &["$ref", "name", "in", "required", MULTI_SEGMENT];
    let keep = |list: &[&str]| key == IGNORE || list.contains(&key);
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
        [] => !keep(ROOT),
        [c] if c.is("components") => !keep(COMPONENTS),
        // Named parameters: Swagger 2.0's top-level ones and OpenAPI 3's components.
        [params, _] if params.is("parameters") => !keep(PARAMETER),
        [c, params, _] if c.is("components") && params.is("parameters") => !keep(PARAMETER),
        [list @ .., Seg::Index] if is_parameter_list(list) => !keep(PARAMETER),
        [items @ .., _] if is_path_item_map(items) => !keep(PATH_ITEM),
        p if is_operation(p) => !keep(OPERATION),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skip_policy_keeps_what_the_model_reads() {
        let key = |k: &'static str| Seg::Key(k.into());
        let op = [key("paths"), key("/a"), key("get")];
        assert!(openapi_skip(&op, "responses"));
        assert!(openapi_skip(&op, "description"));
        assert!(!openapi_skip(&op, "security"));
        assert!(!openapi_skip(&op, "x-scopegate-ignore"));
        assert!(!openapi_skip(&op[..2], "get"));
        assert!(openapi_skip(&op[..2], "summary"));
        let param = [
            key("paths"),
            key("/a"),
            key("get"),
            key("parameters"),
            Seg::Index,
        ];
        assert!(openapi_skip(&param, "schema"));
        assert!(!openapi_skip(&param, "in"));
        assert!(!openapi_skip(&[], "components"));
        assert!(openapi_skip(&[], "definitions"));
        assert!(openapi_skip(&[key("components")], "schemas"));
        assert!(!openapi_skip(&[key("components")], "securitySchemes"));
        assert!(!openapi_skip(
            &[key("components"), key("securitySchemes"), key("o")],
            "flows"
        ));
        let extra = [
            key("paths"),
            key("/a"),
            key("additionalOperations"),
            key("COPY"),
        ];
        assert!(!openapi_skip(&extra, "security"));
        assert!(openapi_skip(&extra, "responses"));
        assert!(!openapi_skip(&extra[..3], "COPY"));
        assert!(!openapi_skip(&op[..2], "query"));
        let extra_param = [
            key("paths"),
            key("/a"),
            key("additionalOperations"),
            key("COPY"),
            key("parameters"),
            Seg::Index,
        ];
        assert!(!openapi_skip(&extra_param, "in"));
        assert!(openapi_skip(&extra_param, "schema"));
        let item = [key("components"), key("pathItems"), key("t"), key("get")];
        assert!(!openapi_skip(&item, "operationId"));
        assert!(openapi_skip(&item, "requestBody"));
    }
}
