//! `JsonBody<T>`: a JSON request body whose failures name their fields. poem-openapi reports a
//! missing or mistyped field with the type's name only, so on failure the body is checked
//! against the operation's own schema to say which field broke which rule.

use poem::http::StatusCode;
use poem::{Request, RequestBody};
use poem_openapi::ApiExtractor;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use serde_json::Value;

use crate::problem::{FieldError, Problem, ProblemError};

/// A JSON request body of type `T`.
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T> std::ops::Deref for JsonBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(m) if m.type_() == "application"
            && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = <Vec<u8> as poem::FromRequest>::from_request(request, body).await?;
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| {
                ProblemError(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    format!("the body is not valid JSON: {e}"),
                ))
            })?
        };
        match T::parse_from_json(Some(value.clone())) {
            Ok(parsed) => Ok(Self(parsed)),
            Err(error) => {
                let mut registry = Registry::new();
                T::register(&mut registry);
                let mut errors = Vec::new();
                check(&registry, &T::schema_ref(), &value, "", &mut errors);
                if errors.is_empty() {
                    errors.push(FieldError {
                        field: "body".into(),
                        code: "invalid".into(),
                        message: error.into_message(),
                    });
                }
                Err(ProblemError(Problem::validation(errors)).into())
            }
        }
    }
}

impl<'a, T: ParseFromJSON + Type> ApiExtractor<'a> for JsonBody<T> {
    const TYPES: &'static [poem_openapi::ApiExtractorType] =
        &[poem_openapi::ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        <Self as Payload>::register(registry);
    }

    fn request_meta() -> Option<poem_openapi::registry::MetaRequest> {
        Some(poem_openapi::registry::MetaRequest {
            description: None,
            content: vec![poem_openapi::registry::MetaMediaType {
                content_type: <Self as Payload>::CONTENT_TYPE,
                schema: <Self as Payload>::schema_ref(),
            }],
            required: true,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: poem_openapi::ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match request.content_type() {
            Some(content_type) if <Self as Payload>::check_content_type(content_type) => {}
            Some(content_type) => {
                return Err(poem_openapi::error::ContentTypeError::NotSupported {
                    content_type: content_type.to_owned(),
                }
                .into());
            }
            None => return Err(poem_openapi::error::ContentTypeError::ExpectContentType.into()),
        }
        <Self as ParsePayload>::from_request(request, body).await
    }
}

fn resolve<'r>(registry: &'r Registry, schema: &'r MetaSchemaRef) -> Option<&'r MetaSchema> {
    match schema {
        MetaSchemaRef::Inline(inline) => Some(inline),
        MetaSchemaRef::Reference(name) => registry
            .schemas
            .get(name.trim_start_matches("#/components/schemas/")),
    }
}

fn push(errors: &mut Vec<FieldError>, field: &str, code: &str, message: String) {
    errors.push(FieldError {
        field: if field.is_empty() {
            "body".into()
        } else {
            field.to_owned()
        },
        code: code.into(),
        message,
    });
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Checks `value` against `schema` and records what does not fit, with dotted field paths.
fn check(
    registry: &Registry,
    schema: &MetaSchemaRef,
    value: &Value,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    let Some(meta) = resolve(registry, schema) else {
        return;
    };
    for part in &meta.all_of {
        check(registry, part, value, path, errors);
    }
    if value.is_null() {
        return;
    }
    let actual = json_type(value);
    let type_fits = match meta.ty {
        "" | "any" => true,
        "number" => matches!(actual, "number" | "integer"),
        expected => expected == actual,
    };
    if !type_fits {
        push(
            errors,
            path,
            "wrong_type",
            format!("expected {}, found {actual}", meta.ty),
        );
        return;
    }
    if !meta.enum_items.is_empty() && !meta.enum_items.contains(value) {
        let allowed: Vec<String> = meta.enum_items.iter().map(ToString::to_string).collect();
        push(
            errors,
            path,
            "not_allowed",
            format!("must be one of {}", allowed.join(", ")),
        );
    }
    if let Value::String(text) = value {
        let chars = text.chars().count();
        if meta.max_length.is_some_and(|max| chars > max) {
            push(
                errors,
                path,
                "too_long",
                format!(
                    "must be at most {} characters",
                    meta.max_length.unwrap_or_default()
                ),
            );
        }
        if meta.min_length.is_some_and(|min| chars < min) {
            push(
                errors,
                path,
                "too_short",
                format!(
                    "must be at least {} characters",
                    meta.min_length.unwrap_or_default()
                ),
            );
        }
    }
    if let Some(number) = value.as_f64() {
        if meta.maximum.is_some_and(|max| number > max) {
            push(
                errors,
                path,
                "too_large",
                format!("must be at most {}", meta.maximum.unwrap_or_default()),
            );
        }
        if meta.minimum.is_some_and(|min| number < min) {
            push(
                errors,
                path,
                "too_small",
                format!("must be at least {}", meta.minimum.unwrap_or_default()),
            );
        }
    }
    if let Value::Object(object) = value {
        for required in &meta.required {
            if object.get(*required).is_none_or(Value::is_null) {
                push(
                    errors,
                    &join(path, required),
                    "required",
                    "is required".into(),
                );
            }
        }
        for (name, property) in &meta.properties {
            if let Some(field) = object.get(*name) {
                check(registry, property, field, &join(path, name), errors);
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, &meta.items) {
        for (index, item) in items.iter().enumerate() {
            check(
                registry,
                item_schema,
                item,
                &format!("{path}[{index}]"),
                errors,
            );
        }
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}
