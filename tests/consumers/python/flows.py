"""The three seed flows, as a Python program would run them with a client that
openapi-python-client generated from openapi/rollcall.yaml (package `rollcall_client`).

Run by tests/consumers/run.py, which generates the client, starts a live `rollcall serve` and
passes its address and tokens minted with `rollcall token` in the environment:
ROLLCALL_URL, FOUNDER_BEARER (user 1, verified founder@acme.example), BACKOFFICE_BEARER and
BACKOFFICE_SESSION (user 9000, role backoffice, a session acting on no organization) and
INVITEE_BEARER (user 100, verified jane@example.com). Every answer is decoded into the
generated models; an undocumented status raises. Exits non-zero at the first surprise.
"""

import os
import sys
from http import HTTPStatus

from rollcall_client import AuthenticatedClient, Client
from rollcall_client.api.back_office import (
    bo_organization_create,
    bo_user_create,
    bo_user_organization_register,
)
from rollcall_client.api.invitations import invitation_accept, invitation_create, invitation_lookup
from rollcall_client.api.memberships import ad_user_invite, session_create
from rollcall_client.api.organizations import organization_create
from rollcall_client.api.teams import team_create
from rollcall_client.models import (
    BackOfficeOrganizationEnvelope,
    CreateOrganizationRequest,
    CreateSessionRequest,
    CreateTeamRequest,
    CreateUserRequest,
    InvitationLookup,
    InvitationStatus,
    InvitationTokenRequest,
    InvitationWithToken,
    InviteRequest,
    InviteUserOrganizationRequest,
    Member,
    MembershipEnvelope,
    Organization,
    PermissionsInput,
    Problem,
    RegisterUserOrganizationRequest,
    Role,
    Scope,
    SessionEnvelope,
    Team,
    TeamAssignment,
    TeamRole,
    UserEnvelope,
)

URL = os.environ["ROLLCALL_URL"]


def client(token):
    return AuthenticatedClient(base_url=URL, token=token, raise_on_unexpected_status=True)


def expect(response, status, model):
    """The parsed body of an answer that must have `status` and decode into `model`."""
    if response.status_code != status or not isinstance(response.parsed, model):
        sys.exit(f"flows.py: expected {status} {model.__name__}, got {response.status_code}: {response.content[:300]!r}")
    return response.parsed


def check(condition, what, got=None):
    if not condition:
        sys.exit(f"flows.py: not so: {what} (got {got!r})")
    print(f"  ok: {what}")


def seed_000(founder):
    """A founder creates an organization, takes a session for it, and invites John (seed 000)."""
    org = expect(organization_create.sync_detailed(client=founder, body=CreateOrganizationRequest(name="Acme")),
                 HTTPStatus.CREATED, Organization)
    session = expect(session_create.sync_detailed(client=founder, body=CreateSessionRequest(organization_id=org.numeric_id)),
                     HTTPStatus.CREATED, SessionEnvelope).data
    body = InviteUserOrganizationRequest(first_name="John", last_name="Doe", email="test@mail.com",
                                         permissions=PermissionsInput(group=0))
    membership = expect(ad_user_invite.sync_detailed(client=founder, body=body, x_session_token=session.token),
                        HTTPStatus.CREATED, MembershipEnvelope).data
    check(membership.organization_id == org.numeric_id, "seed 000: John is a member of the session's organization")
    check(membership.scope == Scope.STANDARD and membership.role == Role.MEMBER, "seed 000: with scope 2, role member")
    check(membership.deleted_at is None, "seed 000: live (deletedAt null)")
    again = ad_user_invite.sync_detailed(client=founder, body=body, x_session_token=session.token)
    problem = expect(again, HTTPStatus.CONFLICT, Problem)
    check(problem.status == 409 and problem.request_id, "seed 000: inviting him again is a typed 409 problem")
    return org


def seed_001(backoffice, session):
    """The back office creates a profile and an organization and registers one in the other."""
    user = expect(bo_user_create.sync_detailed(client=backoffice, x_session_token=session,
                                               body=CreateUserRequest(first_name="Ada", last_name="Lovelace",
                                                                      email="ada@example.com")),
                  HTTPStatus.CREATED, UserEnvelope).data
    org = expect(bo_organization_create.sync_detailed(client=backoffice, x_session_token=session,
                                                      body=CreateOrganizationRequest(name="Analytical")),
                 HTTPStatus.CREATED, BackOfficeOrganizationEnvelope).data
    body = RegisterUserOrganizationRequest(scope=Scope.ADMINISTRATOR,
                                           permissions=PermissionsInput(group=0, manage=[1, 2], read=[1, 2]))
    membership = expect(bo_user_organization_register.sync_detailed(
        user_id=user.id, organization_id=org.id, client=backoffice, x_session_token=session, body=body),
        HTTPStatus.CREATED, MembershipEnvelope).data
    check((membership.user_id, membership.organization_id) == (user.id, org.id), "seed 001: the user is registered there")
    check(membership.scope == Scope.ADMINISTRATOR and membership.role == Role.ADMINISTRATOR,
          "seed 001: scope 1 makes an administrator")
    check(list(membership.permissions.read) == [1, 2] and list(membership.permissions.manage) == [1, 2],
          "seed 001: with the permissions sent")


def seed_002(founder, org, invitee):
    """The founder invites Jane by email into a team; she looks the invitation up and accepts."""
    team = expect(team_create.sync_detailed(organization_id=org.id, client=founder, body=CreateTeamRequest(name="Platform")),
                  HTTPStatus.CREATED, Team)
    body = InviteRequest(email="jane@example.com", role=Role.MEMBER,
                         team_assignments=[TeamAssignment(team_id=team.id, role=TeamRole.DEVELOPER)])
    invitation = expect(invitation_create.sync_detailed(organization_id=org.id, client=founder, body=body),
                        HTTPStatus.CREATED, InvitationWithToken)
    check(invitation.status == InvitationStatus.PENDING and invitation.token, "seed 002: a pending invitation with its token")
    check(invitation.permissions is None, "seed 002: permissions not given decode as None (a nullable reference)")
    lookup = expect(invitation_lookup.sync_detailed(client=Client(base_url=URL, raise_on_unexpected_status=True),
                                                    body=InvitationTokenRequest(token=invitation.token)),
                    HTTPStatus.OK, InvitationLookup)
    check(lookup.organization_name == "Acme" and lookup.organization_role == Role.MEMBER,
          "seed 002: anyone with the token sees the organization and the role")
    check(lookup.inviter is not None and lookup.inviter.user_id == 1, "seed 002: and who invited")
    member = expect(invitation_accept.sync_detailed(client=invitee, body=InvitationTokenRequest(token=invitation.token)),
                    HTTPStatus.CREATED, Member)
    check(member.email == "jane@example.com" and member.role == Role.MEMBER, "seed 002: Jane accepts and is a member",
          (member.email, member.role))
    check([(t.team_id, t.role) for t in member.teams] == [(team.id, TeamRole.DEVELOPER)], "seed 002: in the team")
    duplicate = invitation_create.sync_detailed(organization_id=org.id, client=founder,
                                                body=InviteRequest(email="jane@example.com", role=Role.MEMBER))
    check(isinstance(expect(duplicate, HTTPStatus.CONFLICT, Problem), Problem),
          "seed 002: inviting a member again is a typed 409 problem")


def main():
    founder = client(os.environ["FOUNDER_BEARER"])
    print("python (openapi-python-client):")
    org = seed_000(founder)
    seed_001(client(os.environ["BACKOFFICE_BEARER"]), os.environ["BACKOFFICE_SESSION"])
    seed_002(founder, org, client(os.environ["INVITEE_BEARER"]))
    print("python: the three seed flows passed")


if __name__ == "__main__":
    main()
