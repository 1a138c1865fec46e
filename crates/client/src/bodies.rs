//! Small conveniences on the generated types, written by hand:
//!
//! * a body builder may be given where an *optional* field of its type is set, as it already
//!   may for a required one: `.permissions(types::PermissionsInput::builder().group(0))`
//!   works on `InviteRequest` (optional) as on `RegisterUserOrganizationRequest` (required);
//! * [`Scope`](types::Scope) gets names for its two values and a `Display`.

use std::fmt;

use crate::types;

/// `TryFrom<builder::X> for Option<X>` for every object schema `X` (the list is read from the
/// document by `build.rs`).
macro_rules! optional_builders {
    ($($name:ident,)*) => {$(
        impl TryFrom<types::builder::$name> for Option<types::$name> {
            type Error = types::error::ConversionError;

            fn try_from(builder: types::builder::$name) -> Result<Self, Self::Error> {
                types::$name::try_from(builder).map(Some)
            }
        }
    )*};
}

include!(concat!(env!("OUT_DIR"), "/bodies.rs"));

impl types::Scope {
    /// Scope 1: an administrator.
    pub fn administrator() -> Self {
        Self::try_from(1).expect("1 is a scope in the document")
    }

    /// Scope 2: every role but administrator.
    pub fn member() -> Self {
        Self::try_from(2).expect("2 is a scope in the document")
    }

    /// Whether this is scope 1.
    pub fn is_administrator(&self) -> bool {
        **self == 1
    }
}

/// The scope as the API writes it: `1` or `2`.
impl fmt::Display for types::Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_scopes_have_names_compare_and_print_as_the_api_writes_them() {
        assert_eq!(
            types::Scope::administrator(),
            types::Scope::try_from(1).unwrap()
        );
        assert_ne!(types::Scope::administrator(), types::Scope::member());
        assert!(types::Scope::administrator().is_administrator());
        assert!(!types::Scope::member().is_administrator());
        assert_eq!(types::Scope::member().to_string(), "2");
    }

    #[test]
    fn an_optional_field_takes_the_builder_of_its_type() {
        let body = types::InviteRequest::try_from(
            types::InviteRequest::builder()
                .email("jane@example.com")
                .role(types::Role::Member)
                .permissions(types::PermissionsInput::builder().group(3)),
        )
        .unwrap();
        assert_eq!(body.permissions.map(|p| p.group), Some(3));
        let incomplete: Result<Option<types::PermissionsInput>, _> =
            types::PermissionsInput::builder().try_into();
        assert!(incomplete.unwrap_err().to_string().contains("group"));
    }
}
