//! The two generic shapes every family repeats: a page of a list (`{"data": [...],
//! "nextCursor": string|null}`) and the `users-organizations/v1` envelope (`{"data": …}`). Each
//! is one type whose schema is named after its item (`Invitation` → `InvitationPage`,
//! `Membership` → `MembershipEnvelope`), as the document names them.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ArrayBuilder, ObjectBuilder, Ref, RefOr, Schema, Type, schema::SchemaType},
};

/// `ToSchema` for a generic shape: its schema is named after its item with the shape's name
/// (`InvitationPage`), and brings the item's schema along.
macro_rules! named_after_item {
    ($shape:ident) => {
        impl<T: ToSchema> ToSchema for $shape<T> {
            fn name() -> Cow<'static, str> {
                Cow::Owned(format!("{}{}", T::name(), stringify!($shape)))
            }
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                schemas.push((T::name().into_owned(), T::schema()));
                T::schemas(schemas);
            }
        }
    };
}

/// A page of a list, in the list's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The items mapped, the cursor kept.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

impl<T: ToSchema> PartialSchema for Page<T> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(format!("A page of {}s.", T::name())))
            .property(
                "data",
                ArrayBuilder::new().items(Ref::from_schema_name(T::name())),
            )
            .required("data")
            .property(
                "nextCursor",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some(
                        "Pass as `cursor` to get the next page; null on the last page.",
                    )),
            )
            .required("nextCursor")
            .into()
    }
}

named_after_item!(Page);

/// `{"data": T}`: how `users-organizations/v1` answers a single object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub data: T,
}

impl<T> From<T> for Envelope<T> {
    fn from(data: T) -> Self {
        Self { data }
    }
}

impl<T: ToSchema> PartialSchema for Envelope<T> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property("data", Ref::from_schema_name(T::name()))
            .required("data")
            .into()
    }
}

named_after_item!(Envelope);
