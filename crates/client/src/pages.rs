//! Lists as streams. Every list operation answers one page (`data`, `nextCursor`) and takes
//! the previous page's `nextCursor` as `cursor`; [`ListOperation`] does that loop once, for
//! every list operation's builder (the list of them is read from the document by `build.rs`).

use std::future::Future;

use futures_util::{StreamExt, TryStreamExt, stream, stream::BoxStream};

use crate::{ApiError, Error, ResponseValue, types};

/// One page of a list: its items and the cursor of the next page.
pub trait Page {
    /// What the list holds.
    type Item;
    /// The cursor of the next page; `None` on the last page.
    fn next_cursor(&self) -> Option<&str>;
    /// The page's items, in the list's order.
    fn into_items(self) -> Vec<Self::Item>;
}

/// The builder of a list operation (`client.invitation_list()`, `client.ad_user_list()`, …):
/// set its parameters and filters, then walk the whole list with [`items`](Self::items) or
/// [`pages`](Self::pages) instead of `send()`.
///
/// ```ignore
/// use rollcall_client::prelude::*;
/// let mut members = client.member_list().organization_id(org).limit(50_u64).items();
/// while let Some(member) = members.try_next().await? {
///     println!("{} {}", member.email, member.role);
/// }
/// ```
pub trait ListOperation<'a>: Clone + Send + Sized + 'a {
    /// The page the operation answers.
    type Page: Page + Send + 'a;

    /// The same call for the page after `cursor`; `None` leaves the cursor as it is (so a
    /// loop can pass the previous page's `nextCursor` as it comes).
    fn after(self, cursor: Option<String>) -> Self;

    /// Sends the call for one page: the builder's `send()`.
    fn send_page(
        self,
    ) -> impl Future<Output = Result<ResponseValue<Self::Page>, Error<types::Problem>>> + Send + 'a;

    /// Every page, from the cursor set (or the first page) to the last, each fetched when the
    /// stream is polled for it. The stream ends after the first error. (Boxed, so that
    /// `try_next()` needs no pinning.)
    fn pages(self) -> BoxStream<'a, Result<Self::Page, ApiError>> {
        stream::try_unfold(Some(self), |next| async move {
            let Some(call) = next else {
                return Ok(None);
            };
            let page = call.clone().send_page().await?.into_inner();
            let after = page
                .next_cursor()
                .map(|cursor| call.after(Some(cursor.to_owned())));
            Ok(Some((page, after)))
        })
        .boxed()
    }

    /// Every item of every page, in the list's order (see [`pages`](Self::pages)).
    fn items(self) -> BoxStream<'a, Result<<Self::Page as Page>::Item, ApiError>>
    where
        <Self::Page as Page>::Item: Send,
    {
        self.pages()
            .map_ok(|page| stream::iter(page.into_items().into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

/// `ListOperation` for each list operation's builder (`Builder => Page`).
macro_rules! list_operations {
    ($($builder:ident => $page:ident,)*) => {$(
        impl<'a> ListOperation<'a> for crate::builder::$builder<'a> {
            type Page = types::$page;

            fn after(self, cursor: Option<String>) -> Self {
                match cursor {
                    Some(cursor) => self.cursor(cursor),
                    None => self,
                }
            }

            fn send_page(
                self,
            ) -> impl Future<Output = Result<ResponseValue<Self::Page>, Error<types::Problem>>>
                   + Send
                   + 'a {
                self.send()
            }
        }
    )*};
}

/// `Page` for each page type (`Page => Item`).
macro_rules! pages {
    ($($page:ident => $item:ident,)*) => {$(
        impl Page for types::$page {
            type Item = types::$item;

            fn next_cursor(&self) -> Option<&str> {
                self.next_cursor.as_deref()
            }

            fn into_items(self) -> Vec<Self::Item> {
                self.data
            }
        }
    )*};
}

include!(concat!(env!("OUT_DIR"), "/lists.rs"));
