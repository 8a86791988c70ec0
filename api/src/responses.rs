//! Success responses whose status is part of the contract, so the spec says 201 or 204 where
//! the operation answers 201 or 204.

use poem_openapi::ApiResponse;
use poem_openapi::payload::Json;
use poem_openapi::types::{ToJSON, Type};

/// 201 with the object that was created.
#[derive(Debug, ApiResponse)]
pub enum Created<T: ToJSON + Type + Send + Sync> {
    /// Created.
    #[oai(status = 201)]
    Created(Json<T>),
}

/// 201 when the object was created, 200 when the same thing already existed (nothing changed).
#[derive(Debug, ApiResponse)]
pub enum CreatedOrFound<T: ToJSON + Type + Send + Sync> {
    /// Created.
    #[oai(status = 201)]
    Created(Json<T>),
    /// It already existed; nothing changed.
    #[oai(status = 200)]
    Found(Json<T>),
}

/// 204: done, nothing to return.
#[derive(Debug, ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}
