//! What became of one row of the file, read from the server's answer the same way whether it
//! came from the bulk invite (a row's result) or from a single invite (its answer).

use rollcall_client::types::Problem;
use uuid::Uuid;

/// The problem class of a pending invitation for that email already (it carries its id).
const PENDING: &str = "https://rollcall.dev/problems/invitation-pending";
/// The problem class of an email that is a live member's already.
const MEMBER: &str = "https://rollcall.dev/problems/already-member";

/// What became of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Invited now.
    Created(Uuid),
    /// An invitation for that email was pending already (a re-run of the same file).
    AlreadyInvited(Uuid),
    /// That email is a member already.
    AlreadyMember(String),
    /// The row is not an invitation (checked before any call, or refused as invalid).
    Invalid(String),
    /// The server refused it (a 4xx, or a 429 past `--max-wait`).
    Refused { status: u16, problem: String },
    /// The server could not take it (a 5xx, or no answer).
    Unavailable(String),
}

impl Outcome {
    /// The outcome's name in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Created(_) => "created",
            Self::AlreadyInvited(_) => "already-invited",
            Self::AlreadyMember(_) => "already-member",
            Self::Invalid(_) => "invalid",
            Self::Refused { .. } => "refused",
            Self::Unavailable(_) => "unavailable",
        }
    }

    /// The invitation the row has now, when it has one.
    pub fn invitation_id(&self) -> Option<Uuid> {
        match self {
            Self::Created(id) | Self::AlreadyInvited(id) => Some(*id),
            _ => None,
        }
    }

    /// Why the row has no new invitation, for people.
    pub fn problem(&self) -> Option<&str> {
        match self {
            Self::AlreadyMember(p)
            | Self::Invalid(p)
            | Self::Refused { problem: p, .. }
            | Self::Unavailable(p) => Some(p),
            Self::Created(_) | Self::AlreadyInvited(_) => None,
        }
    }

    /// The outcome of a refused row, from its status and problem.
    pub fn refused(status: u16, problem: &Problem) -> Self {
        let line = format!("{} {}: {}", status, problem.title, problem.detail);
        match (problem.type_.as_str(), problem.invitation_id) {
            (PENDING, Some(id)) => Self::AlreadyInvited(id),
            (MEMBER, _) => Self::AlreadyMember(problem.detail.clone()),
            _ if (400..500).contains(&status) => Self::Refused {
                status,
                problem: line,
            },
            _ => Self::Unavailable(line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(status: u16, class: &str, invitation: Option<Uuid>) -> Problem {
        serde_json::from_value(serde_json::json!({
            "type": format!("https://rollcall.dev/problems/{class}"), "title": "T",
            "status": status, "detail": "D", "requestId": "r",
            "invitationId": invitation,
        }))
        .unwrap()
    }

    #[test]
    fn a_pending_invitation_is_already_invited_with_its_id_and_other_problems_are_refusals() {
        let id = Uuid::new_v4();
        assert_eq!(
            Outcome::refused(409, &problem(409, "invitation-pending", Some(id))),
            Outcome::AlreadyInvited(id)
        );
        assert_eq!(
            Outcome::refused(409, &problem(409, "already-member", None)).name(),
            "already-member"
        );
        assert_eq!(
            Outcome::refused(403, &problem(403, "forbidden", None)),
            Outcome::Refused {
                status: 403,
                problem: "403 T: D".into()
            }
        );
        assert_eq!(
            Outcome::refused(503, &problem(503, "unavailable", None)).name(),
            "unavailable"
        );
    }
}
