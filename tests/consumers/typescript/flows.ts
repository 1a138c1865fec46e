// The three seed flows, as a TypeScript program would run them with types that
// openapi-typescript generated from openapi/rollcall.yaml (`./generated/rollcall.js`, made with
// `--enum`) and the openapi-fetch client. Type-checked with `tsc --strict` (tsconfig.json), then
// run by node against a live `rollcall serve` by tests/consumers/run.py, which passes the
// address and tokens minted with `rollcall token` in the environment: ROLLCALL_URL,
// FOUNDER_BEARER (user 1, verified founder@acme.example), BACKOFFICE_BEARER and
// BACKOFFICE_SESSION (user 9000, role backoffice, a session acting on no organization),
// INVITEE_BEARER (user 100, verified jane@example.com). Exits non-zero at the first surprise.

import createClient from "openapi-fetch";
import {
  InvitationStatus,
  Role,
  Scope,
  TeamRole,
  type components,
  type paths,
} from "./generated/rollcall.js";

type Schemas = components["schemas"];

const url = env("ROLLCALL_URL");

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`flows.ts: ${name} is not set`);
  return value;
}

function client(token?: string) {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  return createClient<paths>({ baseUrl: url, headers });
}

/** The body of an answer that must have `status`; anything else stops the run. */
function expect<T>(
  answer: { data?: T; error?: unknown; response: Response },
  status: number,
): T {
  if (answer.response.status !== status || answer.data === undefined) {
    throw new Error(
      `flows.ts: expected ${status}, got ${answer.response.status}: ${JSON.stringify(answer.error ?? answer.data)}`,
    );
  }
  return answer.data;
}

/** A problem answer with `status` (its media type is application/problem+json). */
function expectProblem(
  answer: { error?: unknown; response: Response },
  status: number,
): Schemas["Problem"] {
  const problem = answer.error as Schemas["Problem"] | undefined;
  if (answer.response.status !== status || !problem || problem.status !== status) {
    throw new Error(`flows.ts: expected a ${status} problem, got ${answer.response.status}`);
  }
  if (answer.response.headers.get("x-request-id") !== problem.requestId) {
    throw new Error("flows.ts: the problem's requestId is not its x-request-id header");
  }
  return problem;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`flows.ts: ${what}`);
  console.log(`  ok: ${what}`);
}

/** A founder creates an organization, takes a session for it, and invites John (seed 000). */
async function seed000(founder: ReturnType<typeof client>): Promise<Schemas["Organization"]> {
  const org = expect(await founder.POST("/organization", { body: { name: "Acme" } }), 201);
  const session = expect(
    await founder.POST("/users-organizations/v1/sessions", {
      body: { organizationId: org.numericId },
    }),
    201,
  ).data;
  const invite = {
    params: { header: { "x-session-token": session.token } },
    body: { firstName: "John", lastName: "Doe", email: "test@mail.com", permissions: { group: 0 } },
  };
  const membership = expect(await founder.POST("/users-organizations/v1/ad/invite", invite), 201).data;
  check(membership.organizationId === org.numericId, "seed 000: John is a member of the session's organization");
  check(membership.scope === Scope.Standard && membership.role === Role.member, "seed 000: with scope 2, role member");
  check(membership.deletedAt === null, "seed 000: live (deletedAt null)");
  const again = await founder.POST("/users-organizations/v1/ad/invite", invite);
  check(expectProblem(again, 409).requestId.length > 0, "seed 000: inviting him again is a 409 problem");
  return org;
}

/** The back office creates a profile and an organization and registers one in the other (seed 001). */
async function seed001(backoffice: ReturnType<typeof client>, session: string): Promise<void> {
  const header = { "x-session-token": session };
  const user = expect(
    await backoffice.POST("/users-organizations/v1/bo/users", {
      params: { header },
      body: { firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" },
    }),
    201,
  ).data;
  const org = expect(
    await backoffice.POST("/users-organizations/v1/bo/organizations", {
      params: { header },
      body: { name: "Analytical" },
    }),
    201,
  ).data;
  const membership = expect(
    await backoffice.POST(
      "/users-organizations/v1/bo/users/register/{userId}/organizations/{organizationId}",
      {
        params: { path: { userId: user.id, organizationId: org.id }, header },
        body: { scope: Scope.Administrator, permissions: { group: 0, manage: [1, 2], read: [1, 2] } },
      },
    ),
    201,
  ).data;
  check(
    membership.userId === user.id && membership.organizationId === org.id,
    "seed 001: the user is registered there",
  );
  check(
    membership.scope === Scope.Administrator && membership.role === Role.administrator,
    "seed 001: scope 1 makes an administrator",
  );
  check(
    membership.permissions.read.join() === "1,2" && membership.permissions.manage.join() === "1,2",
    "seed 001: with the permissions sent",
  );
}

/** The founder invites Jane into a team; she looks the invitation up and accepts it (seed 002). */
async function seed002(
  founder: ReturnType<typeof client>,
  org: Schemas["Organization"],
  invitee: ReturnType<typeof client>,
): Promise<void> {
  const path = { organizationId: org.id };
  const team = expect(
    await founder.POST("/organization/{organizationId}/teams", { params: { path }, body: { name: "Platform" } }),
    201,
  );
  const invitation = expect(
    await founder.POST("/organization/{organizationId}/invite", {
      params: { path },
      body: {
        email: "jane@example.com",
        role: Role.member,
        teamAssignments: [{ teamId: team.id, role: TeamRole.developer }],
      },
    }),
    201,
  );
  check(invitation.status === InvitationStatus.pending && invitation.token.length > 0, "seed 002: a pending invitation with its token");
  const permissions: Schemas["Permissions"] | null = invitation.permissions;
  check(permissions === null, "seed 002: permissions not given are null (a nullable reference)");
  const lookup = expect(
    await client().POST("/invitations/lookup", { body: { token: invitation.token } }),
    200,
  );
  check(
    lookup.organizationName === "Acme" && lookup.organizationRole === Role.member,
    "seed 002: anyone with the token sees the organization and the role",
  );
  check(lookup.inviter !== null && lookup.inviter.userId === 1, "seed 002: and who invited");
  const member = expect(await invitee.POST("/invitations/accept", { body: { token: invitation.token } }), 201);
  check(member.email === "jane@example.com" && member.role === Role.member, "seed 002: Jane accepts and is a member");
  const [only, ...others] = member.teams;
  check(
    others.length === 0 && only?.teamId === team.id && only.role === TeamRole.developer,
    "seed 002: in the team",
  );
  const duplicate = await founder.POST("/organization/{organizationId}/invite", {
    params: { path },
    body: { email: "jane@example.com", role: Role.member },
  });
  check(expectProblem(duplicate, 409).status === 409, "seed 002: inviting a member again is a 409 problem");
}

async function main(): Promise<void> {
  console.log("typescript (openapi-typescript + openapi-fetch):");
  const founder = client(env("FOUNDER_BEARER"));
  const org = await seed000(founder);
  await seed001(client(env("BACKOFFICE_BEARER")), env("BACKOFFICE_SESSION"));
  await seed002(founder, org, client(env("INVITEE_BEARER")));
  console.log("typescript: the three seed flows passed");
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
